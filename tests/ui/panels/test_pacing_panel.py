"""The pacing panel only lets valid values in, and changes reach the session live."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import (
    BPM_RANGE,
    PAUSE_SCALE_RANGE,
    RAMP_BREATHS_RANGE,
    SPEECH_LENGTH_SCALE_RANGE,
    Pacing,
)
from cft_desktop.core.script import parse_text
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.engine import BLOCK_FRAMES
from cft_desktop.sound.mixer import MixSettings
from cft_desktop.ui.common.settings import CUE_GAIN_RANGE_DB, VOICE_GAIN_RANGE_DB, DisplayPrefs
from cft_desktop.ui.panels.pacing_panel import RATIO_CHOICES, PacingPanel
from cft_desktop.ui.window.main_window import MainWindow
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator
from tests.conftest import read_tap
from tests.ui.conftest import BREATH_SCRIPT, MakeWindow, ToneVoice, UserDirs, write_script


@pytest.fixture
def panel(qtbot: object) -> PacingPanel:
    widget = PacingPanel(Pacing(), MixSettings(), DisplayPrefs(), ["drone", "rain", "waves"])
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.show()
    return widget


def test_ranges_are_exactly_the_cores(panel: PacingPanel) -> None:
    assert (panel.bpm.minimum(), panel.bpm.maximum(), panel.bpm.singleStep()) == (*BPM_RANGE, 0.5)
    assert (panel.pause_scale.minimum(), panel.pause_scale.maximum()) == PAUSE_SCALE_RANGE
    assert (panel.speech_rate.minimum(), panel.speech_rate.maximum()) == SPEECH_LENGTH_SCALE_RANGE
    labels = [panel.ratio.itemText(i) for i in range(panel.ratio.count())]
    assert labels == ["1:1", "2:3", "1:2", "Free ratio"]
    backgrounds = [panel.background.itemData(i) for i in range(panel.background.count())]
    assert backgrounds == [None, "drone", "rain", "waves"]
    # Gradual slowing starts on the same scale as breaths per minute.
    assert (panel.ramp_from.maximum(), panel.ramp_from.singleStep()) == (BPM_RANGE[1], 0.5)
    assert (panel.ramp_breaths.minimum(), panel.ramp_breaths.maximum()) == RAMP_BREATHS_RANGE
    # The cue volume works like the voice volume, and goes down to barely audible.
    assert (panel.cue_volume.minimum(), panel.cue_volume.maximum()) == CUE_GAIN_RANGE_DB
    assert panel.cue_volume.singleStep() == panel.voice_volume.singleStep() == 1
    assert panel.cue_volume.suffix() == panel.voice_volume.suffix() == " dB"
    assert CUE_GAIN_RANGE_DB[0] <= VOICE_GAIN_RANGE_DB[0]


@pytest.mark.parametrize("typed", ["20", "0", "-5", "6.3", "abc", "12.5", "7.74", "3"])
def test_typed_breaths_per_minute_can_only_become_a_valid_step(qtbot: object, panel: PacingPanel,
                                                              typed: str) -> None:
    spin = panel.bpm
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, typed)
    QTest.keyClick(spin, Qt.Key.Key_Return)
    value = spin.value()
    assert BPM_RANGE[0] <= value <= BPM_RANGE[1]
    assert value * 2 == int(value * 2)  # steps of 0.5
    assert panel.pacing().bpm == value
    if typed == "6.3":
        assert value == 6.5


def test_holds_can_never_leave_less_than_a_second_to_breathe(panel: PacingPanel) -> None:
    for bpm in (3.0, 6.0, 9.5, 12.0):
        for choice in range(panel.ratio.count()):
            panel.bpm.setValue(bpm)
            panel.ratio.setCurrentIndex(choice)
            if choice == len(RATIO_CHOICES):
                panel.free_ratio.setValue(4.0)
            panel.hold_in.setValue(panel.hold_in.maximum())
            panel.hold_out.setValue(panel.hold_out.maximum())
            pacing = panel.pacing()  # constructing it validated it
            assert pacing.bpm == bpm
            assert (pacing.hold_in_s, pacing.hold_out_s) == (panel.hold_in.value(),
                                                             panel.hold_out.value())
            pacing.phases_s(bpm)
            panel.hold_in.setValue(0)
            panel.hold_out.setValue(0)


def test_free_ratio_covers_1_to_4_through_2_to_1(panel: PacingPanel) -> None:
    assert not panel.free_ratio.isEnabled()
    panel.ratio.setCurrentIndex(len(RATIO_CHOICES))
    assert panel.free_ratio.isEnabled()
    panel.free_ratio.setValue(panel.free_ratio.minimum())
    assert panel.pacing().inhale_share == pytest.approx(2 / 3)
    panel.free_ratio.setValue(panel.free_ratio.maximum())
    assert panel.pacing().inhale_share == pytest.approx(0.2)


def test_changes_are_emitted_once_per_change(qtbot: object, panel: PacingPanel) -> None:
    with qtbot.waitSignal(panel.pacing_changed) as blocker:  # type: ignore[attr-defined]
        panel.pause_scale.setValue(2.0)
    assert blocker.args[0].pause_scale == 2.0
    with qtbot.waitSignal(panel.mix_changed) as blocker:  # type: ignore[attr-defined]
        panel.background.setCurrentIndex(2)
    assert blocker.args[0].ambient == "rain"
    with qtbot.waitSignal(panel.display_changed) as blocker:  # type: ignore[attr-defined]
        panel.show_caption.setChecked(False)
    assert not blocker.args[0].caption_visible
    with qtbot.waitSignal(panel.display_changed) as blocker:  # type: ignore[attr-defined]
        panel.set_display(panel.display().with_changes(reduced_motion=True))
    assert blocker.args[0].reduced_motion
    with qtbot.assertNotEmitted(panel.display_changed):  # type: ignore[attr-defined]
        panel.set_display(panel.display())


def test_set_pacing_shows_a_whole_pacing_and_emits_once(panel: PacingPanel) -> None:
    emitted: list[Pacing] = []
    panel.pacing_changed.connect(emitted.append)
    # From the quickest pace, whose holds are shortest, so every maximum must be set anew.
    panel.bpm.setValue(12.0)
    emitted.clear()
    client = Pacing(bpm=4.5, inhale_parts=1.0, exhale_parts=1.7, hold_in_s=2.0, hold_out_s=3.5,
                    pause_scale=1.6, speech_length_scale=1.5)
    panel.set_pacing(client)
    assert emitted == [client]
    assert panel.pacing() == client
    assert (panel.bpm.value(), panel.ratio.currentText(), panel.free_ratio.value()) == (
        4.5, "Free ratio", 1.7)
    assert panel.free_ratio.isEnabled()
    assert (panel.hold_in.value(), panel.hold_out.value()) == (2.0, 3.5)
    assert not panel.slow_down.isChecked()
    assert (panel.pause_scale.value(), panel.speech_rate.value()) == (1.6, 1.5)
    assert panel.pattern.currentText() == "Custom"

    client = client.with_changes(hold_in_s=0.5, hold_out_s=1.0, ramp_from_bpm=8.0,
                                 ramp_breaths=15)
    panel.set_pacing(client)
    assert emitted == [emitted[0], client] and panel.pacing() == client
    assert panel.slow_down.isChecked() and panel.ramp_from.isEnabled()
    assert (panel.ramp_from.value(), panel.ramp_breaths.value()) == (8.0, 15)
    assert (panel.hold_in.value(), panel.hold_out.value()) == (0.5, 1.0)

    panel.set_pacing(client)  # nothing changes, so nothing to carry on
    assert len(emitted) == 2
    panel.set_pacing(Pacing())
    assert emitted[-1] == Pacing() and len(emitted) == 3
    assert not panel.slow_down.isChecked() and not panel.free_ratio.isEnabled()
    assert panel.ratio.currentText() == "2:3"
    assert panel.pattern.currentIndex() == 0  # the default is the first built-in pattern


SLOW_START = """---
id: slow-start
title: Slow start
kind: breathing
minutes: 1
summary: Phrases close together, so playing waits for several of them.
---
One.

