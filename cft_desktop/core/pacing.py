"""Pacing: how fast to breathe, how long the silences are and how fast the voice speaks.

Owns the pacing parameters, their allowed ranges and their validation; a value outside its range is
refused with a `PacingError` that names the range. Pure values; any thread.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from cft_desktop.errors import PacingError

BPM_RANGE = (3.0, 12.0)
HOLD_RANGE_S = (0.0, 4.0)
PAUSE_SCALE_RANGE = (0.5, 3.0)
# piper's length_scale: 1.0 is the voice's own pace, larger is slower. Guided practice is spoken a
# little slower than the voice's conversational default.
SPEECH_LENGTH_SCALE_RANGE = (0.8, 2.0)
DEFAULT_SPEECH_LENGTH_SCALE = 1.3
# The inhale's share of (inhale + exhale); 1:4 to 2:1 covers every pattern clinicians use.
INHALE_SHARE_RANGE = (0.2, 2.0 / 3.0)
MIN_PHASE_S = 1.0
RAMP_BREATHS_RANGE = (1, 60)


@dataclass(frozen=True)
class Pacing:
    """One pacing. Breath cycle = 60 / bpm seconds and includes both holds."""

    bpm: float = 6.0
    inhale_parts: float = 2.0
    exhale_parts: float = 3.0
    hold_in_s: float = 0.0
    hold_out_s: float = 0.0
    pause_scale: float = 1.0
    speech_length_scale: float = DEFAULT_SPEECH_LENGTH_SCALE
    ramp_from_bpm: float | None = None
    ramp_breaths: int = 6
    # False: "No breath work". Each paced block becomes quiet time of the same length (no breath
    # lines, no tones), and a script's [without breath work] parts are heard instead of its
    # [with breath work] ones. The breath rate still sets the length, so a practice lasts as long.
    breath_work: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.breath_work, bool):
            raise PacingError(f"breath work must be true or false, not {self.breath_work!r}")
        _check_range("breaths per minute", self.bpm, BPM_RANGE)
        if not (self.inhale_parts > 0 and self.exhale_parts > 0):
            raise PacingError(
                "inhale:exhale must be two positive numbers, like 2:3 (from 1:4 to 2:1)"
            )
        share = self.inhale_parts / (self.inhale_parts + self.exhale_parts)
        if not INHALE_SHARE_RANGE[0] - 1e-9 <= share <= INHALE_SHARE_RANGE[1] + 1e-9:
            raise PacingError(
                f"inhale:exhale {_fmt(self.inhale_parts)}:{_fmt(self.exhale_parts)} is outside "
                "the allowed range 1:4 to 2:1"
            )
        _check_range("hold after inhale (s)", self.hold_in_s, HOLD_RANGE_S)
        _check_range("hold after exhale (s)", self.hold_out_s, HOLD_RANGE_S)
        _check_range("pause scale", self.pause_scale, PAUSE_SCALE_RANGE)
        _check_range("speech rate (length scale)", self.speech_length_scale,
                     SPEECH_LENGTH_SCALE_RANGE)
        if self.ramp_from_bpm is not None:
            _check_range("ramp start (breaths per minute)", self.ramp_from_bpm, BPM_RANGE)
        if not RAMP_BREATHS_RANGE[0] <= self.ramp_breaths <= RAMP_BREATHS_RANGE[1]:
            raise PacingError(
                f"ramp length {self.ramp_breaths} breaths is outside the allowed range "
                f"{RAMP_BREATHS_RANGE[0]}–{RAMP_BREATHS_RANGE[1]}"
            )
        for rate in (self.bpm, self.ramp_from_bpm or self.bpm):
            self.phases_s(rate)

    @property
    def inhale_share(self) -> float:
        return self.inhale_parts / (self.inhale_parts + self.exhale_parts)

    @property
    def ratio_text(self) -> str:
        return f"{_fmt(self.inhale_parts)}:{_fmt(self.exhale_parts)}"

    def bpm_for_breath(self, breath_index: int) -> float:
        """The rate of the session's `breath_index`-th paced breath (0-based), ramp included."""
        if self.ramp_from_bpm is None or breath_index >= self.ramp_breaths:
            return self.bpm
        fraction = breath_index / self.ramp_breaths
        return self.ramp_from_bpm + (self.bpm - self.ramp_from_bpm) * fraction

    def phases_s(self, bpm: float) -> tuple[float, float, float, float]:
        """(inhale, hold after inhale, exhale, hold after exhale) in seconds at `bpm`."""
        cycle_s = 60.0 / bpm
        breathing_s = cycle_s - self.hold_in_s - self.hold_out_s
        inhale_s = breathing_s * self.inhale_share
        exhale_s = breathing_s - inhale_s
        if min(inhale_s, exhale_s) < MIN_PHASE_S - 1e-9:
            most_hold_s = self.max_total_hold_s(bpm, self.inhale_share)
            raise PacingError(
                f"at {_fmt(bpm)} breaths per minute the holds leave less than "
                f"{_fmt(MIN_PHASE_S)} s to breathe in or out; the holds may add up to at most "
                f"{math.floor(most_hold_s * 10) / 10:.1f} s"
            )
        return inhale_s, self.hold_in_s, exhale_s, self.hold_out_s

    @staticmethod
    def max_total_hold_s(bpm: float, inhale_share: float) -> float:
        """The largest hold-in + hold-out at `bpm` that still leaves `MIN_PHASE_S` for the shorter
        breath; a static method because the side panel asks before its `Pacing` exists."""
        cycle_s = 60.0 / bpm
        return max(0.0, cycle_s - MIN_PHASE_S / min(inhale_share, 1.0 - inhale_share))

    def with_changes(self, **changes: Any) -> Pacing:
        """A copy with some values changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pacing:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def parse_ratio(text: str) -> tuple[float, float]:
    """'2:3' -> (2.0, 3.0); refuses anything else with a message showing the form."""
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        inhale, exhale = float(parts[0]), float(parts[1])
    except ValueError:
        raise PacingError(
            f"'{text}' is not an inhale:exhale ratio; write it like 2:3 (from 1:4 to 2:1)"
        ) from None
    if not (math.isfinite(inhale) and math.isfinite(exhale)):
        raise PacingError(f"'{text}' is not an inhale:exhale ratio")
    return inhale, exhale


def _check_range(name: str, value: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if not (isinstance(value, int | float) and math.isfinite(value) and low <= value <= high):
        raise PacingError(f"{name} {value!r} is outside the allowed range {_fmt(low)}–{_fmt(high)}")


def _fmt(value: float) -> str:
    return f"{value:g}"
