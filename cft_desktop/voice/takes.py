"""Take processing: one recorded phrase made ready to play beside the neural voice, and checked.

Owns what happens to every take, live or imported, in the same order: mixed to mono, a gentle
high-pass against rumble, silence trimmed at both ends by voice-activity detection (leaving a short
natural margin; pauses and breaths inside the phrase are kept), loudness matched to one target by
ITU-R BS.1770 (`sound.loudness`), peaks held at most at -1 dBFS, and short fades so nothing
clicks. The checks (clipping, too quiet, a noisy room, longer than its breath) are said in words.

Pure functions on arrays; runs on whichever thread calls it (the recorder's worker, the command
line's main thread), never in an audio callback.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cft_desktop.core.pacing import Pacing
from cft_desktop.sound.loudness import (
    LOUDNESS_TARGET_LUFS,
    Float64Array,
    FloatArray,
    filtered,
    gated_loudness,
    k_weighting,
    limit_peaks,
    rumble_filter,
)

LEAD_MARGIN_S = 0.08
TAIL_MARGIN_S = 0.15
"""Kept before the first and after the last speech: a word's attack and its natural decay."""

FADE_S = 0.008
VAD_FRAME_S = 0.010
VAD_RANGE_DB = 40.0
"""Speech is whatever comes within this many dB of the take's loudest 10 ms."""
VAD_ABOVE_NOISE_DB = 10.0
VAD_MIN_RUN_FRAMES = 3
"""A click or a knock shorter than this (30 ms) does not count as the start of speech."""

CLIP_LEVEL = 0.999
CLIPPED_SAMPLES = 3
"""Three samples at full scale in a take: the input was clipped (one can be a true peak)."""
TOO_QUIET_LUFS = -50.0
"""Speech this faint (peaks around -27 dBFS) comes up with its room noise 30 dB louder."""
NOISY_ROOM_DBFS = -60.0

CLIPPING_MESSAGE = "a little too loud: move back or turn the input down"
TOO_QUIET_MESSAGE = "too quiet: move closer or turn the input up"
NOTHING_HEARD_MESSAGE = "no speech was heard in this take"


def noisy_room_message(floor_dbfs: float) -> str:
    return (f"the room is noisy (background at {floor_dbfs:.0f} dBFS, more than "
            f"{NOISY_ROOM_DBFS:.0f}): a quieter room, or the microphone closer")


def too_long_message(bpm: float, phase: str, take_s: float, phase_s: float) -> str:
    return (f"at {bpm:g} breaths a minute this line runs past the {phase}-breath "
            f"({take_s:.1f} s to say, {phase_s:.1f} s to breathe {phase})")


@dataclass(frozen=True)
class Take:
    """A processed take and what was learnt about it. Frames count at `sample_rate`; the trim
    points are in the frames of the input, before the margins were added."""

    samples: FloatArray
    sample_rate: int
    speech_start_frame: int
    speech_end_frame: int
    kept_start_frame: int
    kept_end_frame: int
    input_loudness_lufs: float
    loudness_lufs: float
    peak_dbfs: float
    noise_floor_dbfs: float
    problems: tuple[str, ...] = field(default=())

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def to_mono(samples: npt.NDArray[np.floating]) -> Float64Array:
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim == 2:
        data = data.mean(axis=1)
    return data


# -- voice activity ----------------------------------------------------------------------------

def _frame_levels_db(samples: Float64Array, frame: int) -> Float64Array:
    count = len(samples) // frame
    if count == 0:
        return np.zeros(0)
    power = np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1)
    levels: Float64Array = 10 * np.log10(np.maximum(power, 1e-14))
    return levels


def noise_floor_dbfs(samples: npt.NDArray[np.floating]) -> float:
    """The level (RMS, dBFS) of a stretch of room tone."""
    data = np.asarray(samples, dtype=np.float64)
    if not len(data):
        return -math.inf
    power = float(np.mean(data * data))
    return 10 * math.log10(power) if power > 0 else -math.inf


def speech_span(samples: Float64Array, rate: int,
                room_floor_dbfs: float | None = None) -> tuple[int, int] | None:
    """First and last frame of speech (end exclusive), or None when there is none.

    Speech is a run of 10 ms frames within VAD_RANGE_DB of the loudest frame and
    VAD_ABOVE_NOISE_DB above the room's floor (measured, or the quietest tenth of the take)."""
    frame = max(1, round(VAD_FRAME_S * rate))
    levels = _frame_levels_db(samples, frame)
    if not len(levels):
        return None
    floor = room_floor_dbfs if room_floor_dbfs is not None else float(np.percentile(levels, 10))
    threshold = max(float(levels.max()) - VAD_RANGE_DB, floor + VAD_ABOVE_NOISE_DB)
    loud = levels > threshold
    if not loud.any():
        return None
    run = np.convolve(loud.astype(np.int32), np.ones(VAD_MIN_RUN_FRAMES, dtype=np.int32), "valid")
    full = np.flatnonzero(run == VAD_MIN_RUN_FRAMES)
    if not len(full):
        return None
    first = int(full[0])
    last = int(full[-1]) + VAD_MIN_RUN_FRAMES  # exclusive
    # Inside the first and last loud frame, to the sample where the envelope crosses the threshold.
    return _refine_start(samples, first * frame, frame, threshold), \
        _refine_end(samples, last * frame, frame, threshold)


