"""No breath work: [with/without breath work] parts in scripts, and quiet blocks in the timeline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Bell, Breathe, Pause, Phrase, parse_text
from cft_desktop.errors import PacingError, ScriptErrors

RATE = 22050
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """---
id: opening-test
title: Opening test
kind: breathing
minutes: 2
summary: A test.
---
Welcome.

[with breath work]
Let the breath slow down a little.
[without breath work]
Notice the sounds around you.

[pause 2]
[end]

[breathe 4]
[in] Breathing in.
[out] Breathing out.

[bell]
Thank you.
"""


def clip_frames(index: int) -> int:
    return RATE  # one second for every phrase


def build(pacing: Pacing) -> tl.Timeline:
    script = parse_text(SCRIPT)
    return tl.build(script, pacing, clip_frames, RATE, RATE // 2)


def test_parts_carry_their_condition() -> None:
    items = parse_text(SCRIPT).items
    assert items[0] == Phrase("Welcome.", 8)
    assert items[1] == Phrase("Let the breath slow down a little.", 11, True)
    assert items[2] == Phrase("Notice the sounds around you.", 13, False)
    assert items[3] == Pause(2.0, 15, False)
    assert isinstance(items[4], Breathe) and items[4].breath_work is None
    assert items[5] == Bell(22)


def test_breath_work_hears_its_part_and_paces_the_breath() -> None:
    timeline = build(Pacing())
    said = [e.text for e in timeline.phrase_events()]
    assert said == [
        "Welcome.", "Let the breath slow down a little.", "Breathing in.", "Breathing out.",
        "Thank you.",
    ]
    assert [e.kind for e in timeline.events].count("inhale") == 4
    assert not [e for e in timeline.events if e.kind == "quiet"]


def test_no_breath_work_hears_the_other_part_and_keeps_each_block_as_quiet_time() -> None:
    paced, quiet = build(Pacing()), build(Pacing(breath_work=False))
    said = [e.text for e in quiet.phrase_events()]
    assert said == ["Welcome.", "Notice the sounds around you.", "Thank you."]
    kinds = {e.kind for e in quiet.events}
    assert not kinds & {"inhale", "hold", "exhale"}
    # The block is as long as its four breaths at 6 a minute: 40 s, in frames, exactly.
    breaths = [e for e in paced.events if e.kind in ("inhale", "hold", "exhale")]
    block_start = breaths[0].start_frame
    block_frames = breaths[-1].end_frame - block_start
    quiet_events = [e for e in quiet.events if e.kind == "quiet"]
    assert len(quiet_events) == 4
    span = quiet.quiet_span_at(quiet_events[0].start_frame + 10)
    assert span is not None
    assert span[1] - span[0] == block_frames == 40 * RATE
    assert quiet.quiet_span_at(span[1]) is None
    assert quiet.breath_phase_at(span[0] + RATE) is None
    # Welcome (1 s + gap), then one part or the other: paced has a 1 s phrase + gap, quiet a 1 s
    # phrase + gap and a 2 s pause; the rest of the practice is the same length.
    assert quiet.total_frames - paced.total_frames == 2 * RATE


def test_a_script_without_parts_lasts_as_long_either_way() -> None:
    text = SCRIPT.split("[with breath work]")[0] + SCRIPT.split("[end]")[1]
    script = parse_text(text)
    for pacing in (Pacing(), Pacing(bpm=4.5, inhale_parts=1, exhale_parts=2)):
        paced = tl.build(script, pacing, clip_frames, RATE, RATE // 2)
        quiet = tl.build(script, pacing.with_changes(breath_work=False), clip_frames, RATE,
                         RATE // 2)
        assert quiet.total_frames == paced.total_frames


def test_breath_work_can_be_switched_off_while_playing() -> None:
    script = parse_text(SCRIPT)
    paced = tl.build(script, Pacing(), clip_frames, RATE, RATE // 2)
    first_inhale = next(e for e in paced.events if e.kind == "inhale")
    changed = tl.retime(paced, script, Pacing(breath_work=False), first_inhale.end_frame,
                        clip_frames, RATE // 2)
    after = [e for e in changed.events if e.start_frame >= first_inhale.end_frame]
    assert "inhale" not in {e.kind for e in after}
    assert [e for e in after if e.kind == "quiet"]
    assert changed.total_frames == paced.total_frames


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("[with breath work]\nHello.\n", 8, "[with breath work] is not closed"),
        ("Hello.\n\n[end]\n", 10, "[end] with nothing to close"),
        ("[with breath work]\n[with breath work]\nHello.\n[end]\n", 9, "close that one"),
        ("[without breath work]\n[breathe 3]\n[end]\nHello.\n", 9, "inside [without breath work]"),
    ],
)
def test_parts_that_do_not_fit_name_their_line(body: str, line: int, fragment: str) -> None:
    head = SCRIPT.split("Welcome.")[0]
    with pytest.raises(ScriptErrors) as caught:
        parse_text(head + body, "x.md")
    messages = [f"{e.line}: {e.message}" for e in caught.value.errors]
    assert any(m.startswith(f"{line}: ") and fragment in m for m in messages), messages


def test_breath_work_must_be_true_or_false() -> None:
    with pytest.raises(PacingError, match="true or false"):
        Pacing(breath_work="no")  # type: ignore[arg-type]


@pytest.mark.voice
def test_render_with_no_breath_work_has_no_tones_and_no_breath_lines(tmp_path: Path) -> None:
    script = tmp_path / "opening-test.md"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, CFT_DESKTOP_DATA_DIR=str(tmp_path / "data"),
               CFT_DESKTOP_CACHE_DIR=str(tmp_path / "cache"),
               CFT_DESKTOP_LOG_DIR=str(tmp_path / "log"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    renders = {}
    for name, flags in (("paced", []), ("quiet", ["--no-breath-work"])):
        out, timeline = tmp_path / f"{name}.wav", tmp_path / f"{name}.json"
        result = subprocess.run(
            [sys.executable, "-m", "cft_desktop", "render", str(script), "--out", str(out),
             "--timeline", str(timeline), *flags],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        assert result.returncode == 0, result.stderr
        audio, rate = soundfile.read(out, always_2d=True)
        renders[name] = (audio.mean(axis=1), rate, json.loads(timeline.read_text()))
    audio, rate, events = renders["quiet"]
    quiet = [e for e in events["events"] if e["kind"] == "quiet"]
    assert len(quiet) == 4
    block = audio[round(quiet[0]["start_s"] * rate): round(quiet[-1]["end_s"] * rate)]
    assert float(np.max(np.abs(block))) < 1e-4  # quiet time: no tone, no voice
    texts = [e.get("text") for e in events["events"] if e["kind"] == "phrase"]
    assert "Breathing in." not in texts and "Notice the sounds around you." in texts
    paced_audio, paced_rate, paced_events = renders["paced"]
    inhale = next(e for e in paced_events["events"] if e["kind"] == "inhale")
    tone = paced_audio[round(inhale["start_s"] * paced_rate): round(inhale["end_s"] * paced_rate)]
    assert float(np.max(np.abs(tone))) > 0.01  # the same block paced has its cue and line
