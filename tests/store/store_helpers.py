"""Helpers shared by the store tests (a uniquely named module: tests have no packages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cft_desktop.core.ratings import Answer, ItemKind, ItemSet, Phase
from cft_desktop.store.records import Records

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
) -> str:
    """Start a session and save complete before and after forms; returns the session id."""
    items = store.item_set(client)
    pacing = {"bpm": 6.0, "ratio": "1:1.5", "pause_scale": 1.0}
    session_id = store.start_session(client, script_id, "1", pacing, "joe", started_at)
    store.save_before(session_id, make_form(items, Phase.BEFORE, **(before or {})))
    store.save_after(
        session_id,
        make_form(items, Phase.AFTER, **(after or {})),
        started_at + timedelta(minutes=12),
        1.0,
    )
    return session_id


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in `folder` with its bytes (to prove nothing changed)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
