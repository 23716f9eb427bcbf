"""How a before → after change on a 0–100 item is measured and labelled (CLINICAL.md §7): its
size by the rule-of-thumb thresholds, whether it is better or worse for that item, and the
reliable change index when reference norms exist.

Pure functions and frozen values: any thread may use them (in practice the GUI thread and the
CLI's main thread).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from cft_desktop.core.ratings.answers import Answer, values_of
from cft_desktop.core.ratings.items import (
    DEFAULT_ITEM_SET,
    ItemKind,
    ItemSet,
    Polarity,
    RatingItem,
)
from cft_desktop.errors import RatingError

# Rules of thumb borrowed from pain research on 0–100 scales (≈10 points is a change people tend
# to notice, ≈20 a marked one). They are not validated cut-offs for these items; every label the
# app shows says so.
NOTICEABLE_CHANGE = 10
MARKED_CHANGE = 20
RULE_OF_THUMB_NOTE = (
    "'Noticeable' (10+ points) and 'marked' (20+ points) are rules of thumb borrowed from pain "
    "research, not validated cut-offs for these questions."
)
# Jacobson & Truax: a reliable change index beyond ±1.96 is unlikely to be measurement noise.
RCI_THRESHOLD = 1.96
ENGAGEMENT_NOTE = "Shifts within the app are engagement signals, not treatment effects."


class ChangeSize(StrEnum):
    SMALL = "small"  # below the rule-of-thumb threshold
    NOTICEABLE = "noticeable"
    MARKED = "marked"


class Direction(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"


def change_size(delta: float) -> ChangeSize:
    """Label |after − before| with the rule-of-thumb thresholds."""
    magnitude = abs(delta)
    if magnitude >= MARKED_CHANGE:
        return ChangeSize.MARKED
    if magnitude >= NOTICEABLE_CHANGE:
        return ChangeSize.NOTICEABLE
    return ChangeSize.SMALL


def change_direction(delta: float, polarity: Polarity) -> Direction:
    if delta == 0:
        return Direction.SAME
    rose = delta > 0
    better = rose if polarity is Polarity.HIGHER_IS_BETTER else not rose
    return Direction.BETTER if better else Direction.WORSE


def reliable_change_index(before: float, after: float, sd: float, r: float) -> float:
    """Jacobson & Truax RCI: (after − before) / (SD·√2·√(1−r)).

    `sd` is the standard deviation of the measure in a reference group and `r` its test–retest
    reliability; both must come from data about the item, which our own items do not yet have.
    """
    if not sd > 0:
        raise RatingError("the reference standard deviation must be above 0")
    if not 0 <= r < 1:
        raise RatingError("the reliability r must be at least 0 and below 1")
    return (after - before) / (sd * math.sqrt(2) * math.sqrt(1 - r))


@dataclass(frozen=True)
class Norm:
    """Reference SD and reliability for one item, for the reliable change index."""

    sd: float
    r: float


@dataclass(frozen=True)
class ItemChange:
    """before → after for one scale item (single values, or means over sessions)."""

    item_id: str
    before: float
    after: float
    size: ChangeSize
    direction: Direction
    rci: float | None = None

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def worsened(self) -> bool:
        return self.direction is Direction.WORSE

    @property
    def reliable(self) -> bool | None:
        """Whether the RCI passes ±1.96; None when no reference SD and r were given."""
        return None if self.rci is None else abs(self.rci) > RCI_THRESHOLD

    def describe(self) -> str:
        """E.g. "rose 25 points (marked, worse)"; worsening is worded as plainly as improvement."""
        if self.direction is Direction.SAME:
            return "no change"
        verb = "rose" if self.delta > 0 else "fell"
        points = abs(self.delta)
        amount = f"{points:g} point" + ("" if points == 1 else "s")
        if self.size is ChangeSize.SMALL:
            return f"{verb} {amount} (small, {self.direction.value})"
        return f"{verb} {amount} ({self.size.value}, {self.direction.value})"


def item_change(
    item: RatingItem, before: float, after: float, norm: Norm | None = None
) -> ItemChange:
    if item.kind is not ItemKind.SCALE or item.polarity is None:
        raise RatingError(f"{item.label}: change is only measured on 0–100 items")
    delta = after - before
    return ItemChange(
        item_id=item.item_id,
        before=before,
        after=after,
        size=change_size(delta),
        direction=change_direction(delta, item.polarity),
        rci=None if norm is None else reliable_change_index(before, after, norm.sd, norm.r),
    )


def session_changes(
    before: Iterable[Answer],
    after: Iterable[Answer],
    items: ItemSet = DEFAULT_ITEM_SET,
    norms: Mapping[str, Norm] | None = None,
) -> tuple[ItemChange, ...]:
    """Changes for every scale item answered (not skipped) both before and after, in form order."""
    b, a = values_of(before), values_of(after)
    changes: list[ItemChange] = []
    for item in items.items:
        if item.kind is not ItemKind.SCALE or item.polarity is None:
            continue
        vb, va = b.get(item.item_id), a.get(item.item_id)
        if isinstance(vb, int) and isinstance(va, int):
            norm = None if norms is None else norms.get(item.item_id)
            changes.append(item_change(item, vb, va, norm))
    return tuple(changes)
