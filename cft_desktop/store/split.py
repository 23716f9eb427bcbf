"""`SplitStorage`: the ratings store as an index file plus one file per client, for TinyDB.

Owns which file each table lives in and the saves that span several files. Files, in the
folder of ``ratings.json``::

    ratings.json                          the index: _meta, clients, settings, _set_aside, and
                                          _files, the clients that have a file of their own
    ratings.json.clients/<client>.json    one client's sessions/<client>/<YYYY-MM> tables (and
                                          the records of theirs that failed validation)

A client listed in ``_files`` whose file is gone with its mirror and every backup is said to be
missing (in `recovery_message`), never shown as a client with no history; a client's first
session writes their file and lists them in one transaction.

Every one of these files is an `AtomicJSONStorage` with everything that brings: written
atomically, a ``.mirror`` beside it so damage to any one file loses nothing, ``.bakN`` backups,
salvage and recovery, integrity checksums, and the same key (`crypto.Vault`) when encrypted. The
index's lock (``ratings.json.lock``) keeps other processes out of all of them.

Loading is lazy: opening reads the index only; a client's file is read and checked (`db.validate`)
the first time that client's sessions are asked for, so opening one client's history costs that
client's sessions, not everyone's (`records.Records` reads the active client's at opening). What
recovering a client's file needed is said, naming the client, in `recovery_message` and, once, in
`new_recovery_message` for files read after opening.

Saving: TinyDB hands back the whole document (the index's tables and the loaded clients'
sessions); only the files whose tables changed are written, so saving a rating rewrites one
client's file. A save that changes several files (an import across clients, splitting an old
file, a passphrase change) is one transaction: every new file (and its mirror) is written into
``ratings.json.commit/`` (``ratings.json.rekey/`` for a passphrase change), a plan file written
there last is the commit point, then each file replaces its old version. Opening finishes a
committed plan and discards an uncommitted one (see `AtomicJSONStorage._finish_interrupted_rekey`),
so after a crash either every file is old or every file is new. An import (`commit_clients`)
builds, stages and lets go of one client's file after another, so its memory follows the largest
client, not the whole import; those clients' files are read again when next needed.

Old stores: a ``ratings.json`` that still holds session tables (every store before the split,
any schema version, or a backup of one used in recovery) is split on first open, through one
such transaction; sessions already in a client's file win over an older copy in the index, and a
session only the index holds is added. Schema version 3 marks a split store, so an older app,
which would not see the clients' files, refuses to open it instead of showing an empty history.

Erasing a client removes their file with its mirror, backups and damaged copies (`records`
removes them from the index and its backups).

Not thread-safe: one instance per store, used from the thread that owns it.
"""

from __future__ import annotations

import glob
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from cft_desktop import atomic
from cft_desktop.errors import StoreError
from cft_desktop.store import db
from cft_desktop.store.crypto import Vault
from cft_desktop.store.storage import (
    COMMIT_SUFFIX,
    DEFAULT_KEEP_BACKUPS,
    REKEY_SUFFIX,
    AtomicJSONStorage,
    Document,
    Plan,
    PreparedWrite,
)

SHARDS_SUFFIX = ".clients"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def shard_name(client_id: str) -> str:
    """The file name stem of a client's file (their id, which is random hex in practice)."""
    if _SAFE_NAME.fullmatch(client_id):
        return client_id
    import hashlib

    return "h" + hashlib.sha256(client_id.encode("utf-8")).hexdigest()[:40]


def _client_of(table: str) -> str | None:
    """The client whose sessions `table` holds (None: an index table)."""
    if not table.startswith(db.SESSIONS_PREFIX):
        return None
    rest = table[len(db.SESSIONS_PREFIX) :]
    client, slash, _ = rest.partition("/")
    return client if slash and client else None


def _changed(old: Document, new: Document) -> bool:
    # TinyDB replaces a table's dict when it changes it, so identity tells what changed.
    return old.keys() != new.keys() or any(old[name] is not new[name] for name in new)


