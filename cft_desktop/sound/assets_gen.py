"""Synthesise the bundled sound assets in ``audio/``: breath cues, the bell and the ambient beds.

Owns how every WAV in ``audio/`` is made, so the files can always be rebuilt from source and
audited (``python -m cft_desktop.sound.assets_gen [--out DIR]``). Pure numpy plus the standard
library's ``wave`` writer: no Qt, no network, fixed seeds, so two runs give byte-identical files.
Runs at build time, from the command line or a test; safe on any thread (no shared state).

Levels are absolute and chosen against narration normalised to about -20 dBFS RMS: cues sit
16 dB under the voice (USERS.md pain point 5: cues that are harsh or too loud), beds 14 dB under
and loop without a seam (pain point 3). Output: mono, 16-bit PCM, 22050 Hz, the session rate.
"""

from __future__ import annotations

import argparse
import wave
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from cft_desktop import atomic
from cft_desktop.paths import audio_dir

FloatArray = NDArray[np.float64]
Float32Array = NDArray[np.float32]

SAMPLE_RATE_HZ = 22050

CUE_RMS_DBFS = -36.0
BELL_PEAK_DBFS = -14.0
BED_RMS_DBFS = -34.0

CUE_INHALE_S = 1.2
CUE_EXHALE_S = 1.5
BELL_S = 4.0
BED_LOOP_S = 30
BED_LOOP_FRAMES = BED_LOOP_S * SAMPLE_RATE_HZ
# Long enough that the noise texture changes imperceptibly across it; equal-power because the
# tail and head of independent noise are uncorrelated, so their powers (not amplitudes) add.
BED_CROSSFADE_FRAMES = 2 * SAMPLE_RATE_HZ

# The low-mid register carries on laptop speakers yet stays far from the alerting 1-3 kHz band;
# a glide over a fifth is heard as "rising"/"falling" without sounding like a siren.
_CUE_LOW_HZ = 220.0
_CUE_HIGH_HZ = 330.0

# Bowl-like inharmonic partials: (frequency ratio, amplitude, decay time constant s, beat Hz).
# Higher partials die faster, which is what makes a struck bowl sound soft rather than tinny;
# each partial is a slightly split pair because real bowls beat slowly as they ring.
_BELL_FUNDAMENTAL_HZ = 220.0
_BELL_PARTIALS: tuple[tuple[float, float, float, float], ...] = (
    (1.0, 1.0, 1.4, 0.7),
    (2.76, 0.45, 0.9, 1.3),
    (5.40, 0.18, 0.5, 1.9),
    (8.93, 0.06, 0.3, 2.6),
)

_SEED_RAIN = 20240611
_SEED_WAVES = 20240612
_SEED_DRONE = 20240613


def _db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def _rms(x: FloatArray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


def _ramp_up(n: int) -> FloatArray:
    """Raised-cosine 0 -> 1 whose first sample is exactly 0 and whose slope is 0 at both ends."""
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(n, dtype=np.float64) / n)


def _ramp_down(n: int) -> FloatArray:
    """Raised-cosine 1 -> 0 whose last sample is exactly 0, so a file can end on true silence."""
    return _ramp_up(n)[::-1].copy()


