"""Clients, practice sessions, ratings and settings: the only code that touches TinyDB.

Owns what the documents in the ratings file mean (their layout is described in `db`). The GUI and
the CLI call `Records` and get frozen values back (`Client`, `SessionRecord`, and the settings
types from `core.ratings`); they never see TinyDB.

Profiles: a default profile for a client's own laptop, and in therapist mode several clients
under pseudonyms the therapist chooses (create, list, rename, switch, erase). Erasing a client
removes their own file (sessions, mirror, backups) and their rows and settings from the index
*and* from every backup of it.

A client's sessions are read the first time they are needed (`split`): opening reads the index and
the active client's file; a session id not found among the clients read so far, a history of
every client, or an import reads the rest.

Runs on the GUI thread (or the CLI's main thread); one `Records` per open file. A save blocks for
a few milliseconds (fsync); see benchmarks/bench_store.py.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from cft_desktop.core.patterns import Pattern, patterns_from_data
from cft_desktop.core.plan import Plan
from cft_desktop.core.ratings import (
    DEFAULT_CRISIS_RESOURCES,
    DEFAULT_ITEMS,
    DEFAULT_SAFETY_TRIGGERS,
    ITEM_IDS,
    Answer,
    ConsentRecord,
    CrisisResource,
    CrisisResources,
    ItemSet,
    Phase,
    RatingItem,
    SafetyTriggers,
    problem_with_text,
)
from cft_desktop.errors import (
    RatingError,
    StoreError,
    UnknownRecordError,
    WrongPassphraseError,
)
from cft_desktop.store import db
from cft_desktop.store.db import next_doc_id
from cft_desktop.store.split import SplitStorage, open_storage
from cft_desktop.store.storage import DEFAULT_KEEP_BACKUPS, AtomicJSONStorage, Document

_FILES = (AtomicJSONStorage, SplitStorage)  # the storages that keep files on disk

_APP_SCOPE = "app"
DEFAULT_PSEUDONYM = "Me"
DEFAULT_IDLE_LOCK_MINUTES = 10
PSEUDONYM_MAX_CHARS = 60


class Mode(StrEnum):
    PERSONAL = "personal"  # a client's own laptop: one default profile
    THERAPIST = "therapist"  # several clients under pseudonyms



def _new_id() -> str:
    import uuid  # imported on first use: it costs 3 ms of every start (it imports platform)

    return uuid.uuid4().hex

@dataclass(frozen=True)
class Client:
    client_id: str  # random, never shown; pseudonyms can change, ids cannot
    pseudonym: str
    created_at: datetime
    is_default: bool = False

    @classmethod
    def new(cls, pseudonym: str, created_at: datetime | None = None) -> Client:
        """A client not yet stored (give it to `Records.add_sessions`, e.g. when importing)."""
        return cls(_new_id(), _clean_pseudonym(pseudonym), created_at or _now())


@dataclass(frozen=True)
class SessionRecord:
    """One practice: what was played, how, when, and the before/after answers.

    `before`/`after` are None until saved. `fraction_completed` is how much of the practice
    played (0–1), None while it runs or when unknown.
    """

    session_id: str
    client_id: str
    script_id: str
    script_version: str
    pacing: Mapping[str, Any]
    voice: str
    started_at: datetime
    ended_at: datetime | None = None
    fraction_completed: float | None = None
    before: tuple[Answer, ...] | None = None
    after: tuple[Answer, ...] | None = None

    def answers(self, phase: Phase) -> tuple[Answer, ...]:
        chosen = self.before if phase is Phase.BEFORE else self.after
        return chosen or ()

    def value(self, phase: Phase, item_id: str) -> int | str | None:
        """The answer's value; None if skipped or not asked."""
        for answer in self.answers(phase):
            if answer.item_id == item_id:
                return answer.value
        return None


@dataclass(frozen=True)
class EraseReport:
    client: Client
    sessions_removed: int
    backups_cleaned: int
    files_removed: tuple[Path, ...]  # unreadable backups, temp files, damaged copies naming them


def _now() -> datetime:
    return datetime.now().astimezone()


def _iso(moment: datetime, what: str) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError(f"{what} must carry a UTC offset (an aware datetime)")
    return moment.isoformat()


