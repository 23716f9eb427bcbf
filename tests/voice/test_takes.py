"""Take processing on the real voice's speech: trim points, loudness, peaks and the checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cft_desktop.core.pacing import Pacing
from cft_desktop.sound.loudness import LOUDNESS_TARGET_LUFS, loudness_lufs, match_loudness
from cft_desktop.voice import takes
from tests.voice.speech import padded, raw_speech

PHRASE = "Let your breath find its own gentle rhythm."
TOLERANCE_S = 0.030

pytestmark = pytest.mark.voice


def test_a_full_scale_sine_reads_as_the_standard_says() -> None:
    # BS.1770: a 997 Hz sine at 0 dBFS peak reads -3.01 LUFS, at any rate.
    for rate in (22050, 44100, 48000):
        t = np.arange(5 * rate) / rate
        assert loudness_lufs(np.sin(2 * np.pi * 997 * t), rate) == pytest.approx(-3.01, abs=0.1)


@pytest.mark.parametrize("rate", [48000, 44100])
def test_trim_points_fall_on_the_real_speech(voice_cache_dir: Path, rate: int) -> None:
    fed = padded(raw_speech(PHRASE, voice_cache_dir, rate), rate)
    take = takes.process_take(fed.samples, rate)
    assert abs(take.speech_start_frame - fed.start_frame) / rate <= TOLERANCE_S
    assert abs(take.speech_end_frame - fed.end_frame) / rate <= TOLERANCE_S
    # What is kept is the speech and its margins, nothing of the padding beyond them.
    expected = (take.speech_end_frame - take.speech_start_frame
                + round(takes.LEAD_MARGIN_S * rate) + round(takes.TAIL_MARGIN_S * rate))
    assert len(take.samples) == expected
    assert take.problems == ()


def test_a_pause_inside_the_phrase_is_kept(voice_cache_dir: Path) -> None:
    rate = 48000
    first = raw_speech("Breathing in.", voice_cache_dir, rate)
    second = raw_speech("And breathing out.", voice_cache_dir, rate)
    gap = np.zeros(rate)  # a second's pause (where a breath would be) inside one take
    fed = padded(np.concatenate((first, gap, second)), rate)
    take = takes.process_take(fed.samples, rate)
    assert abs(take.speech_end_frame - fed.end_frame) / rate <= TOLERANCE_S
    assert len(take.samples) / rate > (len(first) + len(gap) + len(second)) / rate - 0.5


@pytest.mark.parametrize("peak_dbfs", [-30.0, -12.0, -3.0])
def test_loudness_meets_the_target_and_peaks_stay_under_the_ceiling(
        voice_cache_dir: Path, peak_dbfs: float) -> None:
    rate = 48000
    fed = padded(raw_speech(PHRASE, voice_cache_dir, rate), rate, peak_dbfs=peak_dbfs)
    take = takes.process_take(fed.samples, rate)
    assert loudness_lufs(take.samples, rate) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)
    assert float(np.abs(take.samples).max()) <= 10 ** (-1 / 20)
    assert abs(take.samples[0]) < 1e-3 and abs(take.samples[-1]) < 1e-3


def test_the_neural_voice_sits_within_one_loudness_unit_of_a_take(voice_cache_dir: Path) -> None:
    from cft_desktop.sound.clips import SAMPLE_RATE
    from cft_desktop.voice.cache import ClipCache
    from cft_desktop.voice.narrator import Narrator
    from cft_desktop.voice.piper import PiperVoiceBackend

    neural = Narrator(PiperVoiceBackend(), ClipCache(voice_cache_dir)).clip(PHRASE, 1.0)
    fed = padded(raw_speech(PHRASE, voice_cache_dir), 48000, peak_dbfs=-20.0)
    take = takes.process_take(fed.samples, 48000)
    gap = loudness_lufs(neural, SAMPLE_RATE) - loudness_lufs(take.samples, 48000)
    assert abs(gap) <= 1.0


def test_clipping_is_said_exactly_when_the_input_clipped(voice_cache_dir: Path) -> None:
    rate = 48000
    speech = raw_speech(PHRASE, voice_cache_dir, rate)
    clean = padded(speech, rate, peak_dbfs=-0.5)
    assert takes.CLIPPING_MESSAGE not in takes.process_take(clean.samples, rate).problems
    hot = padded(speech, rate, peak_dbfs=6.0)
    clipped = np.clip(hot.samples, -1.0, 1.0)
    result = takes.process_take(clipped, rate)
    assert takes.CLIPPING_MESSAGE in result.problems
    assert float(np.abs(result.samples).max()) <= 10 ** (-1 / 20)


def test_too_quiet_is_said_only_for_a_faint_take(voice_cache_dir: Path) -> None:
    rate = 48000
    speech = raw_speech(PHRASE, voice_cache_dir, rate)
    faint = takes.process_take(padded(speech, rate, peak_dbfs=-40.0, noise_dbfs=-90).samples, rate)
    fine = takes.process_take(padded(speech, rate, peak_dbfs=-20.0, noise_dbfs=-90).samples, rate)
    assert takes.TOO_QUIET_MESSAGE in faint.problems
    assert takes.TOO_QUIET_MESSAGE not in fine.problems
    assert loudness_lufs(faint.samples, rate) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)


@pytest.mark.parametrize(("noise_dbfs", "noisy"), [(-52.0, True), (-57.0, True), (-64.0, False),
                                                   (-72.0, False)])
def test_a_noisy_room_is_measured_and_said(voice_cache_dir: Path, noise_dbfs: float,
                                           noisy: bool) -> None:
    rate = 48000
    fed = padded(raw_speech(PHRASE, voice_cache_dir, rate), rate, noise_dbfs=noise_dbfs)
    take = takes.process_take(fed.samples, rate)
    assert take.noise_floor_dbfs == pytest.approx(noise_dbfs, abs=2.0)
    said = [p for p in take.problems if p.startswith("the room is noisy")]
    assert bool(said) == noisy
    # The speech is still found under the noise.
    assert abs(take.speech_start_frame - fed.start_frame) / rate <= 0.06


def test_a_line_longer_than_its_breath_is_said_at_that_pace(voice_cache_dir: Path) -> None:
    rate = 48000
    fed = padded(raw_speech(PHRASE, voice_cache_dir, rate), rate)
    fast, slow = Pacing(bpm=12.0), Pacing(bpm=3.0)
    long_take = takes.process_take(fed.samples, rate,
                                   breath_limit=takes.breath_limit(fast, "in"))
    said = [p for p in long_take.problems if "breaths a minute" in p]
    assert said == [f"at 12 breaths a minute this line runs past the in-breath "
                    f"({long_take.duration_s:.1f} s to say, 2.0 s to breathe in)"]
    fits = takes.process_take(fed.samples, rate, breath_limit=takes.breath_limit(slow, "out"))
    assert not [p for p in fits.problems if "breaths a minute" in p]


def test_silence_is_a_take_with_nothing_heard() -> None:
    rng = np.random.default_rng(3)
    take = takes.process_take(rng.normal(0, 1e-4, 48000), 48000)
    assert takes.NOTHING_HEARD_MESSAGE in take.problems
    assert not math.isnan(take.peak_dbfs)


def test_match_loudness_leaves_a_quiet_clip_at_the_target() -> None:
    t = np.arange(2 * 22050) / 22050
    tone = 0.01 * np.sin(2 * np.pi * 440 * t) * np.hanning(len(t))
    out = match_loudness(tone, 22050)
    assert loudness_lufs(out, 22050) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.2)