def sounding_rms_dbfs(x: NDArray[np.floating], frame_s: float = 0.02) -> float:
    """RMS in dBFS over the frames within 20 dB of the loudest one.

    A whole-file RMS would count the fade-in and fade-out and so depend on the envelope; this
    measures what the listener hears while the sound is actually sounding.
    """
    frame = max(1, round(frame_s * SAMPLE_RATE_HZ))
    usable = (len(x) // frame) * frame
    frames = np.asarray(x[:usable], dtype=np.float64).reshape(-1, frame)
    power = np.mean(np.square(frames), axis=1)
    loud = power >= power.max() * 0.01
    return float(10.0 * np.log10(np.mean(power[loud])))


def _to_float32(x: FloatArray) -> Float32Array:
    return x.astype(np.float32)


# --- breath cues -------------------------------------------------------------------------------


def _cue(start_hz: float, end_hz: float, duration_s: float, attack_s: float,
         release_s: float) -> Float32Array:
    n = round(duration_s * SAMPLE_RATE_HZ)
    position = np.arange(n, dtype=np.float64) / (n - 1)
    # Glide in log-frequency with zero slope at both ends: the pitch eases in and settles,
    # like a breath, instead of the constant-rate sweep of an alarm.
    glide = 0.5 - 0.5 * np.cos(np.pi * position)
    freq_hz = start_hz * (end_hz / start_hz) ** glide
    phase = 2.0 * np.pi * np.concatenate(([0.0], np.cumsum(freq_hz[:-1]))) / SAMPLE_RATE_HZ

    attack = round(attack_s * SAMPLE_RATE_HZ)
    release = round(release_s * SAMPLE_RATE_HZ)
    envelope = np.ones(n, dtype=np.float64)
    envelope[:attack] = _ramp_up(attack)
    envelope[n - release:] = _ramp_down(release)

    # Harmonics follow the envelope, so the onset is a pure sine (nothing to "click") and the
    # body gains a little warmth; a bare sine at this level reads as a test tone.
    tone = (np.sin(phase) + 0.20 * envelope * np.sin(2.0 * phase)
            + 0.04 * envelope * np.sin(3.0 * phase))
    x = envelope * tone
    x *= _db_to_gain(CUE_RMS_DBFS - sounding_rms_dbfs(x))
    return _to_float32(x)


def cue_inhale() -> Float32Array:
    """Soft tone rising a fifth (220 -> 330 Hz) over 1.2 s; marks the start of an in-breath."""
    return _cue(_CUE_LOW_HZ, _CUE_HIGH_HZ, CUE_INHALE_S, attack_s=0.35, release_s=0.55)


def cue_exhale() -> Float32Array:
    """Soft tone falling a fifth (330 -> 220 Hz) over 1.5 s; marks the start of an out-breath."""
    return _cue(_CUE_HIGH_HZ, _CUE_LOW_HZ, CUE_EXHALE_S, attack_s=0.30, release_s=0.80)


# --- bell --------------------------------------------------------------------------------------


def bell() -> Float32Array:
    """A struck singing bowl, 4 s, ringing down to exact silence; peak -14 dBFS."""
    n = round(BELL_S * SAMPLE_RATE_HZ)
    t = np.arange(n, dtype=np.float64) / SAMPLE_RATE_HZ
    x = np.zeros(n, dtype=np.float64)
    for ratio, amplitude, decay_s, beat_hz in _BELL_PARTIALS:
        freq_hz = _BELL_FUNDAMENTAL_HZ * ratio
        # Unequal pair amplitudes keep the beating a gentle waver rather than a tremolo to zero.
        pair = (0.6 * np.sin(2.0 * np.pi * (freq_hz - beat_hz / 2.0) * t)
                + 0.4 * np.sin(2.0 * np.pi * (freq_hz + beat_hz / 2.0) * t))
        x += amplitude * np.exp(-t / decay_s) * pair

    # A 15 ms onset is a mallet on felt, not metal on metal: no broadband transient.
    strike = round(0.015 * SAMPLE_RATE_HZ)
    x[:strike] *= _ramp_up(strike)
    # The exponential alone never reaches zero; a last-second fade guarantees the file ends
    # in true silence so the mixer can drop it without a step.
    tail = round(1.0 * SAMPLE_RATE_HZ)
    x[n - tail:] *= _ramp_down(tail)

    x *= _db_to_gain(BELL_PEAK_DBFS) / float(np.max(np.abs(x)))
    return _to_float32(x)


# --- ambient beds ------------------------------------------------------------------------------


def _highpass(freq_hz: FloatArray, corner_hz: float, order: int) -> FloatArray:
    ratio = (freq_hz / corner_hz) ** (2 * order)
    return np.sqrt(ratio / (1.0 + ratio))


def _lowpass(freq_hz: FloatArray, corner_hz: float, order: int) -> FloatArray:
    return 1.0 / np.sqrt(1.0 + (freq_hz / corner_hz) ** (2 * order))


def _shape(x: FloatArray, response: Callable[[FloatArray], FloatArray]) -> FloatArray:
    """Filter by a magnitude response in the frequency domain, normalised to unit RMS.

    Zero-phase and circular, so there is no start-up transient for the crossfade to inherit,
    and every response used here is zero at 0 Hz, which removes DC and sub-audio drift.
    """
    freq_hz: FloatArray = np.fft.rfftfreq(len(x), 1.0 / SAMPLE_RATE_HZ).astype(np.float64)
    y: FloatArray = np.fft.irfft(np.fft.rfft(x) * response(freq_hz), len(x))
    return y / _rms(y)


def _loop_with_crossfade(x: FloatArray, loop_frames: int, fade_frames: int) -> FloatArray:
    """Fold the material after ``loop_frames`` back over the head with an equal-power fade.

    The loop's first sample becomes ``x[loop_frames]``, the exact successor of its last sample
    ``x[loop_frames - 1]``, so playing end-to-start continues the original signal with no seam.
    """
    if len(x) < loop_frames + fade_frames:
        raise ValueError("material must be at least one loop plus one crossfade long")
    theta = 0.5 * np.pi * np.arange(fade_frames, dtype=np.float64) / fade_frames
    y = x[:loop_frames].copy()
    y[:fade_frames] = (x[:fade_frames] * np.sin(theta)
                       + x[loop_frames:loop_frames + fade_frames] * np.cos(theta))
    return y


def _looped_noise(rng: np.random.Generator,
                  response: Callable[[FloatArray], FloatArray]) -> FloatArray:
    n = BED_LOOP_FRAMES + BED_CROSSFADE_FRAMES
    noise = _shape(rng.standard_normal(n), response)
    return _loop_with_crossfade(noise, BED_LOOP_FRAMES, BED_CROSSFADE_FRAMES)


def _loop_lfo(cycles: int, phase: float = 0.0) -> FloatArray:
    """A sine completing a whole number of cycles in the loop, so it is continuous at the seam."""
    n = np.arange(BED_LOOP_FRAMES, dtype=np.float64)
    return np.sin(2.0 * np.pi * cycles * n / BED_LOOP_FRAMES + phase)


def _at_bed_level(x: FloatArray) -> Float32Array:
    return _to_float32(x * (_db_to_gain(BED_RMS_DBFS) / _rms(x)))


def _rain_patter(rng: np.random.Generator, n: int) -> FloatArray:
    """Many tiny decaying droplets; dense and quiet so they read as texture, not as events."""
    rate_per_s = 120.0
    count = int(rng.poisson(rate_per_s * n / SAMPLE_RATE_HZ))
    starts = rng.integers(0, n, size=count)
    freqs_hz = rng.uniform(1800.0, 4200.0, size=count)
    decays_s = rng.uniform(0.002, 0.006, size=count)
    amplitudes = rng.lognormal(0.0, 0.6, size=count)
    x = np.zeros(n, dtype=np.float64)
    onset = round(0.001 * SAMPLE_RATE_HZ)
    for start, freq_hz, decay_s, amplitude in zip(starts, freqs_hz, decays_s, amplitudes,
                                                  strict=True):
        length = min(round(6.0 * decay_s * SAMPLE_RATE_HZ), n - int(start))
        t = np.arange(length, dtype=np.float64) / SAMPLE_RATE_HZ
        drop = amplitude * np.exp(-t / decay_s) * np.sin(2.0 * np.pi * freq_hz * t)
        drop[:min(onset, length)] *= _ramp_up(onset)[:length]
        x[start:start + length] += drop
    return x


def ambient_rain() -> Float32Array:
    """Soft, steady rain: mid-band noise with a quiet droplet patter; 30 s seamless loop."""
    rng = np.random.default_rng(_SEED_RAIN)
    n = BED_LOOP_FRAMES + BED_CROSSFADE_FRAMES
    # Highs rolled off from 3.5 kHz: rain, not hiss, which tires the ear over 20 minutes.
    wash = _shape(rng.standard_normal(n),
                  lambda f: _highpass(f, 300.0, 2) * _lowpass(f, 3500.0, 2))
    patter = _shape(_rain_patter(rng, n),
                    lambda f: _highpass(f, 600.0, 2) * _lowpass(f, 5000.0, 2))
    rain = _loop_with_crossfade(wash + 0.35 * patter, BED_LOOP_FRAMES, BED_CROSSFADE_FRAMES)
    # A slow +-1 dB drift in intensity keeps a 30 s loop from sounding like a machine.
    rain *= 1.0 + 0.11 * _loop_lfo(2, phase=1.3)
    return _at_bed_level(rain)


def _wave_swell(cycles: int, lag_cycles: float = 0.0) -> FloatArray:
    """Swell 0..1 per wave: a long lull, a rise, a crest, a slower recede.

    Its lull falls on sample 0, so the loop seam sits where the sea is quietest and steadiest.
    """
    position = np.arange(BED_LOOP_FRAMES, dtype=np.float64) / BED_LOOP_FRAMES
    cycle = cycles * position - lag_cycles
    # Warping the phase makes the rise quicker than the fall; the warp is periodic, so the
    # swell still completes whole cycles in the loop.
    warped = cycle - 0.12 * np.sin(2.0 * np.pi * cycle)
    swell: FloatArray = (0.5 - 0.5 * np.cos(2.0 * np.pi * warped)) ** 2
    return swell


def ambient_waves() -> Float32Array:
    """Distant surf: low rumble swelling every 10 s with a soft wash at each crest; 30 s loop."""
    rng = np.random.default_rng(_SEED_WAVES)
    rumble = _looped_noise(rng, lambda f: _highpass(f, 40.0, 2) * _lowpass(f, 500.0, 2))
    wash = _looped_noise(rng, lambda f: _highpass(f, 400.0, 2) * _lowpass(f, 2500.0, 2))
    cycles = 3  # 10 s per wave: slower than any breathing pace, so it never competes with it.
    swell = _wave_swell(cycles)
    foam = _wave_swell(cycles, lag_cycles=0.04)  # the wash breaks just after the swell peaks
    # One cycle per loop of size variation so the three waves are not identical.
    size = 1.0 + 0.18 * _loop_lfo(1, phase=0.4)
    waves = size * ((0.4 + 0.6 * swell) * rumble + 0.45 * (0.05 + 0.95 * foam**1.5) * wash)
    return _at_bed_level(waves)


# Drone partials: (cycles per loop, amplitude, beating twin offset in cycles per loop, LFO cycles
# per loop). Cycles per 30 s loop rather than Hz, so every component is exactly periodic.
# 3300 cycles / 30 s = 110 Hz (A2); the set is A1, A2, E3, A3, E4 with slow beating twins.
_DRONE_PARTIALS: tuple[tuple[int, float, int, int], ...] = (
    (1650, 0.45, 2, 1),
    (3300, 1.00, 3, 2),
    (4950, 0.50, 2, 3),
    (6600, 0.30, 4, 1),
    (9900, 0.10, 5, 2),
)


def _periodic_sine(cycles_per_loop: int, phase: float) -> FloatArray:
    # Reducing the phase with integers keeps the periodicity exact: sample L is sample 0 again.
    n = np.arange(BED_LOOP_FRAMES, dtype=np.int64)
    turns = (cycles_per_loop * n) % BED_LOOP_FRAMES
    return np.sin(2.0 * np.pi * turns.astype(np.float64) / BED_LOOP_FRAMES + phase)


def _start_where_steady(x: FloatArray) -> FloatArray:
    """Rotate a periodic loop so it starts where its loudness is steadiest.

    The loop is already seamless; this puts its start, where a bed fades in and where a listener
    attending to the loop point would hear it, away from a swell or a beating dip. Searched on a
    0.1 s grid: coarse on purpose, so float rounding on another machine cannot move the choice.
    """
    hop = SAMPLE_RATE_HZ // 10
    hops_per_s = 10
    power = np.mean(np.square(x[: (len(x) // hop) * hop]).reshape(-1, hop), axis=1)
    # Centred, circular 1 s loudness, since the loop wraps.
    window_power = sum(np.roll(power, shift) for shift in range(-hops_per_s // 2, hops_per_s // 2))
    level_db = 10.0 * np.log10(window_power)
    change_db = np.maximum(np.abs(level_db - np.roll(level_db, hops_per_s)),
                           np.abs(level_db - np.roll(level_db, -hops_per_s)))
    steadiest_hop = int(np.argmin(change_db))
    rotated: FloatArray = np.roll(x, -steadiest_hop * hop)
    return rotated


def ambient_drone() -> Float32Array:
    """Low warm drone on A with slowly beating, breathing partials; 30 s seamless loop.

    Unlike the noise beds it is not crossfaded: every partial and every amplitude movement
    completes a whole number of cycles in the loop, so the loop is exactly periodic and has no
    seam at all (an equal-power crossfade of identical material would bulge by 3 dB).
    """
    rng = np.random.default_rng(_SEED_DRONE)
    x = np.zeros(BED_LOOP_FRAMES, dtype=np.float64)
    for cycles, amplitude, twin_offset, lfo_cycles in _DRONE_PARTIALS:
        phases = rng.uniform(0.0, 2.0 * np.pi, size=3)
        # Random starting phases stop the partials lining up into a peak at sample 0.
        tone = (_periodic_sine(cycles, float(phases[0]))
                + 0.4 * _periodic_sine(cycles + twin_offset, float(phases[1])))
        movement = 1.0 + 0.15 * _loop_lfo(lfo_cycles, phase=float(phases[2]))
        x += amplitude * movement * tone
    return _at_bed_level(_start_where_steady(x))


# --- files -------------------------------------------------------------------------------------

ASSETS: dict[str, Callable[[], Float32Array]] = {
    "cue_inhale.wav": cue_inhale,
    "cue_exhale.wav": cue_exhale,
    "bell.wav": bell,
    "ambient_rain.wav": ambient_rain,
    "ambient_drone.wav": ambient_drone,
    "ambient_waves.wav": ambient_waves,
}


def write_wav(path: Path, samples: Float32Array) -> None:
    """Write mono 16-bit PCM at the session rate; atomic, so a crash never leaves half a file."""
    scaled = np.round(samples.astype(np.float64) * 32767.0)
    pcm = np.clip(scaled, -32768.0, 32767.0).astype("<i2")
    # The stdlib writer emits only RIFF/fmt/data chunks, no dates or tool tags: reproducible.
    # Bundled assets are shared files, not private ones: the ordinary mode, not owner-only.
    with atomic.replacing(path, private=False) as tmp, wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE_HZ)
        out.writeframes(pcm.tobytes())


def generate_all(out_dir: Path) -> list[Path]:
    """Synthesise every asset into ``out_dir`` (created if missing); returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, build in ASSETS.items():
        path = out_dir / name
        write_wav(path, build())
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cft_desktop.sound.assets_gen",
        description="Regenerate the bundled breath cues, bell and ambient beds.",
    )
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: the bundled audio/ folder)")
    args = parser.parse_args(argv)
    out_dir: Path = args.out if args.out is not None else audio_dir()
    for path in generate_all(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
