"""The engine on the real-time PulseAudio sink: live pacing changes, pause/resume, and an output
that disappears mid-practice, heard in the frames the app actually handed to PortAudio."""

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
from cft_desktop.session import Session
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.engine import _SILENT, Engine
from cft_desktop.sound.mixer import SoundAssets
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator
from cft_desktop.voice.piper import PiperVoiceBackend
from tests.conftest import RealtimeSink, portaudio_env, read_tap
from tests.sound.private_pulse import private_pulse

SCRIPT = """---
id: engine-test
title: Engine test
kind: breathing
minutes: 0.5
summary: For the engine tests.
---
Let yourself settle, gently, and notice the chair beneath you.

[breathe 5]
"""


def _session(cache: Path, pacing: Pacing) -> Session:
    narrator = Narrator(PiperVoiceBackend(), ClipCache(cache))
    session = Session(parse_text(SCRIPT), pacing, narrator, SoundAssets.load())
    session.prepare_all()
    return session


def _onsets(audio: npt.NDArray[np.float32], cue: npt.NDArray[np.float32]) -> list[int]:
    """Frames where the inhale cue starts (exact match of its first samples)."""
    probe = cue[200:264]
    found: list[int] = []
    index = 0
    while True:
        hits = np.flatnonzero(np.isclose(audio[index:], probe[0], atol=0, rtol=0))
        hit_at = -1
        for hit in hits:
            start = index + int(hit)
            if np.array_equal(audio[start : start + len(probe)], probe):
                hit_at = start
                break
        if hit_at < 0:
            return found
        found.append(hit_at - 200)
        index = hit_at + len(cue)


def _run(engine: Engine, until_s: float, actions: dict[float, object]) -> None:
    start = time.monotonic()
    pending = sorted(actions.items())
    while not engine.finished and time.monotonic() - start < until_s:
        elapsed = time.monotonic() - start
        while pending and elapsed >= pending[0][0]:
            action = pending.pop(0)[1]
            action()  # type: ignore[operator]
        time.sleep(0.01)


@pytest.mark.realtime
@pytest.mark.voice
def test_live_pacing_change_retimes_the_following_breaths(
    tmp_path: Path, realtime_sink: RealtimeSink, voice_cache_dir: Path
) -> None:
    session = _session(voice_cache_dir, Pacing(bpm=12, inhale_parts=1, exhale_parts=1))
    first_inhale = next(e for e in session.timeline.events if e.kind == "inhale").start_frame
    tap = tmp_path / "played.wav"
    with portaudio_env(realtime_sink.tap_env(tap)):
        engine = Engine(session)
        engine.start()
        applied: list[int] = []

        def slow_down() -> None:
            applied.append(session.change_pacing(session.pacing.with_changes(bpm=8.0)))

        # Change during the first breath of the block.
        change_at_s = first_inhale / SAMPLE_RATE + 1.0
        _run(engine, 60, {change_at_s: slow_down})
        assert engine.finished
        engine.stop()
    played = read_tap(tap)
    onsets = _onsets(played, SoundAssets.load().cue_inhale)
    assert len(onsets) == 5
    gaps_s = np.diff(onsets) / SAMPLE_RATE
    # Before the change: 5 s cycles (12/min). After the boundary it applied from: 7.5 s (8/min).
    boundary = applied[0]
    inhales = [e.start_frame for e in session.timeline.events if e.kind == "inhale"]
    changed_from = inhales.index(boundary)
    assert 1 <= changed_from <= 3, "the change applies from a breath boundary right after it was made"
    np.testing.assert_allclose(gaps_s[: changed_from - 1], 5.0, atol=1 / SAMPLE_RATE)
    np.testing.assert_allclose(gaps_s[changed_from:], 7.5, atol=1 / SAMPLE_RATE)
    # And the sound followed the re-timed timeline exactly.
    np.testing.assert_array_equal(np.diff(onsets), np.diff(inhales))
    assert engine.underruns == 0


@pytest.mark.realtime
@pytest.mark.voice
def test_pause_and_resume_do_not_click(
    tmp_path: Path, realtime_sink: RealtimeSink, voice_cache_dir: Path
) -> None:
    session = _session(voice_cache_dir, Pacing(bpm=12))
    phrase = session.timeline.phrase_events()[0]
    reference = np.zeros(session.timeline.total_frames, dtype=np.float32)
    session.mixer.render(0, reference)
    tap = tmp_path / "played.wav"
    with portaudio_env(realtime_sink.tap_env(tap)):
        engine = Engine(session)
        engine.start()
        middle_s = (phrase.start_frame + phrase.frames / 2) / SAMPLE_RATE
        positions: list[int] = []

        def pause() -> None:
            engine.pause()

        def record() -> None:
            positions.append(engine.position_frame())

        _run(engine, 6, {middle_s: pause, middle_s + 0.6: record, middle_s + 0.9: record,
                         middle_s + 1.0: engine.resume})
        engine.stop()
    played = read_tap(tap)
    # While paused the audio clock stands still.
    assert positions[0] == positions[1]
    # The fade-out and fade-in ramp over one block: no sample-to-sample jump in what was played
    # is larger than the source's own largest step plus one ramp step.
    allowed = np.abs(np.diff(reference)).max() + np.abs(reference).max() / 1024 + 1e-6
    assert np.abs(np.diff(played)).max() <= allowed
    # The pause really happened: a stretch of silence longer than 0.3 s inside the phrase.
    nonzero = np.flatnonzero(np.abs(played) > 0)
    longest_gap = np.diff(nonzero).max()
    assert longest_gap > 0.3 * SAMPLE_RATE


