"""The pacer shows exactly what the shared timeline says at the frame it is given.

These drive the widget from frames (the unit of one piece); tests/ui/player/test_playing.py checks the
same thing while the real engine plays through a real-time sound device.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QImage

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import parse_text
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.ui.common.theme import DARK, LIGHT
from cft_desktop.ui.player.pacer import IDLE, LABELS, PacerWidget, pacer_state_at

SCRIPT = """---
id: pacer-test
title: Pacer test
kind: breathing
minutes: 2
summary: Test.
---
Settle in.

[breathe 4]

[pause 2]

[breathe 3]
"""


def _timeline(pacing: Pacing) -> tl.Timeline:
    script = parse_text(SCRIPT, Path("pacer-test.md"))
    return tl.build(script, pacing, lambda i: 2 * SAMPLE_RATE, SAMPLE_RATE, 4 * SAMPLE_RATE)


PACINGS = [
    Pacing(bpm=6.0),
    Pacing(bpm=10.5, inhale_parts=1, exhale_parts=2),
    Pacing(bpm=4.0, hold_in_s=2.0, hold_out_s=1.5),
]


@pytest.mark.parametrize("pacing", PACINGS, ids=["6bpm", "10.5bpm-1:2", "4bpm-holds"])
def test_displayed_phase_equals_timeline_at_every_frame(qtbot: object, pacing: Pacing) -> None:
    timeline = _timeline(pacing)
    pacer = PacerWidget()
    qtbot.addWidget(pacer)  # type: ignore[attr-defined]
    kinds_seen = set()
    # A prime step, so the frames land all over each phase, edges included.
    for frame in [*range(0, timeline.total_frames, 997), timeline.total_frames - 1]:
        pacer.show_frame(timeline, frame)
        state = pacer.state()
        event = timeline.breath_phase_at(frame)
        if event is None:
            assert state.kind == "natural"
            continue
        kinds_seen.add(event.kind)
        assert state.kind == event.kind
        assert state.start_frame == event.start_frame
        assert state.fraction == (frame - event.start_frame) / event.frames
        assert state.label == LABELS[event.kind]
        assert pacer.accessibleDescription() == state.label
    expected = {"inhale", "exhale", "hold"} if pacing.hold_in_s else {"inhale", "exhale"}
    assert kinds_seen == expected


def test_phase_edges_belong_to_the_new_phase() -> None:
    timeline = _timeline(Pacing(bpm=6.0))
    for event in [e for e in timeline.events if e.kind in ("inhale", "exhale")]:
        state = pacer_state_at(timeline, event.start_frame)
        assert (state.kind, state.fraction) == (event.kind, 0.0)
        last = pacer_state_at(timeline, event.end_frame - 1)
        assert last.kind == event.kind and 0.99 < last.fraction < 1.0


def test_circle_grows_on_inhale_rests_on_holds_and_shrinks_on_exhale() -> None:
    timeline = _timeline(Pacing(bpm=4.0, hold_in_s=2.0, hold_out_s=1.5))
    breath = [e for e in timeline.events if e.kind in ("inhale", "hold", "exhale")][:4]
    assert [e.kind for e in breath] == ["inhale", "hold", "exhale", "hold"]
    inhale, hold_in, exhale, hold_out = breath

    def fullness(event: tl.Event, share: float) -> float:
        return pacer_state_at(timeline, event.start_frame + int(event.frames * share)).fullness

    assert fullness(inhale, 0.0) == 0.0
    assert fullness(inhale, 0.25) < fullness(inhale, 0.5) < fullness(inhale, 0.75) < 1.0
    assert fullness(hold_in, 0.0) == fullness(hold_in, 0.9) == 1.0
    assert fullness(exhale, 0.25) > fullness(exhale, 0.5) > fullness(exhale, 0.75) > 0.0
    assert fullness(hold_out, 0.0) == fullness(hold_out, 0.9) == 0.0


def test_reduced_motion_counts_seconds_and_fills_a_bar() -> None:
    timeline = _timeline(Pacing(bpm=6.0))
    inhale = next(e for e in timeline.events if e.kind == "inhale")
    counts = [pacer_state_at(timeline, inhale.start_frame + s * SAMPLE_RATE + 10).count
              for s in range(4)]
    assert counts == [1, 2, 3, 4]
    half = pacer_state_at(timeline, inhale.start_frame + inhale.frames // 2)
    assert half.bar_fill == pytest.approx(0.5, abs=1e-3)
    assert IDLE.count is None


def _render(pacer: PacerWidget) -> QImage:
    image = QImage(pacer.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor(LIGHT.window))
    pacer.render(image)
    return image


def test_pacer_draws_in_the_chosen_colour_and_size(qtbot: object) -> None:
    timeline = _timeline(Pacing(bpm=6.0))
    inhale = next(e for e in timeline.events if e.kind == "inhale")
    pacer = PacerWidget()
    qtbot.addWidget(pacer)  # type: ignore[attr-defined]
    pacer.resize(400, 460)
    pacer.set_colour("#4fa38f")
    pacer.set_palette(LIGHT)

    pacer.show_frame(timeline, inhale.start_frame)
    empty = _render(pacer)
    pacer.show_frame(timeline, inhale.end_frame - 1)
    full = _render(pacer)
    # A point 80 % of the way to the guide ring: background when empty, pacer colour when full.
    area_height = 460 - 16 - 2 * pacer.fontMetrics().height()
    probe = QPoint(200 + int(0.8 * (min(400, area_height) / 2 - 20)), 8 + area_height // 2)
    background = QColor(empty.pixel(2, 2)).name()
    assert QColor(empty.pixel(probe)).name() == background
    assert QColor(full.pixel(probe)).green() > QColor(full.pixel(probe)).red()

    pacer.set_reduced_motion(True)
    pacer.show_frame(timeline, inhale.end_frame - 1)
    still = _render(pacer)
    assert QColor(still.pixel(probe)).name() == background  # a full breath, but no circle
    pacer.set_palette(DARK)
    assert _render(pacer) != still


def test_with_no_breath_work_the_pacer_stays_still_and_shows_only_time_passing(qtbot: object) -> None:
    timeline = _timeline(Pacing(bpm=6.0, breath_work=False))
    span = next(s for f in range(0, timeline.total_frames, 997)
                if (s := timeline.quiet_span_at(f)) is not None)
    start, end = span
    pacer = PacerWidget()
    qtbot.addWidget(pacer)  # type: ignore[attr-defined]
    pacer.resize(380, 420)
    shots: list[QImage] = []
    fractions: list[float] = []
    for frame in (start, start + (end - start) // 3, start + 2 * (end - start) // 3, end - 1):
        pacer.show_frame(timeline, frame)
        state = pacer.state()
        assert state.kind == "quiet" and state.label == LABELS["quiet"] == "Quiet time"
        assert state.fullness == 0.5  # no breath to follow: the circle does not move
        assert state.count is None
        fractions.append(state.fraction)
        image = QImage(pacer.size(), QImage.Format.Format_ARGB32)
        pacer.render(image)
        shots.append(image)
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] > 0.99
    # The disc's centre is the same at every moment; only the ring of time passing grows.
    centre = QPoint(190, 170)
    assert len({shot.pixelColor(centre).name() for shot in shots}) == 1
    assert shots[1] != shots[2]
    # Nothing in the block is a breath for the pacer.
    assert all(timeline.breath_phase_at(f) is None for f in range(start, end, 4999))


BREATH_LINES = """---
id: caption-test
title: Caption test
kind: breathing
minutes: 2
summary: Test.
---
Settle in.