def _refine_start(samples: Float64Array, start: int, frame: int, threshold_db: float) -> int:
    sub = max(1, frame // 4)
    begin = max(0, start - frame)
    levels = _frame_levels_db(samples[begin : start + frame], sub)
    above = np.flatnonzero(levels > threshold_db)
    return begin + int(above[0]) * sub if len(above) else start


def _refine_end(samples: Float64Array, end: int, frame: int, threshold_db: float) -> int:
    sub = max(1, frame // 4)
    begin = max(0, end - frame)
    stop = min(len(samples), end + frame)
    levels = _frame_levels_db(samples[begin:stop], sub)
    above = np.flatnonzero(levels > threshold_db)
    return begin + (int(above[-1]) + 1) * sub if len(above) else end


# -- the processing ----------------------------------------------------------------------------

def process_take(
    samples: npt.NDArray[np.floating],
    rate: int,
    *,
    room_floor_dbfs: float | None = None,
    breath_limit: Callable[[float], str | None] | None = None,
) -> Take:
    """Process one take (mono or multi-channel, float in [-1, 1]) at its own rate.

    `room_floor_dbfs` is the room tone measured before the session (the silence around the speech
    is used otherwise). `breath_limit(duration_s)` says in words when the take runs past its in- or
    out-breath at the current pacing (None when it fits)."""
    data = to_mono(samples)
    problems: list[str] = []
    clipped = int(np.count_nonzero(np.abs(data) >= CLIP_LEVEL))
    if clipped >= CLIPPED_SAMPLES:
        problems.append(CLIPPING_MESSAGE)
    rumble = rumble_filter(rate)
    # The K-weighted copy (for loudness) is taken of the high-passed take, from the same FFT.
    data, weighted = filtered(data, rate, rumble, rumble + k_weighting(rate))
    span = speech_span(data, rate, room_floor_dbfs)
    if span is None:
        problems.append(NOTHING_HEARD_MESSAGE)
        span = (0, len(data))
    speech_start, speech_end = span
    kept_start = max(0, speech_start - round(LEAD_MARGIN_S * rate))
    kept_end = min(len(data), speech_end + round(TAIL_MARGIN_S * rate))
    if room_floor_dbfs is not None:
        floor = room_floor_dbfs
    else:
        outside = np.concatenate((data[:kept_start], data[kept_end:]))
        floor = (noise_floor_dbfs(outside) if len(outside) >= round(0.1 * rate)
                 else -math.inf)  # no silence recorded around the speech to judge the room by
    if floor > NOISY_ROOM_DBFS:
        problems.append(noisy_room_message(floor))
    input_loudness = gated_loudness(weighted[speech_start:speech_end], rate)
    if math.isfinite(input_loudness) and input_loudness < TOO_QUIET_LUFS \
            and NOTHING_HEARD_MESSAGE not in problems:
        problems.append(TOO_QUIET_MESSAGE)
    # Matched on what is kept (margins included), as a neural clip is matched on the whole clip:
    # for a short phrase the margins are a large share, and matching the speech alone left the
    # stored take up to 1 LU under the target.
    kept_loudness = gated_loudness(weighted[kept_start:kept_end], rate)
    gain_db = LOUDNESS_TARGET_LUFS - kept_loudness if math.isfinite(kept_loudness) else 0.0
    out = (data[kept_start:kept_end] * 10 ** (gain_db / 20)).astype(np.float32)
    limit_peaks(out, rate)
    _fade_edges(out, rate)
    if breath_limit is not None:
        said = breath_limit(len(out) / rate)
        if said:
            problems.append(said)
    peak = float(np.abs(out).max()) if len(out) else 0.0
    return Take(
        samples=out, sample_rate=rate,
        speech_start_frame=speech_start, speech_end_frame=speech_end,
        kept_start_frame=kept_start, kept_end_frame=kept_end,
        input_loudness_lufs=input_loudness,
        # As matched: the peak dips (a few ms each) change it by far less than 0.1 LU.
        loudness_lufs=kept_loudness + gain_db,
        peak_dbfs=20 * math.log10(peak) if peak > 0 else -math.inf,
        noise_floor_dbfs=floor, problems=tuple(problems),
    )


def _fade_edges(samples: FloatArray, rate: int) -> None:
    fade = min(len(samples) // 2, round(FADE_S * rate))
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False, dtype=np.float32)
        samples[:fade] *= ramp
        samples[len(samples) - fade :] *= ramp[::-1]


def breath_limit(pacing: Pacing, phase: str) -> Callable[[float], str | None]:
    """For a take of an `[in]` (phase "in") or `[out]` line: says when the take outlasts that
    breath at the fastest pace `pacing` reaches (a ramp's start or its end: the tightest)."""
    bpm = max(pacing.bpm, pacing.ramp_from_bpm or pacing.bpm)
    inhale_s, _, exhale_s, _ = pacing.phases_s(bpm)
    phase_s = inhale_s if phase == "in" else exhale_s

    def check(take_s: float) -> str | None:
        return too_long_message(bpm, phase, take_s, phase_s) if take_s > phase_s else None

    return check
