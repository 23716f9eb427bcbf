"""Recording through the real PortAudio input path (issue 14): known speech is played into a
PulseAudio virtual microphone with `pacat`, captured by `sound.capture`, processed as every take
is, and checked against what was fed: trim points, loudness, the room's noise floor, the warnings
and the level meter."""

from __future__ import annotations

import math
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import numpy.typing as npt
import pytest

from cft_desktop.sound import capture
from cft_desktop.sound.loudness import LOUDNESS_TARGET_LUFS, loudness_lufs, resample
from cft_desktop.voice import takes
from tests.conftest import MIC_RATE, RealtimeSink, portaudio_env
from tests.voice.speech import padded, raw_speech

PHRASE = "Let your breath find its own gentle rhythm."
TOLERANCE_S = 0.030
ROOM_S = 4.0  # noise alone before the speech: the room tone, and some to spare

pytestmark = pytest.mark.voice


@pytest.fixture
def mic(realtime_sink: RealtimeSink) -> Iterator[RealtimeSink]:
    """PortAudio in this process records from the virtual microphone."""
    with portaudio_env(realtime_sink.capture_env()):
        yield realtime_sink


def _noise(seconds: float, dbfs: float, seed: int = 3) -> npt.NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 10 ** (dbfs / 20), round(seconds * MIC_RATE))


def _offset_of(part: npt.NDArray[np.floating], within: npt.NDArray[np.floating]) -> int:
    """Where `part` starts in `within` (cross-correlation by FFT)."""
    size = 1 << math.ceil(math.log2(len(within) + len(part)))
    spectrum = np.fft.rfft(within, size) * np.conj(np.fft.rfft(part, size))
    correlation = np.fft.irfft(spectrum, size)[: len(within)]
    return int(np.argmax(correlation))


def _last_speech_frame(clean: npt.NDArray[np.floating], rate: int) -> int:
    frame = round(takes.VAD_FRAME_S * rate)
    count = len(clean) // frame
    power = np.mean(np.asarray(clean[: count * frame], dtype=np.float64).reshape(count, frame) ** 2,
                    axis=1)
    levels = 10 * np.log10(np.maximum(power, 1e-14))
    loud = np.flatnonzero(levels > levels.max() - takes.VAD_RANGE_DB)
    return (int(loud[-1]) + 1) * frame


def _record(sink: RealtimeSink, fed: npt.NDArray[np.float64]) -> tuple[capture.Capture,
                                                                       npt.NDArray[np.float32]]:
    """Play `fed` into the microphone and record all of it as one take; the capture opens once
    the feed has begun, so its room tone is the fed noise alone."""
    player = sink.feed(fed)
    time.sleep(0.3)
    device = capture.find_input("")
    # At the virtual microphone's own rate, as a real device's default is its own: then the
    # sound server passes the frames through instead of resampling them (its resampler adjusts
    # its ratio to hold latency, which blurs where the speech ends by tens of milliseconds).
    recorder = capture.Capture(device, sample_rate=MIC_RATE)
    recorder.open()
    try:
        recorder.start_take()
        player.wait(timeout=60)
        time.sleep(0.4)  # what is still on its way from the sound server
        taken = recorder.stop_take()
    finally:
        recorder.close()
    return recorder, taken


