"""Opening the ratings database: where the file lives, its schema version and its migrations.

Owns the *layout* of the document and how old layouts are upgraded; `records` owns what the
documents mean. Migrations work on the raw document (dicts, as JSON gives them), never through
TinyDB, so they can also upgrade old backups while erasing a client from them.

Layout, schema version 2 (the current one)::

    "_meta":    {"1": {"schema_version": 2}}
    "clients":  {"<n>": {"client_id", "pseudonym", "created_at", "is_default"}}
    "settings": {"<n>": {"scope": "app" | <client_id>, "key", "value"}}
    "sessions/<client_id>/<YYYY-MM>": {"<n>": session}     one table per client per UTC month

    session = {"session_id", "client", "script_id", "script_version", "pacing", "voice",
               "started_at", "ended_at", "fraction_completed", "before", "after"}
    before/after = null (not saved yet) or a list of answers, each
               {"item", "wording_version", "value"}  or  {"item", "wording_version", "skipped": true}

Sessions are split by client and month so that saving a rating rewrites one small table (see
`storage`), and erasing a client drops whole tables. Timestamps are ISO 8601 with a UTC offset.

Earlier layouts (development builds): version 0 had no ``_meta``, one ``sessions`` table naming
the client by pseudonym, answers as ``{item: number | null}`` and ``completed: bool``; version 1
added ``_meta``, the ``clients`` and ``settings`` tables and answers with wording versions.

Runs on the thread that owns the store (the GUI thread or the CLI's main thread).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from cft_desktop.errors import StoreError
from cft_desktop.paths import data_dir
from cft_desktop.store.crypto import MAGIC, is_encrypted
from cft_desktop.store.storage import DEFAULT_KEEP_BACKUPS, AtomicJSONStorage, Document

FILE_NAME = "ratings.json"
SCHEMA_VERSION = 2
META_TABLE = "_meta"
CLIENTS_TABLE = "clients"
SETTINGS_TABLE = "settings"
SESSIONS_PREFIX = "sessions/"
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


# MIGRATIONS[n] turns a version-n document into version n+1.
MIGRATIONS: list[Callable[[Document], Document]] = [_v0_to_v1, _v1_to_v2]
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


def prepare(storage: Storage) -> None:
    """Bring `storage` to the current schema: create a new document or run the migrations.

    The outgoing version stays in the backups (`AtomicJSONStorage` rotates it out only after
    several more saves), so a failed upgrade can be undone by hand.
    """
    document = storage.read()
    if not document:
        storage.write(new_document())
        return
    upgraded = migrate(document)
    if upgraded is not document:
        storage.write(upgraded)


def open_storage(
    path: Path | None = None,
    *,
    passphrase: str | None = None,
    keep_backups: int = DEFAULT_KEEP_BACKUPS,
) -> AtomicJSONStorage:
    """Open (recovering if need be) and upgrade the ratings file; `data_dir()/ratings.json`
    unless `path` is given. `recovery_message` on the result says whether a backup was used."""
    storage = AtomicJSONStorage(
        default_path() if path is None else path,
        keep_backups=keep_backups,
        passphrase=passphrase,
    )
    try:
        prepare(storage)
    except BaseException:
        storage.close()
        raise
    return storage
