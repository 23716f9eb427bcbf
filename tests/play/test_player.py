"""The Qt-free player on its own, driven the way the command line drives it (an `OwnerQueue`),
through real PortAudio on the real-time PulseAudio sink, with a stand-in voice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import parse_text
from cft_desktop.errors import AudioDeviceError
from cft_desktop.play import player as play
from cft_desktop.play.dispatch import OwnerQueue
from cft_desktop.play.player import Player, PlayerEvents
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.mixer import MixSettings, SoundAssets
from cft_desktop.ui.common import states
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator
from tests.conftest import RealtimeSink, portaudio_env

SCRIPT = """---
id: player-test
title: Player test
kind: breathing
minutes: 0.2
summary: For the player tests.
---
Settle in, gently.

[pause 1]

Notice the breath.
"""


class ShortVoice:
    engine = "test-short"
    voice = "tone"

    def __init__(self, broken: bool = False, gate: threading.Event | None = None) -> None:
        self.broken = broken
        # Held shut, no phrase is ready until the test opens it: this voice is otherwise so quick
        # that the pre-roll can be ready before `start` returns.
        self.gate = gate

    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]:
        if self.gate is not None:
            self.gate.wait(30)
        if self.broken:
            raise RuntimeError("the voice broke")
        t = np.arange(SAMPLE_RATE // 2) / SAMPLE_RATE
        return (3000 * np.sin(2 * np.pi * 330.0 * t)).astype(np.int16), SAMPLE_RATE


class Heard(PlayerEvents):
    def __init__(self) -> None:
        self.states: list[str] = []
        self.prepared: list[tuple[int, int]] = []
        self.started: list[bool] = []
        self.finished: list[str] = []
        self.narration_errors: list[Exception] = []
        self.no_device: list[AudioDeviceError] = []

    def on_state(self, state: str) -> None:
        self.states.append(state)

    def on_prepared(self, done: int, total: int) -> None:
        self.prepared.append((done, total))

    def on_engine_started(self, carrying_on: bool) -> None:
        self.started.append(carrying_on)

    def on_finished(self, practice_id: str) -> None:
        self.finished.append(practice_id)

    def on_narration_failed(self, error: Exception) -> None:
        self.narration_errors.append(error)

    def on_no_device(self, error: AudioDeviceError) -> None:
        self.no_device.append(error)


def _player(
    tmp_path: Path,
    owner: OwnerQueue,
    heard: Heard,
    broken: bool = False,
    gate: threading.Event | None = None,
) -> Player:
    narrator = Narrator(ShortVoice(broken, gate), ClipCache(tmp_path / "cache"))
    return Player(narrator, SoundAssets.load(), owner, heard, finish_delay_s=0.1)


def _run_until(
    owner: OwnerQueue, player: Player, done: Callable[[], object], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        player.poll()
        owner.run_pending(0.02)


def test_the_players_states_are_the_windows() -> None:
    assert (play.IDLE, play.PREPARING, play.PLAYING, play.PAUSED) == (
        states.IDLE, states.PREPARING, states.PLAYING, states.PAUSED
    )


@pytest.mark.realtime
def test_prepares_ahead_plays_to_the_end_and_goes_idle(
    tmp_path: Path, realtime_sink: RealtimeSink
) -> None:
    owner = OwnerQueue()
    heard = Heard()
    with portaudio_env(realtime_sink.tap_env(tmp_path / "played.wav")):
        player = _player(tmp_path, owner, heard)
        player.start(parse_text(SCRIPT), Pacing(), MixSettings(inhale_cue=False, exhale_cue=False))
        session = player.session
        assert session is not None
        _run_until(owner, player, lambda: heard.finished, 30)
        player.shutdown()
    assert heard.finished == ["player-test"]
    assert heard.states == [play.PREPARING, play.PLAYING, play.IDLE]
    assert heard.started == [False]
    assert heard.prepared[0] == (0, 2) and heard.prepared[-1][0] >= heard.prepared[-1][1]
    assert player.session is None and player.engine is None


@pytest.mark.realtime
def test_pause_before_the_sound_holds_it_and_resume_lets_it_start(
    tmp_path: Path, realtime_sink: RealtimeSink
) -> None:
    owner = OwnerQueue()
    heard = Heard()
    gate = threading.Event()
    with portaudio_env(realtime_sink.tap_env(tmp_path / "played.wav")):
        player = _player(tmp_path, owner, heard, gate=gate)
        player.start(parse_text(SCRIPT), Pacing(), MixSettings())
        player.pause()
        gate.set()
        session = player.session
        assert session is not None
        _run_until(owner, player, lambda: session.ready_through(session.total_frames), 30)
        owner.run_pending(0.1)
        assert player.state == play.PAUSED and player.engine is None
        player.resume()
        assert player.state == play.PLAYING and player.engine is not None
        position = player.position_frame()
        target = player.step_phrase(forward=True)
        assert target is not None and target > position
        result = player.stop()
        player.shutdown()
    assert result is not None and result[0] == "player-test"
    assert heard.states == [play.PREPARING, play.PAUSED, play.PREPARING, play.PLAYING, play.IDLE]


def test_a_voice_that_fails_before_any_sound_ends_the_practice(tmp_path: Path) -> None:
    owner = OwnerQueue()
    heard = Heard()
    player = _player(tmp_path, owner, heard, broken=True)
    player.start(parse_text(SCRIPT), Pacing(), MixSettings())
    _run_until(owner, player, lambda: heard.narration_errors, 10)
    player.shutdown()
    assert [str(e) for e in heard.narration_errors] == ["the voice broke"]
    assert heard.states == [play.PREPARING, play.IDLE]
    assert heard.prepared[-1] == (0, 0)


def test_no_output_device_is_told_once_and_the_player_ends(tmp_path: Path) -> None:
    # As in tests/sound/test_play_realtime.py: an ALSA configuration whose only card is missing.
    conf = tmp_path / "no-card-asound.conf"
    conf.write_text("pcm.!default { type hw; card 99 }\n", encoding="utf-8")
    owner = OwnerQueue()
    heard = Heard()
    with portaudio_env({"ALSA_CONFIG_PATH": str(conf), "PULSE_SERVER": "unix:/nonexistent"}):
        narrator = Narrator(ShortVoice(), ClipCache(tmp_path / "cache"))
        player = Player(narrator, SoundAssets.load(), owner, heard, preroll_s=0)
        player.start(parse_text(SCRIPT), Pacing(), MixSettings())
        player.shutdown()
    assert len(heard.no_device) == 1
    assert "No sound output was found" in str(heard.no_device[0])
    assert heard.states == [play.PREPARING, play.IDLE]


def test_owner_queue_runs_posted_calls_in_order_and_timed_ones_when_due() -> None:
    owner = OwnerQueue()
    ran: list[str] = []
    owner.call_later(0.05, lambda: ran.append("later"))
    owner.post(lambda: ran.append("first"))
    owner.post(lambda: ran.append("second"))
    owner.run_pending(0.0)
    assert ran == ["first", "second"]
    start = time.monotonic()
    while "later" not in ran and time.monotonic() - start < 2:
        owner.run_pending(0.5)
    assert ran == ["first", "second", "later"]
    assert time.monotonic() - start < 0.4  # woke for the timed call, not after the full wait


class Noted(Heard):
    def __init__(self) -> None:
        super().__init__()
        self.voice_notes: list[str] = []

    def on_voice_note(self, message: str) -> None:
        self.voice_notes.append(message)


def test_a_recorded_voice_speaks_its_takes_and_says_what_the_usual_voice_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cft_desktop.voice.recorded import VoicePack

    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    script = parse_text(SCRIPT)
    rate = 48000
    t = np.arange(rate * 3 // 4) / rate
    take = (0.2 * np.sin(2 * np.pi * 550.0 * t)).astype(np.float32)
    VoicePack.create("mine").add_take(script.id, "Settle in, gently.", take, rate)
    owner = OwnerQueue()
    heard = Noted()
    player = _player(tmp_path, owner, heard, gate=threading.Event())
    player.start(script, Pacing(), MixSettings(), voice="mine")
    try:
        assert heard.voice_notes == [
            "Recorded voice “mine”: 1 of 2 phrases. The usual voice says the other 1."]
        session = player.session
        assert session is not None
        assert session.narrator.voice_name == "recorded: mine (+ neural voice for 1 phrase)"
        clip = session.narrator.clip("Settle in, gently.", 1.3)
        assert session.sample_rate == rate  # the practice is heard at the take's own rate
        assert len(clip) == len(take)
    finally:
        player.shutdown()


def test_a_voice_pack_that_is_gone_falls_back_to_the_usual_voice_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    owner = OwnerQueue()
    heard = Noted()
    player = _player(tmp_path, owner, heard, gate=threading.Event())
    player.start(parse_text(SCRIPT), Pacing(), MixSettings(), voice="not-here")
    try:
        (note,) = heard.voice_notes
        assert "“not-here” could not be opened" in note and "usual voice" in note
        session = player.session
        assert session is not None and not session.narrator.voice_name.startswith("recorded")
    finally:
        player.shutdown()