def _merged(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """`kept`'s sessions, plus those of `other` that `kept` lacks (by session id)."""
    known = {doc.get("session_id") for doc in kept.values() if isinstance(doc, dict)}
    extra = [
        doc for doc in other.values()
        if not isinstance(doc, dict) or doc.get("session_id") not in known
    ]
    if not extra:
        return kept
    merged = dict(kept)
    next_id = db.next_doc_id(merged)
    for doc in extra:
        merged[str(next_id)] = doc
        next_id += 1
    return merged


class SplitStorage(Storage):
    """TinyDB storage over the index and the clients' files (see the module docstring).

    Opening takes the lock and reads the index at once (so a wrong passphrase or an
    unrecoverable index raises here); clients' files are read on demand (`load`).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        keep_backups: int = DEFAULT_KEEP_BACKUPS,
        passphrase: str | None = None,
        lock_wait_s: float = 0.0,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.folder = self.path.with_name(self.path.name + SHARDS_SUFFIX)
        self.keep_backups = keep_backups
        self.index = AtomicJSONStorage(
            self.path, keep_backups=keep_backups, passphrase=passphrase, lock_wait_s=lock_wait_s
        )
        self._shards: dict[str, AtomicJSONStorage] = {}
        self._view: Document | None = None
        self._closed = False
        self._told: set[str] = set()  # clients whose file's recovery has been said
        # Every client's file is loaded (clients' files appear only through this storage while
        # it holds the lock, so this stays true until something is let go).
        self._all_loaded = False

    # ---------------------------------------------------------------- TinyDB's Storage API

    def read(self) -> Document | None:
        if self._view is None:
            base = self.index.read()
            if base is None:
                return None
            view = dict(base)
            for client_id, shard in self._shards.items():
                prefix = db.client_tables_prefix(client_id)
                for name, table in (shard.read() or {}).items():
                    if name.startswith(prefix):
                        inline = view.get(name)
                        # A table also still in the index (an old backup used in recovery):
                        # the client's file is newer, but a session only the index has is kept.
                        view[name] = table if inline is None else _merged(table, inline)
            self._view = view
        return self._view

    def write(self, data: Document, *, rotate_backups: bool = True) -> None:
        """Write the files whose tables changed in `data`: one directly, several as one
        transaction. Clients whose file is not loaded and who have no tables in `data` are
        left as they are."""
        self._check_open()
        index_doc: Document = {}
        by_client: dict[str, Document] = {}
        for name, table in data.items():
            client_id = _client_of(name)
            if client_id is None:
                index_doc[name] = table
            else:
                by_client.setdefault(client_id, {})[name] = table
        fresh = {client_id for client_id in by_client if client_id not in self._shards}
        self.load(fresh)
        writes: list[tuple[AtomicJSONStorage, Document]] = []
        created: list[str] = []
        for client_id, shard in self._shards.items():
            old = shard.read() or {}
            prefix = db.client_tables_prefix(client_id)
            new = {name: table for name, table in old.items() if not name.startswith(prefix)}
            given = by_client.get(client_id, {})
            if client_id in fresh:
                # Loaded only now, so `data` never held its tables: what it gives is added.
                new.update({n: t for n, t in old.items() if n.startswith(prefix)})
                for name, table in given.items():
                    new[name] = _merged(new[name], table) if name in new else table
            else:
                new.update(given)
            if _changed(old, new):
                writes.append((shard, new))
                if shard.read() is None:
                    created.append(client_id)
        index_doc = self._listing(index_doc, created)
        current = self.index.read()
        if current is None or _changed(current, index_doc):
            writes.insert(0, (self.index, index_doc))
        self._view = None
        self._commit(writes, rotate_backups)

    def _listing(self, index_doc: Document, client_ids: Iterable[str]) -> Document:
        """`index_doc` with `client_ids` listed as having a file of their own (``_files``), so
        that a client's file that later goes missing entirely is noticed, not taken for a new
        client with no history."""
        table = index_doc.get(db.FILES_TABLE, {})
        listed = {doc.get("client_id") for doc in table.values() if isinstance(doc, dict)}
        new = [client_id for client_id in client_ids if client_id not in listed]
        if not new:
            return index_doc
        table = dict(table)
        next_id = db.next_doc_id(table)
        for client_id in new:
            table[str(next_id)] = {"client_id": client_id}
            next_id += 1
        return {**index_doc, db.FILES_TABLE: table}

    def _listed(self, client_id: str) -> bool:
        table = (self.index.read() or {}).get(db.FILES_TABLE, {})
        return any(
            isinstance(doc, dict) and doc.get("client_id") == client_id for doc in table.values()
        )

    def close(self) -> None:
        """Forget every document and the key, and let other processes in."""
        self._closed = True
        for shard in self._shards.values():
            shard.close()
        self._shards.clear()
        self._view = None
        self.index.close()

    # ---------------------------------------------------------------- clients' files

    def load(self, client_ids: Iterable[str]) -> bool:
        """Read (and check) the files of `client_ids` not loaded yet; True if any was."""
        self._check_open()
        loaded = False
        for client_id in client_ids:
            if client_id not in self._shards:
                self._shards[client_id] = self._open_shard(client_id)
                loaded = True
        if loaded:
            self._view = None
        return loaded

    def load_all(self) -> bool:
        """Load every client's file: those of the clients in the index and any other on disk."""
        if self._all_loaded:
            return False
        document = self.index.read() or {}
        ids = {
            str(doc.get("client_id"))
            for doc in document.get(db.CLIENTS_TABLE, {}).values()
            if isinstance(doc, dict) and doc.get("client_id")
        }
        ids |= {name for name in self._names_on_disk() if shard_name(name) == name}
        loaded = self.load(sorted(ids))
        self._all_loaded = True
        return loaded

    def loaded(self, client_id: str) -> bool:
        return client_id in self._shards

    def shard_path(self, client_id: str) -> Path:
        return self.folder / f"{shard_name(client_id)}.json"

    def _names_on_disk(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        pattern = re.compile(r"(.+?)\.json(?:\.mirror|\.bak\d+)?$")
        found = set()
        for path in self.folder.iterdir():
            match = pattern.match(path.name)
            if match and not path.name.startswith("."):
                found.add(match.group(1))
        return found

    def _open_shard(self, client_id: str) -> AtomicJSONStorage:
        shard = AtomicJSONStorage(
            self.shard_path(client_id),
            keep_backups=self.keep_backups,
            vault=self.index.vault,
            lock=False,
        )
        document = shard.read()
        if document is None and self._listed(client_id):
            # Listed as having a file, yet it is gone with its mirror and every backup: say so
            # (every time, until the client saves again), rather than show an empty history.
            shard.add_note(
                f"The file holding this client's sessions ({shard.path.name}, in "
                f"{self.folder}) is missing, and so are its second copy and its backups, so "
                "their earlier sessions cannot be shown. Nothing else is affected. If you have "
                "a copy of that folder (a backup of your computer), put the file back while the "
                "app is closed."
            )
        if document:
            checked, note = db.validate(document, db.LazyVersions(shard))
            if note is not None:
                # The outgoing file failed validation: it must not push a good backup out.
                shard.write(checked, rotate_backups=False)
                shard.add_note(note)
        return shard

    def remove_client_files(self, client_id: str) -> list[Path]:
        """Delete a client's file with its mirror, backups, damaged copies and temp files."""
        self._check_open()
        shard = self._shards.pop(client_id, None)
        if shard is not None:
            shard.close()
        self._view = None
        stem = glob.escape(f"{shard_name(client_id)}.json")
        removed: list[Path] = []
        if self.folder.is_dir():
            for path in [*self.folder.glob(f"{stem}*"), *self.folder.glob(f".{stem}*")]:
                path.unlink(missing_ok=True)
                removed.append(path)
            atomic.fsync_dir(self.folder)
        return removed

    # ---------------------------------------------------------------- saving several files

    def _commit(
        self, writes: list[tuple[AtomicJSONStorage, Document]], rotate_backups: bool
    ) -> None:
        if not writes:
            return
        if len(writes) == 1:
            storage, document = writes[0]
            try:
                storage.write(document, rotate_backups=rotate_backups)
            except BaseException:
                self._forget()
                raise
            return
        staged: list[tuple[AtomicJSONStorage, PreparedWrite | None]] = []

        def stage_all(stage: Path, plan: Plan) -> None:
            for storage, document in writes:
                staged.append((storage, self._stage(stage, plan, storage, document)))

        self._transaction(stage_all, staged, rotate_backups)

    def commit_clients(
        self,
        client_ids: Sequence[str],
        change_client: Callable[[str, Document], Document],
        change_index: Callable[[Document], Document] | None = None,
        *,
        rotate_backups: bool = True,
    ) -> None:
        """Change the files of many clients (and the index) in one transaction without holding
        them all in memory: each client's new document is built by `change_client(client_id,
        its current document)`, staged to disk and let go before the next is built. Afterwards
        those clients' files are read again when next needed. For imports: memory grows with
        the largest client, not with the whole import."""
        self._check_open()
        staged: list[tuple[AtomicJSONStorage, PreparedWrite | None]] = []
        touched: list[str] = []

        def stage_all(stage: Path, plan: Plan) -> None:
            created = []
            for client_id in client_ids:
                shard = self._shards.get(client_id) or self._open_shard(client_id)
                self._shards[client_id] = shard
                touched.append(client_id)
                if shard.read() is None:
                    created.append(client_id)
                document = change_client(client_id, dict(shard.read() or {}))
                self._stage(stage, plan, shard, document)
                staged.append((shard, None))  # not adopted: read again from disk
                shard.let_go()  # this client's documents go before the next is built
            index = self.index
            document = dict(index.read() or {})
            changed = document if change_index is None else change_index(document)
            changed = self._listing(changed, created)
            if changed is not document:
                staged.append((index, self._stage(stage, plan, index, changed)))

        try:
            self._transaction(stage_all, staged, rotate_backups)
        finally:
            for client_id in touched:
                shard = self._shards.pop(client_id, None)
                if shard is not None:
                    shard.close()
            self._all_loaded = False
            self._view = None

    def _stage(
        self, stage: Path, plan: Plan, storage: AtomicJSONStorage, document: Document
    ) -> PreparedWrite:
        """Write `storage`'s next version (and its mirror) into `stage` and add them to `plan`."""
        root = self.path.parent
        ready = storage.prepare_write(document)
        number = len(plan["replace"])
        for target in (storage.path, storage.mirror_path):
            staged = stage / f"{number}-{target.name}"
            atomic.replace(atomic.write_temp(staged, ready.blob), staged)
            plan["replace"].append([staged.name, target.relative_to(root).as_posix()])
        ready.blob = ()  # on disk now; the version in memory keeps only its tables
        return ready

    def _transaction(
        self,
        stage_all: Callable[[Path, Plan], None],
        staged: list[tuple[AtomicJSONStorage, PreparedWrite | None]],
        rotate_backups: bool,
    ) -> None:
        """Stage files (`stage_all`), then commit them with one plan file and apply it."""
        stage = self.index.fresh_stage(COMMIT_SUFFIX)
        plan: Plan = {"replace": [], "delete": []}
        committed = False
        try:
            stage_all(stage, plan)
            rotated = [storage for storage, _ in staged] if rotate_backups else []
            self.index.commit_plan(stage, plan, before_apply=lambda: self._rotate(rotated))
            committed = True
        except (ValueError, TypeError, OSError) as exc:
            if self.index.plan_written(stage):
                raise StoreError(
                    f"Your ratings were saved, but tidying up after the save failed ({exc}). "
                    "Please close and reopen the app, which finishes it."
                ) from exc
            shutil.rmtree(stage, ignore_errors=True)
            if isinstance(exc, OSError):
                raise StoreError(
                    f"Could not save your ratings to {self.path.parent}: "
                    f"{exc.strerror or exc}. Your earlier ratings are untouched."
                ) from exc
            raise StoreError(
                f"Could not save your ratings: a value cannot be stored ({exc})."
            ) from exc
        except StoreError:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        finally:
            if not committed:
                self._forget()
        for storage, ready in staged:
            if ready is not None:
                storage.adopt_written(ready)

    @staticmethod
    def _rotate(storages: list[AtomicJSONStorage]) -> None:
        for storage in storages:
            storage.rotate_backups()

    def _forget(self) -> None:
        # After a failed save nothing in memory can be trusted: read everything again (the
        # index finishes a committed plan when it reloads).
        for shard in self._shards.values():
            shard.close()
        self._shards.clear()
        self._all_loaded = False
        self._view = None
        self.index.forget()

    # ---------------------------------------------------------------- the passphrase

    def change_passphrase(self, new_passphrase: str | None) -> list[Path]:
        """Re-encrypt the index and every client's file (with their mirrors and backups) under
        `new_passphrase` (None: plain JSON) as one transaction; returns the files removed."""
        self._check_open()
        self.load_all()
        new_vault = Vault.create(new_passphrase) if new_passphrase is not None else None
        root = self.path.parent
        stage = self.index.fresh_stage(REKEY_SUFFIX)
        plan: Plan = {"replace": [], "delete": []}
        adopt = [self.index.stage_rekey(stage, root, new_vault, plan)]
        adopt += [shard.stage_rekey(stage, root, new_vault, plan) for shard in self._shards.values()]
        self.index.commit_plan(stage, plan)
        for done in adopt:
            done()
        return [root / name for name in plan["delete"]]

    # ---------------------------------------------------------------- state for the app

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("The ratings store is locked or closed; open it again to continue.")

    def has_inline_sessions(self) -> bool:
        """Whether the index still holds session tables (a store from before the split)."""
        return any(_client_of(name) for name in (self.index.read() or {}))

    @property
    def recovery_message(self) -> str | None:
        parts = [self.index.recovery_message] if self.index.recovery_message else []
        names = self._pseudonyms()
        for client_id, shard in self._shards.items():
            if shard.recovery_message:
                who = names.get(client_id, client_id)
                parts.append(f"In the ratings of {who}: {shard.recovery_message}")
        return " ".join(parts) or None

    def mark_told(self) -> None:
        """What `recovery_message` says now has been shown (the app shows it on opening)."""
        self._told |= set(self._shards)

    def new_recovery_message(self) -> str | None:
        """What reading clients' files recovered since `mark_told` (or the last call), once."""
        names = self._pseudonyms()
        parts = []
        for client_id, shard in self._shards.items():
            if client_id not in self._told:
                self._told.add(client_id)
                if shard.recovery_message:
                    who = names.get(client_id, client_id)
                    parts.append(f"In the ratings of {who}: {shard.recovery_message}")
        return " ".join(parts) or None

    def _pseudonyms(self) -> dict[str, str]:
        document = self.index.read() or {}
        return {
            str(doc.get("client_id")): str(doc.get("pseudonym"))
            for doc in document.get(db.CLIENTS_TABLE, {}).values()
            if isinstance(doc, dict)
        }

    def add_note(self, note: str) -> None:
        self.index.add_note(note)

    @property
    def encrypted(self) -> bool:
        return self.index.encrypted

    @property
    def seq(self) -> int:
        return self.index.seq

    def verifies(self, passphrase: str) -> bool:
        return self.index.verifies(passphrase)

    def backup_paths(self) -> list[Path]:
        return self.index.backup_paths()

    def damaged_copies(self) -> list[Path]:
        return self.index.damaged_copies()

    def other_versions(self) -> list[tuple[str, Document]]:
        return self.index.other_versions()

    def rewrite_backups(self, transform: Any) -> tuple[int, list[Path]]:
        return self.index.rewrite_backups(transform)

    def remove_damaged_copies_mentioning(self, needles: list[str]) -> list[Path]:
        return self.index.remove_damaged_copies_mentioning(needles)


def open_storage(
    path: Path | None = None,
    *,
    passphrase: str | None = None,
    keep_backups: int = DEFAULT_KEEP_BACKUPS,
    lock_wait_s: float = 0.0,
) -> SplitStorage:
    """Open (recovering if need be), upgrade and if need be split the ratings store;
    `data_dir()/ratings.json` unless `path` is given. `recovery_message` on the result says
    whether a backup was used. `lock.StoreBusyError` if another process has it open after
    `lock_wait_s` seconds."""
    storage = SplitStorage(
        db.default_path() if path is None else path,
        keep_backups=keep_backups,
        passphrase=passphrase,
        lock_wait_s=lock_wait_s,
    )
    try:
        db.prepare(storage)
    except BaseException:
        storage.close()
        raise
    return storage
