"""The cues, bells and beds at a recorded voice's rate: resampled once, level kept, loops seamless."""

from __future__ import annotations

import numpy as np
import pytest

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import parse_text
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.loudness import loudness_lufs, resample
from cft_desktop.sound.mixer import Mixer, SoundAssets

SCRIPT = """---
id: cues
title: Cues
kind: breathing
minutes: 1
summary: Breaths only.
---
[breathe 2]
"""


@pytest.fixture(scope="module")
def assets() -> SoundAssets:
    return SoundAssets.load()


@pytest.mark.parametrize("rate", [44100, 48000])
def test_the_sounds_at_another_rate_keep_their_length_in_time_and_their_level(
        assets: SoundAssets, rate: int) -> None:
    moved = assets.at_rate(rate)
    assert moved.sample_rate == rate
    assert moved is assets.at_rate(rate)  # once per rate
    assert assets.at_rate(SAMPLE_RATE) is assets
    for name in ("cue_inhale", "cue_exhale", "bell"):
        before, after = getattr(assets, name), getattr(moved, name)
        assert len(after) == round(len(before) * rate / SAMPLE_RATE), name
        assert loudness_lufs(after, rate) == pytest.approx(loudness_lufs(before, SAMPLE_RATE),
                                                           abs=0.1), name
        assert float(np.abs(after).max()) <= 1.0
    assert set(moved.beds) == set(assets.beds)
    for name, bed in assets.beds.items():
        assert len(moved.beds[name]) == len(bed) * rate // SAMPLE_RATE, name  # whole seconds
        assert loudness_lufs(moved.beds[name], rate) == pytest.approx(
            loudness_lufs(bed, SAMPLE_RATE), abs=0.1), name


def test_a_resampled_loop_still_runs_from_its_end_into_its_start(assets: SoundAssets) -> None:
    for name, bed in assets.beds.items():
        looped = resample(bed, SAMPLE_RATE, 48000, loop=True)
        steps = np.abs(np.diff(looped))
        seam = abs(float(looped[0]) - float(looped[-1]))
        # The step across the seam is an ordinary step between neighbours, not a click.
        assert seam <= float(np.quantile(steps, 0.999)), name


def test_a_pure_tone_loop_comes_out_as_the_same_tone() -> None:
    frames = SAMPLE_RATE  # one second, a whole number of cycles of 441 Hz
    tone = np.sin(2 * np.pi * 441 * np.arange(frames) / SAMPLE_RATE).astype(np.float32)
    moved = resample(tone, SAMPLE_RATE, 48000, loop=True)
    expected = np.sin(2 * np.pi * 441 * np.arange(48000) / 48000)
    assert np.abs(moved - expected).max() < 1e-4


def test_the_mixer_refuses_sounds_at_another_rate_than_its_timeline(assets: SoundAssets) -> None:
    script = parse_text(SCRIPT)
    timeline = tl.build(script, Pacing(), lambda i: 0, 48000, len(assets.bell))
    with pytest.raises(ValueError, match="at 22050 Hz but the timeline counts 48000 Hz"):
        Mixer(timeline, {}, assets)
    Mixer(timeline, {}, assets.at_rate(48000))
