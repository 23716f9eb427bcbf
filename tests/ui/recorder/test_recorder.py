"""The recorder (issue 14): a therapist records phrases in their own voice by keyboard alone,
through the real microphone path (PulseAudio's virtual microphone, fed the real voice's speech),
and the takes land in the voice pack the side panel then offers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cft_desktop.core.library import Library
from cft_desktop.sound.capture import ROOM_TONE_S
from cft_desktop.sound.loudness import LOUDNESS_TARGET_LUFS, loudness_lufs
from cft_desktop.ui.recorder.window import RecorderWindow
from cft_desktop.voice.recorded import VoicePack
from cft_desktop.voice.recording_plan import phrases_to_record
from tests.conftest import MIC_RATE
from tests.ui.conftest import MakeWindow
from tests.voice.speech import raw_speech

pytestmark = pytest.mark.voice
PRACTICE = "soothing-rhythm-breathing-3"


def _speech_stream(cache: Path, seconds: float) -> np.ndarray:
    """Quiet room tone, then the voice saying a phrase over and over with short gaps."""
    rng = np.random.default_rng(5)
    said = raw_speech("Breathing in, and breathing out, slowly.", cache, MIC_RATE)
    said = said * (10 ** (-10 / 20) / np.abs(said).max())
    gap = np.zeros(round(0.3 * MIC_RATE))
    loop = np.concatenate((said, gap))
    body = np.tile(loop, int(seconds * MIC_RATE / len(loop)) + 1)
    room = np.zeros(round((ROOM_TONE_S + 1.5) * MIC_RATE))
    stream = np.concatenate((room, body))
    return stream + rng.normal(0.0, 10 ** (-72 / 20), len(stream))


def _key(window: RecorderWindow, key: Qt.Key) -> None:
    focus = QApplication.focusWidget()
    QTest.keyClick(focus if focus is not None and focus.window() is window else window, key)


def test_three_phrases_are_recorded_by_keyboard_alone(
        qtbot: object, make_window: MakeWindow, microphone: object, voice_cache_dir: Path) -> None:
    window = make_window()
    assert window.library_view.select(PRACTICE)
    feeder = microphone.feed(_speech_stream(voice_cache_dir, 30.0))  # type: ignore[attr-defined]
    try:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_R,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        recorder = window.findChild(RecorderWindow, "recorder")
        assert isinstance(recorder, RecorderWindow)
        qtbot.waitExposed(recorder)  # type: ignore[attr-defined]
        recorder.activateWindow()
        qtbot.waitUntil(recorder.isActiveWindow)  # type: ignore[attr-defined]
        assert recorder.microphone.count() >= 1
        total = len(recorder.plan.phrases)
        assert recorder.progress.text() == f"0 of {total} recorded"
        first_text = recorder.prompt.text()
        # The room is measured first: quiet here.
        qtbot.waitUntil(lambda: recorder.room.text().startswith("The room is quiet"),  # type: ignore[attr-defined]
                        timeout=10_000)
        recorded: list[str] = []
        for number in range(1, 4):
            said = recorder.prompt.text()
            _key(recorder, Qt.Key.Key_R)
            assert recorder.count.text() == "3"  # the count-in is seen
            qtbot.waitUntil(lambda: recorder.recording, timeout=5000)  # type: ignore[attr-defined]
            qtbot.wait(2600)  # type: ignore[attr-defined]
            _key(recorder, Qt.Key.Key_Space)
            assert recorder.status.text().startswith("Kept"), recorder.status.text()
            assert recorder.progress.text() == f"{number} of {total} recorded"
            recorded.append(said)
            _key(recorder, Qt.Key.Key_N)  # on to the next phrase with no take
            assert recorder.prompt.text() not in recorded
        # ← goes back to a recorded phrase; P would play it, Backspace discards its take.
        while recorder.prompt.text() != first_text:
            _key(recorder, Qt.Key.Key_Left)
        assert "· recorded" in recorder.number.text()
        _key(recorder, Qt.Key.Key_Backspace)
        assert recorder.progress.text() == f"2 of {total} recorded"
        assert "no take now" in recorder.status.text()
        recorder.close()
    finally:
        feeder.terminate()
        feeder.wait(timeout=10)

    pack = VoicePack.open("My voice")  # read again from the data folder
    script = Library().find(PRACTICE)
    texts = [p.text for p in phrases_to_record(script)]
    assert [t for t in texts if pack.has_take(script.id, t)] == [t for t in texts
                                                                 if t in recorded[1:]]
    for text in recorded[1:]:
        found = pack.take(script.id, text)
        assert found is not None
        samples, rate = found
        assert rate in (44100, 48000)  # as recorded: the device's own rate, not resampled
        assert loudness_lufs(samples, rate) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)
    # The side panel offers the new voice.
    assert window.pacing_panel.set_voice("My voice")
