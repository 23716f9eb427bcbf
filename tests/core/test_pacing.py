"""Pacing values, their ranges and the ramp."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from cft_desktop.core.pacing import Pacing, parse_ratio
from cft_desktop.errors import CftError, PacingError


def test_defaults() -> None:
    pacing = Pacing()
    assert pacing.bpm == 6.0
    assert (pacing.inhale_parts, pacing.exhale_parts) == (2.0, 3.0)
    assert pacing.ratio_text == "2:3"
    assert pacing.inhale_share == pytest.approx(0.4)
    assert pacing.hold_in_s == 0.0
    assert pacing.hold_out_s == 0.0
    assert pacing.pause_scale == 1.0
    assert pacing.ramp_from_bpm is None


def test_default_phases() -> None:
    assert Pacing().phases_s(6.0) == pytest.approx((4.0, 0.0, 6.0, 0.0))


@pytest.mark.parametrize("bpm", [3.0, 4.5, 6.0, 9.0, 12.0])
@pytest.mark.parametrize(("hold_in", "hold_out"), [(0.0, 0.0), (1.0, 0.5), (0.0, 1.25)])
def test_phases_fill_the_cycle(bpm: float, hold_in: float, hold_out: float) -> None:
    pacing = Pacing(bpm=bpm, hold_in_s=hold_in, hold_out_s=hold_out)
    inhale, held_in, exhale, held_out = pacing.phases_s(bpm)
    assert inhale + held_in + exhale + held_out == pytest.approx(60.0 / bpm)
    assert inhale / (inhale + exhale) == pytest.approx(0.4)
    assert (held_in, held_out) == (hold_in, hold_out)


@pytest.mark.parametrize(
    ("changes", "allowed"),
    [
        ({"bpm": 2.9}, "3–12"),
        ({"bpm": 12.5}, "3–12"),
        ({"bpm": 0.0}, "3–12"),
        ({"bpm": math.nan}, "3–12"),
        ({"bpm": math.inf}, "3–12"),
        ({"hold_in_s": 4.5}, "0–4"),
        ({"hold_out_s": 4.5}, "0–4"),
        ({"hold_in_s": -0.1}, "0–4"),
        ({"pause_scale": 0.4}, "0.5–3"),
        ({"pause_scale": 3.1}, "0.5–3"),
        ({"speech_length_scale": 0.7}, "0.8–2"),
        ({"speech_length_scale": 2.1}, "0.8–2"),
        ({"inhale_parts": 1.0, "exhale_parts": 5.0}, "1:4 to 2:1"),
        ({"inhale_parts": 3.0, "exhale_parts": 1.0}, "1:4 to 2:1"),
        ({"inhale_parts": 0.0, "exhale_parts": 1.0}, "1:4 to 2:1"),
        ({"inhale_parts": -1.0, "exhale_parts": 3.0}, "1:4 to 2:1"),
        ({"ramp_from_bpm": 13.0}, "3–12"),
        ({"ramp_from_bpm": 2.0}, "3–12"),
        ({"ramp_breaths": 0}, "1–60"),
        ({"ramp_breaths": 61}, "1–60"),
    ],
)
def test_out_of_range_values_name_the_range(changes: dict[str, Any], allowed: str) -> None:
    with pytest.raises(PacingError) as info:
        Pacing(**changes)
    assert allowed in str(info.value)
    assert isinstance(info.value, CftError)


def test_bpm_message_names_value_and_range() -> None:
    with pytest.raises(PacingError, match=r"breaths per minute 2\.9 is outside the allowed range 3–12"):
        Pacing(bpm=2.9)


@pytest.mark.parametrize(
    "changes",
    [
        {"bpm": 3.0},
        {"bpm": 12.0},
        {"hold_in_s": 4.0},
        {"hold_out_s": 4.0},
        {"pause_scale": 0.5},
        {"pause_scale": 3.0},
        {"inhale_parts": 1.0, "exhale_parts": 4.0},
        {"inhale_parts": 2.0, "exhale_parts": 1.0},
        {"speech_length_scale": 0.8},
        {"speech_length_scale": 2.0},
        {"ramp_from_bpm": 12.0, "ramp_breaths": 60},
        {"ramp_breaths": 1},
    ],
)
def test_range_edges_are_allowed(changes: dict[str, Any]) -> None:
    pacing = Pacing(**changes)
    for key, value in changes.items():
        assert getattr(pacing, key) == value


def test_holds_too_long_for_the_cycle() -> None:
    # 12 bpm = 5 s cycle; with 2:3 the inhale needs 1 s → at most 5 − 1/0.4 = 2.5 s of holds.
    with pytest.raises(PacingError) as info:
        Pacing(bpm=12.0, hold_in_s=2.0, hold_out_s=2.0)
    message = str(info.value)
    assert "at most 2.5 s" in message
    assert "12 breaths per minute" in message


def test_holds_exactly_at_the_limit_are_allowed() -> None:
    pacing = Pacing(bpm=12.0, hold_in_s=1.25, hold_out_s=1.25)
    assert pacing.phases_s(12.0)[0] == pytest.approx(1.0)


def test_max_total_hold_is_the_limit_the_pacing_itself_enforces() -> None:
    # 12 bpm, 2:3: the inhale needs 1 s of a 5 s cycle, so 2.5 s of holds; one step more is refused.
    most = Pacing.max_total_hold_s(12.0, 0.4)
    assert most == pytest.approx(2.5)
    Pacing(bpm=12.0, hold_in_s=most / 2, hold_out_s=most / 2)
    with pytest.raises(PacingError):
        Pacing(bpm=12.0, hold_in_s=most / 2, hold_out_s=most / 2 + 0.5)
    # A cycle too short for even the breaths leaves no room for holds at all.
    assert Pacing.max_total_hold_s(60.0, 0.2) == 0.0


def test_holds_checked_at_the_ramp_start_too() -> None:
    # Fine at 6 bpm (10 s cycle) but not at the ramp's 12 bpm start.
    Pacing(bpm=6.0, hold_in_s=2.0, hold_out_s=2.0)
    with pytest.raises(PacingError, match=r"at most 2\.5 s"):
        Pacing(bpm=6.0, hold_in_s=2.0, hold_out_s=2.0, ramp_from_bpm=12.0)


def test_with_changes_validates_again() -> None:
    pacing = Pacing()
    assert pacing.with_changes(bpm=5.0).bpm == 5.0
    with pytest.raises(PacingError, match="3–12"):
        pacing.with_changes(bpm=20.0)
    assert pacing.bpm == 6.0


def test_dict_round_trip_ignores_unknown_keys() -> None:
    pacing = Pacing(bpm=5.5, inhale_parts=1.0, exhale_parts=2.0, hold_in_s=1.0, pause_scale=1.5,
                    ramp_from_bpm=8.0, ramp_breaths=4)
    data = pacing.to_dict()
    assert data["bpm"] == 5.5
    assert Pacing.from_dict({**data, "colour": "blue"}) == pacing


def test_from_dict_validates() -> None:
    with pytest.raises(PacingError):
        Pacing.from_dict({"bpm": 40})


@pytest.mark.parametrize(
    ("text", "parts"),
    [("2:3", (2.0, 3.0)), ("1:4", (1.0, 4.0)), ("1.5:2.5", (1.5, 2.5)), (" 1 : 2 ", (1.0, 2.0))],
)
def test_parse_ratio(text: str, parts: tuple[float, float]) -> None:
    assert parse_ratio(text) == parts


@pytest.mark.parametrize("text", ["2-3", "2/3", "a:b", "1:2:3", "", ":", "3", "inf:1", "nan:2"])
def test_parse_ratio_errors(text: str) -> None:
    with pytest.raises(PacingError) as info:
        parse_ratio(text)
    assert f"'{text}'" in str(info.value)
    assert "ratio" in str(info.value)


def test_parse_ratio_error_shows_the_form() -> None:
    with pytest.raises(PacingError, match=r"like 2:3 \(from 1:4 to 2:1\)"):
        parse_ratio("two to three")


def test_no_ramp_keeps_the_rate() -> None:
    pacing = Pacing(bpm=5.0)
    assert [pacing.bpm_for_breath(k) for k in range(0, 100, 7)] == [5.0] * 15


def test_ramp_slows_from_start_to_target() -> None:
    pacing = Pacing(bpm=5.0, ramp_from_bpm=10.0, ramp_breaths=5)
    rates = [pacing.bpm_for_breath(k) for k in range(8)]
    assert rates == pytest.approx([10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 5.0, 5.0])


def test_ramp_can_go_up() -> None:
    pacing = Pacing(bpm=8.0, ramp_from_bpm=4.0, ramp_breaths=4)
    rates = [pacing.bpm_for_breath(k) for k in range(6)]
    assert rates == pytest.approx([4.0, 5.0, 6.0, 7.0, 8.0, 8.0])


@pytest.mark.parametrize("breaths", [1, 3, 6, 20, 60])
def test_ramp_is_monotonic_and_reaches_target(breaths: int) -> None:
    pacing = Pacing(bpm=4.0, ramp_from_bpm=11.0, ramp_breaths=breaths)
    rates = [pacing.bpm_for_breath(k) for k in range(breaths + 3)]
    assert rates[0] == 11.0
    assert all(a > b for a, b in itertools.pairwise(rates[: breaths + 1]))
    assert rates[breaths:] == [4.0, 4.0, 4.0]
