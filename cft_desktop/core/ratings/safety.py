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
from cft_desktop.core.ratings.items import SCALE_MAX
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
