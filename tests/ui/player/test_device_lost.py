"""Headphones pulled out mid-practice, in the real window: it pauses, says so plainly, offers the
output PortAudio then finds, and playing on carries on from the kept frame.

The output is the only sink of a private PulseAudio daemon (tests/sound/private_pulse.py), taken
away with `pactl unload-module`, so PortAudio really loses its stream; every frame played goes to
an ALSA tap, so what came out after resuming is checked sample for sample.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.engine import BLOCK_FRAMES
from cft_desktop.sound.settings import DEVICE_LOST_MESSAGE
from cft_desktop.ui.window.main_window import MainWindow
from tests.conftest import read_tap
from tests.sound.private_pulse import PrivatePulse, private_pulse
from tests.ui.conftest import (
    _AUDIO_ENV,
    BREATH_SCRIPT,
    MakeWindow,
    UserDirs,
    _close_windows,
    _reinitialise_portaudio,
    write_script,
)

pytestmark = pytest.mark.realtime

TIMEOUT_MS = 20_000


@pytest.fixture
def unpluggable_output(tmp_path: Path) -> Iterator[tuple[PrivatePulse, Path]]:
    """PortAudio pointed at a private daemon's only sink, through a tap; restored at the end."""
    with private_pulse() as pulse:
        tap = tmp_path / "played.wav"
        env = pulse.tap_env(tap)
        saved = {key: os.environ.get(key) for key in _AUDIO_ENV}
        _reinitialise_portaudio({key: env[key] for key in _AUDIO_ENV})
        try:
            yield pulse, tap
        finally:
            _close_windows()
            _reinitialise_portaudio(saved)


def _play(qtbot: object, window: MainWindow, practice: str) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    assert window.library_view.select(practice)
    window.library_view.list.setFocus()
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.playback.state == "playing", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]


def _button(box: QMessageBox, text: str) -> object:
    found = [b for b in box.buttons() if b.text() == text]
    assert found, f"no {text!r} among {[b.text() for b in box.buttons()]}"
    return found[0]