@pytest.mark.parametrize(("noise_dbfs", "noisy"), [(-70.0, False), (-50.0, True)])
def test_a_take_recorded_from_the_microphone_is_trimmed_levelled_and_judged(
        mic: RealtimeSink, voice_cache_dir: Path, noise_dbfs: float, noisy: bool) -> None:
    speech = padded(raw_speech(PHRASE, voice_cache_dir, MIC_RATE), MIC_RATE, peak_dbfs=-12.0,
                    noise_dbfs=noise_dbfs, seed=11)
    fed = np.concatenate((_noise(ROOM_S, noise_dbfs), speech.samples))
    recorder, taken = _record(mic, fed)
    room = recorder.room_tone()
    assert room is not None
    floor = takes.noise_floor_dbfs(room)
    # The room tone reads the noise that was fed, within 2 dB.
    assert floor == pytest.approx(noise_dbfs, abs=2.0)

    rate = recorder.sample_rate
    result = takes.process_take(taken, rate, room_floor_dbfs=floor)
    clean = resample(speech.samples[speech.start_frame:speech.end_frame], MIC_RATE, rate)
    # Where the speech really begins and ends in the take, each found by its own 0.3 s of sound:
    # the sound server adjusts its resampling a little to hold its latency, so one offset for
    # the whole phrase can be off by some milliseconds at its far end.
    piece = round(0.3 * rate)
    true_start = _offset_of(clean[:piece], taken)
    # The end as takes.py defines speech: the last 10 ms within VAD_RANGE_DB of its loudest
    # 10 ms (its last sample over -40 dB of the peak is earlier, inside the decay a listener
    # still hears).
    last = _last_speech_frame(clean, rate)
    true_end = _offset_of(clean[last - piece:last], taken) + piece
    # Printed for the record (pytest -s): what the tolerances below are measured against.
    print(f"trim error: start {(result.speech_start_frame - true_start) / rate * 1000:+.1f} ms, "
          f"end {(result.speech_end_frame - true_end) / rate * 1000:+.1f} ms; room "
          f"{floor:.2f} dBFS for {noise_dbfs} fed; loudness "
          f"{loudness_lufs(result.samples, rate):.2f} LUFS")
    if not noisy:
        # Trim points where speech stands clear of the room (the fed speech's own start and end
        # are where it comes within 40 dB of its peak: under -50 dBFS noise they are not heard).
        assert abs(result.speech_start_frame - true_start) / rate <= TOLERANCE_S
        assert abs(result.speech_end_frame - true_end) / rate <= TOLERANCE_S
    assert loudness_lufs(result.samples, rate) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)
    assert result.peak_dbfs <= -1.0 + 1e-6
    said_noisy = any(p.startswith("the room is noisy") for p in result.problems)
    assert said_noisy is noisy
    assert takes.CLIPPING_MESSAGE not in result.problems
    assert takes.TOO_QUIET_MESSAGE not in result.problems
    # The microphone path keeps the level: the captured speech peaks where the fed one did.
    heard = taken[true_start:true_end]
    assert 20 * math.log10(float(np.abs(heard).max())) == pytest.approx(-12.0, abs=0.5)


def test_clipping_at_the_microphone_is_said(mic: RealtimeSink, voice_cache_dir: Path) -> None:
    speech = padded(raw_speech(PHRASE, voice_cache_dir, MIC_RATE), MIC_RATE, peak_dbfs=8.0,
                    noise_dbfs=-75.0)
    fed = np.clip(np.concatenate((_noise(ROOM_S, -75.0), speech.samples)), -1.0, 1.0)
    recorder, taken = _record(mic, fed)
    result = takes.process_take(taken, recorder.sample_rate)
    assert takes.CLIPPING_MESSAGE in result.problems
    assert result.peak_dbfs <= -1.0 + 1e-6


def test_the_level_meter_follows_the_microphone(mic: RealtimeSink) -> None:
    t = np.arange(round(2.5 * MIC_RATE)) / MIC_RATE
    tone = np.concatenate((np.zeros(MIC_RATE), 10 ** (-12 / 20) * np.sin(2 * np.pi * 440 * t)))
    player = mic.feed(tone)
    recorder = capture.Capture(capture.find_input(""))
    recorder.open()
    try:
        time.sleep(0.6)
        quiet = recorder.meter_dbfs()
        time.sleep(1.6)
        loud = recorder.meter_dbfs()
        assert recorder.healthy()
    finally:
        player.wait(timeout=30)
        recorder.close()
    assert quiet < -60.0
    assert loud == pytest.approx(-12.0, abs=1.0)
    assert not recorder.is_open


def test_a_microphone_that_goes_away_drops_the_take_and_says_so(mic: RealtimeSink) -> None:
    """The microphone is suspended mid-take: it stops sending anything, as a USB microphone that
    is unplugged does."""
    env = mic.pulse_env()
    recorder = capture.Capture(capture.find_input(""))
    recorder.open()
    recorder.start_take()
    time.sleep(0.5)
    assert recorder.healthy() and recorder.frames_heard > 0
    subprocess.run(["pactl", "suspend-sink", "vmic", "1"], env=env, check=True)
    try:
        deadline = time.monotonic() + 5
        while recorder.healthy() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not recorder.healthy()
        with pytest.raises(capture.CaptureError, match="microphone stopped"):
            recorder.stop_take()
    finally:
        recorder.close()
        subprocess.run(["pactl", "suspend-sink", "vmic", "0"], env=env, check=True)


def test_no_microphone_is_said_in_plain_words() -> None:
    only_outputs = SimpleNamespace(
        query_devices=lambda: [{"name": "Speakers", "max_input_channels": 0,
                                "default_samplerate": 48000.0}],
        default=SimpleNamespace(device=(-1, 0)))
    with pytest.raises(capture.CaptureError) as raised:
        capture.list_inputs(only_outputs)
    assert str(raised.value) == capture.NO_MICROPHONE

    def broken() -> list[object]:
        raise OSError("Error querying device -1")

    with pytest.raises(capture.CaptureError, match="No microphone was found"):
        capture.list_inputs(SimpleNamespace(query_devices=broken, default=only_outputs.default))
