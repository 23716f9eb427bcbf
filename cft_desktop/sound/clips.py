"""Clip work with pydub: decode, resample, trim silence, loudness-match, fade; to float32 arrays.

Owns the one place where sound becomes a numpy array the mixer can use. The mixer itself uses numpy
because pydub positions in milliseconds (ARCHITECTURE.md §5: 23 frames short over 20 minutes) and is
two orders of magnitude slower for assembly. Runs on the narrator worker thread and in the CLI's
main thread; never in the audio callback.
"""

from __future__ import annotations

import io
import warnings
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

with warnings.catch_warnings():
    # pydub looks for ffmpeg when it defines AudioSegment and warns on stderr when there is none.
    # We never hand pydub a file to decode or encode (soundfile writes every format), so on a
    # machine without ffmpeg -- most clients' -- that warning would only alarm the person.
    warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

from cft_desktop.sound.loudness import match_loudness
from cft_desktop.sound.settings import SAMPLE_RATE as SAMPLE_RATE

VOICE_TARGET_DBFS = -21.0
"""About the RMS level (dBFS) of a phrase at the loudness target (`sound.loudness`), which is
what phrases are matched to; cues and beds are set relative to it."""

SILENCE_THRESHOLD_DBFS = -50.0
FADE_MS = 8
TRIM_KEEP_MS = 30

FloatArray = npt.NDArray[np.float32]


def segment_from_int16(samples: npt.NDArray[np.int16], sample_rate: int) -> AudioSegment:
    return AudioSegment(
        data=np.ascontiguousarray(samples, dtype="<i2").tobytes(),
        sample_width=2,
        frame_rate=sample_rate,
        channels=1,
    )


def to_float32(segment: AudioSegment) -> FloatArray:
    """A mono float32 array in [-1, 1] at the session rate."""
    segment = segment.set_channels(1).set_sample_width(2)
    if segment.frame_rate != SAMPLE_RATE:
        segment = segment.set_frame_rate(SAMPLE_RATE)
    raw = np.frombuffer(segment.raw_data, dtype="<i2")
    return (raw.astype(np.float32) / 32768.0).astype(np.float32)


def prepare_phrase(segment: AudioSegment) -> FloatArray:
    """Trim leading/trailing silence, match loudness, and fade the edges so nothing clicks."""
    segment = segment.set_channels(1)
    lead_ms = detect_leading_silence(segment, SILENCE_THRESHOLD_DBFS)
    tail_ms = detect_leading_silence(segment.reverse(), SILENCE_THRESHOLD_DBFS)
    start_ms = max(0, lead_ms - TRIM_KEEP_MS)
    end_ms = min(len(segment), len(segment) - tail_ms + TRIM_KEEP_MS)
    if end_ms > start_ms:
        segment = segment[start_ms:end_ms]
    # Matched by BS.1770 loudness, as recorded takes are, so the two voices sit together.
    samples = match_loudness(to_float32(segment), SAMPLE_RATE)
    # Fades in numpy: pydub fades short spans one frame at a time (~40 % of preparing a clip).
    fade = min(len(samples) // 2, round(FADE_MS / 1000 * SAMPLE_RATE))
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False, dtype=np.float32)
        samples[:fade] *= ramp
        samples[len(samples) - fade :] *= ramp[::-1]
    return samples


def read_wav_int16(data: bytes) -> tuple[npt.NDArray[np.int16], int]:
    """Decode a 16-bit mono WAV held in memory (the narration cache format)."""
    with wave.open(io.BytesIO(data), "rb") as reader:
        if reader.getsampwidth() != 2 or reader.getnchannels() != 1:
            raise ValueError("expected 16-bit mono WAV")
        frames = reader.readframes(reader.getnframes())
        return np.frombuffer(frames, dtype="<i2").copy(), reader.getframerate()


def wav_bytes_int16(samples: npt.NDArray[np.int16], sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())
    return buffer.getvalue()


def load_asset(path: Path) -> FloatArray:
    """A bundled sound asset (16-bit WAV) as float32 at the session rate, level untouched."""
    samples, rate = read_wav_int16(path.read_bytes())
    if rate == SAMPLE_RATE:
        return (samples.astype(np.float32) / 32768.0).astype(np.float32)
    return to_float32(segment_from_int16(samples, rate))
