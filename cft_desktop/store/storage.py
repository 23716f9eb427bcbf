"""`AtomicJSONStorage`: the TinyDB storage for one file of the ratings store, crash-safe and
recoverable.

Owns the bytes of one file and everything beside it. The ratings store (`split`) is several such
files: the index ``ratings.json`` and one file per client in ``ratings.json.clients/``; each is
an `AtomicJSONStorage`, and every name below stands for that file's own name (the index's lock
and staging folders serve the whole store). For ``ratings.json``:

* ``ratings.json`` — the live document, replaced whole on every write, never edited in place:
  write a temp file in the same folder, flush, fsync, ``os.replace`` it onto the target, fsync
  the folder (`cft_desktop.atomic`). A crash at any moment leaves either the old or the new file, never a mix.
* ``ratings.json.mirror`` — a second, separate copy of the very same version, written the same
  way right after the live file, so that damage to any one file loses no save: a write returns
  only once both are on disk.
* ``ratings.json.bak1`` … ``.bakK`` — the K versions before the last write (bak1 newest). Taking
  a backup is a hard link to the outgoing live file (no copy), falling back to a copy where links
  are not supported. Only an outgoing file that was read and validated becomes a backup, so a good
  backup is never rotated away in favour of a file that failed validation.
* ``ratings.json.corrupt-<UTC time>`` — a damaged file moved aside during recovery, kept for the
  user; never read again.
* ``ratings.json.lock`` — see `lock`: held from opening to closing, so one process writes at once.
* ``ratings.json.rekey/`` — a passphrase change in progress (see `change_passphrase`).
* ``ratings.json.commit/`` — a split store's save of several files in progress (see `split`):
  the same staging and plan file as a passphrase change, finished or discarded on opening.
* ``.ratings.json….tmp`` — a write in progress; any left over belonged to a write that never
  committed and is removed when the store opens.

Integrity: every file we write starts with an ``_integrity`` member, ahead of the tables::

    {"_integrity": {"seq": 41, "sha256": "<hex>", "tables": {"<table>": "<hex>", ...}}, ...}

``seq`` counts saves (the newest copy has the largest); ``tables`` holds the SHA-256 of each
table's exact JSON text, and ``sha256`` the SHA-256 of that list, so the whole file is checked
while a save only hashes the tables it changed. It comes first so that a file cut short still says
which version it was and what each of its tables should hash to: a table that matches its digest
in *any* copy (live, mirror, backup) is taken from there exactly. `read()` never shows it to
TinyDB. Files written before it existed (no ``_integrity``) keep opening, as the oldest version.

Opening reads the live file and checks it; only if it is damaged, missing, or older than the
mirror are the mirror and the backups read. Recovery picks the newest copy that passes every check,
rebuilds a newer damaged version table by table from the copies that hold each table intact,
salvages every document still readable from damaged files, and says in `recovery_message`
exactly what came from where and what could not be read. Nothing is recovered silently, and a
damaged file is moved aside, never deleted. A file that parses but holds nothing (``{}``) and has
no ``_integrity`` member is damage, not an empty store. If nothing is readable at all,
`StoreError` is raised and nothing is moved or deleted. Only a missing file with no mirror and
no backups is a new store.

With a passphrase every file is sealed by `crypto.Vault` (scrypt + AES-256-GCM); the mirror and
the backups share the key, so recovery works the same way, and a file whose key check fails is
called a wrong passphrase only if no other copy opens with that passphrase either (a damaged
header in an old-format file looks like a wrong key). `change_passphrase` is one transaction:
every new copy is written into ``ratings.json.rekey/`` first, then a plan file there commits it,
then the copies replace the old ones; opening finishes a committed change and discards an
uncommitted one, so after a crash every copy is under the old passphrase or every copy is under
the new one, never a mix. A split store stages every file of the store into that one plan
(`stage_rekey`, `commit_plan`); paths in a plan are relative to the index's folder. Blocks freed
on disk may still hold old bytes until overwritten: full-disk encryption covers that, and the app
recommends it.

Speed: the parsed document is kept in memory, so TinyDB's frequent ``read()`` calls cost nothing,
and each table's JSON text and digest are cached. TinyDB changes a table only by replacing its
dict in the document (``Table._update_table``), so a table whose dict is the very object we last
wrote is unchanged and its cached text and digest are reused: saving one rating re-serialises and
hashes one small table, not a 10,000-session history. Callers must never mutate documents
returned by TinyDB in place.

Not thread-safe: one instance per file, used from one thread (the GUI thread or the CLI's main
thread). The lock keeps other processes out while it is open (a client's file takes none: the
index's lock covers the whole store).
"""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import os
import re
import shutil
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from cft_desktop import atomic
from cft_desktop.errors import PassphraseRequiredError, StoreError, WrongPassphraseError
from cft_desktop.store import lock as store_lock
from cft_desktop.store.crypto import (
    EnvelopeDamagedError,
    Vault,
    header_is_checked,
    header_seq,
    is_encrypted,
    normalised,
    salt_of,
)

Document = dict[str, dict[str, Any]]
Transform = Callable[[Document], Document]
Fragment = tuple[object, bytes, str]  # (the table as parsed or written, its JSON text, digest)
# A multi-file change: staged file -> target (relative to the store's folder), files to delete.
Plan = dict[str, list[Any]]

DEFAULT_KEEP_BACKUPS = 5
_MAX_KEEP_BACKUPS = 50
INTEGRITY = "_integrity"
MIRROR_SUFFIX = ".mirror"
REKEY_SUFFIX = ".rekey"
COMMIT_SUFFIX = ".commit"
_PLAN = "PLAN"
_SEQ_PEEK_BYTES = 64
_SESSION_TABLE_PREFIX = "sessions"  # counted as sessions in recovery reports (see db's layout)


class _DamagedError(Exception):
    """A file that cannot be read as a ratings document (empty, cut off, garbled, altered).

    `payload` is the plaintext when there was one to look at, for salvage.
    """

    def __init__(self, reason: str, payload: bytes | None = None) -> None:
        super().__init__(reason)
        self.payload = payload