def test_unplugged_output_pauses_offers_the_next_and_plays_on_from_the_same_frame(
    qtbot: object, unpluggable_output: tuple[PrivatePulse, Path], make_window: MakeWindow,
    user_dirs: UserDirs,
) -> None:
    pulse, tap = unpluggable_output
    write_script(user_dirs.scripts, "breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False)
    starts: list[str] = []
    window.playback.started.connect(starts.append)
    _play(qtbot, window, "test-breath")
    qtbot.waitUntil(lambda: window.playback.position_frame() > 2 * SAMPLE_RATE,  # type: ignore[attr-defined]
                    timeout=TIMEOUT_MS)

    with qtbot.waitSignal(window.playback.device_lost, timeout=TIMEOUT_MS) as lost:  # type: ignore[attr-defined]
        pulse.unplug()
    message, offered = lost.args
    assert message == DEVICE_LOST_MESSAGE
    # PortAudio, read afresh, still lists ALSA's `default` (it routes to whatever PulseAudio has).
    assert offered == "the default output"
    playback = window.playback
    assert playback.state == "paused"
    assert playback.device_lost_pending
    kept = playback.position_frame()
    assert kept > SAMPLE_RATE
    assert window.player_view.play.isEnabled()

    box = playback.offer
    assert box is not None and box.isVisible()
    assert box.text() == DEVICE_LOST_MESSAGE
    assert "Your place is kept" in box.text() and "unplugged" in box.text()
    assert "carry on with the default output" in box.informativeText()
    play_on = _button(box, "Play on the default output")
    _button(box, "Try again")
    _button(box, "Not now")
    # Calm: not modal, so the rest of the window keeps working meanwhile.
    assert QApplication.activeModalWidget() is None
    box.grab().save(str(tap.parent / "device-lost-offer.png"))

    # The headphones go back in; the listener takes the offer.
    pulse.plug_in()
    play_on.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: playback.state == "playing", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert playback.offer is None and not playback.device_lost_pending
    assert starts == ["test-breath"], "carrying on is not a new start of the practice"
    qtbot.waitUntil(lambda: playback.position_frame() > kept + 2 * SAMPLE_RATE,  # type: ignore[attr-defined]
                    timeout=TIMEOUT_MS)
    session = playback.session
    assert session is not None
    playback.stop()

    # What came out after resuming: one faded-in block from the kept frame, then the practice
    # exactly as rendered, with no frame skipped or repeated.
    played = read_tap(tap)
    length = 2 * SAMPLE_RATE
    reference = np.zeros(length, dtype=np.float32)
    session.mixer.render(kept, reference)
    reference[:BLOCK_FRAMES] *= np.linspace(0.0, 1.0, BLOCK_FRAMES, endpoint=False,
                                            dtype=np.float32)
    first = int(np.flatnonzero(reference)[0])
    begin = int(np.flatnonzero(played)[0]) - first
    assert begin >= 0
    assert not played[:begin].any()
    np.testing.assert_array_equal(played[begin : begin + length - BLOCK_FRAMES],
                                  reference[: length - BLOCK_FRAMES])


def test_try_again_with_nothing_plugged_in_keeps_the_practice_paused(
    qtbot: object, unpluggable_output: tuple[PrivatePulse, Path], make_window: MakeWindow,
    user_dirs: UserDirs,
) -> None:
    pulse, _tap = unpluggable_output
    write_script(user_dirs.scripts, "breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False)
    _play(qtbot, window, "test-breath")
    qtbot.waitUntil(lambda: window.playback.position_frame() > SAMPLE_RATE,  # type: ignore[attr-defined]
                    timeout=TIMEOUT_MS)
    playback = window.playback
    with qtbot.waitSignal(playback.device_lost, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        pulse.unplug()
    kept = playback.position_frame()
    box = playback.offer
    assert box is not None
    # Still nothing to play on: trying again fails calmly, the place stays.
    with qtbot.waitSignal(playback.device_lost, timeout=TIMEOUT_MS) as again:  # type: ignore[attr-defined]
        _button(box, "Try again").click()  # type: ignore[attr-defined]
    assert again.args == [DEVICE_LOST_MESSAGE, ""]
    assert playback.state == "paused"
    assert playback.position_frame() == kept
    assert playback.offer is not None and playback.offer.isVisible()
    assert "No other sound output was found" in playback.offer.informativeText()
    assert [b.text() for b in playback.offer.buttons() if b.text().startswith("Play on")] == []
    # Plugged in at last, the player's own Play carries on from the kept frame.
    pulse.plug_in()
    QTest.mouseClick(window.player_view.play, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: playback.state == "playing", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert playback.offer is None
    assert playback.start_frame == kept
    qtbot.waitUntil(lambda: playback.position_frame() > kept + SAMPLE_RATE // 2,  # type: ignore[attr-defined]
                    timeout=TIMEOUT_MS)
    playback.stop()


def test_stopping_while_the_output_is_lost_reports_how_far_it_got(
    qtbot: object, unpluggable_output: tuple[PrivatePulse, Path], make_window: MakeWindow,
    user_dirs: UserDirs,
) -> None:
    pulse, _tap = unpluggable_output
    write_script(user_dirs.scripts, "breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False)
    finished: list[tuple[str, float]] = []
    window.playback.finished.connect(lambda practice, heard: finished.append((practice, heard)))
    _play(qtbot, window, "test-breath")
    qtbot.waitUntil(lambda: window.playback.position_frame() > SAMPLE_RATE,  # type: ignore[attr-defined]
                    timeout=TIMEOUT_MS)
    playback = window.playback
    with qtbot.waitSignal(playback.device_lost, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        pulse.unplug()
    kept = playback.position_frame()
    assert playback.session is not None
    total = playback.session.timeline.total_frames
    offer = playback.offer
    assert offer is not None
    QTest.mouseClick(window.player_view.stop, Qt.MouseButton.LeftButton)
    assert finished == [("test-breath", pytest.approx(kept / total))]
    assert playback.state == "idle" and playback.offer is None
