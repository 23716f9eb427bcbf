"""The safety check (CLINICAL.md §6): which after-ratings must start the safety flow, the rules a
therapist may tune, and what the flow says. The GUI lays the flow out.

Pure functions and frozen values: any thread may use them (in practice the GUI thread and the
CLI's main thread).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from cft_desktop.core.ratings.answers import Answer, values_of
from cft_desktop.core.ratings.items import SCALE_MAX, ItemSet, RatingItem
from cft_desktop.errors import RatingError


class Trigger(StrEnum):
    DISTRESS_HIGH = "distress_high"
    DISTRESS_ROSE = "distress_rose"
    UPSET_A_LOT = "upset_a_lot"


TRIGGER_REASONS: Mapping[Trigger, str] = {
    Trigger.DISTRESS_HIGH: "Distress was high after the practice.",
    Trigger.DISTRESS_ROSE: "Distress rose during the practice.",
    Trigger.UPSET_A_LOT: "Something very upsetting came up.",
}


@dataclass(frozen=True)
class SafetyTriggers:
    """When the safety flow runs. A therapist may change these; None turns a rule off."""

    distress_after_at_least: int | None = 70
    distress_rise_at_least: int | None = 20
    upset_a_lot: bool = True

    def __post_init__(self) -> None:
        for name in ("distress_after_at_least", "distress_rise_at_least"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise RatingError(f"{name} must be a whole number or off")
            if not 1 <= value <= SCALE_MAX:
                raise RatingError(f"{name} must be from 1 to {SCALE_MAX}")


DEFAULT_SAFETY_TRIGGERS = SafetyTriggers()


def fired_triggers(
    before: Iterable[Answer],
    after: Iterable[Answer],
    triggers: SafetyTriggers = DEFAULT_SAFETY_TRIGGERS,
) -> tuple[Trigger, ...]:
    """Which safety rules the after-rating meets; non-empty means the GUI runs the safety flow.

    A skipped answer cannot fire a rule (we do not guess), but any one rule is enough.
    """
    b, a = values_of(before), values_of(after)
    fired: list[Trigger] = []
    distress_after = a.get("distress")
    distress_before = b.get("distress")
    if (
        triggers.distress_after_at_least is not None
        and isinstance(distress_after, int)
        and distress_after >= triggers.distress_after_at_least
    ):
        fired.append(Trigger.DISTRESS_HIGH)
    if (
        triggers.distress_rise_at_least is not None
        and isinstance(distress_after, int)
        and isinstance(distress_before, int)
        and distress_after - distress_before >= triggers.distress_rise_at_least
    ):
        fired.append(Trigger.DISTRESS_ROSE)
    if triggers.upset_a_lot and a.get("upset") == "a lot":
        fired.append(Trigger.UPSET_A_LOT)
    return tuple(fired)


# What the safety flow says (CLINICAL.md §6), in our own words. The GUI lays it out.
SAFETY_FLOW_TEXT: tuple[str, ...] = (
    "It sounds as if this practice stirred up something hard. That happens to many people: when "
    "we turn towards warmth, old sadness, grief or fear can surface too. It is not a sign you did "
    "anything wrong.",
    "If you would like, try Ground me now: eyes open, feet on the floor, noticing what you can see "
    "and hear.",
    "Next time you might choose a shorter or gentler practice, or simply breathe without imagery.",
    "It may help to tell your therapist what came up.",
)


# -- the check-in for practices that are not rated (issue 16 §1) -----------------------------------
# The safety check must reach everyone: a client who declined ratings, chose "Skip rating this
# time", or whose ratings are locked or unavailable is asked the two questions the safety rules
# read, after every imagery practice, and nothing of it is stored.

CHECKED_KINDS: frozenset[str] = frozenset({"imagery"})
# Upset first (the one question that matters most), then distress, which may be skipped.
CHECK_IN_ITEM_IDS: tuple[str, ...] = ("upset", "distress")

CHECK_IN_TITLE = "A moment to check in"
CHECK_IN_INTRO = (
    "Before you go on: how did this practice leave you? Your answer is not saved anywhere. It "
    "is only used now, to offer some support if something hard came up."
)


def needs_check_in(kind: str) -> bool:
    """Whether a practice of this kind is followed by the check-in when it is not rated."""
    return kind in CHECKED_KINDS


def check_in_items(items: ItemSet | None = None) -> tuple[RatingItem, ...]:
    """The check-in's questions, in the wording of `items` (the defaults without a store).

    Asked whether or not the therapist enabled them for the rating forms: the safety rules read
    them, and the check-in is about safety, not measurement.
    """
    chosen = items if items is not None else ItemSet()
    return tuple(chosen.item(item_id) for item_id in CHECK_IN_ITEM_IDS)
