"""The shipped practice library: every script valid, structured as CLINICAL.md asks, and at its
nominal length when rendered with the real voice; the ambient beds loop without a seam and duck
under the voice, measured on rendered sessions."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from cft_desktop import paths
from cft_desktop.core.library import Library
from cft_desktop.core.script import Breathe, Phrase, parse_file
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.mixer import SoundAssets

SHIPPED = sorted(p for p in paths.scripts_dir().glob("*.md") if p.name.lower() != "readme.md")
EXPECTED_IDS = {
    "compassion-break", "soothing-rhythm-breathing-3", "soothing-rhythm-breathing",
    "soothing-rhythm-breathing-10", "safe-place", "compassionate-colour", "compassionate-self",
    "compassionate-other", "compassion-flowing-out", "compassion-flowing-in", "compassion-to-self",
    "three-systems", "ground-me",
}


def test_the_whole_library_is_shipped_and_valid() -> None:
    scripts = [parse_file(p) for p in SHIPPED]
    assert {s.id for s in scripts} == EXPECTED_IDS
    for script in scripts:
        assert script.source.stem == script.id
        assert script.summary
        assert script.order is not None


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_imagery_scripts_carry_a_marked_normalising_passage(path: Path) -> None:
    script = parse_file(path)
    if script.kind != "imagery":
        return
    tags = [line for line, text in script.comments if text == "normalising"]
    assert tags, f"{path.name} has no <!-- normalising --> passage"
    following = [i for i in script.items if isinstance(i, Phrase) and i.line > tags[0]]
    assert following, "the tag must be followed by a phrase"
    passage = following[0].text.lower()
    # Difficult feelings are named as common, and a way out is offered.
    assert any(word in passage for word in ("sad", "grief", "difficult", "upset", "feelings"))
    exits = ("open your eyes", "feet", "stop")
    nearby = " ".join(p.text.lower() for p in following[:3])
    assert any(way in nearby for way in exits)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_breathing_practices_pace_the_breath_and_carry_a_caution(path: Path) -> None:
    script = parse_file(path)
    if script.kind != "breathing":
        return
    assert any(isinstance(i, Breathe) for i in script.items)
    assert "dizzy" in script.caution.lower()


def test_ground_me_keeps_the_eyes_open_and_does_not_pace_the_breath() -> None:
    script = Library().find("ground-me")
    assert script.kind == "grounding"
    assert not any(isinstance(i, Breathe) for i in script.items)
    assert "eyes open" in " ".join(p.text for p in script.phrases()).lower()


def _render(script_id: str, out_dir: Path, cache: Path, *flags: str) -> tuple[npt.NDArray[np.float32], dict]:  # type: ignore[type-arg]
    env = dict(os.environ, CFT_DESKTOP_DATA_DIR=str(out_dir / "data"), CFT_DESKTOP_CACHE_DIR=str(cache))
    out = out_dir / f"{script_id}{'-'.join(flags)}.wav"
    timeline = out.with_suffix(".json")
    done = subprocess.run(
        [sys.executable, "-m", "cft_desktop", "render", script_id, "--out", str(out), "--timeline",
         str(timeline), *flags],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr
    audio, rate = soundfile.read(out, dtype="float32")
    assert rate == SAMPLE_RATE
    return audio, json.loads(timeline.read_text())


@pytest.mark.voice
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_practice_renders_within_20_percent_of_its_minutes(
    path: Path, tmp_path: Path, voice_cache_dir: Path
) -> None:
    script = parse_file(path)
    audio, _ = _render(script.id, tmp_path, voice_cache_dir)
    seconds = len(audio) / SAMPLE_RATE
    nominal = script.minutes * 60
    assert abs(seconds - nominal) <= 0.2 * nominal, f"{seconds:.0f} s against {nominal:.0f} s"
    if script.id == "ground-me":
        assert 60 <= seconds <= 90


def _db(x: npt.NDArray[np.floating]) -> float:  # type: ignore[type-arg]
    return float(20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12))


@pytest.mark.voice
@pytest.mark.parametrize("bed", ["rain", "drone", "waves"])
def test_ambient_bed_ducks_under_the_voice_and_loops_without_a_seam(
    bed: str, tmp_path: Path, voice_cache_dir: Path
) -> None:
    plain, timeline = _render("compassion-break", tmp_path, voice_cache_dir)
    with_bed, _ = _render("compassion-break", tmp_path, voice_cache_dir, "--ambient", bed)
    assert len(plain) == len(with_bed)
    layer = (with_bed.astype(np.float64) - plain.astype(np.float64))
    # The bed as made, looped by absolute frame: the ducking is measured against it, so the waves'
    # own slow swell does not count as ducking.
    made = SoundAssets.load().beds[bed].astype(np.float64)
    source = made[np.arange(len(layer)) % len(made)]
    phrases = [(round(e["start_s"] * SAMPLE_RATE), round(e["end_s"] * SAMPLE_RATE))
               for e in timeline["events"] if e["kind"] == "phrase"]
    inside = [_db(layer[s + 8000 : e - 8000]) - _db(source[s + 8000 : e - 8000])
              for s, e in phrases if e - s > SAMPLE_RATE]
    outside = [_db(layer[e + 20000 : s - 8000]) - _db(source[e + 20000 : s - 8000])
               for (_, e), (s, _) in itertools.pairwise(phrases) if s - e > 3 * SAMPLE_RATE]
    assert inside and outside
    depth = float(np.median(outside) - np.median(inside))
    assert 10.0 <= depth <= 15.0, f"ducked by {depth:.1f} dB"
    # Fades in from silence at the start.
    assert np.abs(layer[:200]).max() < 1e-3
    # Loop points (every 30 s of the bed): the step across them is an ordinary step.
    loop = 30 * SAMPLE_RATE
    steps = np.abs(np.diff(layer))
    typical = np.percentile(steps, 99.9)
    for seam in range(loop, len(layer) - 1, loop):
        assert steps[seam - 1] <= typical + 1e-6


# Issue 16 §4: the practices added after the core course.
import re  # noqa: E402  (appended section)

from cft_desktop.core.script import Bell, Pause  # noqa: E402

NEW_IN_ISSUE_16 = {
    "compassionate-self-and-critic", "multiple-selves", "compassion-break-difficult-moment",
    "compassionate-letter", "fears-of-compassion", "compassionate-self-anger",
    "compassionate-self-anxiety", "sleep-resting", "remembering-kindness", "tricky-brain",
}
EXPECTED_IDS.update(NEW_IN_ISSUE_16)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_no_spoken_sentence_runs_past_twenty_words(path: Path) -> None:
    long = [sentence for phrase in parse_file(path).phrases()
            for sentence in _SENTENCE_END.split(phrase.text) if len(sentence.split()) > 20]
    assert not long, "split these:\n" + "\n".join(long)


@pytest.mark.parametrize("path", [p for p in SHIPPED if p.stem in NEW_IN_ISSUE_16], ids=lambda p: p.stem)
def test_new_practices_make_every_breathing_part_optional(path: Path) -> None:
    # CLINICAL.md §2: breath work is offered, never required; just before each paced block the
    # listener hears that simply sitting quietly (or resting) is fine too.
    items = parse_file(path).items
    for k, item in enumerate(items):
        if isinstance(item, Breathe):
            before = next(i for i in reversed(items[:k]) if isinstance(i, Phrase)).text.lower()
            assert "sit quietly" in before or "simply rest" in before, before


def test_the_letter_practice_says_first_that_pen_and_paper_are_needed() -> None:
    script = Library().find("compassionate-letter")
    assert "pen" in script.summary.lower() and "pen" in script.caution.lower()
    assert "pen" in script.phrases()[0].text.lower()
    writing = [i.seconds for i in script.items if isinstance(i, Pause) and i.seconds >= 60]
    assert len(writing) >= 4 and all(s <= 120 for s in writing)


def test_the_sleep_practice_fades_out_without_waking_the_listener() -> None:
    script = Library().find("sleep-resting")
    assert not isinstance(script.items[-1], Bell)
    assert isinstance(script.items[-1], Pause)
    ending = " ".join(p.text.lower() for p in script.phrases()[-4:])
    for waking in ("open your eyes", "raise your gaze", "the room", "come back"):
        assert waking not in ending


# Issue 16 §3: "No breath work". Whoever chooses it hears quiet time in place of every paced block,
# so a practice whose lead-ins and follow-ups talk about the breath needs breath-free words too.
from cft_desktop.core.pacing import Pacing  # noqa: E402
from cft_desktop.core.script import heard  # noqa: E402
from cft_desktop.core.user_scripts import estimate_timeline  # noqa: E402

BREATH_FREE_REQUIRED = {
    "soothing-rhythm-breathing", "soothing-rhythm-breathing-3", "soothing-rhythm-breathing-10",
    "safe-place", "compassion-break",
}
# Words that would send someone who chose no breath work back to the breath or to tones that are
# not there.
_BREATH_LED = re.compile(r"\bbreath|\bthe (?:soft )?tones\b", re.IGNORECASE)
_PACED = [p for p in SHIPPED if any(isinstance(i, Breathe) for i in parse_file(p).items)]


def test_the_named_practices_are_paced_and_shipped() -> None:
    assert {p.stem for p in _PACED} >= BREATH_FREE_REQUIRED


@pytest.mark.parametrize("path", _PACED, ids=lambda p: p.stem)
def test_paced_practices_offer_a_breath_free_part(path: Path) -> None:
    script = parse_file(path)
    assert any(i.breath_work is False for i in script.items), (
        f"{path.name} has no [without breath work] part"
    )
    led = [f"{i.line}: {i.text}" for i in script.items
           if isinstance(i, Phrase) and heard(i, False) and _BREATH_LED.search(i.text)]
    assert not led, "heard without breath work but about the breath:\n" + "\n".join(led)


@pytest.mark.parametrize("path", _PACED, ids=lambda p: p.stem)
def test_a_practice_lasts_about_as_long_without_breath_work(path: Path) -> None:
    # Estimated from the words (no voice needed): the alternatives replace text of about their
    # own length, so the stated minutes hold either way.
    script = parse_file(path)
    bell_frames = 4 * SAMPLE_RATE
    paced = estimate_timeline(script, Pacing(), bell_frames).total_frames
    quiet = estimate_timeline(script, Pacing(breath_work=False), bell_frames).total_frames
    assert abs(quiet - paced) < 0.10 * paced, (
        f"{quiet / SAMPLE_RATE:.0f} s against {paced / SAMPLE_RATE:.0f} s"
    )


@pytest.mark.voice
@pytest.mark.parametrize("script_id", sorted(BREATH_FREE_REQUIRED))
def test_named_practices_render_at_their_minutes_with_and_without_breath_work(
    script_id: str, tmp_path: Path, voice_cache_dir: Path
) -> None:
    script = Library().find(script_id)
    nominal = script.minutes * 60
    paced, _ = _render(script_id, tmp_path, voice_cache_dir)
    quiet, timeline = _render(script_id, tmp_path, voice_cache_dir, "--no-breath-work")
    assert not [e for e in timeline["events"] if e["kind"] in ("inhale", "exhale")]
    paced_s, quiet_s = len(paced) / SAMPLE_RATE, len(quiet) / SAMPLE_RATE
    for seconds in (paced_s, quiet_s):
        assert abs(seconds - nominal) <= 0.15 * nominal, f"{seconds:.0f} s against {nominal:.0f} s"
    assert abs(quiet_s - paced_s) < 0.10 * paced_s, f"{quiet_s:.0f} s against {paced_s:.0f} s"
