"""The pacing panel only lets valid values in, and changes reach the session live."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cft_desktop.core.pacing import (
    BPM_RANGE,
    PAUSE_SCALE_RANGE,
    SPEECH_LENGTH_SCALE_RANGE,
    Pacing,
)
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.mixer import MixSettings
from cft_desktop.ui.pacing_panel import RATIO_CHOICES, PacingPanel
from cft_desktop.ui.settings import DisplayPrefs
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator
from tests.ui.conftest import MakeWindow, ToneVoice, UserDirs


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
        panel.reduced_motion.setChecked(True)
    assert blocker.args[0].reduced_motion


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


def test_pacing_and_speech_rate_reach_the_session_while_preparing(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    (user_dirs.scripts / "slow-start.md").write_text(SLOW_START, encoding="utf-8")
    gate = threading.Event()
    voice = ToneVoice(gate=gate, free_calls=1)
    window = make_window(narrator=Narrator(voice, ClipCache(user_dirs.cache / "narration")),
                         ratings=False)
    try:
        assert window.library_view.select("slow-start")
        window.play()
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
        window.pause()
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
