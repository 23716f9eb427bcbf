"""Loudness and sample rates: ITU-R BS.1770 loudness, matching to one target, a peak ceiling,
the rumble high-pass, and band-limited resampling, all in numpy (no filter library needed).

Owns the one loudness target every voice clip meets, the neural voice's phrases and recorded takes
alike, so they sit within a loudness unit of each other. The IIR filters (BS.1770's K-weighting,
the high-pass) are applied through one FFT with enough silence after the signal that their wrapped
tail is inaudible. Pure functions; any thread except an audio callback.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Float64Array = npt.NDArray[np.float64]
ComplexArray = npt.NDArray[np.complex128]

LOUDNESS_TARGET_LUFS = -21.0
"""Integrated loudness (BS.1770) of every voice clip: recorded takes and the neural voice."""

PEAK_CEILING_DBFS = -1.0
HIGH_PASS_HZ = 70.0
"""Rumble (traffic, air conditioning, desk knocks) lies below this; a voice's lowest
fundamental (about 85 Hz for a low male voice) stays."""

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = 10.0
GATE_BLOCK_S = 0.4
GATE_STEP_S = 0.1


# -- filters ------------------------------------------------------------

Biquad = tuple[tuple[float, float, float], tuple[float, float, float]]


def _high_shelf(rate: int, gain_db: float, centre_hz: float, q: float) -> Biquad:
    a = 10 ** (gain_db / 40.0)
    w0 = 2 * math.pi * centre_hz / rate
    alpha = math.sin(w0) / (2 * q)
    cos = math.cos(w0)
    root = 2 * math.sqrt(a) * alpha
    b = (a * ((a + 1) + (a - 1) * cos + root), -2 * a * ((a - 1) + (a + 1) * cos),
         a * ((a + 1) + (a - 1) * cos - root))
    den = ((a + 1) - (a - 1) * cos + root, 2 * ((a - 1) - (a + 1) * cos),
           (a + 1) - (a - 1) * cos - root)
    return b, den


def _high_pass(rate: int, cutoff_hz: float, q: float) -> Biquad:
    w0 = 2 * math.pi * cutoff_hz / rate
    alpha = math.sin(w0) / (2 * q)
    cos = math.cos(w0)
    b = ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2)
    den = (1 + alpha, -2 * cos, 1 - alpha)
    return b, den


@functools.lru_cache(maxsize=16)
def _response(biquads: tuple[Biquad, ...], count: int, rate: int) -> ComplexArray:
    """The cascade's complex response at the bins of an rfft of `count` frames (kept: a session
    of takes at one rate and similar lengths asks for the same few)."""
    z = np.exp(-1j * 2 * np.pi * np.fft.rfftfreq(count, 1.0 / rate) / rate)
    total = np.ones(len(z), dtype=np.complex128)
    for (b0, b1, b2), (a0, a1, a2) in biquads:
        total *= (b0 + b1 * z + b2 * z * z) / (a0 + a1 * z + a2 * z * z)
    total.flags.writeable = False
    return total


# The filters are IIR; applied by one FFT over the signal with this much silence after it, the
# part of their response that wraps around is below -100 dB (the 38 Hz high-pass rings longest).
_FILTER_TAIL_S = 0.5


def _fft_size(frames: int, rate: int) -> int:
    count = frames + round(_FILTER_TAIL_S * rate)
    return 1 << max(1, (count - 1).bit_length())


def filtered(samples: Float64Array, rate: int, *cascades: list[Biquad]) -> list[Float64Array]:
    """`samples` through each cascade, as a causal IIR filter would give them (numpy has no IIR
    filter): one forward FFT shared by all."""
    size = _fft_size(len(samples), rate)
    spectrum = np.fft.rfft(samples, size)
    return [np.fft.irfft(spectrum * _response(tuple(c), size, rate), size)[: len(samples)]
            for c in cascades]


def k_weighting(rate: int) -> list[Biquad]:
    """BS.1770's K filter at any rate: a +4 dB shelf from about 1.5 kHz and a high-pass at 38 Hz
    (the cookbook forms pyloudnorm uses; at 48 kHz they come within 0.01 dB of the standard's)."""
    return [_high_shelf(rate, 4.0, 1500.0, 1 / math.sqrt(2)), _high_pass(rate, 38.0, 0.5)]


def rumble_filter(rate: int) -> list[Biquad]:
    return [_high_pass(rate, HIGH_PASS_HZ, 1 / math.sqrt(2))]


def loudness_lufs(samples: npt.NDArray[np.floating], rate: int) -> float:
    """Integrated loudness of a mono signal by BS.1770-4 (400 ms blocks, 75 % overlap, absolute
    gate at -70 LUFS, relative gate 10 LU down). A take shorter than one block is measured as a
    whole. Silence is -inf."""
    [weighted] = filtered(np.asarray(samples, dtype=np.float64), rate, k_weighting(rate))
    return gated_loudness(weighted, rate)


def gated_loudness(weighted: Float64Array, rate: int) -> float:
    block = round(GATE_BLOCK_S * rate)
    step = round(GATE_STEP_S * rate)
    squares = weighted * weighted
    if len(squares) < block:
        power = float(np.mean(squares)) if len(squares) else 0.0
        return _lufs(power)
    sums = np.concatenate(([0.0], np.cumsum(squares)))
    starts = np.arange(0, len(squares) - block + 1, step)
    powers = (sums[starts + block] - sums[starts]) / block
    above = powers[powers > 10 ** ((ABSOLUTE_GATE_LUFS + 0.691) / 10)]
    if not len(above):
        return -math.inf
    relative = _lufs(float(np.mean(above))) - RELATIVE_GATE_LU
    kept = above[above > 10 ** ((relative + 0.691) / 10)]
    return _lufs(float(np.mean(kept if len(kept) else above)))


def _lufs(power: float) -> float:
    return -0.691 + 10 * math.log10(power) if power > 0 else -math.inf


# -- resampling --------------------------------------------------------------------------------

def resample(samples: npt.NDArray[np.floating], from_rate: int, to_rate: int, *,
             loop: bool = False) -> FloatArray:
    """`samples` at `to_rate`, band-limited by FFT. Length: round(n * to / from).

    A take or a clip is padded with silence first, so its ends do not wrap into each other. A
    seamless loop (an ambient bed, `loop=True`) is taken as exactly one period of a periodic
    signal instead (no padding), so its end still runs into its start; its length is exact for
    a loop of whole seconds."""
    if from_rate == to_rate:
        return np.asarray(samples, dtype=np.float32).copy()
    data = np.asarray(samples, dtype=np.float64)
    count = len(data)
    out_count = round(count * to_rate / from_rate)
    if count == 0 or out_count == 0:
        return np.zeros(out_count, dtype=np.float32)
    if loop:
        pad, size_in, size_out = 0, count, out_count
    else:
        pad = round(0.05 * from_rate)
        # Sizes in the same ratio as the rates, so the spectrum maps bin for bin.
        unit = math.gcd(from_rate, to_rate)
        step_in, step_out = from_rate // unit, to_rate // unit
        blocks = -(-(count + 2 * pad) // step_in)
        size_in, size_out = blocks * step_in, blocks * step_out
    spectrum = np.fft.rfft(np.pad(data, (pad, size_in - count - pad)))
    bins_out = size_out // 2 + 1
    if bins_out <= len(spectrum):
        spectrum = spectrum[:bins_out].copy()
        if size_out % 2 == 0:
            spectrum[-1] = spectrum[-1].real  # the new Nyquist bin must be real
    else:
        spectrum = np.concatenate((spectrum, np.zeros(bins_out - len(spectrum), np.complex128)))
        if size_in % 2 == 0:
            # The old Nyquist bin stood for a cosine split over +/- that frequency; halve it now
            # it is an ordinary bin, so the level does not change.
            spectrum[size_in // 2] *= 0.5
    out = np.fft.irfft(spectrum, size_out) * (size_out / size_in)
    start = round(pad * to_rate / from_rate)
    return out[start : start + out_count].astype(np.float32)


def match_loudness(samples: npt.NDArray[np.floating], rate: int,
                   target_lufs: float = LOUDNESS_TARGET_LUFS) -> FloatArray:
    """`samples` (float32) brought to `target_lufs`, with any peak above the ceiling turned down
    by a short smooth dip rather than by lowering the whole (which would leave it quieter than
    the rest). The neural voice's phrases are matched by this too."""
    data = np.asarray(samples, dtype=np.float64)
    loudness = loudness_lufs(data, rate)
    if math.isfinite(loudness):
        data = data * 10 ** ((target_lufs - loudness) / 20)
    out = data.astype(np.float32)
    limit_peaks(out, rate)
    return out


_LIMIT_RAMP_S = 0.004
_LIMIT_HOLD_S = 0.002


def limit_peaks(samples: FloatArray, rate: int) -> None:
    """Bring every sample to the peak ceiling or below, in place, with a raised-cosine dip of a
    few milliseconds around each loud stretch (no click, barely audible on speech)."""
    ceiling = 10 ** (PEAK_CEILING_DBFS / 20) * 0.999  # a hair under, so float rounding stays under
    magnitude = np.abs(samples)
    over = np.flatnonzero(magnitude > ceiling)
    if not len(over):
        return
    ramp = max(1, round(_LIMIT_RAMP_S * rate))
    hold = max(1, round(_LIMIT_HOLD_S * rate))
    gain = np.ones(len(samples), dtype=np.float64)
    # Group the loud samples into stretches that share one dip.
    breaks = np.flatnonzero(np.diff(over) > 2 * (ramp + hold))
    starts = np.concatenate(([over[0]], over[breaks + 1]))
    ends = np.concatenate((over[breaks], [over[-1]]))
    shape = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, ramp, endpoint=False))
    for first, last in zip(starts, ends, strict=True):
        depth = ceiling / float(magnitude[first : last + 1].max())
        lo = max(0, int(first) - hold)
        hi = min(len(samples), int(last) + hold + 1)
        gain[lo:hi] = np.minimum(gain[lo:hi], depth)
        down = 1 - (1 - depth) * shape  # from 1 towards depth
        a = max(0, lo - ramp)
        gain[a:lo] = np.minimum(gain[a:lo], down[ramp - (lo - a):])
        b = min(len(samples), hi + ramp)
        gain[hi:b] = np.minimum(gain[hi:b], down[::-1][: b - hi])
    samples *= gain.astype(np.float32)


