"""Render the seed practices with the real voice, as a user would, and check what came out:
length against the script's nominal minutes, voice and cue levels, and where the breath cues fall."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from cft_desktop.core.library import Library
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.mixer import SoundAssets


def _db(samples: npt.NDArray[np.float32]) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples.astype(np.float64) ** 2)) + 1e-12))


def _render(script_id: str, tmp_path: Path, cache: Path, *flags: str) -> tuple[np.ndarray, dict]:  # type: ignore[type-arg]
    env = dict(os.environ, CFT_DESKTOP_DATA_DIR=str(tmp_path / "data"),
               CFT_DESKTOP_CACHE_DIR=str(cache))
    out = tmp_path / f"{script_id}.wav"
    timeline = tmp_path / f"{script_id}.json"
    done = subprocess.run(
        [sys.executable, "-m", "cft_desktop", "render", script_id, "--out", str(out),
         "--timeline", str(timeline), *flags],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    audio, rate = soundfile.read(out, dtype="float32")
    assert rate == SAMPLE_RATE
    return audio, json.loads(timeline.read_text())


@pytest.mark.voice
@pytest.mark.parametrize("script_id", ["soothing-rhythm-breathing", "compassionate-self"])
def test_seed_practice_renders_to_its_nominal_length(
    script_id: str, tmp_path: Path, voice_cache_dir: Path
) -> None:
    audio, timeline = _render(script_id, tmp_path, voice_cache_dir)
    script = Library().find(script_id)
    seconds = len(audio) / SAMPLE_RATE
    assert abs(seconds - script.minutes * 60) <= 0.2 * script.minutes * 60
    assert timeline["events"][-1]["end_s"] <= seconds + 1 / SAMPLE_RATE

    phrases = [e for e in timeline["events"] if e["kind"] == "phrase"]
    voice_levels = [
        _db(audio[round(e["start_s"] * SAMPLE_RATE) : round(e["end_s"] * SAMPLE_RATE)])
        for e in phrases
    ]
    assert -24.5 < float(np.median(voice_levels)) < -19.5
    assert np.abs(audio).max() < 1.0


@pytest.mark.voice
def test_breath_cues_sound_at_each_inhale_and_sit_well_under_the_voice(
    tmp_path: Path, voice_cache_dir: Path
) -> None:
    audio, timeline = _render("soothing-rhythm-breathing", tmp_path, voice_cache_dir,
                              "--bpm", "5", "--ratio", "1:2")
    events = timeline["events"]
    phrases = [(e["start_s"], e["end_s"]) for e in events if e["kind"] == "phrase"]
    inhales = [e for e in events if e["kind"] == "inhale"]
    assert inhales
    cue_length = len(SoundAssets.load().cue_inhale)
    quiet_cues = 0
    for inhale in inhales:
        start = round(inhale["start_s"] * SAMPLE_RATE)
        overlapped = any(s < inhale["start_s"] + 2.0 and e > inhale["start_s"] - 0.1
                         for s, e in phrases)
        if overlapped:
            continue
        before = audio[start - 2205 : start]
        cue = audio[start : start + cue_length]
        # Silence just before the inhale, the cue from its first frame on.
        assert np.abs(before).max() < 1e-6
        assert np.abs(cue[:2205]).max() > 0
        assert _db(cue) <= -21.0 - 12.0
        quiet_cues += 1
    assert quiet_cues >= 3
    # At 5 breaths per minute with 1:2, each cycle is 12 s: 4 s in, 8 s out.
    first_block = [e for e in inhales if e["start_s"] < inhales[0]["start_s"] + 40]
    gaps = np.diff([e["start_s"] for e in first_block])
    np.testing.assert_allclose(gaps, 12.0, atol=1 / SAMPLE_RATE)
    exhales = [e for e in events if e["kind"] == "exhale"]
    assert exhales[0]["start_s"] - inhales[0]["start_s"] == pytest.approx(4.0, abs=1 / SAMPLE_RATE)
