"""Opening the ratings database: where the file lives, its schema version and its migrations.

Owns the *layout* of the document and how old layouts are upgraded; `records` owns what the
documents mean. Migrations work on the raw document (dicts, as JSON gives them), never through
TinyDB, so they can also upgrade old backups while erasing a client from them.

Layout, schema version 3 (the current one); which file each table lives in is `split`'s business
(the index holds ``_meta``, ``clients``, ``settings`` and ``_set_aside``; each client's file their
session tables)::

    "_meta":    {"1": {"schema_version": 3}}
    "clients":  {"<n>": {"client_id", "pseudonym", "created_at", "is_default"}}
    "settings": {"<n>": {"scope": "app" | <client_id>, "key", "value"}}
    "sessions/<client_id>/<YYYY-MM>": {"<n>": session}     one table per client per UTC month

    session = {"session_id", "client", "script_id", "script_version", "pacing", "voice",
               "started_at", "ended_at", "fraction_completed", "before", "after"}
    before/after = null (not saved yet) or a list of answers, each
               {"item", "wording_version", "value"}  or  {"item", "wording_version", "skipped": true}

    "_set_aside": {"<n>": {"table", "doc_id", "problem", "record"}}   records that failed validation
    "_files":    {"<n>": {"client_id"}}     the clients that have a file of their own (`split`)

Sessions are split by client and month so that saving a rating rewrites one small table of one
client's file (see `storage` and `split`), and erasing a client drops their file. Timestamps are
ISO 8601 with a UTC offset.

Validation: every record is checked on open (`validate`; a client's sessions when their file is
first read), clients, settings and sessions alike
(fields, types, times, answers, and that a session sits in its own client's table). A record that
fails is replaced by the newest copy of it that passes in the mirror or a backup; if none does, it
is *set aside* by name into ``_set_aside`` (kept whole, never shown as a session, erased with its
client) and everything else keeps working. Either way `recovery_message` says which. The write
that follows keeps every backup (no rotation), so no good backup is pushed out by it.

Earlier layouts (development builds): version 0 had no ``_meta``, one ``sessions`` table naming
the client by pseudonym, answers as ``{item: number | null}`` and ``completed: bool``; version 1
added ``_meta``, the ``clients`` and ``settings`` tables and answers with wording versions; version
2 had today's tables, all in one file. Version 3 changes no table: it marks a store split into an
index and a file per client, which an app from before the split must not open (it would see no
sessions). Opening a version 2 file (or an older one) splits it (`split`).

Runs on the thread that owns the store (the GUI thread or the CLI's main thread).
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tinydb.storages import Storage

from cft_desktop.errors import StoreError
from cft_desktop.paths import data_dir
from cft_desktop.store.crypto import MAGIC, is_encrypted
from cft_desktop.store.storage import AtomicJSONStorage, Document


@runtime_checkable
class SplitLike(Protocol):
    """What `prepare` needs of a split store (`split.SplitStorage`, which sits above this
    module): its index file, and whether that still holds sessions (a store from before the
    split, which the first write splits)."""

    index: AtomicJSONStorage

    def has_inline_sessions(self) -> bool: ...

    def write(self, data: Document, *, rotate_backups: bool = True) -> None: ...

    def add_note(self, note: str) -> None: ...

FILE_NAME = "ratings.json"
SCHEMA_VERSION = 3
META_TABLE = "_meta"
CLIENTS_TABLE = "clients"
SETTINGS_TABLE = "settings"
SESSIONS_PREFIX = "sessions/"
SET_ASIDE_TABLE = "_set_aside"
FILES_TABLE = "_files"
# Client ids made from v0 pseudonyms are derived, not random, so the same client gets the same id
# in the live file and in every old backup (erasing a client must find them all).
_V0_CLIENT_NAMESPACE = "6f1d7a52-3c1e-4f0e-9a51-2b8a4c9e0d17"


def default_path() -> Path:
    return data_dir() / FILE_NAME


def needs_passphrase(path: Path | None = None) -> bool:
    """True if the ratings file exists and is locked with a passphrase (ask before opening)."""
    try:
        with (default_path() if path is None else path).open("rb") as handle:
            return is_encrypted(handle.read(len(MAGIC)))
    except FileNotFoundError:
        return False


def session_table(client_id: str, started_at: str) -> str:
    """The table holding a session of `client_id` that started at ISO time `started_at`."""
    month = datetime.fromisoformat(started_at).astimezone(UTC).strftime("%Y-%m")
    return f"{SESSIONS_PREFIX}{client_id}/{month}"


def client_tables_prefix(client_id: str) -> str:
    return f"{SESSIONS_PREFIX}{client_id}/"


def next_doc_id(table: Mapping[str, Any]) -> int:
    """The id TinyDB would give the next document of `table` (its keys are decimal ids)."""
    return max((int(key) for key in table), default=0) + 1


def schema_version(document: Document) -> int:
    meta = document.get(META_TABLE) or {}
    for doc in meta.values():
        version = doc.get("schema_version")
        if isinstance(version, int) and not isinstance(version, bool):
            return version
    return 0


def _meta(version: int) -> dict[str, dict[str, Any]]:
    return {"1": {"schema_version": version}}


def _numbered(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(n): doc for n, doc in enumerate(docs, start=1)}


def _v0_to_v1(document: Document) -> Document:
    import uuid  # only old files need it; uuid costs 3 ms of every start (it imports platform)

    namespace = uuid.UUID(_V0_CLIENT_NAMESPACE)
    old_sessions = list((document.get("sessions") or {}).values())
    clients: dict[str, dict[str, Any]] = {}
    sessions: list[dict[str, Any]] = []
    for old in old_sessions:
        pseudonym = str(old.get("client") or "Me")
        client_id = uuid.uuid5(namespace, pseudonym).hex
        started = str(old["started_at"])
        known = clients.get(client_id)
        if known is None or started < known["created_at"]:
            clients[client_id] = {
                "client_id": client_id,
                "pseudonym": pseudonym,
                "created_at": started,
                "is_default": False,
            }
        session = {key: value for key, value in old.items() if key not in ("before", "after")}
        session["client"] = client_id
        for phase in ("before", "after"):
            values = old.get(phase)
            session[phase] = None if values is None else [
                _v0_answer(item, value) for item, value in values.items()
            ]
        sessions.append(session)
    if len(clients) == 1:
        # v0 had one user per laptop: that person is the default profile.
        next(iter(clients.values()))["is_default"] = True
    migrated = {
        name: table
        for name, table in document.items()
        if name not in ("sessions", META_TABLE, CLIENTS_TABLE, SETTINGS_TABLE)
    }
    migrated[META_TABLE] = _meta(1)
    migrated[CLIENTS_TABLE] = _numbered(list(clients.values()))
    migrated[SETTINGS_TABLE] = document.get(SETTINGS_TABLE) or {}
    migrated["sessions"] = _numbered(sessions)
    return migrated


def _v0_answer(item: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {"item": item, "wording_version": 1, "skipped": True}
    if isinstance(value, float):
        value = round(value)  # v0 sliders sometimes stored 42.0
    return {"item": item, "wording_version": 1, "value": value}


def _v1_to_v2(document: Document) -> Document:
    migrated = {name: table for name, table in document.items() if name != "sessions"}
    by_table: dict[str, list[dict[str, Any]]] = {}
    for old in (document.get("sessions") or {}).values():
        session = {key: value for key, value in old.items() if key != "completed"}
        # v1 only knew finished/not finished; how much of an unfinished practice played is lost.
        session["fraction_completed"] = 1.0 if old.get("completed") else None
        session.setdefault("ended_at", None)
        name = session_table(str(session["client"]), str(session["started_at"]))
        by_table.setdefault(name, []).append(session)
    for name, docs in by_table.items():
        migrated[name] = _numbered(docs)
    migrated[META_TABLE] = _meta(2)
    return migrated


def _v2_to_v3(document: Document) -> Document:
    # The tables stay as they are; version 3 says the store is split into an index and a file
    # per client (`split`), which an app that knows only one file must not open.
    migrated = dict(document)
    migrated[META_TABLE] = _meta(3)
    return migrated


# MIGRATIONS[n] turns a version-n document into version n+1.
MIGRATIONS: list[Callable[[Document], Document]] = [_v0_to_v1, _v1_to_v2, _v2_to_v3]
assert len(MIGRATIONS) == SCHEMA_VERSION


def migrate(document: Document) -> Document:
    """`document` upgraded to `SCHEMA_VERSION`; the input is left untouched."""
    version = schema_version(document)
    if version > SCHEMA_VERSION:
        raise StoreError(
            "Your ratings file was saved by a newer version of CFT Desktop. Please update the "
            "app to open it; the file has not been changed."
        )
    if version == SCHEMA_VERSION:
        return document
    upgraded = copy.deepcopy(document)
    try:
        for step in MIGRATIONS[version:]:
            upgraded = step(upgraded)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(
            f"Your ratings file uses an old layout (version {version}) that could not be "
            f"upgraded ({exc!r}). It has not been changed."
        ) from exc
    return upgraded


def new_document() -> Document:
    return {META_TABLE: _meta(SCHEMA_VERSION), CLIENTS_TABLE: {}, SETTINGS_TABLE: {}}


# ------------------------------------------------------------------------------ validation


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment.utcoffset() is not None


def _answers_problem(answers: Any) -> str | None:
    # `type(x) is int` on purpose: it is quick (this runs for every answer of every session at
    # every open) and, unlike isinstance, turns True and False away.
    if answers is None:
        return None
    if type(answers) is not list:
        return "answers are not a list"
    for answer in answers:
        if type(answer) is not dict:
            return "an answer is not an object"
        item = answer.get("item")
        if type(item) is not str or not item:
            return "an answer has no item"
        if type(answer.get("wording_version")) is not int:
            return f"answer {item!r} has no wording version"
        if answer.get("skipped") is True:
            continue
        kind = type(answer.get("value"))
        if kind is not int and kind is not str:
            return f"answer {item!r} has no value"
    return None


def _session_problem(table: str, doc: dict[str, Any]) -> str | None:
    for key in ("session_id", "client", "script_id", "voice"):
        if not _is_text(doc.get(key)):
            return f"{key} is missing or not text"
    if not isinstance(doc.get("script_version"), str):
        return "script_version is missing or not text"
    if not table.startswith(f"{SESSIONS_PREFIX}{doc['client']}/"):
        return "it names another client than its table"
    if not _is_time(doc.get("started_at")):
        return "started_at is not a time"
    ended = doc.get("ended_at")
    if ended is not None and not _is_time(ended):
        return "ended_at is not a time"
    pacing = doc.get("pacing")
    if pacing is not None and not isinstance(pacing, dict):
        return "pacing is not an object"
    fraction = doc.get("fraction_completed")
    if fraction is not None and (
        isinstance(fraction, bool) or not isinstance(fraction, int | float)
        or not 0.0 <= fraction <= 1.0
    ):
        return "fraction_completed is not a number from 0 to 1"
    return _answers_problem(doc.get("before")) or _answers_problem(doc.get("after"))


def _client_problem(doc: dict[str, Any]) -> str | None:
    if not _is_text(doc.get("client_id")) or not _is_text(doc.get("pseudonym")):
        return "client_id or pseudonym is missing"
    if not _is_time(doc.get("created_at")):
        return "created_at is not a time"
    if not isinstance(doc.get("is_default", False), bool):
        return "is_default is not true or false"
    return None


def _setting_problem(doc: dict[str, Any]) -> str | None:
    if not _is_text(doc.get("scope")) or not _is_text(doc.get("key")) or "value" not in doc:
        return "scope, key or value is missing"
    return None


def record_problem(table: str, doc: Any) -> str | None:
    """Why the record `doc` of `table` cannot be used (None: it can). Current layout only."""
    if not isinstance(doc, dict):
        return "it is not an object"
    if table.startswith(SESSIONS_PREFIX):
        return _session_problem(table, doc)
    if table == CLIENTS_TABLE:
        return _client_problem(doc)
    if table == SETTINGS_TABLE:
        return _setting_problem(doc)
    return None


def _record_name(table: str, doc_id: str, doc: Any) -> str:
    if table.startswith(SESSIONS_PREFIX):
        session_id = doc.get("session_id") if isinstance(doc, dict) else None
        what = f"session {session_id}" if isinstance(session_id, str) else f"session #{doc_id}"
        return f"{what} in {table}"
    return f"record #{doc_id} of {table}"


def validate(
    document: Document, others: Sequence[tuple[str, Document]] = ()
) -> tuple[Document, str | None]:
    """`document` with every record that fails validation replaced from `others` (label and
    document of the mirror and backups, newest first) or set aside; and a sentence saying what
    was done (None if every record passed). The input is left untouched."""
    bad: list[tuple[str, str, str]] = []
    for name, table in document.items():
        if name.startswith(SESSIONS_PREFIX) or name in (CLIENTS_TABLE, SETTINGS_TABLE):
            for doc_id, doc in table.items():
                problem = record_problem(name, doc)
                if problem is not None:
                    bad.append((name, doc_id, problem))
    if not bad:
        return document, None
    fixed = dict(document)
    aside = dict(fixed.get(SET_ASIDE_TABLE, {}))
    restored: list[str] = []
    set_aside: list[str] = []
    for name, doc_id, problem in bad:
        table = dict(fixed[name])
        doc = table[doc_id]
        label = _record_name(name, doc_id, doc)
        replacement = _intact_copy(name, doc_id, doc, others)
        if replacement is not None:
            table[doc_id] = replacement[1]
            restored.append(f"{label} (from {replacement[0]})")
        else:
            del table[doc_id]
            number = max((int(k) for k in aside), default=0) + 1
            aside[str(number)] = {"table": name, "doc_id": doc_id, "problem": problem, "record": doc}
            set_aside.append(f"{label}: {problem}")
        fixed[name] = table
    if aside:
        fixed[SET_ASIDE_TABLE] = aside
    parts = []
    if restored:
        parts.append(
            f"{len(restored)} damaged record{'s were' if len(restored) != 1 else ' was'} "
            f"restored from an intact copy: {'; '.join(restored)}."
        )
    if set_aside:
        parts.append(
            f"Could not read {len(set_aside)} record{'s' if len(set_aside) != 1 else ''}, so "
            f"{'they were' if len(set_aside) != 1 else 'it was'} set aside (kept in the file, "
            f"not shown): {'; '.join(set_aside)}. Everything else works as usual."
        )
    return fixed, " ".join(parts)


def _intact_copy(
    table: str, doc_id: str, doc: Any, others: Sequence[tuple[str, Document]]
) -> tuple[str, dict[str, Any]] | None:
    session_id = doc.get("session_id") if isinstance(doc, dict) else None
    for label, other in others:
        try:
            candidate = migrate(other).get(table, {}).get(doc_id)
        except StoreError:
            continue
        if candidate is None or record_problem(table, candidate) is not None:
            continue
        if isinstance(session_id, str) and candidate.get("session_id") != session_id:
            continue
        return label, candidate
    return None


# Storages whose document (by id) has passed `validate`: Records.open prepares the storage in
# open_storage and again in Records(), and 10,000 sessions should be checked once, not twice.
_validated: weakref.WeakKeyDictionary[Storage, int] = weakref.WeakKeyDictionary()


def prepare(storage: Storage) -> str | None:
    """Bring `storage` to the current schema: create a new document or run the migrations, then
    validate every record. Returns what validation had to do, in words (None: nothing).

    The outgoing version stays in the backups (`AtomicJSONStorage` rotates it out only after
    several more saves), so a failed upgrade can be undone by hand.
    """
    document = storage.read()
    if not document:
        storage.write(new_document())
        return None
    upgraded = migrate(document)
    split = storage if isinstance(storage, SplitLike) else None
    inline = split is not None and split.has_inline_sessions()
    if upgraded is document and _validated.get(storage) == id(document) and not inline:
        return None
    others: Sequence[tuple[str, Document]] = ()
    if isinstance(storage, AtomicJSONStorage):
        others = LazyVersions(storage)
    elif split is not None:
        others = LazyVersions(split.index)
    checked, note = validate(upgraded, others)
    if inline and checked is document:
        # An index that still holds sessions (a store from before the split): writing it
        # moves them into the clients' files, in one transaction.
        checked = dict(document)
    if checked is not document:
        if note is not None and isinstance(storage, AtomicJSONStorage):
            # The outgoing file failed validation: it must not push a good backup out.
            storage.write(checked, rotate_backups=False)
            storage.add_note(note)
        elif note is not None and split is not None:
            split.write(checked, rotate_backups=False)
            split.add_note(note)
        else:
            storage.write(checked)
    _validated[storage] = id(storage.read())
    return note


class LazyVersions(Sequence[tuple[str, Document]]):
    """The storage's other versions, read only if validation needs them (they cost a parse)."""

    def __init__(self, storage: AtomicJSONStorage) -> None:
        self._storage = storage
        self._found: list[tuple[str, Document]] | None = None

    def _all(self) -> list[tuple[str, Document]]:
        if self._found is None:
            self._found = self._storage.other_versions()
        return self._found

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, index: int) -> tuple[str, Document]:  # type: ignore[override]
        return self._all()[index]