Two.

Three.

[breathe 4]

Four, at the end.
"""


def _playing_slow_start(make_window: MakeWindow,
                        user_dirs: UserDirs) -> tuple[MainWindow, ToneVoice, threading.Event]:
    """The window with SLOW_START chosen and Play pressed; the voice says one phrase, then waits
    for the gate, so the session stays in preparation until the test sets it."""
    (user_dirs.scripts / "slow-start.md").write_text(SLOW_START, encoding="utf-8")
    gate = threading.Event()
    voice = ToneVoice(gate=gate, free_calls=1)
    window = make_window(narrator=Narrator(voice, ClipCache(user_dirs.cache / "narration")),
                         ratings=False)
    assert window.library_view.select("slow-start")
    window.practice.play()
    return window, voice, gate


def test_pacing_and_speech_rate_reach_the_session_while_preparing(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    window, voice, gate = _playing_slow_start(make_window, user_dirs)
    try:
        player = window.player_view
        # Narration is still being prepared: shown as "n of total", and nothing plays yet.
        qtbot.waitUntil(lambda: player.preparing_label.text() == "Preparing narration 1 of 4")  # type: ignore[attr-defined]
        assert player.preparing.isVisible() and window.playback.state == "preparing"
        assert player.pause.isEnabled() and player.stop.isEnabled()
        session = window.playback.session
        assert session is not None

        window.pacing_panel.bpm.setValue(9.0)
        assert session.pacing.bpm == 9.0
        inhales = [e for e in session.timeline.events if e.kind == "inhale"]
        assert inhales[1].start_frame - inhales[0].start_frame == round(60 / 9.0 * SAMPLE_RATE)

        # Paused before it starts: the narration goes on being prepared, the sound waits.
        window.practice.pause()
        assert window.playback.state == "paused" and player.play.isEnabled()
        default_rate = Pacing().speech_length_scale
        window.pacing_panel.speech_rate.setValue(1.6)
        assert session.pacing.speech_length_scale == 1.6
        gate.set()
        qtbot.waitUntil(lambda: len([r for _t, r in voice.calls if r == 1.6]) == 4,  # type: ignore[attr-defined]
                        timeout=10_000)
        assert {rate for _text, rate in voice.calls} >= {default_rate, 1.6}
        # Every phrase not already at the playhead now has its clip at the new rate (the core
        # keeps the clip of a phrase that starts within half a second of the render head).
        qtbot.waitUntil(lambda: [r.index for r in session.missing()] == [0])  # type: ignore[attr-defined]
        assert all(session.has_clip(p.index) for p in session.spoken)
    finally:
        gate.set()


# -- gradual slowing -------------------------------------------------------------------------------


def _type(spin: object, text: str) -> None:
    spin.setFocus()  # type: ignore[attr-defined]
    spin.selectAll()  # type: ignore[attr-defined]
    QTest.keyClicks(spin, text)  # type: ignore[arg-type]
    QTest.keyClick(spin, Qt.Key.Key_Return)  # type: ignore[arg-type]


def test_slow_down_gradually_is_off_until_ticked_then_sets_the_ramp(
    qtbot: object, panel: PacingPanel
) -> None:
    assert not panel.slow_down.isChecked()
    assert not panel.ramp_from.isEnabled() and not panel.ramp_breaths.isEnabled()
    assert panel.pacing().ramp_from_bpm is None
    with qtbot.waitSignal(panel.pacing_changed) as blocker:  # type: ignore[attr-defined]
        panel.slow_down.setChecked(True)
    pacing = blocker.args[0]
    assert panel.ramp_from.isEnabled() and panel.ramp_breaths.isEnabled()
    # A ready-made start a little quicker than the chosen rate.
    assert (pacing.ramp_from_bpm, pacing.ramp_breaths) == (10.0, 6)
    assert pacing.bpm_for_breath(0) == 10.0 and pacing.bpm_for_breath(6) == 6.0
    panel.ramp_from.setValue(8.0)
    panel.ramp_breaths.setValue(4)
    assert (panel.pacing().ramp_from_bpm, panel.pacing().ramp_breaths) == (8.0, 4)
    panel.slow_down.setChecked(False)
    assert panel.pacing().ramp_from_bpm is None
    assert not panel.ramp_from.isEnabled()


@pytest.mark.parametrize(("typed", "expected"), [
    ("20", None), ("0", 6.0), ("2", 6.0), ("5", 6.0), ("7.3", 7.5), ("abc", 10.0), ("11", 11.0),
    ("12.5", None),
])
def test_typed_start_can_only_be_a_valid_step_no_slower_than_the_goal(
    panel: PacingPanel, typed: str, expected: float | None
) -> None:
    panel.slow_down.setChecked(True)
    _type(panel.ramp_from, typed)
    value = panel.ramp_from.value()
    assert panel.bpm.value() <= value <= BPM_RANGE[1]
    assert value * 2 == int(value * 2)  # steps of 0.5
    assert panel.pacing().ramp_from_bpm == value
    if expected is not None:
        assert value == expected


# Qt refuses a keystroke that would leave the range ("99" stops at "9"; "-" is never accepted).
@pytest.mark.parametrize(("typed", "expected"), [("0", 1), ("99", 9), ("-3", 3), ("60", 60),
                                                 ("61", 6), ("12", 12)])
def test_typed_ramp_length_stays_in_range(panel: PacingPanel, typed: str, expected: int) -> None:
    panel.slow_down.setChecked(True)
    _type(panel.ramp_breaths, typed)
    assert panel.pacing().ramp_breaths == panel.ramp_breaths.value() == expected


def test_a_quicker_goal_pulls_the_start_up_with_it(panel: PacingPanel) -> None:
    panel.slow_down.setChecked(True)
    panel.ramp_from.setValue(8.0)
    panel.bpm.setValue(9.0)
    assert panel.ramp_from.value() == 9.0 and panel.ramp_from.minimum() == 9.0
    assert panel.pacing().ramp_from_bpm == 9.0


def test_holds_leave_a_second_to_breathe_even_at_the_quicker_start(panel: PacingPanel) -> None:
    panel.bpm.setValue(3.0)
    panel.hold_in.setValue(4.0)
    panel.hold_out.setValue(4.0)
    assert (panel.pacing().hold_in_s, panel.pacing().hold_out_s) == (4.0, 4.0)
    panel.slow_down.setChecked(True)
    panel.ramp_from.setValue(12.0)  # a 5 s breath: 4 + 4 s of holds would not fit
    pacing = panel.pacing()  # constructing it validated it at the start rate too
    assert pacing.ramp_from_bpm == 12.0
    assert pacing.hold_in_s + pacing.hold_out_s <= 5.0 - 1.0 / min(pacing.inhale_share,
                                                                   1 - pacing.inhale_share)
    assert panel.hold_in.maximum() + panel.hold_out.value() <= 2.5
    pacing.phases_s(12.0)


RAMP_SCRIPT = parse_text(
    "---\nid: r\ntitle: R\nkind: breathing\nminutes: 2\nsummary: S\n---\n[breathe 12]\n",
    "scripts/r.md",
)


def _cycles_s(timeline: tl.Timeline) -> list[float]:
    starts = [e.start_frame for e in timeline.events if e.kind == "inhale"]
    return [round((b - a) / SAMPLE_RATE, 3) for a, b in itertools.pairwise(starts)]


def _retime_at_breath(timeline: tl.Timeline, pacing: Pacing, breath: int) -> tl.Timeline:
    inhale = [e for e in timeline.events if e.kind == "inhale"][breath]
    return tl.retime(timeline, RAMP_SCRIPT, pacing, inhale.start_frame, lambda _i: SAMPLE_RATE,
                     SAMPLE_RATE)


def test_a_live_change_never_restarts_the_slowing(panel: PacingPanel) -> None:
    panel.slow_down.setChecked(True)
    panel.ramp_breaths.setValue(4)
    ramped = panel.pacing()  # 10 → 6 breaths per minute over 4 breaths
    timeline = tl.build(RAMP_SCRIPT, ramped, lambda _i: SAMPLE_RATE, SAMPLE_RATE, SAMPLE_RATE)
    assert _cycles_s(timeline)[:5] == [6.0, 6.667, 7.5, 8.571, 10.0]

    # Half-way through the slowing, a slower goal: the slowing carries on from where it is
    # (breath 2 of 4: half-way from 10 to 5 is 7.5) instead of starting again at 10.
    panel.bpm.setValue(5.0)
    mid = _retime_at_breath(timeline, panel.pacing(), 2)
    assert _cycles_s(mid)[:6] == [6.0, 6.667, 8.0, 9.6, 12.0, 12.0]

    # Once the slowing is over, a change (or ticking the box again) leaves the rate alone.
    panel.bpm.setValue(6.0)
    panel.ramp_from.setValue(12.0)
    after = _retime_at_breath(timeline, panel.pacing(), 6)
    assert _cycles_s(after)[:11] == _cycles_s(timeline)[:11]
    panel.slow_down.setChecked(False)
    panel.slow_down.setChecked(True)
    again = _retime_at_breath(after, panel.pacing(), 8)
    assert set(_cycles_s(again)[4:]) == {10.0}


def test_gradual_slowing_reaches_the_session(qtbot: object, make_window: MakeWindow,
                                             user_dirs: UserDirs) -> None:
    window, _voice, gate = _playing_slow_start(make_window, user_dirs)
    try:
        session = window.playback.session
        assert session is not None
        window.pacing_panel.slow_down.setChecked(True)
        window.pacing_panel.ramp_breaths.setValue(2)
        assert session.pacing.ramp_from_bpm == 10.0 and session.pacing.ramp_breaths == 2
        starts = [e.start_frame for e in session.timeline.events if e.kind == "inhale"]
        assert [b - a for a, b in itertools.pairwise(starts)] == [
            round(60 / 10 * SAMPLE_RATE), round(60 / 8 * SAMPLE_RATE), round(60 / 6 * SAMPLE_RATE)]
    finally:
        gate.set()


# -- cue sounds ------------------------------------------------------------------------------------


def test_cue_choices_are_emitted_as_the_mix(qtbot: object, panel: PacingPanel) -> None:
    assert panel.inhale_cue.isChecked() and panel.exhale_cue.isChecked() and panel.bell.isChecked()
    with qtbot.waitSignal(panel.mix_changed) as blocker:  # type: ignore[attr-defined]
        panel.exhale_cue.setChecked(False)
    assert blocker.args[0] == MixSettings(exhale_cue=False)
    with qtbot.waitSignal(panel.mix_changed) as blocker:  # type: ignore[attr-defined]
        _type(panel.cue_volume, "-30")
    assert blocker.args[0].cue_gain_db == CUE_GAIN_RANGE_DB[0] == -30
    _type(panel.cue_volume, "-45")  # below the range: refused
    assert CUE_GAIN_RANGE_DB[0] <= panel.mix().cue_gain_db <= CUE_GAIN_RANGE_DB[1]
    panel.cue_volume.setValue(-30)
    panel.bell.setChecked(False)
    assert panel.mix() == MixSettings(cue_gain_db=-30.0, exhale_cue=False, bell=False)
    # With neither breath tone on, their volume has nothing to change.
    panel.inhale_cue.setChecked(False)
    assert not panel.cue_volume.isEnabled()
    panel.exhale_cue.setChecked(True)
    assert panel.cue_volume.isEnabled()


def test_cue_choices_load_from_the_mix(qtbot: object) -> None:
    mix = MixSettings(cue_gain_db=-18.0, inhale_cue=False, exhale_cue=False, bell=False)
    widget = PacingPanel(Pacing(ramp_from_bpm=9.0, ramp_breaths=10), mix, DisplayPrefs(), [])
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    assert widget.cue_volume.value() == -18 and not widget.cue_volume.isEnabled()
    assert not (widget.inhale_cue.isChecked() or widget.exhale_cue.isChecked()
                or widget.bell.isChecked())
    assert widget.slow_down.isChecked() and widget.ramp_from.isEnabled()
    assert (widget.ramp_from.value(), widget.ramp_breaths.value()) == (9.0, 10)
    assert widget.mix() == mix


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


@pytest.mark.realtime
def test_cue_choices_change_what_is_heard_while_playing(
    qtbot: object, sound_output: Path, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False)
    panel = window.pacing_panel
    panel.bpm.setValue(12.0)  # 2 s in, 3 s out: several breaths in a few seconds
    assert window.library_view.select("test-breath")
    window.practice.play()
    qtbot.waitUntil(lambda: window.playback.state == "playing", timeout=20_000)  # type: ignore[attr-defined]
    session = window.playback.session
    assert session is not None
    assets = session.assets
    inhale_len, exhale_len = len(assets.cue_inhale), len(assets.cue_exhale)
    events = session.timeline.events
    inhales = [e.start_frame for e in events if e.kind == "inhale"]
    exhales = [e.start_frame for e in events if e.kind == "exhale"]
    # Both tones of the first breath have been heard in full.
    qtbot.waitUntil(lambda: window.playback.position_frame() > exhales[0] + exhale_len,  # type: ignore[attr-defined]
                    timeout=20_000)
    engine = window.playback.engine

    panel.exhale_cue.setChecked(False)
    panel.cue_volume.setValue(-12)
    changed = session.render_head_frame  # every block rendered from here on has the new mix
    assert session.mixer.settings.exhale_cue is False
    assert session.mixer.settings.cue_gain_db == -12.0

    later_inhale = next(f for f in inhales if f >= changed + BLOCK_FRAMES)
    later_exhale = next(f for f in exhales if f >= changed)
    end = max(later_inhale + inhale_len, later_exhale + exhale_len)
    qtbot.waitUntil(lambda: window.playback.position_frame() > end + BLOCK_FRAMES,  # type: ignore[attr-defined]
                    timeout=20_000)
    assert window.playback.engine is engine  # applied live: the same stream, never restarted
    window.practice.stop()

    # Line the tap up with the timeline by the first sound: the opening phrase, which is on the
    # voice and so the same whatever the cues.
    tap = read_tap(sound_output)
    offset = int(np.flatnonzero(tap)[0])

    def heard(start: int, length: int) -> np.ndarray:
        return tap[offset + start : offset + start + length]

    before_in, before_out = heard(inhales[0], inhale_len), heard(exhales[0], exhale_len)
    assert _rms(before_in) > 0.005 and _rms(before_out) > 0.005
    # The out-breath tone is gone (nothing else sounds during the breathing)...
    assert float(np.abs(heard(later_exhale, exhale_len)).max()) < 1e-6
    # ...and the in-breath tone is 12 dB quieter.
    ratio = _rms(heard(later_inhale, inhale_len)) / _rms(before_in)
    assert ratio == pytest.approx(10 ** (-12 / 20), rel=0.01)


# -- no breath work (issue 16 §3) ------------------------------------------------------------------


def test_no_breath_work_is_off_until_ticked_and_emitted_once(qtbot: object, panel: PacingPanel) -> None:
    assert not panel.no_breath_work.isChecked() and panel.pacing().breath_work
    assert panel.no_breath_work.accessibleName() == "No breath work"
    assert panel.no_breath_work in panel.focus_chain()
    with qtbot.waitSignal(panel.pacing_changed) as changed:  # type: ignore[attr-defined]
        panel.no_breath_work.setChecked(True)
    assert changed.args[0].breath_work is False and panel.pacing().breath_work is False
    panel.set_pacing(Pacing(breath_work=True))
    assert not panel.no_breath_work.isChecked()


def test_no_breath_work_reaches_the_session_while_playing_and_is_remembered(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    window, _voice, gate = _playing_slow_start(make_window, user_dirs)
    try:
        session = window.playback.session
        assert session is not None
        window.pacing_panel.no_breath_work.setChecked(True)
        assert session.pacing.breath_work is False
        kinds = {e.kind for e in session.timeline.events}
        assert "quiet" in kinds
    finally:
        gate.set()
    window.close()
    again = make_window()
    assert again.pacing_panel.no_breath_work.isChecked()
    assert again.pacing_panel.pacing().breath_work is False


# -- the voice (issue 14: a pack wherever a voice is chosen) ---------------------------------------


def test_the_side_panel_offers_the_recorded_voices_and_remembers_the_choice(
    qtbot: object, make_window: MakeWindow
) -> None:
    from cft_desktop.voice.recorded import VoicePack

    rate = 44100
    take = (0.1 * np.sin(np.arange(rate) / rate * 2 * np.pi * 300)).astype(np.float32)
    VoicePack.create("Dr Lee").add_take("safe-place", "Hello.", take, rate)
    window = make_window()
    panel = window.pacing_panel
    assert [panel.voice.itemText(i) for i in range(panel.voice.count())] == [
        "Usual voice", "Recorded: Dr Lee"]
    assert panel.voice.accessibleName() == "Voice" and panel.voice in panel.focus_chain()
    assert panel.voice_name() == ""
    with qtbot.waitSignal(panel.voice_changed) as changed:  # type: ignore[attr-defined]
        panel.voice.setCurrentIndex(1)
    assert changed.args == ["Dr Lee"] and panel.voice_name() == "Dr Lee"
    started: list[str] = []
    window.playback.start = lambda *args: started.append(args[-1])  # type: ignore[method-assign]
    assert window.library_view.select("safe-place")
    window.practice.start_practice(window.library_view.current_entry().script)
    assert started == ["Dr Lee"]  # the practice is spoken in the chosen voice
    window.close()
    again = make_window()
    assert again.pacing_panel.voice_name() == "Dr Lee"
    assert not again.pacing_panel.set_voice("nobody") and again.pacing_panel.voice_name() == "Dr Lee"
