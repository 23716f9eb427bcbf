"""A plan a therapist sets for one client: practices in order, each with its pacing and voice.

Owns the plan's values (`Plan`, `PlanStep`), the usual CFT course as a starting point (soothing
rhythm breathing, safe place, compassionate colour, compassionate self, compassionate other,
then the flows of compassion), working out which practice comes next from what the client has
played, and the plan as plain text to take home. It counts nothing against the client: there
are no streaks and no missed days, only "next". Pure values and functions; any thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cft_desktop.core.pacing import Pacing
from cft_desktop.errors import CftError

# The usual order of a course of compassionate mind training (CLINICAL.md §2): the soothing
# rhythm first, then a safe place, then building the compassionate self and receiving and giving
# compassion.
USUAL_COURSE: tuple[str, ...] = (
    "soothing-rhythm-breathing",
    "safe-place",
    "compassionate-colour",
    "compassionate-self",
    "compassionate-other",
    "compassion-flowing-out",
    "compassion-flowing-in",
    "compassion-to-self",
)
# A practice counts as done for the plan once this much of it was heard.
DONE_AT_FRACTION = 0.5
MAX_STEPS = 50


class PlanError(CftError):
    """A plan that cannot be kept as given."""


@dataclass(frozen=True)
class PlanStep:
    """One practice of the plan; `pacing` None keeps the client's own, `voice` "" the usual."""

    script_id: str
    pacing: Pacing | None = None
    voice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"script_id": self.script_id,
                "pacing": self.pacing.to_dict() if self.pacing is not None else None,
                "voice": self.voice}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanStep:
        script_id = data.get("script_id")
        if not isinstance(script_id, str) or not script_id:
            raise PlanError("a plan step names no practice")
        raw_pacing = data.get("pacing")
        try:
            pacing = Pacing.from_dict(dict(raw_pacing)) if isinstance(raw_pacing, Mapping) else None
        except (CftError, TypeError, ValueError):
            pacing = None  # written by another version: the client's own pacing instead
        voice = data.get("voice")
        return cls(script_id, pacing, voice if isinstance(voice, str) else "")


@dataclass(frozen=True)
class Plan:
    steps: tuple[PlanStep, ...] = ()

    def __post_init__(self) -> None:
        if len(self.steps) > MAX_STEPS:
            raise PlanError(f"a plan holds at most {MAX_STEPS} practices")

    @classmethod
    def usual(cls, available: Iterable[str], pacing: Pacing | None = None) -> Plan:
        """The usual course, with the practices this library has."""
        have = set(available)
        return cls(tuple(PlanStep(script_id, pacing) for script_id in USUAL_COURSE
                         if script_id in have))

    def next_step(self, played: Sequence[tuple[str, float | None]]) -> PlanStep | None:
        """The practice to offer next, given (script id, fraction heard) oldest first.

        The plan moves on when its next practice has been heard at least half way; anything
        else played in between changes nothing. Once every step is done, the last one stays on
        offer (the flows are practised again and again). None for an empty plan.
        """
        if not self.steps:
            return None
        position = 0
        for script_id, fraction in played:
            if (position < len(self.steps) and script_id == self.steps[position].script_id
                    and fraction is not None and fraction >= DONE_AT_FRACTION):
                position += 1
        return self.steps[min(position, len(self.steps) - 1)]

    def to_data(self) -> list[dict[str, Any]]:
        return [step.to_dict() for step in self.steps]

    @classmethod
    def from_data(cls, data: object) -> Plan:
        """A stored plan; a damaged step is left out, the others kept."""
        if not isinstance(data, list):
            return cls()
        steps: list[PlanStep] = []
        for entry in data[:MAX_STEPS]:
            if isinstance(entry, Mapping):
                try:
                    steps.append(PlanStep.from_dict(entry))
                except PlanError:
                    continue
        return cls(tuple(steps))

    def as_text(self, titles: Mapping[str, str], who: str = "") -> str:
        """The plan in plain words, to keep beside a take-home file."""
        heading = f"Your practice plan{f' ({who})' if who else ''}"
        lines = [heading, "", "Practise these in order, at your own pace. There is no hurry "
                 "and nothing to keep up: come back to any of them whenever you like.", ""]
        for number, step in enumerate(self.steps, start=1):
            title = titles.get(step.script_id, step.script_id)
            pace = ""
            if step.pacing is not None:
                pace = (f" — {step.pacing.bpm:g} breaths a minute, in to out "
                        f"{step.pacing.ratio_text}")
            voice = f", in the voice “{step.voice}”" if step.voice else ""
            lines.append(f"{number}. {title}{pace}{voice}")
        return "\n".join(lines) + "\n"