def _clean_pseudonym(pseudonym: str) -> str:
    cleaned = " ".join(pseudonym.split())
    problem = problem_with_text(cleaned, limit=PSEUDONYM_MAX_CHARS, what="Pseudonym")
    if problem:
        raise StoreError(problem)
    return cleaned


def _check_label(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise StoreError(f"{what} must be text")
    problem = problem_with_text(text, limit=200, what=what)
    if problem:
        raise StoreError(problem)
    return text


# Exports write these as numbers; storing 6 and 6.0 alike keeps export -> import lossless.
_FLOAT_PACING_KEYS = ("bpm", "ratio", "pause_scale")


def _pacing_json(pacing: Mapping[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = _json_safe(pacing, "pacing")
    for key in _FLOAT_PACING_KEYS:
        value = safe.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            safe[key] = float(value)
    return safe


def _json_safe(value: Any, where: str) -> Any:
    """A copy of `value` that JSON holds exactly (finite numbers, text keys), else StoreError."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise StoreError(f"{where}: {value} cannot be stored")
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if not isinstance(key, str):
                raise StoreError(f"{where}: keys must be text")
            out[key] = _json_safe(inner, f"{where}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_json_safe(inner, where) for inner in value]
    raise StoreError(f"{where}: {type(value).__name__} cannot be stored")


def check_fraction(fraction: float | None) -> float | None:
    if fraction is None:
        return None
    if isinstance(fraction, bool) or not isinstance(fraction, int | float):
        raise StoreError("fraction completed must be a number from 0 to 1")
    if not 0.0 <= fraction <= 1.0:
        raise StoreError(f"fraction completed {fraction} is outside 0–1")
    return float(fraction)


# ------------------------------------------------------------------------------ JSON <-> values


def answer_to_json(answer: Answer) -> dict[str, Any]:
    if answer.value is None:
        return {"item": answer.item_id, "wording_version": answer.wording_version, "skipped": True}
    return {"item": answer.item_id, "wording_version": answer.wording_version, "value": answer.value}


# Loading a long history creates the same few hundred answers over and over; sharing them keeps
# opening 10,000 sessions fast. Answers are immutable, so sharing is safe.
@functools.lru_cache(maxsize=8192, typed=True)
def _shared_answer(item_id: str, version: int, value: int | str | None) -> Answer:
    return Answer(item_id, version, value)


def _answers_from_json(raw: Any) -> tuple[Answer, ...] | None:
    if raw is None:
        return None
    return tuple(
        _shared_answer(a["item"], a["wording_version"], None if a.get("skipped") else a["value"])
        for a in raw
    )


def session_from_json(doc: Mapping[str, Any]) -> SessionRecord:
    ended = doc.get("ended_at")
    fraction = doc.get("fraction_completed")
    return SessionRecord(
        session_id=doc["session_id"],
        client_id=doc["client"],
        script_id=doc["script_id"],
        script_version=doc["script_version"],
        pacing=doc.get("pacing") or {},
        voice=doc["voice"],
        started_at=datetime.fromisoformat(doc["started_at"]),
        ended_at=None if ended is None else datetime.fromisoformat(ended),
        fraction_completed=None if fraction is None else float(fraction),
        before=_answers_from_json(doc.get("before")),
        after=_answers_from_json(doc.get("after")),
    )


def session_to_json(session: SessionRecord) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "client": session.client_id,
        "script_id": session.script_id,
        "script_version": session.script_version,
        "pacing": _pacing_json(session.pacing),
        "voice": session.voice,
        "started_at": _iso(session.started_at, "started_at"),
        "ended_at": None if session.ended_at is None else _iso(session.ended_at, "ended_at"),
        "fraction_completed": check_fraction(session.fraction_completed),
        "before": None if session.before is None else [answer_to_json(a) for a in session.before],
        "after": None if session.after is None else [answer_to_json(a) for a in session.after],
    }


def _client_from_json(doc: Mapping[str, Any]) -> Client:
    return Client(
        client_id=doc["client_id"],
        pseudonym=doc["pseudonym"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        is_default=bool(doc.get("is_default")),
    )


def _client_to_json(client: Client) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "pseudonym": client.pseudonym,
        "created_at": _iso(client.created_at, "created_at"),
        "is_default": client.is_default,
    }


_ITEM_TEXT_FIELDS = ("wording", "wording_version", "low_label", "high_label")


def _item_set_to_json(items: ItemSet, history: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    merged: dict[str, dict[str, str]] = {k: dict(v) for k, v in history.items()}
    for item in items.items:
        merged.setdefault(item.item_id, {})[str(item.wording_version)] = item.wording
    return {
        "enabled": sorted(items.enabled),
        "items": {
            item.item_id: {name: getattr(item, name) for name in _ITEM_TEXT_FIELDS}
            for item in items.items
        },
        "history": merged,
    }


def _item_set_from_json(raw: Mapping[str, Any]) -> ItemSet:
    overrides = raw.get("items") or {}
    items: list[RatingItem] = []
    for default in DEFAULT_ITEMS:
        stored = overrides.get(default.item_id)
        if stored:
            changes = {name: stored[name] for name in _ITEM_TEXT_FIELDS if name in stored}
            items.append(replace(default, **changes))
        else:
            items.append(default)
    # Ids this version does not know (written by a newer one) are ignored, not an error.
    enabled = frozenset(i for i in raw.get("enabled", ()) if i in ITEM_IDS)
    return ItemSet(tuple(items), enabled)


def _triggers_to_json(triggers: SafetyTriggers) -> dict[str, Any]:
    return {
        "distress_after_at_least": triggers.distress_after_at_least,
        "distress_rise_at_least": triggers.distress_rise_at_least,
        "upset_a_lot": triggers.upset_a_lot,
    }


def _triggers_from_json(raw: Mapping[str, Any]) -> SafetyTriggers:
    return SafetyTriggers(
        distress_after_at_least=raw["distress_after_at_least"],
        distress_rise_at_least=raw["distress_rise_at_least"],
        upset_a_lot=bool(raw["upset_a_lot"]),
    )


def _crisis_to_json(resources: CrisisResources) -> dict[str, Any]:
    return {
        "intro": resources.intro,
        "cannot_contact": resources.cannot_contact,
        "entries": [
            {
                "resource_id": e.resource_id,
                "region": e.region,
                "name": e.name,
                "contact": e.contact,
                "details": e.details,
                "last_verified": e.last_verified.isoformat(),
                "custom": e.custom,
            }
            for e in resources.entries
        ],
    }


def _crisis_from_json(raw: Mapping[str, Any]) -> CrisisResources:
    entries = tuple(
        CrisisResource(
            resource_id=e["resource_id"],
            region=e["region"],
            name=e["name"],
            contact=e["contact"],
            details=e.get("details", ""),
            last_verified=date.fromisoformat(e["last_verified"]),
            custom=bool(e.get("custom")),
        )
        for e in raw["entries"]
    )
    return CrisisResources(entries=entries, intro=raw["intro"], cannot_contact=raw["cannot_contact"])


def _consent_to_json(record: ConsentRecord) -> dict[str, Any]:
    return {
        "version": record.version,
        "accepted_topics": sorted(record.accepted_topics),
        "accepted_at": _iso(record.accepted_at, "accepted_at"),
    }


def _consent_from_json(raw: Mapping[str, Any]) -> ConsentRecord:
    return ConsentRecord(
        version=int(raw["version"]),
        accepted_topics=frozenset(raw["accepted_topics"]),
        accepted_at=datetime.fromisoformat(raw["accepted_at"]),
    )


def without_client(client_id: str, document: Document) -> Document:
    """`document` with every trace of `client_id` removed (upgraded to the current layout first,
    so old backups are cleaned too). Tables that do not change are passed through as they are."""
    upgraded = db.migrate(document)
    prefix = db.client_tables_prefix(client_id)

    def keep(name: str, doc: Mapping[str, Any]) -> bool:
        if name == db.CLIENTS_TABLE:
            return bool(doc.get("client_id") != client_id)
        if name == db.SETTINGS_TABLE:
            scope = doc.get("scope")
            return not (scope == client_id or (scope == _APP_SCOPE and doc.get("value") == client_id))
        if name.startswith(db.SESSIONS_PREFIX):
            return bool(doc.get("client") != client_id)
        if name == db.FILES_TABLE:
            return bool(doc.get("client_id") != client_id)
        if name == db.SET_ASIDE_TABLE:
            # A damaged record cannot be trusted to name its client where it should: any
            # mention of the client, or its table, is enough to erase it.
            return not (
                str(doc.get("table", "")).startswith(prefix)
                or client_id in json.dumps(doc, ensure_ascii=False)
            )
        return True

    cleaned: Document = {}
    for name, table in upgraded.items():
        if name.startswith(prefix):
            continue
        kept = {key: doc for key, doc in table.items() if keep(name, doc)}
        cleaned[name] = table if len(kept) == len(table) else kept
    return cleaned


# ------------------------------------------------------------------------------ the store


class Records:
    """The ratings store. Build it over any TinyDB storage (tests use MemoryStorage too), or use
    `Records.open()` for the file in the user's data folder."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._validation_note = db.prepare(storage)
        self._db = self._new_tinydb()
        self._session_index: dict[str, tuple[str, int]] | None = None
        self._ensure_default_client()
        # The client the app shows first: their file is read (and checked) now, so anything
        # recovering it needed is in `recovery_message` when the app looks right after opening.
        self._need([self.active_client().client_id])
        if isinstance(storage, SplitStorage):
            storage.mark_told()  # `recovery_message` says it; later files: new_recovery_message

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        passphrase: str | None = None,
        keep_backups: int = DEFAULT_KEEP_BACKUPS,
        lock_wait_s: float = 0.0,
    ) -> Records:
        """Open `data_dir()/ratings.json` (or `path`), recovering from a backup if it is damaged.

        Raises `PassphraseRequiredError` / `WrongPassphraseError` (nothing changed on disk),
        `lock.StoreBusyError` if another process still has the store open after `lock_wait_s`
        seconds, or `StoreError` with a plain message. Check `recovery_message` after opening.
        """
        storage = open_storage(
            path, passphrase=passphrase, keep_backups=keep_backups, lock_wait_s=lock_wait_s
        )
        try:
            return cls(storage)
        except BaseException:
            storage.close()
            raise

    def close(self) -> None:
        """Close the file and forget the key (auto-lock)."""
        self._db.close()

    def __enter__(self) -> Records:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def path(self) -> Path | None:
        """The file on disk; None for an in-memory store."""
        return self._storage.path if isinstance(self._storage, _FILES) else None

    @property
    def recovery_message(self) -> str | None:
        """A plain message to show once if opening recovered anything or set a damaged record
        aside, else None."""
        if isinstance(self._storage, _FILES):
            return self._storage.recovery_message
        return self._validation_note

    def new_recovery_message(self) -> str | None:
        """What reading a client's file for the first time since opening had to recover (their
        file is read when first needed: switching to them, their history, an export), once; None
        if nothing. `recovery_message` covers what opening read."""
        if isinstance(self._storage, SplitStorage):
            return self._storage.new_recovery_message()
        return None

    @property
    def encrypted(self) -> bool:
        return isinstance(self._storage, _FILES) and self._storage.encrypted

    def change_passphrase(self, current: str | None, new: str | None) -> list[Path]:
        """Lock with `new` (None: remove the passphrase); `current` must match if locked.

        The file and every backup are re-encrypted; returns files that had to be removed.
        """
        storage = self._storage
        if not isinstance(storage, _FILES):
            raise StoreError("An in-memory store cannot be encrypted.")
        if storage.encrypted and (current is None or not storage.verifies(current)):
            raise WrongPassphraseError(
                "The current passphrase is not right, so it was not changed."
            )
        return storage.change_passphrase(new)

    # ---------------------------------------------------------------- internals

    def _new_tinydb(self) -> TinyDB:
        storage = self._storage
        return TinyDB(storage=lambda: storage)

    def _table(self, name: str) -> Table:
        return self._db.table(name)

    def _document(self) -> Document:
        return self._storage.read() or {}

    def _commit(self, change: Callable[[Document], Document], *, rotate_backups: bool = True) -> None:
        """Apply a change spanning several tables in one atomic write.

        `change` must return a new document and leave the one it was given (the storage's
        in-memory copy) untouched, replacing rather than mutating any table it changes.
        """
        updated = change(self._document())
        if isinstance(self._storage, _FILES):
            self._storage.write(updated, rotate_backups=rotate_backups)
        else:
            self._storage.write(updated)
        # TinyDB's tables cache their next id and query results; start them afresh.
        self._db = self._new_tinydb()
        self._session_index = None

    def _need(self, client_ids: Sequence[str] | None) -> None:
        """Load the clients' files of a split store (None: every client's) before their sessions
        are read or changed."""
        storage = self._storage
        if not isinstance(storage, SplitStorage):
            return
        if storage.load_all() if client_ids is None else storage.load(client_ids):
            # TinyDB's tables cache their next id; the session index covers what was loaded.
            self._db = self._new_tinydb()
            self._session_index = None

    def _index(self) -> dict[str, tuple[str, int]]:
        if self._session_index is None:
            index: dict[str, tuple[str, int]] = {}
            for name, table in self._document().items():
                if name.startswith(db.SESSIONS_PREFIX):
                    for doc_id, doc in table.items():
                        index[doc["session_id"]] = (name, int(doc_id))
            self._session_index = index
        return self._session_index

    def _locate(self, session_id: str) -> tuple[str, int, Mapping[str, Any]]:
        for attempt in range(2):
            where = self._index().get(session_id)
            if where is not None:
                doc = self._document().get(where[0], {}).get(str(where[1]))
                if doc is not None and doc.get("session_id") == session_id:
                    return where[0], where[1], doc
            if attempt == 0:
                self._session_index = None
                self._need(None)  # not among the clients loaded so far
        raise UnknownRecordError(f"No practice session with id {session_id} (erased?).")

    def _get_setting(self, scope: str, key: str) -> Any:
        q = Query()
        found = self._table(db.SETTINGS_TABLE).get((q.scope == scope) & (q.key == key))
        return None if found is None else found["value"]

    def _put_setting(self, scope: str, key: str, value: Any) -> None:
        q = Query()
        self._table(db.SETTINGS_TABLE).upsert(
            {"scope": scope, "key": key, "value": value}, (q.scope == scope) & (q.key == key)
        )

    def _read_setting(
        self, scope: str, key: str, convert: Callable[[Mapping[str, Any]], Any], what: str
    ) -> Any:
        raw = self._get_setting(scope, key)
        if raw is None:
            return None
        try:
            return convert(raw)
        except (KeyError, TypeError, ValueError, RatingError) as exc:
            raise StoreError(f"The saved {what} could not be read ({exc}).") from exc

    # ---------------------------------------------------------------- clients

    def _ensure_default_client(self) -> None:
        if any(c.is_default for c in self.clients()):
            return
        taken = {c.pseudonym.casefold() for c in self.clients()}
        name, n = DEFAULT_PSEUDONYM, 1
        while name.casefold() in taken:
            n += 1
            name = f"{DEFAULT_PSEUDONYM} {n}"
        client = replace(Client.new(name), is_default=True)
        self._table(db.CLIENTS_TABLE).insert(_client_to_json(client))

    def clients(self) -> list[Client]:
        """All profiles: the default one first, then by pseudonym."""
        try:
            found = [_client_from_json(doc) for doc in self._table(db.CLIENTS_TABLE).all()]
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"The list of clients could not be read ({exc}).") from exc
        return sorted(found, key=lambda c: (not c.is_default, c.pseudonym.casefold(), c.client_id))

    def client(self, client_id: str) -> Client:
        for client in self.clients():
            if client.client_id == client_id:
                return client
        raise UnknownRecordError(f"No client with id {client_id} (erased?).")

    def default_client(self) -> Client:
        return next(c for c in self.clients() if c.is_default)

    def find_client(self, pseudonym: str) -> Client | None:
        wanted = " ".join(pseudonym.split()).casefold()
        return next((c for c in self.clients() if c.pseudonym.casefold() == wanted), None)

    def _check_unique(self, pseudonym: str, except_id: str | None = None) -> None:
        other = self.find_client(pseudonym)
        if other is not None and other.client_id != except_id:
            raise StoreError(f"There is already a client called {other.pseudonym!r}.")

    def create_client(self, pseudonym: str) -> Client:
        """A new profile under a pseudonym (unique, ignoring case)."""
        client = Client.new(pseudonym)
        self._check_unique(client.pseudonym)
        self._table(db.CLIENTS_TABLE).insert(_client_to_json(client))
        return client

    def rename_client(self, client_id: str, pseudonym: str) -> Client:
        client = self.client(client_id)
        renamed = replace(client, pseudonym=_clean_pseudonym(pseudonym))
        self._check_unique(renamed.pseudonym, except_id=client_id)
        self._table(db.CLIENTS_TABLE).update(
            {"pseudonym": renamed.pseudonym}, Query().client_id == client_id
        )
        return renamed

    def mode(self) -> Mode:
        raw = self._get_setting(_APP_SCOPE, "mode")
        return Mode(raw) if raw in Mode.__members__.values() else Mode.PERSONAL

    def set_mode(self, mode: Mode) -> None:
        self._put_setting(_APP_SCOPE, "mode", Mode(mode).value)

    def active_client(self) -> Client:
        """The profile in use; the default profile unless a therapist switched."""
        client_id = self._get_setting(_APP_SCOPE, "active_client")
        if isinstance(client_id, str):
            try:
                return self.client(client_id)
            except UnknownRecordError:
                pass
        return self.default_client()

    def switch_client(self, client_id: str) -> Client:
        """Make `client_id` the active profile; their file is read (and checked) now, so
        `new_recovery_message` can say at once if it needed recovering."""
        client = self.client(client_id)
        self._put_setting(_APP_SCOPE, "active_client", client.client_id)
        self._need([client.client_id])
        return client

    def erase_client(self, client_id: str) -> EraseReport:
        """Remove a client, their sessions and settings from the file and from every backup.

        Backups are cleaned first and the live file last, without keeping a backup of the
        outgoing version; a crash part-way leaves the client visible, so erasing can be repeated.
        Damaged copies kept aside that mention the client (or are encrypted) are deleted, and
        the default profile is recreated empty if it was the one erased.
        """
        client = self.client(client_id)
        self._need([client_id])
        prefix = db.client_tables_prefix(client_id)
        session_ids = [sid for sid, (name, _) in self._index().items() if name.startswith(prefix)]
        transform = functools.partial(without_client, client_id)
        removed: list[Path] = []
        cleaned = 0
        storage = self._storage
        if isinstance(storage, _FILES):
            cleaned, removed = storage.rewrite_backups(transform)
        if isinstance(storage, SplitStorage):
            # The client's own file goes whole, with its mirror, backups and damaged copies;
            # then the index, so a crash between leaves the client listed, to be erased again.
            storage.remove_client_files(client_id)
            self._db = self._new_tinydb()
            self._session_index = None
        self._commit(transform, rotate_backups=False)
        if isinstance(storage, _FILES):
            needles = [client_id, client.pseudonym, *session_ids]
            removed += storage.remove_damaged_copies_mentioning(needles)
        self._ensure_default_client()
        return EraseReport(client, len(session_ids), cleaned, tuple(removed))

    # ---------------------------------------------------------------- sessions

    def start_session(
        self,
        client: str,
        script_id: str,
        script_version: str,
        pacing: Mapping[str, Any],
        voice: str,
        started_at: datetime,
    ) -> str:
        """Record that a practice started; returns the new session id (uuid4 hex).

        `pacing` is stored as given (it must be JSON-like); exports use its ``bpm``, ``ratio`` and
        ``pause_scale``.
        """
        self.client(client)
        self._need([client])
        session_id = _new_id()
        doc = session_to_json(
            SessionRecord(
                session_id=session_id,
                client_id=client,
                script_id=_check_label(script_id, "script id"),
                script_version=_check_label(script_version, "script version"),
                pacing=pacing,
                voice=_check_label(voice, "voice"),
                started_at=started_at,
            )
        )
        name = db.session_table(client, doc["started_at"])
        doc_id = self._table(name).insert(doc)
        self._index()[session_id] = (name, doc_id)
        return session_id

    def save_before(self, session_id: str, answers: Sequence[Answer]) -> None:
        """Store the before-rating: every enabled item answered or skipped (else `RatingError`)."""
        name, doc_id, doc = self._locate(session_id)
        checked = self.item_set(doc["client"]).check_answers(Phase.BEFORE, answers)
        self._table(name).update(
            {"before": [answer_to_json(a) for a in checked]}, doc_ids=[doc_id]
        )

    def save_after(
        self,
        session_id: str,
        answers: Sequence[Answer],
        ended_at: datetime,
        fraction_completed: float,
    ) -> None:
        """Store the after-rating with when the practice ended and how much of it played (0–1)."""
        name, doc_id, doc = self._locate(session_id)
        checked = self.item_set(doc["client"]).check_answers(Phase.AFTER, answers)
        self._table(name).update(
            {
                "after": [answer_to_json(a) for a in checked],
                "ended_at": _iso(ended_at, "ended_at"),
                "fraction_completed": check_fraction(fraction_completed),
            },
            doc_ids=[doc_id],
        )

    def session(self, session_id: str) -> SessionRecord:
        return self._convert(self._locate(session_id)[2])

    def has_session(self, session_id: str) -> bool:
        if session_id not in self._index():
            self._need(None)
        return session_id in self._index()

    @staticmethod
    def _convert(doc: Mapping[str, Any]) -> SessionRecord:
        try:
            return session_from_json(doc)
        except (KeyError, TypeError, ValueError, RatingError) as exc:
            raise StoreError(
                f"A saved session ({doc.get('session_id', '?')}) could not be read ({exc!r})."
            ) from exc

    def sessions(self, client: str | None = None) -> list[SessionRecord]:
        """Sessions of one client (all clients if None), oldest first."""
        self._need(None if client is None else [client])
        prefix = db.SESSIONS_PREFIX if client is None else db.client_tables_prefix(client)
        found = [
            self._convert(doc)
            for name, table in self._document().items()
            if name.startswith(prefix)
            for doc in table.values()
        ]
        found.sort(key=lambda s: (s.started_at, s.session_id))
        return found

    def add_sessions(
        self, sessions: Sequence[SessionRecord], new_clients: Sequence[Client] = ()
    ) -> None:
        """Add whole sessions (and the clients they need) in one atomic write: all or nothing.

        Used by CSV import; raises `StoreError` if an id is already stored or a client unknown.
        In a split store every client's file changes in one transaction (`split`).
        """
        self._need(None)  # an id already stored under any client is refused
        known = {c.client_id for c in self.clients()}
        taken = {c.pseudonym.casefold() for c in self.clients()}
        for new in new_clients:
            if new.client_id in known or new.pseudonym.casefold() in taken:
                raise StoreError(f"Client {new.pseudonym!r} already exists.")
            known.add(new.client_id)
            taken.add(new.pseudonym.casefold())
        index = self._index()
        seen: set[str] = set()
        by_client: dict[str, list[SessionRecord]] = {}
        for session in sessions:
            if session.session_id in index or session.session_id in seen:
                raise StoreError(f"Session {session.session_id} is already stored.")
            if session.client_id not in known:
                raise UnknownRecordError(f"No client with id {session.client_id}.")
            seen.add(session.session_id)
            by_client.setdefault(session.client_id, []).append(session)

        def inserted(document: Document, docs: Sequence[tuple[str, dict[str, Any]]]) -> Document:
            updated = dict(document)
            # The next free id of each table copied so far: taking the max over a table's keys
            # once per table, not once per document, keeps a big import linear (a month of
            # 32,000 rows took 37 s when every insert rescanned its table).
            next_ids: dict[str, int] = {}
            for name, doc in docs:
                if name not in next_ids:
                    updated[name] = dict(updated.get(name, {}))
                    next_ids[name] = next_doc_id(updated[name])
                updated[name][str(next_ids[name])] = doc
                next_ids[name] += 1
            return updated

        def client_docs(client_id: str) -> list[tuple[str, dict[str, Any]]]:
            docs = [session_to_json(session) for session in by_client[client_id]]
            return [(db.session_table(d["client"], d["started_at"]), d) for d in docs]

        clients_docs = [(db.CLIENTS_TABLE, _client_to_json(client)) for client in new_clients]
        storage = self._storage
        if isinstance(storage, SplitStorage):
            # One client at a time: each client's sessions become JSON, are staged to disk and
            # let go before the next client's, so memory follows the largest client, not the
            # whole import; one plan file commits every file at once.
            try:
                storage.commit_clients(
                    list(by_client),
                    lambda client_id, document: inserted(document, client_docs(client_id)),
                    (lambda document: inserted(document, clients_docs)) if new_clients else None,
                )
            finally:
                self._db = self._new_tinydb()
                self._session_index = None
            self._need([self.active_client().client_id])
            return
        docs = [item for client_id in by_client for item in client_docs(client_id)]
        self._commit(lambda document: inserted(document, clients_docs + docs))

    # ---------------------------------------------------------------- settings

    def item_set(self, client: str) -> ItemSet:
        """The items `client` is asked, with the wording in force."""
        found = self._read_setting(client, "item_set", _item_set_from_json, "rating items")
        return found if isinstance(found, ItemSet) else ItemSet()

    def set_item_set(self, client: str, items: ItemSet) -> None:
        self.client(client)
        raw = self._get_setting(client, "item_set") or {}
        self._put_setting(client, "item_set", _item_set_to_json(items, raw.get("history", {})))

    def wording_of(self, client: str, item_id: str, wording_version: int) -> str | None:
        """The exact question text an answer with this wording version responded to."""
        raw = self._get_setting(client, "item_set") or {}
        stored = raw.get("history", {}).get(item_id, {}).get(str(wording_version))
        if isinstance(stored, str):
            return stored
        for item in DEFAULT_ITEMS:
            if item.item_id == item_id and item.wording_version == wording_version:
                return item.wording
        return None

    def safety_triggers(self, client: str) -> SafetyTriggers:
        found = self._read_setting(client, "safety_triggers", _triggers_from_json, "safety rules")
        return found if isinstance(found, SafetyTriggers) else DEFAULT_SAFETY_TRIGGERS

    def set_safety_triggers(self, client: str, triggers: SafetyTriggers) -> None:
        self.client(client)
        self._put_setting(client, "safety_triggers", _triggers_to_json(triggers))

    def patterns(self, client: str) -> list[Pattern]:
        """The breathing patterns saved for `client` (therapist mode keeps them per client, so
        they are encrypted with the file and go when the client is erased). A damaged entry is
        left out; the others still load."""
        return patterns_from_data(self._get_setting(client, "patterns"))

    def set_patterns(self, client: str, patterns: Sequence[Pattern]) -> None:
        self.client(client)
        self._put_setting(client, "patterns", [pattern.to_dict() for pattern in patterns])

    def voice(self, client: str) -> str:
        """The voice `client` hears by default in therapist mode ("" for the usual voice): the
        one chosen last while they were the active client. Kept with their ratings (encrypted
        with them) and erased with them."""
        raw = self._get_setting(client, "voice")
        return raw if isinstance(raw, str) and not problem_with_text(raw, limit=200,
                                                                    what="voice") else ""

    def set_voice(self, client: str, name: str) -> None:
        self.client(client)
        self._put_setting(client, "voice", _check_label(name, "voice"))

    def plan(self, client: str) -> Plan:
        """The practice plan a therapist set for `client` (empty if none); a damaged step is
        left out."""
        return Plan.from_data(self._get_setting(client, "plan"))

    def set_plan(self, client: str, plan: Plan) -> None:
        self.client(client)
        self._put_setting(client, "plan", plan.to_data())

    def crisis_resources(self) -> CrisisResources:
        found = self._read_setting(
            _APP_SCOPE, "crisis_resources", _crisis_from_json, "crisis resources"
        )
        return found if isinstance(found, CrisisResources) else DEFAULT_CRISIS_RESOURCES

    def set_crisis_resources(self, resources: CrisisResources) -> None:
        self._put_setting(_APP_SCOPE, "crisis_resources", _crisis_to_json(resources))

    def idle_lock_minutes(self) -> int:
        """Minutes of inactivity before the app locks (0: never)."""
        raw = self._get_setting(_APP_SCOPE, "idle_lock_minutes")
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        return DEFAULT_IDLE_LOCK_MINUTES

    def set_idle_lock_minutes(self, minutes: int) -> None:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 1440:
            raise StoreError("The lock delay must be a whole number of minutes from 0 to 1440.")
        self._put_setting(_APP_SCOPE, "idle_lock_minutes", minutes)

    def consent(self, client: str) -> ConsentRecord | None:
        """The consent `client` accepted, or None; check `.complete` for the current version."""
        found = self._read_setting(client, "consent", _consent_from_json, "consent record")
        return found if isinstance(found, ConsentRecord) else None

    def record_consent(self, client: str, record: ConsentRecord) -> None:
        self.client(client)
        self._put_setting(client, "consent", _consent_to_json(record))
