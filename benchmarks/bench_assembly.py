"""Benchmark 1: assembling the same 20-minute session, naive pydub vs our mixer.

Baseline: what a naive app does with pydub — lays the script out itself in milliseconds
(`len(segment)` is whole ms), starts from `AudioSegment.silent`, overlays the looping ambient bed
(faded in and out), then overlays every phrase clip (ducking the bed under it with
`gain_during_overlay`), breath cue and bell at its position in ms. Every overlay copies the whole
20-minute segment.

Ours: `Session` (timeline from the clip lengths) + `load_cached` + the mixer rendering the whole
session block by block (export's 65536-frame blocks) into one array in memory. Also shown:
`export_session` to a float WAV in a temp dir (the real `render` path), and our mix without the
ambient bed (the naive side barely changes without it: its cost is the ~340 whole-copy overlays).

Both start from the same prepared clips (a fake noise voice, so TTS is not measured) and the same
assets, in the same process. Target: ours >= 50x faster.
Run: .venv/bin/python benchmarks/bench_assembly.py [--naive-runs 3] [--ours-runs 5]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import _common as c
import numpy as np
from pydub import AudioSegment

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Bell, Breathe, Pause, Phrase, Script
from cft_desktop.core.timeline import PHRASE_GAP_S, block_cycles
from cft_desktop.sound.clips import SAMPLE_RATE, FloatArray
from cft_desktop.sound.export import export_session
from cft_desktop.sound.mixer import AMBIENT_FADE_S, DUCK_DEPTH_DB, SoundAssets
from cft_desktop.voice.narrator import Narrator


def _segment(samples: FloatArray) -> AudioSegment:
    data = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return AudioSegment(data=data, sample_width=2, frame_rate=SAMPLE_RATE, channels=1)


@dataclass
class NaiveInputs:
    """What a naive app holds before assembling: one AudioSegment per phrase and per asset."""

    phrases: list[AudioSegment]
    cue_inhale: AudioSegment
    cue_exhale: AudioSegment
    bell: AudioSegment
    bed: AudioSegment


def naive_inputs(script: Script, narrator: Narrator, assets: SoundAssets, pacing: Pacing) -> NaiveInputs:
    rate = pacing.speech_length_scale
    return NaiveInputs(
        phrases=[_segment(narrator.clip(p.text, rate)) for p in script.phrases()],
        cue_inhale=_segment(assets.cue_inhale),
        cue_exhale=_segment(assets.cue_exhale),
        bell=_segment(assets.bell),
        bed=_segment(assets.beds["rain"]),
    )


@dataclass(frozen=True)
class Placed:
    position_ms: int
    segment: AudioSegment
    is_phrase: bool


def naive_layout(script: Script, pacing: Pacing, inputs: NaiveInputs) -> tuple[list[Placed], int]:
    """The script laid out in whole milliseconds, as a pydub app would (same rules as ours)."""
    placed: list[Placed] = []
    position = 0
    spoken = 0
    gap_ms = round(PHRASE_GAP_S * pacing.pause_scale * 1000)
    breath = 0
    for item in script.items:
        if isinstance(item, Phrase):
            clip = inputs.phrases[spoken]
            spoken += 1
            placed.append(Placed(position, clip, True))
            position += len(clip) + gap_ms
        elif isinstance(item, Pause):
            position += round(item.seconds * pacing.pause_scale * 1000)
        elif isinstance(item, Bell):
            placed.append(Placed(position, inputs.bell, False))
            position += len(inputs.bell)
        elif isinstance(item, Breathe):
            cycles = block_cycles(item, pacing, breath, SAMPLE_RATE)
            for k in range(cycles):
                inhale_s, hold_in_s, _, _ = pacing.phases_s(pacing.bpm_for_breath(breath))
                exhale_at = position + round((inhale_s + hold_in_s) * 1000)
                placed.append(Placed(position, inputs.cue_inhale, False))
                placed.append(Placed(exhale_at, inputs.cue_exhale, False))
                if k < len(item.inhale_lines):
                    placed.append(Placed(position, inputs.phrases[spoken], True))
                    spoken += 1
                if k < len(item.exhale_lines):
                    placed.append(Placed(exhale_at, inputs.phrases[spoken], True))
                    spoken += 1
                position += round(60.0 / pacing.bpm_for_breath(breath) * 1000)
                breath += 1
    return placed, position


def naive_assemble(script: Script, pacing: Pacing, inputs: NaiveInputs, ambient: bool) -> AudioSegment:
    placed, total_ms = naive_layout(script, pacing, inputs)
    session = AudioSegment.silent(duration=total_ms, frame_rate=SAMPLE_RATE)
    duck = None
    if ambient:
        fade_ms = round(AMBIENT_FADE_S * 1000)
        session = session.overlay(inputs.bed, loop=True).fade_in(fade_ms).fade_out(fade_ms)
        duck = -DUCK_DEPTH_DB
    for item in placed:
        session = session.overlay(
            item.segment, position=item.position_ms,
            gain_during_overlay=duck if item.is_phrase else None,
        )
    return session


def ours_render(script: Script, narrator: Narrator, assets: SoundAssets, ambient: bool) -> int:
    session = c.build_session(script, narrator, assets, c.bench_mix("rain" if ambient else None))
    mixed = c.render_to_memory(session)
    return len(mixed)


def ours_export(script: Script, narrator: Narrator, assets: SoundAssets, folder: Path) -> int:
    session = c.build_session(script, narrator, assets, c.bench_mix("rain"))
    frames = export_session(session, folder / "session.wav")
    (folder / "session.wav").unlink()
    return frames


def timed(action: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--ours-runs", type=int, default=5)
    args = parser.parse_args()
    c.machine_note()

    script = c.synthetic_script()
    pacing = c.default_pacing()
    assets = SoundAssets.load()
    with tempfile.TemporaryDirectory(prefix="cft-bench-asm-") as temp:
        folder = Path(temp)
        narrator = c.fill_cache(script, folder / "cache", c.NoiseVoice(), pacing.speech_length_scale)
        inputs = naive_inputs(script, narrator, assets, pacing)
        reference = c.build_session(script, narrator, assets, c.bench_mix("rain"))
        timeline = reference.timeline
        cues = sum(1 for e in timeline.events if e.kind in ("inhale", "exhale"))
        print(f"Session: {timeline.duration_s / 60:.2f} min, {len(script.phrases())} phrases, "
              f"{cues} cues, {sum(1 for e in timeline.events if e.kind == 'bell')} bells, "
              f"looping 'rain' bed ducked under speech; {len(timeline.events)} events", flush=True)

        naive_times: list[float] = []
        ours_times: list[float] = []
        plain_times: list[float] = []
        export_times: list[float] = []
        naive_frames = 0
        for run in range(max(args.naive_runs, args.ours_runs)):
            if run < args.ours_runs:
                ours_times.append(timed(lambda: ours_render(script, narrator, assets, True)))
                plain_times.append(timed(lambda: ours_render(script, narrator, assets, False)))
                export_times.append(timed(lambda: ours_export(script, narrator, assets, folder)))
            if run < args.naive_runs:
                holder: list[AudioSegment] = []

                def assemble(into: list[AudioSegment] = holder) -> None:
                    into.append(naive_assemble(script, pacing, inputs, True))

                naive_times.append(timed(assemble))
                naive_frames = int(holder[0].frame_count())
                del holder
            print(f"  run {run + 1} done", flush=True)

        placed, _ = naive_layout(script, pacing, inputs)
        naive_last_ms = max(p.position_ms for p in placed if p.is_phrase)
        ours_last = max(e.start_frame for e in timeline.phrase_events())
        length_diff = naive_frames - timeline.total_frames
        drift = round(naive_last_ms * SAMPLE_RATE / 1000) - ours_last

    naive = c.median(naive_times)
    ours = c.median(ours_times)
    plain = c.median(plain_times)
    export = c.median(export_times)
    print()
    c.detail(f"naive runs: {[round(t, 2) for t in naive_times]} s")
    c.detail(f"ours runs: {[round(t, 3) for t in ours_times]} s; export_session to WAV: "
             f"{[round(t, 3) for t in export_times]} s")
    c.detail(f"ours without the ambient bed: {[round(t, 3) for t in plain_times]} s "
             f"(median {c.fmt_s(plain)}, {c.fmt_ratio(naive / plain)} faster than naive; the bed costs "
             f"{c.fmt_s(ours - plain)} of {c.fmt_s(ours)})")
    c.detail(f"naive length {naive_frames} frames vs ours {timeline.total_frames}: "
             f"{length_diff:+d} frames; the last phrase starts {drift:+d} frames from ours "
             "(pydub positions in whole ms)")
    c.summary("assembly_20min", [("naive_pydub", c.fmt_s(naive)), ("ours", c.fmt_s(ours))],
              naive / ours, f"target >= 50x; naive length {length_diff:+d} frames vs ours")
    c.summary("assembly_20min_export_wav",
              [("naive_pydub", c.fmt_s(naive)), ("ours_export_session", c.fmt_s(export))],
              naive / export, "target >= 50x")


if __name__ == "__main__":
    main()