def _wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _find(audio: npt.NDArray[np.float32], probe: npt.NDArray[np.float32]) -> int:
    """Index of the first exact copy of `probe` in `audio`, or -1."""
    for hit in np.flatnonzero(audio == probe[0]):
        start = int(hit)
        if np.array_equal(audio[start : start + len(probe)], probe):
            return start
    return -1


@pytest.mark.realtime
@pytest.mark.voice
def test_unplugged_output_keeps_the_place_and_a_new_output_carries_on_from_it(
    tmp_path: Path, voice_cache_dir: Path
) -> None:
    session = _session(voice_cache_dir, Pacing(bpm=12))
    phrase = session.timeline.phrase_events()[0]
    reference = np.zeros(session.timeline.total_frames, dtype=np.float32)
    session.mixer.render(0, reference)
    middle = phrase.start_frame + phrase.frames // 2
    told = threading.Event()
    with private_pulse() as pulse:
        with portaudio_env(pulse.tap_env(tmp_path / "before.wav")):
            engine = Engine(session)
            engine.on_device_lost = told.set
            engine.start()
            assert _wait(lambda: engine.position_frame() >= middle, 30), (
                "playback never got going", engine.lost_reason)
            heard = engine.position_frame()
            pulse.unplug()
            # PulseAudio ends the stream when its only sink goes; PortAudio ends ours.
            assert _wait(lambda: engine.device_lost, 10), "the lost output was not noticed"
            assert told.is_set()
            assert engine.lost_reason == "PortAudio ended the stream"
            assert not engine.playing
            kept = engine.kept_frame
            assert engine.position_frame() == kept
            time.sleep(0.3)
            assert engine.position_frame() == kept, "the place stands still while lost"
            engine.stop()
        # "Headphones" plugged back in, and PortAudio re-read (as the window does before it
        # offers the next output).
        pulse.plug_in()
        tap = tmp_path / "after.wav"
        with portaudio_env(pulse.tap_env(tap)):
            again = Engine(session)
            again.start(kept)
            assert _wait(lambda: again.position_frame() >= kept + 2 * SAMPLE_RATE, 30)
            assert not again.device_lost
            again.stop()
    # Kept at most the output latency plus a block or two behind what was being heard; never
    # ahead of it, so nothing the listener missed is skipped.
    assert heard - SAMPLE_RATE // 2 <= kept <= heard + engine.block_frames
    assert phrase.start_frame < kept < phrase.start_frame + phrase.frames

    played = read_tap(tap)
    # After one fade-in block, the sound goes on exactly from the kept frame.
    block = again.block_frames
    probe = reference[kept + block : kept + block + 256]
    assert np.abs(probe).max() > 0, "the probe is inside the phrase, not silence"
    at = _find(played, probe)
    assert at >= 0, "the sound after the kept frame was not played"
    begin = at - block
    assert not played[:begin].any(), "nothing but PortAudio's priming silence came before it"
    np.testing.assert_array_equal(played[begin : begin + block],
                                  reference[kept : kept + block] * again._ramp_up)
    length = 2 * SAMPLE_RATE - 2 * block
    np.testing.assert_array_equal(played[at : at + length],
                                  reference[kept + block : kept + block + length])
    assert again.underruns == 0


@pytest.mark.realtime
@pytest.mark.voice
def test_an_output_that_stops_calling_back_is_taken_as_lost(
    tmp_path: Path, voice_cache_dir: Path
) -> None:
    """WASAPI and Core Audio in PortAudio 19.6 just stop calling back when the device goes. The
    nearest real thing here: the sound server stopped dead (SIGSTOP) under an open stream."""
    session = _session(voice_cache_dir, Pacing(bpm=12))
    with private_pulse() as pulse, portaudio_env(pulse.tap_env(tmp_path / "played.wav")):
        engine = Engine(session)
        engine.start()
        # Past the start-up allowance, so the short stall limit applies.
        assert _wait(lambda: engine.position_frame() >= 4 * SAMPLE_RATE, 30)
        heard = engine.position_frame()
        pulse.freeze()
        try:
            assert _wait(lambda: engine.device_lost, 10), "the stalled output was not noticed"
            assert engine._stream.active, "PortAudio itself still thinks the stream runs"
        finally:
            pulse.thaw()
        assert engine.lost_reason.startswith("no callback from PortAudio")
        assert heard - SAMPLE_RATE // 2 <= engine.kept_frame <= heard + engine.block_frames
        engine.stop()


@pytest.mark.realtime
@pytest.mark.voice
def test_unplugged_while_paused_keeps_the_paused_frame_exactly(
    tmp_path: Path, voice_cache_dir: Path
) -> None:
    session = _session(voice_cache_dir, Pacing(bpm=12))
    with private_pulse() as pulse, portaudio_env(pulse.tap_env(tmp_path / "played.wav")):
        engine = Engine(session)
        engine.start()
        assert _wait(lambda: engine.position_frame() >= 3 * SAMPLE_RATE, 30)
        engine.pause()
        assert _wait(lambda: engine._state == _SILENT, 5), "the fade-out never finished"
        paused_at = engine.position_frame()
        pulse.unplug()
        assert _wait(lambda: engine.device_lost, 10)
        # Everything up to the fade-out had been heard, so nothing is repeated either.
        assert engine.kept_frame == paused_at
        engine.resume()
        assert not engine.playing, "a lost engine stays quiet"
        engine.stop()
