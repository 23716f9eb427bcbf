"""Helpers shared by the store tests (a uniquely named module: tests have no packages)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cft_desktop.core.ratings import Answer, ItemKind, ItemSet, Phase
from cft_desktop.store.records import Records
from cft_desktop.store.storage import MIRROR_SUFFIX, Document, dump_document

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def make_form(
    items: ItemSet, phase: Phase, base: int = 40, **values: int | str | None
) -> list[Answer]:
    """A complete form: named items get their value (None = skip), other scales get `base`,
    choices their first option, text is skipped."""
    answers = []
    for item in items.for_phase(phase):
        if item.item_id in values:
            value = values[item.item_id]
            answers.append(item.skip() if value is None else item.answer(value))
        elif item.kind is ItemKind.SCALE:
            answers.append(item.answer(base))
        elif item.kind is ItemKind.CHOICE:
            answers.append(item.answer(item.choices[0]))
        else:
            answers.append(item.skip())
    return answers


def rated_session(
    store: Records,
    client: str,
    started_at: datetime = T0,
    before: dict[str, int | str | None] | None = None,
    after: dict[str, int | str | None] | None = None,
    *,
    script_id: str = "safe-place",
    on_save: Callable[[str], None] = lambda step: None,
) -> str:
    """Start a session and save complete before and after forms; returns the session id.

    `on_save` hears the session id, then "before", then "after", as each save returns."""
    items = store.item_set(client)
    pacing = {"bpm": 6.0, "ratio": "1:1.5", "pause_scale": 1.0}
    session_id = store.start_session(client, script_id, "1", pacing, "joe", started_at)
    on_save(session_id)
    store.save_before(session_id, make_form(items, Phase.BEFORE, **(before or {})))
    on_save("before")
    store.save_after(
        session_id,
        make_form(items, Phase.AFTER, **(after or {})),
        started_at + timedelta(minutes=12),
        1.0,
    )
    on_save("after")
    return session_id


def is_lock_file(path: Path) -> bool:
    """The lock file beside the store (`store.lock`): it holds no ratings, only who opened it
    last, and every open rewrites that, so data checks leave it out."""
    return path.name.endswith((".lock", ".show"))


def data_files(folder: Path) -> list[Path]:
    """Every file in `folder` that may hold ratings (all but the lock file), the clients' files
    in the folder beside the index included."""
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and not is_lock_file(p)]


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in `folder` with its bytes (to prove nothing changed), but the lock file."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in data_files(folder)}


def mirror_of(path: Path) -> Path:
    """The second copy the storage keeps of every save."""
    return path.with_name(path.name + MIRROR_SUFFIX)


def write_store_file(path: Path, document: Document, seq: int = 10_000) -> None:
    """Write `document` as the app would save it (integrity member and all) to the live file and
    its mirror: a bad value that every checksum passes, as a buggy writer would leave it."""
    blob = dump_document(document, seq)
    path.write_bytes(blob)
    mirror_of(path).write_bytes(blob)


def document_in(blob: bytes) -> Document:
    """The tables of a plain store file, without the storage's integrity member."""
    document: Document = json.loads(blob)
    document.pop("_integrity", None)
    return document


def shard_files(path: Path) -> list[Path]:
    """The live files of the clients (`split`): one per client, beside the index `path`."""
    folder = path.with_name(path.name + ".clients")
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def shard_of(path: Path, client_id: str) -> Path:
    """The live file holding `client_id`'s sessions in the store whose index is `path`."""
    return path.with_name(path.name + ".clients") / f"{client_id}.json"


def stored_document(path: Path) -> Document:
    """Every table of a plain store as it is on disk: the index and each client's file."""
    document = document_in(path.read_bytes())
    for shard in shard_files(path):
        document.update(document_in(shard.read_bytes()))
    return document
