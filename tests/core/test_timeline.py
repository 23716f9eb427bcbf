"""The timeline: integer-frame layout, no drift, re-timing and lookups."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Breathe, Script, parse_text
from cft_desktop.errors import PacingError

SR = 22050
BELL = 88200
FRONT = "---\nid: t\ntitle: T\nkind: breathing\nminutes: 5\nsummary: S\n---\n"
BODY_LINE = 8


def clip_frames(index: int) -> int:
    return 22050 + 997 * index


def script_of(body: str) -> Script:
    return parse_text(FRONT + body, "scripts/t.md")


def build(script: Script, pacing: Pacing | None = None) -> tl.Timeline:
    return tl.build(script, pacing or Pacing(), clip_frames, SR, BELL)


def cycle_frames(bpm: float) -> float:
    return 60 / bpm * 22050


def breaths(timeline: tl.Timeline) -> dict[int, list[tl.Event]]:
    """Breath events grouped by breath number, in order."""
    grouped: dict[int, list[tl.Event]] = defaultdict(list)
    for event in timeline.events:
        if event.kind in tl.BREATH_KINDS:
            grouped[event.breath].append(event)
    return dict(grouped)


def inhales(timeline: tl.Timeline) -> list[tl.Event]:
    return [e for e in timeline.events if e.kind == "inhale"]


MIXED = """Welcome.

[pause 2]

[breathe 3]
[in] In one.
[out] Out one.
[in] In two.

And a phrase between.

[bell]

[breathe 20 s]

[pause 1.5]