[breathe 4]
[out] And a long, soft breath out.
"""


def test_a_caption_dims_once_its_phrase_is_over_and_breathing_goes_on(qtbot: object) -> None:
    from cft_desktop.ui.player.player_view import PlayerView

    script = parse_text(BREATH_LINES, Path("caption-test.md"))
    timeline = tl.build(script, Pacing(bpm=4.0), lambda i: 2 * SAMPLE_RATE, SAMPLE_RATE,
                        4 * SAMPLE_RATE)
    line = next(e for e in timeline.events if e.kind == "phrase" and e.text.startswith("And"))
    view = PlayerView()
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    view.show_position(timeline, line.start_frame + 10)
    assert view.caption_text() == "And a long, soft breath out."
    view.show_position(timeline, line.end_frame + SAMPLE_RATE // 2)  # just after: still there
    assert view.caption_text() == "And a long, soft breath out."
    assert not view.caption_dimmed()
    later = line.end_frame + 3 * SAMPLE_RATE
    assert timeline.breath_phase_at(later) is not None  # breathing goes on
    view.show_position(timeline, later)
    assert view.caption_dimmed() and "color" in view.caption.styleSheet()
    assert view.pacer.label() in (LABELS["inhale"], LABELS["exhale"], LABELS["hold"])


def test_paused_is_said_where_the_breath_is(qtbot: object) -> None:
    from cft_desktop.ui.common.states import PAUSED, PLAYING
    from cft_desktop.ui.player.pacer import PAUSED_LABEL
    from cft_desktop.ui.player.player_view import PlayerView

    view = PlayerView()
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    timeline = _timeline(Pacing())
    first = next(e for e in timeline.events if e.kind == "inhale").start_frame
    view.set_state(PLAYING)
    view.show_position(timeline, first + 100)
    assert view.pacer.label() == LABELS["inhale"]
    view.set_state(PAUSED)
    assert view.pacer.label() == PAUSED_LABEL == "Paused: press Play to go on"
    assert view.pacer.accessibleDescription() == PAUSED_LABEL
    view.set_state(PLAYING)
    assert view.pacer.label() == LABELS["inhale"]


def test_a_length_is_said_as_a_person_says_it() -> None:
    from cft_desktop.ui.library.library_view import minutes_text

    assert minutes_text(1.25) == "About a minute"
    assert minutes_text(2.6) == "About 3 minutes"
    assert minutes_text(5) == "5 minutes" and minutes_text(1) == "1 minute"
    assert minutes_text(0.5) == "30 seconds"
