"""Does the voice say /l/ or /w/? An acoustic answer, independent of any speech recogniser.

pocketsphinx hears the voice's word-initial /l/ as /w/ ("Let your gaze" -> "what your gaze"). Nobody here
can listen, so this tool measures the sound instead. It owns:

* the minimal pairs: /l/ and /w/ words (``let``/``wet``, ``light``/``white`` …) spoken in the same carrier,
  plus ``yet`` as a high-F2 control, and the two shipped phrases against their /w/ twins;
* the measurement: the real voice (`PiperVoiceBackend`, the product's length scale) renders each carrier
  several times (piper is stochastic: timing and timbre vary per render), and an LPC formant tracker
  (numpy only) follows F1, F2 and F3 through the word's first consonant into its vowel;
* the verdict: whether the /l/ words sit above the /w/ words in F2 by a clear margin.

How the consonant is found (no phoneme alignment: piper only gives one with the optional `onnx` package):

* *medial*, ``Say let again.``: the first consonant of the word is where F2 dips between the high F2 of
  "say" (/eɪ/) and the word's vowel. Time 0 in the tracks is that F2 minimum (the consonant's centre);
* *initial*, ``Let again.`` and the shipped phrases: time 0 is the first 10 ms frame within 30 dB of the
  phrase's loudest frame (voicing onset; the voice fades in, so the first frames are the consonant).

How to read the table. The acoustics of the two sounds (American English, adult male):

* /w/: lips rounded, tongue back. F2 very low, 600–800 Hz, close to F1; F3 fairly low (~2200–2500 Hz);
  F2 then rises slowly (a glide, 60–100 ms) into a front vowel;
* /l/ (prevocalic, "clear-ish"): F2 higher, ~900–1300 Hz; F3 high (~2500–2900 Hz);
* /j/ (``yet``): F2 very high (~2000 Hz) from the start: no dip at all, so its "F2 min" is in the vowel.

``F2 min`` is the lowest F2 in the consonant, given as the median over the renders with their range;
``F1`` and ``F3`` are taken at that same frame. The tracks are medians over the renders, every 10 ms.
A pair is *distinct* when the /l/ word's median F2 min is at least `MARGIN_HZ` above the /w/ word's.
``tests/voice/test_formants.py`` asserts this for the medial carriers.

Run ``python -m tests.voice.formants [--renders N]`` for the report (about half a minute).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from cft_desktop.core.pacing import DEFAULT_SPEECH_LENGTH_SCALE
from cft_desktop.voice.piper import PiperVoiceBackend

Signal = npt.NDArray[np.float64]

# --------------------------------------------------------------------------------------------------
# What is measured
# --------------------------------------------------------------------------------------------------

PAIRS: tuple[tuple[str, str], ...] = (
    ("let", "wet"),
    ("light", "white"),
    ("lay", "way"),
    ("leap", "weep"),
    ("lit", "wit"),
)
"""(/l/ word, /w/ word): each pair differs only in its first sound."""

CONTROL = "yet"
"""/j/: a front glide with a high F2, so a tracker that reports a low F2 everywhere is caught."""

PHRASE_PAIRS: tuple[tuple[str, str], ...] = (
    ("Let your gaze rest low.", "Wet your gaze rest low."),
    ("Light a candle.", "White a candle."),
)
"""Shipped phrases the recogniser mishears, against the same phrase with a /w/."""


class Position(Enum):
    MEDIAL = "Say {word} again."
    INITIAL = "{Word} again."

    def carrier(self, word: str) -> str:
        return self.value.format(word=word, Word=word.capitalize())


MARGIN_HZ = 150.0
"""How far the /l/ word's F2 min must sit above the /w/ word's to call them distinct. In this voice the
medial gap is ~250–300 Hz; the same word against itself gives a few tens of Hz."""

W_F2_CEILING_HZ = 800.0
"""A /w/ whose F2 min is above this means the tracker (not the voice) has failed."""

# --------------------------------------------------------------------------------------------------
# Formant tracking (LPC, numpy only)
# --------------------------------------------------------------------------------------------------

ANALYSIS_RATE = 11025
"""Formants are sought below 5.5 kHz (Praat's ceiling for a male voice): the signal is resampled to
twice that, so the LPC poles go to F1–F5 and not to the empty band above."""
LPC_ORDER = 12  # two poles per formant, 5 formants in 5.5 kHz, plus 2 for the glottal/radiation tilt
WINDOW_S = 0.025  # Hamming
STEP_S = 0.005  # internal grid; the tracks are printed every 10 ms
PRE_EMPHASIS_HZ = 50.0
MAX_BANDWIDTH_HZ = 400.0
MIN_FORMANT_HZ = 180.0  # below this a pole is the glottal source, not F1
QUIET_DB = -30.0
"""Frames quieter than this (re the phrase's loudest) are silence: not tracked, and the first frame above
it is the voicing onset of a phrase-initial word."""


def resample(x: Signal, rate: int, target: int) -> Signal:
    """Band-limited resampling by truncating the spectrum (downsampling only)."""
    n_out = round(len(x) * target / rate)
    spectrum = np.fft.rfft(x)[: n_out // 2 + 1]
    return np.fft.irfft(spectrum, n_out) * (n_out / len(x))


def pre_emphasise(x: Signal, rate: int) -> Signal:
    alpha = float(np.exp(-2 * np.pi * PRE_EMPHASIS_HZ / rate))
    return np.append(x[:1], x[1:] - alpha * x[:-1])


def lpc(frame: Signal, order: int) -> Signal | None:
    """Autocorrelation-method LPC (Levinson-Durbin): the polynomial a with a[0] == 1."""
    n = len(frame)
    r = np.correlate(frame, frame, "full")[n - 1 : n + order].copy()
    if r[0] <= 1e-12:
        return None
    r[0] *= 1.0 + 1e-9  # white-noise correction: keeps the recursion stable on near-silent frames
    a = np.zeros(order + 1)
    a[0] = 1.0
    error = r[0]
    for i in range(1, order + 1):
        k = -(r[i] + np.dot(a[1:i], r[i - 1 : 0 : -1])) / error
        a[1:i] = a[1:i] + k * a[i - 1 : 0 : -1]
        a[i] = k
        error *= 1.0 - k * k
        if error <= 0:
            return None
    return a


def frame_formants(x: Signal, rate: int, centre_s: float) -> tuple[float, float, float]:
    """F1, F2, F3 (Hz; NaN where missing) of the window centred at `centre_s`."""
    n = round(WINDOW_S * rate)
    start = round(centre_s * rate) - n // 2
    nan = (float("nan"),) * 3
    if start < 0 or start + n > len(x):
        return nan
    a = lpc(x[start : start + n] * np.hamming(n), LPC_ORDER)
    if a is None:
        return nan
    roots = np.roots(a)
    roots = roots[np.imag(roots) > 0]
    freqs = np.angle(roots) * rate / (2 * np.pi)
    bandwidths = -np.log(np.abs(roots)) * rate / np.pi
    keep = (freqs > MIN_FORMANT_HZ) & (freqs < rate / 2 - 50) & (bandwidths < MAX_BANDWIDTH_HZ)
    found = [*sorted(float(f) for f in freqs[keep]), *nan]
    return found[0], found[1], found[2]


def _windows(x: Signal, rate: int, times: Signal) -> Signal:
    """The Hamming-windowed analysis frame centred at each time, one per row (zero-padded at the ends)."""
    n = round(WINDOW_S * rate)
    padded = np.pad(x, (n, n))
    starts = np.round(times * rate).astype(int) + n - n // 2
    frames: Signal = padded[starts[:, None] + np.arange(n)] * np.hamming(n)
    return frames


def _db_re_max(energy: Signal) -> Signal:
    result: Signal = 10 * np.log10(energy / energy.max() + 1e-12)
    return result


def frame_energy_db(x: Signal, rate: int, times: Signal) -> Signal:
    """Energy of the analysis window at each time, in dB re the loudest."""
    return _db_re_max(np.sum(_windows(x, rate, times) ** 2, axis=1))


def low_band_db(x: Signal, rate: int, times: Signal, cutoff_hz: float = 1000.0) -> Signal:
    """Energy below `cutoff_hz` per window in dB re its loudest: voicing, where /s/ has none."""
    frames = _windows(x, rate, times)
    band = np.fft.rfftfreq(frames.shape[1], 1 / rate) < cutoff_hz
    return _db_re_max(np.sum(np.abs(np.fft.rfft(frames, axis=1)[:, band]) ** 2, axis=1))


# --------------------------------------------------------------------------------------------------
# One render: find the consonant and track it
# --------------------------------------------------------------------------------------------------

TRACK_MS: tuple[int, ...] = (-20, -10, 0, 10, 20, 30, 40, 50, 60, 70, 80)
"""Printed track times relative to time 0 (medial: the F2 minimum; initial: voicing onset)."""

MEDIAL_SEARCH_S = (0.08, 0.33)
"""Where, after voicing starts in "Say …", the word's first consonant is sought (skips "say"'s vowel)."""
INITIAL_SEARCH_S = (0.0, 0.06)
"""The first consonant of a phrase-initial word: its first 60 ms of voice."""


@dataclass(frozen=True)
class Render:
    """One rendering of a carrier: where the consonant was found and the formants around it."""

    zero_s: float  # time 0 of the track
    f2_min: float
    f1_at_min: float
    f3_at_min: float
    track: dict[int, tuple[float, float, float, float]]  # ms re time 0 -> (F1, F2, F3, dB re loudest)


def _nanmedian(values: npt.ArrayLike) -> float:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if len(finite) else float("nan")


def _smooth(values: Signal) -> Signal:
    """3-point running median: one frame where the tracker skips or splits a formant does not count."""
    padded = np.concatenate([values[:1], values, values[-1:]])
    return np.array([_nanmedian(padded[i : i + 3]) for i in range(len(values))])


def analyse(samples: npt.NDArray[np.int16], rate: int, position: Position) -> Render:
    x = samples.astype(np.float64) / 32768.0
    times = np.arange(0.0, len(x) / rate, STEP_S)
    loud = frame_energy_db(x, rate, times)
    if position is Position.INITIAL:
        zero = float(times[np.argmax(loud >= QUIET_DB)])
        lo, hi = zero + INITIAL_SEARCH_S[0], zero + INITIAL_SEARCH_S[1]
    else:
        voiced = low_band_db(x, rate, times) >= QUIET_DB
        voice_on = float(times[np.argmax(voiced)])
        lo, hi = voice_on + MEDIAL_SEARCH_S[0], voice_on + MEDIAL_SEARCH_S[1]
    y = pre_emphasise(resample(x, rate, ANALYSIS_RATE), ANALYSIS_RATE)
    tracks = np.array([frame_formants(y, ANALYSIS_RATE, float(t)) for t in times])
    tracks[loud < QUIET_DB] = np.nan
    f2 = _smooth(tracks[:, 1])
    search = np.flatnonzero((times >= lo - 1e-9) & (times <= hi + 1e-9) & np.isfinite(f2))
    if not len(search):
        raise RuntimeError("no trackable frame where the consonant should be")
    at = int(search[np.argmin(f2[search])])
    if position is Position.MEDIAL:
        zero = float(times[at])
    track: dict[int, tuple[float, float, float, float]] = {}
    for ms in TRACK_MS:
        index = round((zero + ms / 1000) / STEP_S)
        if 0 <= index < len(times):
            f1, f2_, f3 = (float(v) for v in tracks[index])
            track[ms] = (f1, f2_, f3, float(loud[index]))
    return Render(zero, float(f2[at]), float(tracks[at, 0]), float(tracks[at, 2]), track)


# --------------------------------------------------------------------------------------------------
# Several renders of one carrier, and the pair verdict
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    text: str
    renders: tuple[Render, ...]

    @property
    def f2_mins(self) -> list[float]:
        return [r.f2_min for r in self.renders]

    @property
    def f2_min(self) -> float:
        return statistics.median(self.f2_mins)

    def median_at(self, attribute: str) -> float:
        return _nanmedian([getattr(r, attribute) for r in self.renders])

    def median_track(self, ms: int, row: int) -> float:
        """Median over the renders of track row `row` (0 F1, 1 F2, 2 F3, 3 dB) at `ms`."""
        return _nanmedian([r.track[ms][row] if ms in r.track else np.nan for r in self.renders])


class Meter:
    """The real voice, rendering carriers at the product's pace."""

    def __init__(self, renders: int = 5, length_scale: float = DEFAULT_SPEECH_LENGTH_SCALE) -> None:
        self.backend = PiperVoiceBackend()
        self.renders = renders
        self.length_scale = length_scale

    def measure(self, text: str, position: Position) -> Measurement:
        found: list[Render] = []
        for _ in range(self.renders):
            samples, rate = self.backend.synthesize(text, self.length_scale)
            found.append(analyse(samples, rate, position))
        return Measurement(text, tuple(found))

    def word(self, word: str, position: Position) -> Measurement:
        return self.measure(position.carrier(word), position)


def f2_gap(l_word: Measurement, w_word: Measurement) -> float:
    """How far the /l/ word's median F2 min sits above the /w/ word's (Hz; negative if below)."""
    return l_word.f2_min - w_word.f2_min


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


def _hz(value: float) -> str:
    return "    -" if not np.isfinite(value) else f"{value:5.0f}"


def describe(m: Measurement, position: Position) -> list[str]:
    zero = "F2 min" if position is Position.MEDIAL else "voice onset"
    lo, hi = min(m.f2_mins), max(m.f2_mins)
    lines = [
        f"  {m.text:28s} F2 min {m.f2_min:5.0f} Hz [{lo:4.0f}–{hi:4.0f}]   "
        f"F1 {_hz(m.median_at('f1_at_min'))}   F3 {_hz(m.median_at('f3_at_min'))}  (at F2 min)",
        f"    {'ms re ' + zero:>18s} " + " ".join(f"{ms:>+5d}" for ms in TRACK_MS),
    ]
    for row, name in enumerate(("F1", "F2", "F3")):
        values = [_hz(m.median_track(ms, row)) for ms in TRACK_MS]
        lines.append(f"    {name:>18s} " + " ".join(values))
    energy = [m.median_track(ms, 3) for ms in TRACK_MS]
    lines.append(
        f"    {'dB re loudest':>18s} " + " ".join(f"{v:5.0f}" if np.isfinite(v) else "    -" for v in energy)
    )
    return lines


def verdict(l_word: Measurement, w_word: Measurement) -> str:
    gap = f2_gap(l_word, w_word)
    separated = min(l_word.f2_mins) > max(w_word.f2_mins)
    if gap >= MARGIN_HZ:
        word = "DISTINCT"
    elif gap > 0:
        word = "weakly distinct" if separated else "NOT distinct"
    else:
        word = "NOT distinct (wrong direction)"
    every = "; above in every render" if separated else "; the renders overlap"
    return f"  => /l/ F2 min {gap:+.0f} Hz re /w/: {word} (margin {MARGIN_HZ:.0f} Hz){every}"


def report(meter: Meter) -> None:
    def emit(line: str = "") -> None:
        print(line, flush=True)

    emit(f"Voice {meter.backend.voice}, length_scale {meter.length_scale}, {meter.renders} renders each.")
    emit(
        f"LPC order {LPC_ORDER} at {ANALYSIS_RATE} Hz, {WINDOW_S * 1000:.0f} ms Hamming, bandwidth < "
        f"{MAX_BANDWIDTH_HZ:.0f} Hz. Medians over the renders; [range] of F2 min."
    )
    for position in (Position.MEDIAL, Position.INITIAL):
        emit()
        emit(f"== {position.name.lower()}: {position.value!r} ==")
        for l_text, w_text in PAIRS:
            l_word, w_word = meter.word(l_text, position), meter.word(w_text, position)
            for line in [*describe(l_word, position), *describe(w_word, position), verdict(l_word, w_word)]:
                emit(line)
            emit()
        control = meter.word(CONTROL, position)
        for line in describe(control, position):
            emit(line)
        emit(f"  => /j/ control: F2 min {control.f2_min:.0f} Hz (high F2: no /w/-like dip expected)")
    emit()
    emit("== shipped phrases against their /w/ twins (initial) ==")
    for l_text, w_text in PHRASE_PAIRS:
        l_phrase = meter.measure(l_text, Position.INITIAL)
        w_phrase = meter.measure(w_text, Position.INITIAL)
        for line in [
            *describe(l_phrase, Position.INITIAL),
            *describe(w_phrase, Position.INITIAL),
            verdict(l_phrase, w_phrase),
        ]:
            emit(line)
        emit()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--renders", type=int, default=5, help="renders per carrier (piper is stochastic)")
    args = parser.parse_args(argv)
    report(Meter(renders=args.renders))
    return 0


if __name__ == "__main__":
    sys.exit(main())