Goodbye.
"""

pacings = st.builds(
    lambda bpm, share, hold_in, hold_out, scale: (bpm, share, hold_in, hold_out, scale),
    st.floats(3.0, 12.0),
    st.floats(0.2, 2 / 3),
    st.sampled_from([0.0, 0.0, 0.5, 1.0, 1.7]),
    st.sampled_from([0.0, 0.0, 0.3, 1.2]),
    st.floats(0.5, 3.0),
)


def make_pacing(values: tuple[float, float, float, float, float]) -> Pacing:
    bpm, share, hold_in, hold_out, scale = values
    try:
        return Pacing(bpm=bpm, inhale_parts=share, exhale_parts=1 - share, hold_in_s=hold_in,
                      hold_out_s=hold_out, pause_scale=scale)
    except PacingError:
        assume(False)
        raise


# -- layout ---------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(pacings)
def test_deterministic(values: tuple[float, float, float, float, float]) -> None:
    pacing = make_pacing(values)
    script = script_of(MIXED)
    first = build(script, pacing)
    second = build(script_of(MIXED), Pacing(**pacing.to_dict()))
    assert first == second
    assert first.events == second.events
    assert first.events  # not trivially equal


@settings(max_examples=60, deadline=None)
@given(pacings)
def test_frames_are_integers_and_sorted(values: tuple[float, float, float, float, float]) -> None:
    timeline = build(script_of(MIXED), make_pacing(values))
    starts = [e.start_frame for e in timeline.events]
    assert starts == sorted(starts)
    assert starts[0] == 0
    for event in timeline.events:
        assert type(event.start_frame) is int
        assert type(event.end_frame) is int
        assert event.end_frame > event.start_frame
    assert type(timeline.total_frames) is int
    # The session ends after the last phrase's (scaled) gap.
    last = timeline.phrase_events()[-1]
    assert last.text == "Goodbye."
    assert timeline.total_frames == last.end_frame + round(make_pacing(values).pause_scale * SR)
    assert timeline.total_frames >= max(e.end_frame for e in timeline.events)
    assert timeline.duration_s == timeline.total_frames / SR


@settings(max_examples=150, deadline=None)
@given(st.floats(3.0, 12.0), st.integers(1, 300), st.booleans())
def test_breath_k_starts_at_round_k_cycles(bpm: float, count: int, lead_in: bool) -> None:
    body = ("A phrase first.\n\n" if lead_in else "") + f"[breathe {count}]\n\nEnd.\n"
    timeline = build(script_of(body), Pacing(bpm=bpm))
    starts = [e.start_frame for e in inhales(timeline)]
    assert len(starts) == count
    block_start = starts[0]
    assert block_start == (clip_frames(0) + SR if lead_in else 0)
    cycle = cycle_frames(bpm)
    for k, start in enumerate(starts):
        assert start - block_start == round(k * cycle)
    # The block ends exactly count cycles after it began: the next phrase starts there.
    end_phrase = timeline.phrase_events()[-1]
    assert end_phrase.start_frame - block_start == round(count * cycle)


@pytest.mark.parametrize("bpm", [3.0, 3.3, 4.7, 5.5, 6.0, 7.0, 7.3, 8.8, 9.1, 10.25, 11.9, 12.0])
def test_long_block_does_not_drift(bpm: float) -> None:
    timeline = build(script_of("[breathe 200]\n"), Pacing(bpm=bpm))
    starts = [e.start_frame for e in inhales(timeline)]
    cycle = cycle_frames(bpm)
    assert starts == [round(k * cycle) for k in range(200)]
    assert timeline.total_frames == round(200 * cycle)
    # Exact in seconds too: 200 breaths at 6 bpm is 2000 s to the sample.
    assert abs(timeline.total_frames - 200 * 60 / bpm * SR) <= 0.5


@settings(max_examples=150, deadline=None)
@given(pacings, st.integers(1, 60))
def test_breath_phases_meet_without_gaps(
    values: tuple[float, float, float, float, float], count: int
) -> None:
    pacing = make_pacing(values)
    timeline = build(script_of(f"[breathe {count}]\n\nEnd.\n"), pacing)
    grouped = breaths(timeline)
    assert sorted(grouped) == list(range(count))
    expected_kinds = ["inhale"] + (["hold"] if pacing.hold_in_s else []) + ["exhale"] + (
        ["hold"] if pacing.hold_out_s else []
    )
    for number in range(count):
        events = grouped[number]
        assert [e.kind for e in events] == expected_kinds
        for before, after in itertools.pairwise(events):
            assert before.end_frame == after.start_frame
        if number + 1 < count:
            assert events[-1].end_frame == grouped[number + 1][0].start_frame
    last_end = grouped[count - 1][-1].end_frame
    assert last_end == timeline.phrase_events()[-1].start_frame


@settings(max_examples=60, deadline=None)
@given(pacings)
def test_phase_lengths_follow_the_pacing(values: tuple[float, float, float, float, float]) -> None:
    pacing = make_pacing(values)
    timeline = build(script_of("[breathe 5]\n"), pacing)
    inhale_s, hold_in_s, exhale_s, hold_out_s = pacing.phases_s(pacing.bpm)
    for events in breaths(timeline).values():
        lengths = {e.kind: e.frames for e in events if e.kind != "hold"}
        assert abs(lengths["inhale"] - inhale_s * SR) <= 1
        assert abs(lengths["exhale"] - exhale_s * SR) <= 1
        holds = [e.frames for e in events if e.kind == "hold"]
        assert len(holds) == (hold_in_s > 0) + (hold_out_s > 0)
        total = events[-1].end_frame - events[0].start_frame
        assert abs(total - cycle_frames(pacing.bpm)) <= 1


def test_phrase_lengths_come_from_clip_frames() -> None:
    timeline = build(script_of(MIXED))
    phrases = timeline.phrase_events()
    assert [e.spoken for e in phrases] == list(range(6))
    assert [e.frames for e in phrases] == [clip_frames(i) for i in range(6)]
    assert [e.text for e in phrases] == [
        "Welcome.", "In one.", "Out one.", "In two.", "And a phrase between.", "Goodbye.",
    ]
    assert phrases[0].line == BODY_LINE
    bell = [e for e in timeline.events if e.kind == "bell"]
    assert len(bell) == 1
    assert bell[0].frames == BELL


@pytest.mark.parametrize("scale", [0.5, 0.8, 1.0, 1.5, 2.25, 3.0])
def test_pause_scale_stretches_silences_only(scale: float) -> None:
    body = "First.\n\n[pause 2]\n\nSecond.\n\n[pause 0.7]\n\n[bell]\n\nThird.\n"
    base = build(script_of(body), Pacing())
    scaled = build(script_of(body), Pacing(pause_scale=scale))
    assert [e.frames for e in scaled.phrase_events()] == [e.frames for e in base.phrase_events()]
    pauses = [e.frames for e in scaled.events if e.kind == "pause"]
    assert pauses == [round(2 * scale * SR), round(0.7 * scale * SR)]
    # The gap after each phrase is one second, scaled.
    events = scaled.events
    for index, event in enumerate(events[:-1]):
        if event.kind == "phrase":
            assert events[index + 1].start_frame - event.end_frame == round(scale * SR)
    bell = next(e for e in events if e.kind == "bell")
    assert bell.frames == BELL


def test_pause_scale_leaves_breathing_alone() -> None:
    body = "[breathe 4]\n[in] In.\n[out] Out.\n"
    base = build(script_of(body), Pacing())
    scaled = build(script_of(body), Pacing(pause_scale=2.5))
    assert [e for e in scaled.events if e.kind != "phrase"] == [
        e for e in base.events if e.kind != "phrase"
    ]


@pytest.mark.parametrize("bpm", [3.0, 4.0, 5.5, 6.0, 7.7, 9.0, 11.0, 12.0])
def test_timed_block_lasts_about_its_duration(bpm: float) -> None:
    timeline = build(script_of("[breathe 2 min]\n"), Pacing(bpm=bpm))
    cycle = cycle_frames(bpm)
    assert abs(timeline.total_frames - 120 * SR) <= cycle / 2
    count = len(inhales(timeline))
    assert count == len(breaths(timeline))
    assert timeline.total_frames == round(count * cycle)


@pytest.mark.parametrize("bpm", [3.0, 6.0, 12.0])
def test_short_timed_block_has_at_least_one_breath(bpm: float) -> None:
    timeline = build(script_of("[breathe 2 s]\n"), Pacing(bpm=bpm))
    assert len(inhales(timeline)) == 1


def test_timed_block_makes_room_for_its_breath_lines() -> None:
    script = script_of("[breathe 10 s]\n[in] a\n[in] b\n[in] c\n")
    timeline = build(script, Pacing(bpm=6.0))
    assert len(inhales(timeline)) == 3
    block = script.items[0]
    assert isinstance(block, Breathe)
    assert tl.block_cycles(block, Pacing(bpm=6.0), 0, SR) == 3


def test_block_cycles() -> None:
    script = script_of("[breathe 4]\n\n[breathe 1 min]\n")
    counted, timed = script.items
    assert isinstance(counted, Breathe)
    assert isinstance(timed, Breathe)
    assert tl.block_cycles(counted, Pacing(bpm=9.0), 0, SR) == 4
    assert tl.block_cycles(timed, Pacing(bpm=6.0), 0, SR) == 6
    assert tl.block_cycles(timed, Pacing(bpm=12.0), 0, SR) == 12


def test_ramp_applies_across_blocks() -> None:
    pacing = Pacing(bpm=6.0, ramp_from_bpm=10.0, ramp_breaths=4)
    timeline = build(script_of("[breathe 2]\n\nMiddle.\n\n[breathe 4]\n"), pacing)
    grouped = breaths(timeline)
    assert sorted(grouped) == list(range(6))
    for number, events in grouped.items():
        length = events[-1].end_frame - events[0].start_frame
        assert abs(length - cycle_frames(pacing.bpm_for_breath(number))) <= 1


@settings(max_examples=80, deadline=None)
@given(pacings)
def test_breath_lines_start_at_their_phase(values: tuple[float, float, float, float, float]) -> None:
    pacing = make_pacing(values)
    body = "Intro.\n\n[breathe 4]\n[in] i0\n[out] o0\n[in] i1\n[out] o1\n[out] o2\n\nEnd.\n"
    timeline = build(script_of(body), pacing)
    inhale_starts = [e.start_frame for e in inhales(timeline)]
    exhale_starts = [e.start_frame for e in timeline.events if e.kind == "exhale"]
    by_text = {e.text: e for e in timeline.phrase_events()}
    assert by_text["i0"].start_frame == inhale_starts[0]
    assert by_text["i1"].start_frame == inhale_starts[1]
    assert by_text["o0"].start_frame == exhale_starts[0]
    assert by_text["o1"].start_frame == exhale_starts[1]
    assert by_text["o2"].start_frame == exhale_starts[2]
    assert [by_text[t].spoken for t in ("i0", "o0", "i1", "o1", "o2")] == [1, 2, 3, 4, 5]
    assert [by_text[t].frames for t in ("i0", "o0", "i1", "o1", "o2")] == [
        clip_frames(i) for i in range(1, 6)
    ]
    assert by_text["i0"].line == BODY_LINE + 3
    assert by_text["i0"].breath == 0
    assert by_text["o2"].breath == 2


def test_breath_line_longer_than_its_phase_warns_with_its_line() -> None:
    body = "[breathe 3]\n[in] Short.\n[out] Fine.\n[in] This one is far too long to say.\n"
    script = script_of(body)
    lengths = {0: SR, 1: SR, 2: 9 * SR}
    timeline = tl.build(script, Pacing(bpm=6.0), lambda i: lengths[i], SR, BELL)
    assert len(timeline.warnings) == 1
    warning = timeline.warnings[0]
    assert warning.line == BODY_LINE + 3
    assert "This one is far too long to say." in warning.message
    assert "9.0 s" in warning.message
    assert "4.0 s" in warning.message  # the inhale at 6 bpm and 2:3


def test_no_warning_when_breath_lines_fit() -> None:
    body = "[breathe 3]\n[in] Short.\n[out] Fine.\n"
    timeline = build(script_of(body), Pacing(bpm=6.0))
    assert timeline.warnings == ()


def test_out_line_may_use_the_hold_after_exhale() -> None:
    script = script_of("[breathe 2]\n[out] Long out.\n")
    pacing = Pacing(bpm=6.0, hold_out_s=2.0)  # exhale 4.8 s + hold 2 s
    fits = tl.build(script, pacing, lambda i: round(6.5 * SR), SR, BELL)
    assert fits.warnings == ()
    too_long = tl.build(script, pacing, lambda i: round(7.0 * SR), SR, BELL)
    assert [w.line for w in too_long.warnings] == [BODY_LINE + 1]


def test_spoken_indices() -> None:
    script = script_of("A.\n\n[pause 1]\n\n[breathe 3]\n[out] o0\n[in] i0\n[in] i1\n\nB.\n")
    assert tl.spoken_indices(script) == [[0], [], [1, 2, 3], [4]]
    assert [p.text for p in script.phrases()] == ["A.", "i0", "o0", "i1", "B."]


# -- retime -----------------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0.0, 1.0), st.floats(3.0, 12.0), st.floats(0.5, 3.0))
def test_retime_keeps_the_past_and_uses_the_new_pacing(
    position: float, new_bpm: float, new_scale: float
) -> None:
    script = script_of(MIXED)
    old = build(script, Pacing(bpm=6.0))
    after = int(position * old.total_frames)
    new_pacing = Pacing(bpm=new_bpm, pause_scale=new_scale)
    new = tl.retime(old, script, new_pacing, after, clip_frames, BELL)
    boundary = old.boundary_at_or_after(after)
    if boundary is None:
        assert new is old
        return
    assert boundary.frame >= after
    assert boundary in old.boundaries
    before_old = [e for e in old.events if e.start_frame < boundary.frame]
    assert list(new.events[: len(before_old)]) == before_old
    changed = new.events[len(before_old):]
    assert changed, "something after the boundary must remain"
    assert changed[0].start_frame == boundary.frame
    assert new.pacing == new_pacing
    assert new.segments[-1].start == boundary
    # Breaths that start at or after the boundary run at the new rate.
    for number, events in breaths(new).items():
        if events[0].start_frame >= boundary.frame:
            length = events[-1].end_frame - events[0].start_frame
            assert abs(length - cycle_frames(new_bpm)) <= 1, number
    # Breath numbers stay consecutive across the change (the ramp counts them).
    assert sorted(breaths(new)) == list(range(len(breaths(new))))
    # Phrase lengths never change.
    assert [e.frames for e in new.phrase_events()] == [e.frames for e in old.phrase_events()]


def test_retime_mid_block_changes_rate_from_the_next_breath() -> None:
    script = script_of("[breathe 10]\n\nEnd.\n")
    old = build(script, Pacing(bpm=6.0))
    cycle = cycle_frames(6.0)
    after = round(3.5 * cycle)
    new = tl.retime(old, script, Pacing(bpm=10.0), after, clip_frames, BELL)
    starts = [e.start_frame for e in inhales(new)]
    assert len(starts) == 10
    assert starts[:4] == [round(k * cycle) for k in range(4)]
    boundary = starts[4]
    assert boundary == round(4 * cycle)
    new_cycle = cycle_frames(10.0)
    assert starts[4:] == [boundary + round(k * new_cycle) for k in range(6)]
    assert new.phrase_events()[0].start_frame == boundary + round(6 * new_cycle)


def test_retime_of_timed_block_keeps_its_length() -> None:
    script = script_of("[breathe 2 min]\n")
    old = build(script, Pacing(bpm=6.0))
    new = tl.retime(old, script, Pacing(bpm=4.0), 45 * SR, clip_frames, BELL)
    assert new.events != old.events
    assert abs(new.total_frames - 120 * SR) <= cycle_frames(4.0) / 2


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 1.0), pacings)
def test_retime_with_the_same_pacing_reproduces_the_timeline(
    position: float, values: tuple[float, float, float, float, float]
) -> None:
    pacing = make_pacing(values)
    script = script_of(MIXED)
    old = build(script, pacing)
    new = tl.retime(old, script, pacing, int(position * old.total_frames), clip_frames, BELL)
    assert new.events == old.events
    assert new.boundaries == old.boundaries
    assert new.total_frames == old.total_frames


@pytest.mark.parametrize("bpm", [6.5, 11.0])
def test_retime_mid_block_with_the_same_pacing_changes_nothing(bpm: float) -> None:
    script = script_of("[breathe 10]\n")
    old = build(script, Pacing(bpm=bpm))
    for boundary in old.boundaries[1:]:
        new = tl.retime(old, script, Pacing(bpm=bpm), boundary.frame, clip_frames, BELL)
        # Still breath k at exactly round(k × cycle) from the block start: no drift.
        assert new.events == old.events, f"re-timed at cycle {boundary.cycle}"


def test_retime_keeps_warnings_from_before_the_boundary() -> None:
    script = script_of("[breathe 2]\n[in] A line far too long for an inhale.\n\nLater.\n\n[pause 5]\n")
    lengths = {0: 9 * SR, 1: SR}
    old = tl.build(script, Pacing(), lambda i: lengths[i], SR, BELL)
    assert [w.line for w in old.warnings] == [BODY_LINE + 1]
    later = old.phrase_events()[-1].start_frame
    new = tl.retime(old, script, Pacing(), later, lambda i: lengths[i], BELL)
    assert new.events == old.events
    # The long [in] line is still there, still too long: its warning must not vanish.
    assert new.warnings == old.warnings


def test_retime_after_the_last_boundary_changes_nothing() -> None:
    script = script_of(MIXED)
    old = build(script)
    assert tl.retime(old, script, Pacing(bpm=9.0), old.total_frames, clip_frames, BELL) is old


def test_retime_twice_keeps_both_segments() -> None:
    script = script_of("[breathe 12]\n")
    first = build(script, Pacing(bpm=6.0))
    second = tl.retime(first, script, Pacing(bpm=8.0), 30 * SR, clip_frames, BELL)
    third = tl.retime(second, script, Pacing(bpm=4.0), 60 * SR, clip_frames, BELL)
    assert [s.pacing.bpm for s in third.segments] == [6.0, 8.0, 4.0]
    assert third.pacing.bpm == 4.0
    lengths = [events[-1].end_frame - events[0].start_frame for events in breaths(third).values()]
    rates = sorted({round(60 * SR / length, 1) for length in lengths})
    assert rates == [4.0, 6.0, 8.0]


def test_refresh_uses_new_clip_lengths() -> None:
    script = script_of("One.\n\nTwo.\n\n[breathe 1]\n[in] Three.\n")
    old = build(script)
    longer = {0: 3 * SR, 1: 2 * SR, 2: SR}
    new = tl.refresh(old, script, lambda i: longer[i], BELL)
    assert [e.frames for e in new.phrase_events()] == [3 * SR, 2 * SR, SR]
    assert new.phrase_events()[1].start_frame == 4 * SR


# -- lookups and export ---------------------------------------------------------------------------


def test_to_json_dict() -> None:
    timeline = build(script_of(MIXED))
    data = timeline.to_json_dict()
    assert set(data) == {"sample_rate", "events"}
    assert data["sample_rate"] == SR
    events = data["events"]
    assert isinstance(events, list)
    assert len(events) == len(timeline.events)
    for entry, event in zip(events, timeline.events, strict=True):
        assert entry["kind"] == event.kind
        assert entry["start_s"] == event.start_frame / SR
        assert entry["end_s"] == event.end_frame / SR
        if event.kind == "phrase":
            assert set(entry) == {"kind", "start_s", "end_s", "text"}
            assert entry["text"] == event.text
        else:
            assert set(entry) == {"kind", "start_s", "end_s"}
    assert {e["kind"] for e in events} == {"phrase", "pause", "inhale", "exhale", "bell"}
    assert json.loads(json.dumps(data)) == data


def test_phrase_at() -> None:
    timeline = build(script_of("[pause 3]\n\nOne.\n\nTwo.\n"))
    one, two = timeline.phrase_events()
    assert timeline.phrase_at(0) is None
    assert timeline.phrase_at(one.start_frame - 1) is None
    assert timeline.phrase_at(one.start_frame) == one
    assert timeline.phrase_at(one.end_frame + 100) == one  # still the caption during the gap
    assert timeline.phrase_at(two.start_frame - 1) == one
    assert timeline.phrase_at(two.start_frame) == two
    assert timeline.phrase_at(timeline.total_frames + 10_000) == two


def test_breath_phase_at() -> None:
    timeline = build(script_of("Hello.\n\n[breathe 2]\n\nBye.\n"), Pacing(hold_in_s=1.0))
    phases = [e for e in timeline.events if e.kind in tl.BREATH_KINDS]
    assert [e.kind for e in phases] == ["inhale", "hold", "exhale"] * 2
    assert timeline.breath_phase_at(0) is None
    assert timeline.breath_phase_at(phases[0].start_frame - 1) is None
    for event in phases:
        assert timeline.breath_phase_at(event.start_frame) == event
        assert timeline.breath_phase_at(event.end_frame - 1) == event
        assert timeline.breath_phase_at((event.start_frame + event.end_frame) // 2) == event
    assert timeline.breath_phase_at(phases[-1].end_frame) is None
    assert timeline.breath_phase_at(timeline.total_frames - 1) is None


def test_events_between_and_boundaries() -> None:
    timeline = build(script_of(MIXED))
    events = timeline.events
    middle = events[5].start_frame
    assert timeline.events_between(0, middle) == [e for e in events if e.start_frame < middle]
    assert timeline.events_between(middle, middle) == []
    frames = [b.frame for b in timeline.boundaries]
    assert frames == sorted(frames)
    phrase_starts = {e.start_frame for e in timeline.phrase_events() if e.breath < 0}
    inhale_starts = {e.start_frame for e in inhales(timeline)}
    assert phrase_starts | inhale_starts <= set(frames)
    for frame in (0, 1, frames[3], frames[3] + 1):
        found = timeline.boundary_at_or_after(frame)
        assert found is not None
        assert found.frame == min(f for f in frames if f >= frame)
    assert timeline.boundary_at_or_after(frames[-1] + 1) is None
