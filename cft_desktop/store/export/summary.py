"""What a summary of one client's ratings contains, worked out from the sessions alone (no file
format): per-item means before and after over the sessions rated both times, their change, the
mean ease and how often something upsetting came up. `pdf` prints it.

Pure function over frozen values; in practice run on the thread that owns the store (the GUI
thread or the CLI's main thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cft_desktop.core.ratings import (
    DEFAULT_ITEM_SET,
    UPSET_CHOICES,
    ItemChange,
    ItemSet,
    Phase,
    item_change,
)
from cft_desktop.store.export.common import PAIRED_ITEMS
from cft_desktop.store.records import SessionRecord


@dataclass(frozen=True)
class ItemSummary:
    item_id: str
    label: str
    pairs: int  # sessions with this item answered both before and after
    change: ItemChange | None  # mean before → mean after over those sessions


@dataclass(frozen=True)
class Summary:
    pseudonym: str
    sessions: int
    first: datetime | None
    last: datetime | None
    items: tuple[ItemSummary, ...]
    mean_ease: float | None
    ease_answers: int
    upset_counts: tuple[tuple[str, int], ...]


def summarise(
    pseudonym: str, sessions: Sequence[SessionRecord], items: ItemSet = DEFAULT_ITEM_SET
) -> Summary:
    """Per-item means before and after (over sessions rated both times) and their change.

    Items never asked in these sessions are left out; an item asked but skipped each time shows
    as having no paired ratings."""
    rows: list[ItemSummary] = []
    asked = {answer.item_id for s in sessions for phase in (Phase.BEFORE, Phase.AFTER)
             for answer in s.answers(phase)}
    for item_id in PAIRED_ITEMS:
        if item_id not in asked:
            continue  # never on a form (an optional item left off): not "no paired ratings"
        item = items.item(item_id)
        pairs = [
            (b, a)
            for s in sessions
            if isinstance(b := s.value(Phase.BEFORE, item_id), int)
            and isinstance(a := s.value(Phase.AFTER, item_id), int)
        ]
        change = None
        if pairs:
            mean_before = sum(b for b, _ in pairs) / len(pairs)
            mean_after = sum(a for _, a in pairs) / len(pairs)
            change = item_change(item, mean_before, mean_after)
        rows.append(ItemSummary(item_id, item.label, len(pairs), change))
    ease = [v for s in sessions if isinstance(v := s.value(Phase.AFTER, "ease"), int)]
    upset = [s.value(Phase.AFTER, "upset") for s in sessions]
    starts = [s.started_at for s in sessions]
    return Summary(
        pseudonym=pseudonym,
        sessions=len(sessions),
        first=min(starts) if starts else None,
        last=max(starts) if starts else None,
        items=tuple(rows),
        mean_ease=sum(ease) / len(ease) if ease else None,
        ease_answers=len(ease),
        upset_counts=tuple((choice, upset.count(choice)) for choice in UPSET_CHOICES),
    )


# The PDF's fonts ship inside the package (fonts/ beside this file, with their licences), so any
# pseudonym prints the same on Linux, Windows, macOS and in the frozen bundle. DejaVu Sans covers
