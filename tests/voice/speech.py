"""Known test speech: the real neural voice's own raw output, padded with silence and noise.

The speech's real start and end are read off the clean signal (the first and last sample within
40 dB of its peak), independently of the voice-activity detector under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cft_desktop.sound.clips import read_wav_int16
from cft_desktop.sound.loudness import resample
from cft_desktop.voice.cache import ClipCache, clip_key
from cft_desktop.voice.narrator import Narrator
from cft_desktop.voice.piper import PiperVoiceBackend

_VOICE: list[PiperVoiceBackend] = []


def raw_speech(text: str, cache_dir: Path, rate: int = 48000) -> npt.NDArray[np.float64]:
    """The voice's unprocessed samples for `text` at `rate` (synthesised once per test run)."""
    if not _VOICE:
        _VOICE.append(PiperVoiceBackend())
    voice = _VOICE[0]
    cache = ClipCache(cache_dir)
    Narrator(voice, cache).clip(text, 1.0)
    data = cache.get(clip_key(voice.engine, voice.voice, 1.0, text))
    assert data is not None
    samples, source_rate = read_wav_int16(data)
    return resample(samples.astype(np.float64) / 32768.0, source_rate, rate).astype(np.float64)


@dataclass(frozen=True)
class FedSpeech:
    samples: npt.NDArray[np.float64]
    rate: int
    start_frame: int
    end_frame: int  # exclusive


def padded(speech: npt.NDArray[np.float64], rate: int, *, peak_dbfs: float = -6.0,
           lead_s: float = 0.7, tail_s: float = 0.9, noise_dbfs: float | None = -75.0,
           seed: int = 7) -> FedSpeech:
    """`speech` scaled to `peak_dbfs`, with silence around it and white noise of RMS
    `noise_dbfs` over the whole (None: digital silence)."""
    clean = speech * (10 ** (peak_dbfs / 20) / np.abs(speech).max())
    loud = np.flatnonzero(np.abs(clean) > np.abs(clean).max() * 10 ** (-40 / 20))
    lead, tail = round(lead_s * rate), round(tail_s * rate)
    out = np.concatenate((np.zeros(lead), clean, np.zeros(tail)))
    if noise_dbfs is not None:
        rng = np.random.default_rng(seed)
        out = out + rng.normal(0.0, 10 ** (noise_dbfs / 20), len(out))
    return FedSpeech(out, rate, lead + int(loud[0]), lead + int(loud[-1]) + 1)