@dataclass
class _Decoded:
    document: Document
    fragments: dict[str, Fragment]
    payload: bytes  # the plaintext JSON bytes
    vault: Vault | None  # the key that opened it; None for a plain file
    seq: int  # 0 for a file from before integrity members
    checked: bool  # it carried an integrity member and passed it


def _digest(chunk: bytes) -> str:
    return hashlib.sha256(chunk).hexdigest()


def _tables_sum(tables: dict[str, str]) -> str:
    canonical = json.dumps(tables, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _integrity_member(seq: int, fragments: dict[str, Fragment]) -> bytes:
    tables = {name: digest for name, (_, _, digest) in fragments.items()}
    member = {"seq": seq, "sha256": _tables_sum(tables), "tables": tables}
    return json.dumps(member, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


@dataclass
class _Parsed:
    document: Document
    fragments: dict[str, Fragment]
    integrity: dict[str, Any] | None
    stopped_at: int | None = None  # where a damaged text stopped parsing (salvage resumes there)
    problem: str | None = None
    table_at_stop: str | None = None


def _parse(payload: bytes, *, lenient: bool = False) -> _Parsed:
    """Parse a document table by table, keeping each table's exact JSON text and digest.

    Keeping the text of every table as read lets the first save after opening reuse it, so even
    that save does not re-serialise the whole history. With `lenient`, a damaged text returns
    what parsed before the damage instead of raising.
    """
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not lenient:
            raise _DamagedError("not UTF-8 text") from exc
        text = payload.decode("utf-8", errors="replace")
    ascii_only = len(text) == len(payload)
    decoder = json.JSONDecoder()
    parsed = _Parsed({}, {}, None)
    i = 0
    name: object = None
    try:
        i = _skip_ws(text, 0)
        if text[i : i + 1] != "{":
            raise _DamagedError("not a JSON object")
        i = _skip_ws(text, i + 1)
        if text[i : i + 1] == "}":
            i += 1
        else:
            while True:
                name, i = decoder.raw_decode(text, i)
                i = _skip_ws(text, i)
                if not isinstance(name, str) or text[i : i + 1] != ":":
                    raise _DamagedError("malformed table name")
                start = _skip_ws(text, i + 1)
                table, i = decoder.raw_decode(text, start)
                if name == INTEGRITY and not parsed.document and parsed.integrity is None:
                    if not isinstance(table, dict):
                        raise _DamagedError("the integrity record is not an object")
                    parsed.integrity = table
                else:
                    _check_table(table)
                    chunk = payload[start:i] if ascii_only else text[start:i].encode("utf-8")
                    parsed.document[name] = table
                    parsed.fragments[name] = (table, chunk, _digest(chunk))
                name = None
                i = _skip_ws(text, i)
                if text[i : i + 1] == ",":
                    i = _skip_ws(text, i + 1)
                    continue
                if text[i : i + 1] == "}":
                    i += 1
                    break
                raise _DamagedError("malformed document")
        if _skip_ws(text, i) != len(text):
            raise _DamagedError("text after the end of the document")
    except (_DamagedError, ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        if not lenient:
            if isinstance(exc, _DamagedError):
                raise
            raise _DamagedError(str(exc)) from exc
        parsed.stopped_at = i
        parsed.problem = str(exc)
        parsed.table_at_stop = name if isinstance(name, str) else None
    return parsed


def _check_table(table: object) -> None:
    # TinyDB turns every key into an int document id and expects dict documents.
    if not isinstance(table, dict):
        raise _DamagedError("a table is not an object")
    for key, doc in table.items():
        if not (key.isdigit() and isinstance(doc, dict)):
            raise _DamagedError("a table holds something that is not a document")


def _verify(parsed: _Parsed) -> int:
    """The sequence number of a parsed file that passes its integrity member, else damage."""
    member = parsed.integrity
    if member is None:
        return 0
    seq, claimed, total = member.get("seq"), member.get("tables"), member.get("sha256")
    if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(claimed, dict):
        raise _DamagedError("the integrity record is unreadable")
    if total != _tables_sum(claimed):
        raise _DamagedError("the integrity record fails its own checksum")
    actual = {name: digest for name, (_, _, digest) in parsed.fragments.items()}
    if actual != claimed:
        bad = sorted(set(actual) ^ set(claimed)) + sorted(
            name for name in set(actual) & set(claimed) if actual[name] != claimed[name]
        )
        raise _DamagedError(f"{len(bad)} table(s) fail their checksum: {', '.join(bad[:5])}")
    return seq


# A table name followed by its first document (or an empty table); a document id followed by it.
_KEY_OBJECT = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*\{')
_TABLE_AHEAD = re.compile(r'\s*(?:"\d+"\s*:\s*\{|\})')


_Salvage = tuple[dict[str, Any] | None, dict[str, Fragment], Document, int | None]


def _salvage(payload: bytes) -> _Salvage:
    """Everything readable in a damaged text: its integrity member (if it parsed), the tables
    that parsed whole (with their digests), every further document that still decodes, and
    where the text stopped parsing (None if it parsed to the end)."""
    parsed = _parse(payload, lenient=True)
    whole = dict(parsed.fragments)
    loose: Document = {}
    if parsed.stopped_at is None:
        return parsed.integrity, whole, loose, None
    text = payload.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    table = parsed.table_at_stop
    i = parsed.stopped_at
    # `table` is the one being read when the damage struck: the scan resumes inside it.
    while True:
        match = _KEY_OBJECT.search(text, i)
        if match is None:
            break
        try:
            key = json.loads(f'"{match.group(1)}"')
        except ValueError:
            i = match.end()
            continue
        brace = match.end() - 1
        if isinstance(key, str) and key.isdigit() and table is not None:
            try:
                doc, end = decoder.raw_decode(text, brace)
            except (ValueError, RecursionError):
                i = match.end()
                continue
            if isinstance(doc, dict):
                loose.setdefault(table, {})[key] = doc
            i = end
            continue
        if isinstance(key, str) and key != INTEGRITY and _TABLE_AHEAD.match(text, match.end()):
            table = key
        i = match.end()
    for name in list(loose):
        if name in whole:  # already whole; the loose copy came from a stray match
            del loose[name]
    return parsed.integrity, whole, loose, parsed.stopped_at


def _dump_table(table: object) -> bytes:
    return json.dumps(table, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def _fragments_of(document: Document) -> dict[str, Fragment]:
    fragments: dict[str, Fragment] = {}
    for name, table in document.items():
        chunk = _dump_table(table)
        fragments[name] = (table, chunk, _digest(chunk))
    return fragments


def dump_document(document: Document, seq: int = 0) -> bytes:
    """The bytes of a whole document as `AtomicJSONStorage` writes it (with its integrity)."""
    return b"".join(_pieces(_fragments_of(document), seq))


@functools.lru_cache(maxsize=4096)
def _name_prefix(name: str) -> bytes:
    return json.dumps(name, ensure_ascii=False).encode("utf-8") + b":"


def _pieces(fragments: dict[str, Fragment], seq: int) -> list[bytes]:
    """The document's bytes as a list of pieces, so a write need not copy 10 MB into one."""
    pieces = [b"{", _name_prefix(INTEGRITY), _integrity_member(seq, fragments)]
    for name, (_, chunk, _) in fragments.items():
        pieces.append(b",")
        pieces.append(_name_prefix(name))
        pieces.append(chunk)
    pieces.append(b"}")
    return pieces


def _count_sessions(document: Document) -> int:
    return sum(len(t) for n, t in document.items() if n.startswith(_SESSION_TABLE_PREFIX))


def _peek_seq(path: Path) -> int | None:
    """A file's sequence number from its first bytes (no decryption, no full parse)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if is_encrypted(head):
        return header_seq(head)
    found = re.match(rb'\s*\{\s*"_integrity"\s*:\s*\{\s*"seq"\s*:\s*(\d+)', head[:_SEQ_PEEK_BYTES])
    return int(found.group(1)) if found else None


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%d %B %Y at %H:%M")


@dataclass
class PreparedWrite:
    """A version of one file ready to be written (`AtomicJSONStorage.prepare_write`)."""

    data: Document
    fragments: dict[str, Fragment]
    seq: int
    blob: Sequence[bytes]


@dataclass
class _Copy:
    """One file that may hold the store (live, mirror or a backup), as far as it could be read."""

    label: str
    path: Path
    blob: bytes | None = None
    decoded: _Decoded | None = None
    damage: _DamagedError | None = None
    key_problem: StoreError | None = None
    peeked_seq: int | None = None


@dataclass
class _Outcome:
    """What recovery chose and what it has to say."""

    document: Document
    exact: _Copy | None  # restored byte for byte from this copy; None when rebuilt
    vault: Vault | None
    seq: int
    sources: dict[str, int] = field(default_factory=dict)  # copy label -> sessions taken
    unreadable: list[str] = field(default_factory=list)


class AtomicJSONStorage(Storage):
    """TinyDB storage: whole-document JSON, atomic writes, a mirror, rotated backups, recovery,
    encryption, and the lock that keeps other processes out while it is open.

    Opening takes the lock (waiting up to `lock_wait_s`; `lock.StoreBusyError` if another process
    holds it) and reads (and if need be recovers) the file at once, so a wrong passphrase or an
    unrecoverable file raises here, not at the first query.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        keep_backups: int = DEFAULT_KEEP_BACKUPS,
        passphrase: str | None = None,
        lock_wait_s: float = 0.0,
        vault: Vault | None = None,
        lock: bool = True,
    ) -> None:
        """`vault` and ``lock=False`` are for the files of a split store (`split`): they share
        the index's key, and the index's lock keeps other processes out of all of them."""
        super().__init__()
        if not 0 <= keep_backups <= _MAX_KEEP_BACKUPS:
            raise ValueError(f"keep_backups must be 0–{_MAX_KEEP_BACKUPS}")
        self.path = Path(path)
        self.mirror_path = self.path.with_name(self.path.name + MIRROR_SUFFIX)
        self.keep_backups = keep_backups
        self.recovery_message: str | None = None
        self._vault: Vault | None = vault
        self._document: Document | None = None
        self._fragments: dict[str, Fragment] = {}
        self._signature: tuple[int, int, int] | None = None
        self._seq = 0
        self._loaded = False
        self._closed = False
        self._unlock_cache: dict[bytes, Vault | WrongPassphraseError] = {}
        self._notes: list[str] = []
        try:
            # Owner-only, like the data folder: a client's file name is their id.
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder {self.path.parent}: {exc}") from exc
        self._lease: store_lock.Lease | None = None
        if lock:
            self._lease = store_lock.acquire(self.path, wait_s=lock_wait_s)
            # A storage dropped without close() must not keep the lock for the life of the
            # process.
            self._finalizer = weakref.finalize(self, self._lease.release)
        try:
            self._load(passphrase)
        except BaseException:
            self._release_lock()
            raise

    # ---------------------------------------------------------------- TinyDB's Storage API

    def read(self) -> Document | None:
        self._check_open()
        if not self._loaded:
            self._load(None)
        return self._document

    def write(self, data: Document, *, rotate_backups: bool = True) -> None:
        """Replace the file and its mirror with `data`; ``rotate_backups=False`` keeps no copy of
        the old file.

        On any failure the in-memory copy is dropped (TinyDB has already changed it) so the next
        read comes from disk again, and `StoreError` says what went wrong.
        """
        self._check_open()
        data = {name: table for name, table in data.items() if name != INTEGRITY}
        try:
            prepared = self.prepare_write(data)
            self._write_both(prepared.blob, rotate_backups)
        except (ValueError, TypeError, OSError) as exc:
            raise self.write_failed(exc) from exc
        except BaseException:
            self._forget()
            raise
        self.adopt_written(prepared)

    def prepare_write(self, data: Document) -> PreparedWrite:
        """The bytes `write` would put in the file for `data` (which holds no integrity member),
        without writing them: a split store stages several files this way, then commits them at
        once (`split`). `ValueError`/`TypeError` for a value JSON cannot hold."""
        fragments = self._fragments_for(data)
        seq = self._seq + 1
        return PreparedWrite(data, fragments, seq, self._seal(_pieces(fragments, seq), seq))

    def write_failed(self, exc: ValueError | TypeError | OSError) -> StoreError:
        """Forget the in-memory copy after a failed write (TinyDB has already changed it, so the
        next read comes from disk again) and say in plain words what went wrong."""
        self._forget()
        if isinstance(exc, OSError):
            return StoreError(
                f"Could not save your ratings to {self.path}: {exc.strerror or exc}. "
                "Your earlier ratings are untouched."
            )
        return StoreError(f"Could not save your ratings: a value cannot be stored ({exc}).")

    def adopt_written(self, prepared: PreparedWrite) -> None:
        """`prepared` is now on disk (live file and mirror): make it the version in memory."""
        self._document = prepared.data
        self._fragments = prepared.fragments
        self._signature = _signature(self.path)
        self._seq = prepared.seq
        self._loaded = True

    def _seal(self, pieces: list[bytes], seq: int) -> Sequence[bytes]:
        if self._vault is None:
            return pieces
        return self._vault.seal_parts(b"".join(pieces), seq)

    def _write_both(self, blob: Sequence[bytes], rotate_backups: bool) -> None:
        """The live file, then the mirror: both temp files are written and fsynced before either
        replaces its target, so a crash leaves each either old or new, and the call returns only
        once both hold the new version."""
        live_tmp = atomic.write_temp(self.path, blob)
        try:
            mirror_tmp = atomic.write_temp(self.mirror_path, blob)
        except BaseException:
            live_tmp.unlink(missing_ok=True)
            raise
        try:
            if rotate_backups:
                self._rotate_backups()
            atomic.replace(live_tmp, self.path)
            atomic.replace(mirror_tmp, self.mirror_path)
        except BaseException:
            live_tmp.unlink(missing_ok=True)
            mirror_tmp.unlink(missing_ok=True)
            raise
        atomic.fsync_dir(self.path.parent)

    def close(self) -> None:
        """Forget the document and the key (the auto-lock calls this) and let other processes in;
        reopen to use again."""
        self._closed = True
        self._vault = None
        self._forget()
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lease is not None:
            self._lease.release()
            self._lease = None
            self._finalizer.detach()

    # ---------------------------------------------------------------- state for the app

    @property
    def encrypted(self) -> bool:
        return self._vault is not None

    @property
    def vault(self) -> Vault | None:
        """The key in use (None: plain); a split store gives it to its clients' files."""
        return self._vault

    @property
    def seq(self) -> int:
        """The sequence number of the version in memory (0: never written with one)."""
        return self._seq

    def verifies(self, passphrase: str) -> bool:
        """True if `passphrase` is the one the store is locked with (about 0.1 s)."""
        self._check_open()
        return self._vault is not None and self._vault.verifies(passphrase)

    def add_note(self, note: str) -> None:
        """Add a sentence to `recovery_message` (the schema layer reports records it set aside)."""
        self._notes.append(note)
        self.recovery_message = " ".join(
            part for part in (self.recovery_message, note) if part
        )

    def backup_paths(self) -> list[Path]:
        """Existing backups, newest first."""
        return [path for _, path in self._numbered_backups()]

    def damaged_copies(self) -> list[Path]:
        return sorted(self.path.parent.glob(f"{glob.escape(self.path.name)}.corrupt-*"))

    def _temp_files(self) -> list[Path]:
        return sorted(self.path.parent.glob(f".{glob.escape(self.path.name)}*.tmp"))

    def other_versions(self) -> list[tuple[str, Document]]:
        """The readable documents of the mirror and the backups, newest first (label, document),
        for the schema layer to find an intact copy of a record that failed validation."""
        self._check_open()
        found: list[tuple[str, Document]] = []
        for label, path in self._copy_paths()[1:]:
            try:
                decoded = self._decode(path.read_bytes(), None)
            except (_DamagedError, StoreError, OSError):
                continue
            found.append((label, decoded.document))
        return found

    # ---------------------------------------------------------------- passphrase and erasure

    def change_passphrase(self, new_passphrase: str | None) -> list[Path]:
        """Re-encrypt the file, its mirror and its backups under `new_passphrase` (None: store as
        plain JSON), as one crash-safe transaction.

        Returns the files removed: backups that could not be read, and damaged copies, which
        might hold data under the old key (or, when turning encryption on, in plain text).
        Every new copy is first written into ``ratings.json.rekey/``; a plan file written there
        last is the commit; then each new copy replaces its old one. A crash before the plan
        leaves everything under the old passphrase (opening discards the folder); after it,
        opening finishes the change, so everything ends under the new one.
        """
        self._check_open()
        new_vault = Vault.create(new_passphrase) if new_passphrase is not None else None
        stage = self.fresh_stage(REKEY_SUFFIX)
        plan: Plan = {"replace": [], "delete": []}
        done = self.stage_rekey(stage, self.path.parent, new_vault, plan)
        self.commit_plan(stage, plan)
        done()
        return [self.path.parent / name for name in plan["delete"]]

    def fresh_stage(self, suffix: str) -> Path:
        """An empty staging folder beside the file for a multi-file change (``.rekey`` for a
        passphrase change, ``.commit`` for a split store's save that spans several files)."""
        stage = self.path.with_name(self.path.name + suffix)
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(mode=0o700)
        return stage

    def stage_rekey(
        self, stage: Path, root: Path, new_vault: Vault | None, plan: Plan
    ) -> Callable[[], None]:
        """Write every copy of this file, sealed by `new_vault`, into `stage` and add them (and
        the files to delete) to `plan`, with paths relative to `root`. Returns what to call once
        the plan has been applied, to adopt the new key."""
        document = self.read()

        def rel(path: Path) -> str:
            return path.relative_to(root).as_posix()

        def stage_copy(target: Path, payload: bytes, seq: int) -> None:
            blob = new_vault.seal(payload, seq) if new_vault else payload
            staged = stage / f"{len(plan['replace'])}-{target.name}"
            atomic.write_bytes(staged, blob, keep_mtime_of=_mtime(target))
            plan["replace"].append([staged.name, rel(target)])

        seq = self._seq + 1
        live = document is not None and self.path.exists()
        if live:
            assert document is not None
            payload = b"".join(_pieces(self._fragments_for(document), seq))
            stage_copy(self.path, payload, seq)
            stage_copy(self.mirror_path, payload, seq)
        for backup in self.backup_paths():
            try:
                decoded = self._decode(backup.read_bytes(), None)
            except (_DamagedError, StoreError):
                plan["delete"].append(rel(backup))
                continue
            stage_copy(backup, decoded.payload, decoded.seq)
        for path in self.damaged_copies() + self._temp_files():
            if new_vault is not None or is_encrypted(path.read_bytes()):
                plan["delete"].append(rel(path))
        if document is None and self.mirror_path.exists():
            plan["delete"].append(rel(self.mirror_path))

        def adopt() -> None:
            self._vault = new_vault
            self._unlock_cache.clear()
            if live and document is not None:
                self._seq = seq
                self._signature = _signature(self.path)
                self._fragments = self._fragments_for(document)

        return adopt

    def commit_plan(
        self, stage: Path, plan: Plan, before_apply: Callable[[], None] | None = None
    ) -> None:
        """Write the plan file into `stage` (the commit point), then apply it (after
        `before_apply`, which a split store uses to rotate backups)."""
        atomic.fsync_dir(stage)
        atomic.write_bytes(stage / _PLAN, json.dumps(plan).encode())
        if before_apply is not None:
            before_apply()
        self._apply_plan(stage)

    @staticmethod
    def plan_written(stage: Path) -> bool:
        return (stage / _PLAN).is_file()

    def _apply_plan(self, stage: Path) -> None:
        # Paths in a plan are relative to this file's folder (a split store's files are in a
        # folder below it). Applying is idempotent: a replace already done has no source left.
        root = self.path.parent
        plan = json.loads((stage / _PLAN).read_bytes())
        folders = {root}
        for staged, target in plan["replace"]:
            source = stage / staged
            if source.exists():
                destination = root / target
                folders.add(destination.parent)
                atomic.replace(source, destination)
        for name in plan["delete"]:
            path = root / name
            folders.add(path.parent)
            path.unlink(missing_ok=True)
        for folder in sorted(folders):
            if folder.is_dir():
                atomic.fsync_dir(folder)
        shutil.rmtree(stage)
        atomic.fsync_dir(root)

    def _finish_interrupted_rekey(self) -> None:
        for suffix in (REKEY_SUFFIX, COMMIT_SUFFIX):
            stage = self.path.with_name(self.path.name + suffix)
            if not stage.is_dir():
                continue
            try:
                committed = (stage / _PLAN).is_file()
                if committed:
                    self._apply_plan(stage)
                else:
                    shutil.rmtree(stage)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                what = "passphrase change" if suffix == REKEY_SUFFIX else "save"
                raise StoreError(
                    f"A {what} was interrupted and could not be finished ({exc}). Nothing "
                    f"else has been changed; please keep the folder {self.path.parent} as it is "
                    "and ask for help."
                ) from exc
            if suffix == REKEY_SUFFIX:
                self.add_note(
                    "A passphrase change was interrupted (probably by a crash or power cut). It "
                    "had been saved, so it has now been finished: use the new passphrase."
                    if committed
                    else "A passphrase change was interrupted (probably by a crash or power cut) "
                    "before it was saved, so it was undone: your previous passphrase still works."
                )
            elif committed:
                # An uncommitted save of several files never returned, so it held nothing the
                # user was told was saved: discarding it needs no word. A committed one did.
                self.add_note(
                    "A save was interrupted (probably by a crash or power cut) after it was "
                    "complete on disk; it has now been finished, so nothing was lost."
                )

    def rewrite_backups(self, transform: Transform) -> tuple[int, list[Path]]:
        """Apply `transform` to every backup (each under its own key).

        Returns how many backups were rewritten and the files removed: a backup that cannot be
        read cannot be cleaned, so it is removed, as are leftover temp files. Used to erase a
        client from every copy, not just the live file (the mirror follows with the next write).
        """
        self._check_open()
        removed: list[Path] = []
        rewritten = 0
        for tmp in self._temp_files():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
        for backup in self.backup_paths():
            try:
                decoded = self._decode(backup.read_bytes(), None)
            except (_DamagedError, StoreError):
                backup.unlink()
                removed.append(backup)
                continue
            payload = dump_document(transform(decoded.document), decoded.seq)
            blob = decoded.vault.seal(payload, decoded.seq) if decoded.vault else payload
            atomic.write_bytes(backup, blob, keep_mtime_of=backup.stat().st_mtime)
            rewritten += 1
        return rewritten, removed

    def remove_damaged_copies_mentioning(self, needles: Sequence[str]) -> list[Path]:
        """Remove damaged copies that contain any of `needles`, or that are encrypted (and so
        cannot be searched). They cannot be parsed, so they cannot be cleaned selectively."""
        removed: list[Path] = []
        patterns = [json.dumps(n, ensure_ascii=False)[1:-1].encode("utf-8") for n in needles if n]
        for path in self.damaged_copies():
            raw = path.read_bytes()
            if is_encrypted(raw) or any(p in raw for p in patterns):
                path.unlink()
                removed.append(path)
        if removed:
            atomic.fsync_dir(self.path.parent)
        return removed

    # ---------------------------------------------------------------- loading and recovery

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("The ratings store is locked or closed; open it again to continue.")

    def forget(self) -> None:
        """Drop the version in memory (not the key): the next read comes from disk."""
        self._forget()

    def let_go(self) -> None:
        """Drop the documents in memory but remember which file was read, so that file can
        still become a backup without being read again (a split store's import, which stages
        one client's file after another)."""
        signature = self._signature
        self._forget()
        self._signature = signature

    def _forget(self) -> None:
        self._loaded = False
        self._document = None
        self._fragments = {}
        self._signature = None

    def _load(self, passphrase: str | None) -> None:
        self._finish_interrupted_rekey()
        try:
            self._load_once(passphrase)
        finally:
            self._unlock_cache.clear()
        # Only once the store is open: a wrong passphrase or an unreadable file changes nothing.
        # A temp file is a write that never reached os.replace, so nobody's committed data.
        for tmp in self._temp_files():
            tmp.unlink(missing_ok=True)
        vault = self._vault
        if vault is not None and vault.legacy_form and passphrase is not None:
            # Sealed before passphrases were normalised: seal every copy again under the NFC
            # form, so the same passphrase typed on any keyboard opens it from now on.
            self.change_passphrase(normalised(passphrase))

    def _copy_paths(self) -> list[tuple[str, Path]]:
        return [
            (self.path.name, self.path),
            (self.mirror_path.name, self.mirror_path),
            *((p.name, p) for p in self.backup_paths()),
        ]

    def _load_once(self, passphrase: str | None) -> None:
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            if self.mirror_path.exists() or self.backup_paths():
                self._recover(passphrase)
                return
            if passphrase is not None and self._vault is None:
                self._vault = Vault.create(passphrase)
            self._document, self._fragments, self._signature = None, {}, None
            self._seq = 0
            self._loaded = True
            return
        except OSError as exc:
            raise StoreError(f"Cannot read your ratings file {self.path}: {exc}") from exc
        try:
            decoded = self._decode(blob, passphrase)
        except _DamagedError:
            self._recover(passphrase)
            return
        except WrongPassphraseError:
            # A damaged salt or key check in an old-format header looks like a wrong passphrase;
            # if another copy opens with this very passphrase, it was damage after all.
            self._recover(passphrase)
            return
        mirror_seq = _peek_seq(self.mirror_path)
        if mirror_seq is not None and mirror_seq > decoded.seq:
            self._recover(passphrase)  # the mirror is newer: the live file was replaced
            return
        self._adopt(decoded)
        self._signature = _signature(self.path)
        if mirror_seq != decoded.seq and decoded.checked:
            # A crash between the two replaces of a write (or a mirror lost or damaged): the
            # second copy is brought up to date, which changes no data. One whose first bytes
            # are unreadable is kept aside first, like any damaged file.
            if mirror_seq is None and self.mirror_path.exists():
                atomic.replace(self.mirror_path, self._aside_path(mirror=True))
            atomic.write_bytes(self.mirror_path, blob)

    def _adopt(self, decoded: _Decoded) -> None:
        if decoded.vault is not None:
            self._vault = decoded.vault
        self._document = decoded.document
        self._fragments = decoded.fragments
        self._seq = decoded.seq
        self._loaded = True

    def _decode(self, blob: bytes, passphrase: str | None) -> _Decoded:
        """Decrypt (if sealed), parse and check one file's bytes.

        `_DamagedError` for a damaged file; `WrongPassphraseError` / `PassphraseRequiredError`
        when the key is the problem, which must never lead to moving or restoring anything.
        """
        if not blob.strip():
            raise _DamagedError("the file is empty")
        vault: Vault | None = None
        payload = blob
        if is_encrypted(blob):
            if salt_of(blob) is None:
                raise _DamagedError("the encryption header is damaged")
            vault = self._vault
            if vault is None or not vault.matches(blob):
                if passphrase is None:
                    if vault is None:
                        raise PassphraseRequiredError(
                            "Your ratings are locked with a passphrase. Please enter it."
                        )
                    raise WrongPassphraseError(
                        "This copy is locked with a different passphrase."
                    )
                vault = self._unlock(passphrase, blob)
            try:
                payload = vault.open(blob)
            except EnvelopeDamagedError as exc:
                raise _DamagedError(str(exc)) from exc
        try:
            parsed = _parse(payload)
            seq = _verify(parsed)
        except _DamagedError as exc:
            raise _DamagedError(str(exc), payload) from exc
        if parsed.integrity is None and not parsed.document:
            # Every version we write carries its integrity member, and the app never leaves a
            # store with no tables at all: a bare "{}" is damage, not an empty store.
            raise _DamagedError("the file holds no tables", payload)
        return _Decoded(
            parsed.document, parsed.fragments, payload, vault, seq, parsed.integrity is not None
        )

    def _unlock(self, passphrase: str, blob: bytes) -> Vault:
        # Backups share one salt, so while recovering, one key derivation (0.1 s) serves them
        # all; a wrong passphrase is also only tried once per salt.
        salt = salt_of(blob)
        outcome = self._unlock_cache.get(salt) if salt is not None else None
        if outcome is None:
            try:
                outcome = Vault.unlock(passphrase, blob)
            except EnvelopeDamagedError as exc:
                raise _DamagedError(str(exc)) from exc
            except WrongPassphraseError as exc:
                outcome = exc
            if salt is not None:
                self._unlock_cache[salt] = outcome
        if isinstance(outcome, WrongPassphraseError):
            raise outcome
        return outcome

    def _read_copies(self, passphrase: str | None) -> list[_Copy]:
        copies: list[_Copy] = []
        for label, path in self._copy_paths():
            copy = _Copy(label, path)
            try:
                copy.blob = path.read_bytes()
            except OSError:
                copies.append(copy)
                continue
            copy.peeked_seq = _peek_seq(path)
            try:
                copy.decoded = self._decode(copy.blob, passphrase)
            except _DamagedError as exc:
                copy.damage = exc
            except (WrongPassphraseError, PassphraseRequiredError) as exc:
                copy.key_problem = exc
            copies.append(copy)
        if passphrase is not None and any(c.decoded and c.decoded.vault for c in copies):
            # The passphrase unlocked a copy, so it is the right one: an old-format copy it does
            # not open has a damaged header (salt or key check), not another key. (A format 2
            # header checks itself, so its key check is believed.)
            for copy in copies:
                if isinstance(copy.key_problem, WrongPassphraseError) and not (
                    copy.blob is not None and header_is_checked(copy.blob)
                ):
                    copy.key_problem = None
                    copy.damage = _DamagedError("its encryption header is damaged")
        return copies

    def _recover(self, passphrase: str | None) -> None:
        copies = self._read_copies(passphrase)
        key_problem = next((c.key_problem for c in copies[:2] if c.key_problem), None)
        if key_problem is not None:
            # The live file or its mirror wants another passphrase: recovering from some other
            # copy (say a plain one left from long ago) would act on a wrong passphrase. Nothing
            # has been moved.
            raise key_problem
        outcome = self._choose(copies)
        if outcome is None:
            key_problem = next((c.key_problem for c in copies if c.key_problem), None)
            if key_problem is not None:
                # Nothing has been moved: the key, not the file, may be the problem.
                raise key_problem
            raise StoreError(
                f"Your ratings file {self.path} is damaged and none of its backup copies can be "
                "read. Nothing has been changed or deleted. Please keep the folder "
                f"{self.path.parent} as it is and ask for help recovering it."
            )
        live = copies[0]
        kept: list[Path] = []
        try:
            for copy in copies[:2]:
                if copy.blob is not None and copy.decoded is None:
                    aside = self._aside_path(copy.path.name != self.path.name)
                    atomic.replace(copy.path, aside)
                    kept.append(aside)
            if outcome.exact is not None and outcome.exact.blob is not None:
                # Byte for byte, and as copies, not links, so later writes never touch the copy
                # we restored from.
                source, blob = outcome.exact, outcome.exact.blob
                mtime = _mtime(source.path)
                for target in (self.path, self.mirror_path):
                    if target != source.path:
                        atomic.write_bytes(target, blob, keep_mtime_of=mtime)
                assert source.decoded is not None
                self._adopt(source.decoded)
                self._seq = max(outcome.seq, self._seq)
            else:
                self._vault = outcome.vault or self._vault
                self._seq = outcome.seq - 1
                self._fragments = {}
                self._write_both(
                    self._seal(_pieces(self._fragments_for(outcome.document), outcome.seq),
                               outcome.seq),
                    rotate_backups=False,
                )
                self._document = outcome.document
                self._fragments = self._fragments_for(outcome.document)
                self._seq = outcome.seq
                self._loaded = True
        except OSError as exc:
            raise StoreError(f"Could not restore your ratings: {exc}") from exc
        self._signature = _signature(self.path)
        self.add_note(self._report(live, outcome, kept))

    def _choose(self, copies: list[_Copy]) -> _Outcome | None:
        """The newest intact copy, or a newer version rebuilt from every copy's readable parts."""
        intact = [c for c in copies if c.decoded is not None]
        best = max(intact, key=lambda c: c.decoded.seq if c.decoded else -1, default=None)
        highest = max(
            [c.peeked_seq for c in copies if c.peeked_seq is not None]
            + [c.decoded.seq for c in intact if c.decoded],
            default=0,
        )
        # Damaged copies that may hold more than `best`: newer by their own account, or of
        # unknown age (a file cut before its sequence number; an old file without one).
        best_seq = best.decoded.seq if best is not None and best.decoded else -1
        newer = [
            c for c in copies
            if c.decoded is None and c.damage is not None and c.damage.payload is not None
            and (c.peeked_seq is None or c.peeked_seq > best_seq)
        ]
        salvaged = [(c, *_salvage(c.damage.payload)) for c in newer if c.damage and c.damage.payload]
        known = best.decoded if best is not None else None
        gain = any(
            _adds_something(known, whole, loose) for _, _, whole, loose, _ in salvaged
        )
        if best is not None and best.decoded is not None and not gain:
            # Nothing newer is readable anywhere: what the damaged copies held beyond `best`
            # is named as lost.
            # The live file is written before the mirror and a save returns only once both are,
            # so beside an intact mirror a damaged live file can have held no returned save.
            lost = [] if best.path == self.mirror_path else [
                f"{c.label} ({c.damage})" for c in copies
                if c.damage is not None and c.blob is not None and c.blob.strip()
                and (c.peeked_seq is None or c.peeked_seq > best_seq)
            ]
            return _Outcome(
                best.decoded.document, best, best.decoded.vault, best.decoded.seq,
                {best.label: _count_sessions(best.decoded.document)}, lost,
            )
        if best is None and not gain:
            return None
        # Rebuild: start from the newest intact version, then take every table and document that
        # a newer damaged copy still holds. A table that matches its recorded digest anywhere is
        # taken exactly from that copy.
        base: Document = dict(best.decoded.document) if best and best.decoded else {}
        # Which copy each document of the result came from, for the report.
        origin: dict[str, dict[str, str]] = {
            name: dict.fromkeys(table, best.label if best else "") for name, table in base.items()
        }
        by_digest: dict[str, tuple[str, object]] = {}
        for copy in intact:
            assert copy.decoded is not None
            for table, _, digest in copy.decoded.fragments.values():
                by_digest.setdefault(digest, (copy.label, table))
        unreadable: list[str] = []
        for copy, integrity, whole, loose, stopped_at in sorted(
            salvaged, key=lambda item: item[0].peeked_seq or 0
        ):
            for table, _, digest in whole.values():
                by_digest.setdefault(digest, (copy.label, table))
            claimed = (integrity or {}).get("tables")
            wanted: dict[str, object] = claimed if isinstance(claimed, dict) else {}
            for name in set(whole) | set(loose) | set(wanted):
                claimed_digest = wanted.get(name)
                exact = (
                    by_digest.get(claimed_digest) if isinstance(claimed_digest, str) else None
                )
                if exact is not None and isinstance(exact[1], dict):
                    base[name] = exact[1]
                    origin[name] = dict.fromkeys(exact[1], exact[0])
                elif name in whole and isinstance(whole[name][0], dict):
                    table = whole[name][0]
                    assert isinstance(table, dict)
                    base[name] = table
                    origin[name] = dict.fromkeys(table, copy.label)
                elif name in loose:
                    base[name] = {**base.get(name, {}), **loose[name]}
                    origin[name] = {**origin.get(name, {}), **dict.fromkeys(loose[name], copy.label)}
                    if isinstance(claimed_digest, str):
                        unreadable.append(f"the rest of table {name!r} in {copy.label}")
                elif name in base:
                    unreadable.append(
                        f"table {name!r} as last saved in {copy.label} (an older copy was used)"
                    )
                else:
                    unreadable.append(f"table {name!r} in {copy.label}")
            if stopped_at is not None and not wanted:
                # No integrity member to say what was lost: name where the reading stopped.
                unreadable.append(f"whatever followed position {stopped_at} of {copy.label}")
        sources: dict[str, int] = {}
        for name, docs in origin.items():
            if name.startswith(_SESSION_TABLE_PREFIX):
                for label in docs.values():
                    sources[label] = sources.get(label, 0) + 1
        vault = next((c.decoded.vault for c in intact if c.decoded), None) or self._vault
        return _Outcome(base, None, vault, highest + 1, sources, unreadable)

    def _report(self, live: _Copy, outcome: _Outcome, kept: list[Path]) -> str:
        if live.blob is None:
            opening = "Your ratings file was missing."
        else:
            opening = "Your ratings file was damaged (probably by a crash or power cut)."
        exact = outcome.exact
        if exact is not None and exact.path == self.mirror_path:
            restored = (
                f" We restored your latest save from its second copy ({exact.label}), so "
                "nothing was lost"
            )
        elif exact is not None:
            when = _when(_mtime(exact.path) or time.time())
            restored = f" We restored the copy from {when} ({exact.label})"
            if outcome.unreadable:
                restored += "; changes saved after it could not be recovered"
        else:
            restored = " We rebuilt it from the readable parts of every copy"
        if kept:
            restored += "; the damaged file was kept at " + " and ".join(str(p) for p in kept)
        total = sum(outcome.sources.values())
        labels = [label for label in outcome.sources if label]
        recovered = f"Recovered {total} session{'s' if total != 1 else ''}"
        if total == 0 and not any(n.startswith(_SESSION_TABLE_PREFIX) for n in outcome.document):
            # The index of a split store holds no sessions (each client's file holds theirs):
            # "0 sessions" would read as if the history were gone.
            recovered = "Recovered the list of clients and the settings"
        if len(labels) == 1:
            recovered += f" from {labels[0]}"
        elif labels:
            recovered += " (" + ", ".join(
                f"{outcome.sources[label]} from {label}" for label in labels
            ) + ")"
        n = len(outcome.unreadable)
        cannot = "every record was read"
        if n:
            cannot = (f"could not read {n} record{'s' if n != 1 else ''}: "
                      + "; ".join(outcome.unreadable))
        return f"{opening}{restored}. {recovered}; {cannot}."

    def _aside_path(self, mirror: bool = False) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        tail = "-mirror" if mirror else ""
        candidate = self.path.with_name(f"{self.path.name}.corrupt-{stamp}{tail}")
        counter = 1
        while candidate.exists():
            counter += 1
            candidate = self.path.with_name(f"{self.path.name}.corrupt-{stamp}{tail}-{counter}")
        return candidate

    # ---------------------------------------------------------------- writing

    def _fragments_for(self, data: Document) -> dict[str, Fragment]:
        fragments: dict[str, Fragment] = {}
        for name, table in data.items():
            cached = self._fragments.get(name)
            if cached is not None and cached[0] is table:
                fragments[name] = cached
            else:
                chunk = _dump_table(table)
                fragments[name] = (table, chunk, _digest(chunk))
        return fragments

    def _numbered_backups(self) -> list[tuple[int, Path]]:
        pattern = re.compile(re.escape(self.path.name) + r"\.bak(\d+)$")
        found: list[tuple[int, Path]] = []
        for path in self.path.parent.glob(f"{glob.escape(self.path.name)}.bak*"):
            match = pattern.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def _backup(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.bak{number}")

    def rotate_backups(self) -> None:
        """Make the live file the newest backup (if it deserves to be one), as a write does."""
        self._rotate_backups()

    def _rotate_backups(self) -> None:
        if self.keep_backups == 0 or not self._outgoing_file_is_good():
            return
        for number, path in self._numbered_backups():
            if number >= self.keep_backups:
                path.unlink()
        for number in range(self.keep_backups - 1, 0, -1):
            source = self._backup(number)
            if source.exists():
                atomic.replace(source, self._backup(number + 1))
        newest = self._backup(1)
        try:
            # The outgoing file is never written again (writes replace it), so a hard link is
            # as good as a copy and costs nothing.
            os.link(self.path, newest)
        except OSError:
            shutil.copy2(self.path, newest)

    def _outgoing_file_is_good(self) -> bool:
        """Whether the file about to be replaced deserves to become a backup (and so to push the
        oldest one out): only if it is the file we read and checked, or it reads and checks now."""
        signature = _signature(self.path)
        if signature is None:
            return False
        if signature == self._signature:
            return True
        # Changed since we read or wrote it (another program, a sync tool, damage): keep it as a
        # backup only if it reads; otherwise keep it aside rather than losing it silently.
        try:
            self._decode(self.path.read_bytes(), None)
        except (_DamagedError, StoreError):
            atomic.replace(self.path, self._aside_path())
            return False
        return True


def _adds_something(known: _Decoded | None, whole: dict[str, Fragment], loose: Document) -> bool:
    """Whether salvaged tables and documents hold anything the intact version `known` lacks."""
    if known is None:
        return bool(whole or loose)
    digests = {digest for _, _, digest in known.fragments.values()}
    if any(digest not in digests for _, _, digest in whole.values()):
        return True
    return any(
        known.document.get(name, {}).get(doc_id) != doc
        for name, docs in loose.items()
        for doc_id, doc in docs.items()
    )


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None
