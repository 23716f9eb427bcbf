"""Benchmark 3: peak resident memory while rendering 20 minutes with the voice loaded.

Each figure comes from a fresh process (`--child MODE`) that first loads the real piper voice
(`PiperVoiceBackend`, synthesising one phrase so the model is really in memory):
* voice_only (baseline): nothing else;
* ours: then prepares the 200 clips of the 20-minute synthetic session (fake noise voice, so it is
  fast), builds the `Session` (looping ambient bed on) and `export_session`s it to a WAV;
* naive_pydub: the same clips, assembled with pydub overlays as in bench_assembly.py and
  exported with `AudioSegment.export(format="wav")`.
Peak = `ru_maxrss` at the end of the process. Target: ours <= 400 MB.
Run: .venv/bin/python benchmarks/bench_memory.py [--runs 3] [--naive-runs 1]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import _common as c


def child(mode: str) -> None:
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.voice.piper import PiperVoiceBackend

    voice = PiperVoiceBackend()
    voice.synthesize("Welcome. Let yourself settle.", 1.2)
    result: dict[str, Any] = {"after_voice": c.current_rss_mb()}
    if mode == "voice_only":
        result["peak"] = c.peak_rss_mb()
        c.emit_result(result)
        return
    script = c.synthetic_script()
    pacing = c.default_pacing()
    assets = SoundAssets.load()
    with tempfile.TemporaryDirectory(prefix="cft-bench-mem-") as temp:
        folder = Path(temp)
        narrator = c.fill_cache(script, folder / "cache", c.NoiseVoice(), pacing.speech_length_scale)
        result["after_clips"] = c.current_rss_mb()
        if mode == "ours":
            from cft_desktop.sound.export import export_session

            session = c.build_session(script, narrator, assets, c.bench_mix("rain"))
            result["frames"] = export_session(session, folder / "session.wav")
        else:
            import bench_assembly as naive

            inputs = naive.naive_inputs(script, narrator, assets, pacing)
            mixed = naive.naive_assemble(script, pacing, inputs, ambient=True)
            mixed.export(str(folder / "session.wav"), format="wav")
            result["frames"] = int(mixed.frame_count())
        result["peak"] = c.peak_rss_mb()
    c.emit_result(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-runs", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    args.runs, args.naive_runs = max(1, args.runs), max(1, args.naive_runs)
    c.machine_note()
    me = Path(__file__).resolve()
    results: dict[str, list[dict[str, Any]]] = {"voice_only": [], "ours": [], "naive": []}
    for run in range(max(args.runs, args.naive_runs)):
        if run < args.runs:
            results["voice_only"].append(c.run_child(me, ["voice_only"]))
            results["ours"].append(c.run_child(me, ["ours"]))
        if run < args.naive_runs:
            results["naive"].append(c.run_child(me, ["naive"]))
        print(f"  round {run + 1} done", flush=True)

    def med(mode: str, key: str = "peak") -> float:
        return c.median([r[key] for r in results[mode]])

    voice, ours, naive = med("voice_only"), med("ours"), med("naive")
    print()
    for mode in ("voice_only", "ours", "naive"):
        c.detail(f"{mode}: peak {[round(r['peak']) for r in results[mode]]} MB; RSS after voice "
                 f"{med(mode, 'after_voice'):.0f} MB"
                 + (f", after 200 clips {med(mode, 'after_clips'):.0f} MB" if mode != "voice_only"
                    else ""))
    c.detail(f"above voice_only: ours +{ours - voice:.0f} MB, naive pydub +{naive - voice:.0f} MB")
    c.summary("peak_rss_render_20min", [("voice_only", f"{voice:.0f}MB"), ("ours", f"{ours:.0f}MB")],
              ours / voice, "target ours <= 400 MB")
    c.summary("peak_rss_naive_vs_ours", [("naive_pydub", f"{naive:.0f}MB"), ("ours", f"{ours:.0f}MB")],
              naive / ours, "voice loaded in both; lower is better for ours")


if __name__ == "__main__":
    main()
