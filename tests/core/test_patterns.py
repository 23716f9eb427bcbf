"""Breathing patterns: the built-ins stay within CLINICAL.md, and stored data never crashes a load."""

from __future__ import annotations

import pytest

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import (
    BUILT_IN_PATTERNS,
    CUSTOM_NAME,
    NAME_MAX_CHARS,
    Pattern,
    clean_name,
    matching_pattern,
    patterns_from_data,
    reserved_name,
)
from cft_desktop.errors import PacingError


def test_the_first_built_in_is_the_default_pacing() -> None:
    assert BUILT_IN_PATTERNS[0].matches(Pacing())
    assert BUILT_IN_PATTERNS[0].apply_to(Pacing()) == Pacing()


def test_built_ins_are_gentle_soothing_rhythms() -> None:
    # CLINICAL.md §4: about 5-6 a minute (beginners 8-12), ratios 1:1 to 1:2 with the out-breath
    # never shorter, no holds in a built-in, a slowing that takes 1-3 minutes.
    assert 3 <= len(BUILT_IN_PATTERNS) <= 4
    names = [p.name for p in BUILT_IN_PATTERNS]
    assert len({n.casefold() for n in names}) == len(names)
    for pattern in BUILT_IN_PATTERNS:
        assert 5.0 <= pattern.bpm <= 8.0, pattern
        assert pattern.exhale_parts >= pattern.inhale_parts, pattern
        assert pattern.exhale_parts <= 2 * pattern.inhale_parts, pattern
        assert pattern.hold_in_s == pattern.hold_out_s == 0.0, pattern
        if pattern.ramp_from_bpm is not None:
            pacing = pattern.apply_to(Pacing())
            minutes = sum(1 / pacing.bpm_for_breath(i) for i in range(pattern.ramp_breaths))
            assert 1.0 <= minutes <= 3.0, minutes
            assert pattern.ramp_from_bpm <= 12.0
        assert pattern.describe().endswith(".")
    assert "4 s in, 6 s out" in BUILT_IN_PATTERNS[0].describe()


def test_a_pattern_sets_the_breath_but_never_the_voice() -> None:
    voice = Pacing(pause_scale=2.2, speech_length_scale=1.7, hold_in_s=1.0)
    slower = Pattern("Slow", bpm=5.0, inhale_parts=1.0, exhale_parts=2.0)
    applied = slower.apply_to(voice)
    assert (applied.pause_scale, applied.speech_length_scale) == (2.2, 1.7)
    assert (applied.bpm, applied.inhale_parts, applied.exhale_parts, applied.hold_in_s) == (
        5.0, 1.0, 2.0, 0.0)
    assert slower.matches(applied)
    assert not slower.matches(applied.with_changes(hold_out_s=0.5))
    assert not slower.matches(applied.with_changes(ramp_from_bpm=8.0))
    # The same share of the breath is the same ratio; the unused slowing length is ignored.
    assert slower.matches(applied.with_changes(inhale_parts=2.0, exhale_parts=4.0, ramp_breaths=30))


def test_from_pacing_round_trips_and_matching_prefers_the_first() -> None:
    pacing = Pacing(bpm=4.5, inhale_parts=1.0, exhale_parts=1.7, hold_in_s=1.0,
                    ramp_from_bpm=8.0, ramp_breaths=20, pause_scale=2.0)
    mine = Pattern.from_pacing("Evening", pacing)
    assert mine.apply_to(Pacing(pause_scale=2.0)) == pacing
    assert matching_pattern(pacing, [*BUILT_IN_PATTERNS, mine]) is mine
    assert matching_pattern(Pacing(), [*BUILT_IN_PATTERNS, mine]) is BUILT_IN_PATTERNS[0]
    assert matching_pattern(Pacing(bpm=11.0), BUILT_IN_PATTERNS) is None


def test_a_pattern_is_validated_like_a_pacing() -> None:
    with pytest.raises(PacingError):
        Pattern("Too quick", bpm=20.0)
    with pytest.raises(PacingError):
        Pattern("No room to breathe", bpm=12.0, hold_in_s=4.0, hold_out_s=4.0)


def test_names_are_tidied_and_reserved_names_refused() -> None:
    assert clean_name("  my   evening\tpattern ") == "my evening pattern"
    assert clean_name("x" * 100) == "x" * NAME_MAX_CHARS
    assert clean_name("   ") == ""
    assert reserved_name(CUSTOM_NAME.upper())
    assert reserved_name(" soothing  RHYTHM ")
    assert not reserved_name("My soothing rhythm")


def test_damaged_stored_patterns_are_skipped() -> None:
    good = Pattern("Evening", bpm=5.5).to_dict()
    data = [
        good,
        "not a dict",
        {"bpm": 6.0},  # no name
        {"name": "   ", "bpm": 6.0},
        {"name": 7, "bpm": 6.0},
        {"name": "Too quick", "bpm": 99},
        {"name": "Text rate", "bpm": "six"},
        {"name": "Yes rate", "bpm": True},
        {"name": "Half breaths", "ramp_from_bpm": 9.0, "ramp_breaths": 6.5},
        {"name": "Null ratio", "inhale_parts": None},
        {"name": "evening", "bpm": 7.0},  # the same name again: the first one wins
        {"name": "Soothing rhythm", "bpm": 7.0},  # a built-in's name
        {"name": "Whole float", "ramp_from_bpm": 9.0, "ramp_breaths": 12.0},
        {"name": "  Old file  ", "bpm": 5.0, "unknown_key": 1},
    ]
    patterns = patterns_from_data(data)
    assert [p.name for p in patterns] == ["Evening", "Whole float", "Old file"]
    assert patterns[0] == Pattern("Evening", bpm=5.5)
    assert patterns[1].ramp_breaths == 12 and isinstance(patterns[1].ramp_breaths, int)
    for broken in (None, {}, "[]", 3):
        assert patterns_from_data(broken) == []


def test_a_pattern_holds_every_breathing_value_of_a_pacing_and_nothing_of_the_voice() -> None:
    from dataclasses import fields

    from cft_desktop.core.pacing import Pacing
    from cft_desktop.core.patterns import BREATHING_FIELDS, Pattern

    assert [f.name for f in fields(Pattern)] == ["name", *BREATHING_FIELDS]
    voice = {"pause_scale", "speech_length_scale"}
    # Whether to pace the breath at all is the client's own choice; a pattern never changes it.
    choice = {"breath_work"}
    assert {f.name for f in fields(Pacing)} == set(BREATHING_FIELDS) | voice | choice
