"""Breathing patterns: named sets of breathing values, built in or saved by the person.

Owns what a pattern holds (the breath only: rate, inhale:exhale, holds and gradual slowing — never
the pause length or speech rate, which belong to the voice), the built-in patterns, the rules for
a pattern's name, whether a pacing is exactly a pattern, and reading saved patterns back from
stored data, where a damaged entry is skipped rather than failing. Pure values; any thread.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cft_desktop.core.pacing import Pacing
from cft_desktop.errors import PacingError

NAME_MAX_CHARS = 40
# Shown when the values match no pattern, so it can never be a pattern's own name.
CUSTOM_NAME = "Custom"


# What a pattern sets: everything about the breath, nothing about the voice (pause length and
# speech rate stay as the listener chose them).
BREATHING_FIELDS = ("bpm", "inhale_parts", "exhale_parts", "hold_in_s", "hold_out_s",
                    "ramp_from_bpm", "ramp_breaths")


@dataclass(frozen=True)
class Pattern:
    """A name and the breathing values it sets (`BREATHING_FIELDS`); validated through `Pacing`."""

    name: str
    bpm: float = 6.0
    inhale_parts: float = 2.0
    exhale_parts: float = 3.0
    hold_in_s: float = 0.0
    hold_out_s: float = 0.0
    ramp_from_bpm: float | None = None
    ramp_breaths: int = 6

    def __post_init__(self) -> None:
        self.apply_to(Pacing())  # raises PacingError for values no pacing accepts

    @classmethod
    def from_pacing(cls, name: str, pacing: Pacing) -> Pattern:
        return cls(name, **{field: getattr(pacing, field) for field in BREATHING_FIELDS})

    def apply_to(self, pacing: Pacing) -> Pacing:
        """`pacing` breathing this pattern, with its own pause length and speech rate."""
        return pacing.with_changes(**{field: getattr(self, field) for field in BREATHING_FIELDS})

    def matches(self, pacing: Pacing) -> bool:
        """Whether `pacing` breathes exactly like this pattern (2:3 and 4:6 are the same)."""
        if self.ramp_from_bpm is None:
            # With no slowing the number of slowing breaths changes nothing that is heard.
            ramp_same = pacing.ramp_from_bpm is None
        else:
            ramp_same = (pacing.ramp_from_bpm is not None
                         and math.isclose(pacing.ramp_from_bpm, self.ramp_from_bpm)
                         and pacing.ramp_breaths == self.ramp_breaths)
        share = self.inhale_parts / (self.inhale_parts + self.exhale_parts)
        return (ramp_same
                and math.isclose(pacing.bpm, self.bpm)
                and math.isclose(pacing.inhale_share, share)
                and math.isclose(pacing.hold_in_s, self.hold_in_s, abs_tol=1e-9)
                and math.isclose(pacing.hold_out_s, self.hold_out_s, abs_tol=1e-9))

    def describe(self) -> str:
        """The values in plain words, for a tooltip."""
        inhale_s, _hold_in, exhale_s, _hold_out = Pacing().with_changes(
            bpm=self.bpm, inhale_parts=self.inhale_parts, exhale_parts=self.exhale_parts,
            hold_in_s=self.hold_in_s, hold_out_s=self.hold_out_s,
        ).phases_s(self.bpm)
        words = (f"{_fmt(self.bpm)} breaths a minute: about {_fmt(round(inhale_s, 1))} s in, "
                 f"{_fmt(round(exhale_s, 1))} s out")
        holds = [f"rest {_fmt(s)} s after breathing {way}"
                 for s, way in ((self.hold_in_s, "in"), (self.hold_out_s, "out")) if s > 0]
        if holds:
            words += ", " + " and ".join(holds)
        if self.ramp_from_bpm is not None:
            words += (f"; begins at {_fmt(self.ramp_from_bpm)} a minute and slows down over "
                      f"{self.ramp_breaths} breaths")
        return words + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "bpm": self.bpm,
            "inhale_parts": self.inhale_parts,
            "exhale_parts": self.exhale_parts,
            "hold_in_s": self.hold_in_s,
            "hold_out_s": self.hold_out_s,
            "ramp_from_bpm": self.ramp_from_bpm,
            "ramp_breaths": self.ramp_breaths,
        }


# CLINICAL.md §4: about 6 a minute with a longer out-breath is the soothing rhythm (resonance
# 4.5–6.5 a minute in adults); beginners may need 8–12; 1:1, 1:1.5 and 1:2 are the ratios; a slowing
# from a comfortable rate over 1–3 minutes. No built-in holds the breath: holds are optional, and a
# third of people over-breathe on their first day of slow breathing.
BUILT_IN_PATTERNS: tuple[Pattern, ...] = (
    Pattern("Soothing rhythm"),  # the default pacing: 6 a minute, 4 s in, 6 s out
    Pattern("Easy and even", bpm=8.0, inhale_parts=1.0, exhale_parts=1.0),
    Pattern("Longer out-breath", bpm=5.0, inhale_parts=1.0, exhale_parts=2.0),
    # 12 breaths from 9 to 6 a minute take about a minute and a half.
    Pattern("Settle in slowly", ramp_from_bpm=9.0, ramp_breaths=12),
)


def clean_name(text: str) -> str:
    """A name as stored: spaces trimmed and runs of spaces made one, at most `NAME_MAX_CHARS`."""
    return " ".join(text.split())[:NAME_MAX_CHARS].strip()


def same_name(first: str, second: str) -> bool:
    return clean_name(first).casefold() == clean_name(second).casefold()


def reserved_name(name: str) -> bool:
    """A built-in's name or "Custom": a saved pattern may not take it."""
    return same_name(name, CUSTOM_NAME) or any(same_name(name, p.name) for p in BUILT_IN_PATTERNS)


def matching_pattern(pacing: Pacing, patterns: Iterable[Pattern]) -> Pattern | None:
    return next((pattern for pattern in patterns if pattern.matches(pacing)), None)


def patterns_from_data(data: object) -> list[Pattern]:
    """Saved patterns from stored data (a list of dicts); damaged or repeated entries are skipped."""
    if not isinstance(data, list):
        return []
    found: list[Pattern] = []
    for item in data:
        pattern = _pattern_from_dict(item)
        if pattern is None or reserved_name(pattern.name):
            continue
        if any(same_name(pattern.name, earlier.name) for earlier in found):
            continue
        found.append(pattern)
    return found


def _pattern_from_dict(item: object) -> Pattern | None:
    if not isinstance(item, dict):
        return None
    name = item.get("name")
    if not isinstance(name, str) or not clean_name(name):
        return None
    try:
        values = {key: item[key] for key in Pattern.__dataclass_fields__
                  if key != "name" and key in item}
        for value in values.values():
            # JSON true/false would pass as 1/0; a string or list would fail later, less clearly.
            if isinstance(value, bool) or not (value is None or isinstance(value, int | float)):
                return None
        ramp_breaths = values.get("ramp_breaths", 6)
        if isinstance(ramp_breaths, float):
            if not ramp_breaths.is_integer():
                return None
            values["ramp_breaths"] = int(ramp_breaths)
        if any(value is None for key, value in values.items() if key != "ramp_from_bpm"):
            return None
        return Pattern(name=clean_name(name), **values)
    except (PacingError, TypeError, ValueError):
        return None


def _fmt(value: float) -> str:
    return f"{value:g}"
