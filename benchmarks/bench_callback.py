"""Benchmark 4: what one PortAudio callback costs, playing in real time.

Ours: `Engine` plays the 20-minute synthetic session (ambient bed on, so the render worker does
its heaviest work alongside) on the real-time PulseAudio null sink for `--seconds`. Baseline: a
bare `sounddevice.OutputStream` with the same settings whose callback only does `outdata.fill(0)`,
on the same sink for as long. Both callbacks are wrapped the same way: `perf_counter_ns` around
the call, stored in a preallocated array. Reported: median and max in µs and as a share of one
block (1024 / 22050 s = 46.4 ms). Target: ours max <= 10 % of a block. Each side runs in a fresh
process with the sink's environment.
`--compare CHECKOUT` also plays another checkout's engine (e.g. `git worktree add --detach
../before <commit>`) in the same run, so a change's before and after sit side by side.
Run: .venv/bin/python benchmarks/bench_callback.py [--seconds 20] [--compare ../before]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common as c
import numpy as np

BLOCK_US = c.BLOCK_FRAMES / c.SAMPLE_RATE * 1e6
Callback = Callable[[Any, int, Any, Any], None]


class Timing:
    """Wraps a callback: its duration each call into a preallocated array, and xrun flags."""

    def __init__(self, inner: Callback, capacity: int) -> None:
        self.inner = inner
        self.durations_ns = np.zeros(capacity, dtype=np.int64)
        self.count = 0
        self.underflows = 0

    def __call__(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        start = time.perf_counter_ns()
        self.inner(outdata, frames, time_info, status)
        elapsed = time.perf_counter_ns() - start
        if self.count < len(self.durations_ns):
            self.durations_ns[self.count] = elapsed
            self.count += 1
        if status.output_underflow:
            self.underflows += 1

    def result(self) -> dict[str, Any]:
        us = self.durations_ns[: self.count] / 1000.0
        return {
            "count": self.count,
            "median_us": float(np.median(us)),
            "p99_us": float(np.percentile(us, 99)),
            "max_us": float(us.max()),
            "underflows": self.underflows,
        }


def child(mode: str, seconds: float) -> None:
    import sounddevice

    capacity = int(seconds * c.SAMPLE_RATE / c.BLOCK_FRAMES * 4) + 1000
    if mode == "bare":

        def fill_zero(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            outdata.fill(0)

        timing = Timing(fill_zero, capacity)
        stream = sounddevice.OutputStream(
            samplerate=c.SAMPLE_RATE, channels=1, dtype="float32", blocksize=c.BLOCK_FRAMES,
            callback=timing, latency="high",
        )
        stream.start()
        time.sleep(seconds)
        stream.stop()
        stream.close()
        c.emit_result(timing.result())
        return

    from cft_desktop.sound.engine import Engine
    from cft_desktop.sound.mixer import SoundAssets

    script = c.synthetic_script()
    with tempfile.TemporaryDirectory(prefix="cft-bench-cb-") as temp:
        pacing = c.default_pacing()
        narrator = c.fill_cache(script, Path(temp), c.NoiseVoice(), pacing.speech_length_scale)
        session = c.build_session(script, narrator, SoundAssets.load(), c.bench_mix("rain"))
        engine = Engine(session)
        timing = Timing(engine._callback, capacity)
        engine._callback = timing  # type: ignore[method-assign]  # the stream takes it at start()
        engine.start()
        time.sleep(seconds)
        position_s = engine.position_frame() / c.SAMPLE_RATE
        engine.stop(fade=True)
        result = timing.result()
        result["engine_underruns"] = engine.underruns
        result["position_s"] = position_s
        c.emit_result(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--compare", type=Path, help="another checkout to play in the same run")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.seconds)
        return

    c.machine_note()
    me = Path(__file__).resolve()
    with c.pulse_sink() as sink:
        env = sink.env()
        extra = ["--seconds", str(args.seconds)]
        ours = c.run_child(me, ["ours", *extra], env)
        bare = c.run_child(me, ["bare", *extra], env)
        other = (c.run_child(me, ["ours", *extra],
                             dict(env, PYTHONPATH=str(args.compare.resolve())))
                 if args.compare is not None else None)

    def pct(us: float) -> str:
        return f"{us / BLOCK_US * 100:.2f}%"

    print()
    rows = [("fill_zero", bare), ("ours", ours)]
    if other is not None:
        rows.append((f"compared checkout {args.compare}", other))
    for label, r in rows:
        c.detail(f"{label}: {r['count']} callbacks, median {r['median_us']:.1f} µs, p99 "
                 f"{r['p99_us']:.1f} µs, max {r['max_us']:.1f} µs ({pct(r['max_us'])} of a "
                 f"{BLOCK_US / 1000:.1f} ms block); output underflows {r['underflows']}")
    c.detail(f"ours: engine underruns {ours['engine_underruns']}, played to "
             f"{ours['position_s']:.1f} s of the session in {args.seconds:g} s")
    c.summary("callback_median",
              [("fill_zero", f"{bare['median_us']:.1f}us"), ("ours", f"{ours['median_us']:.1f}us"),
               ("ours_share", pct(ours["median_us"]))],
              ours["median_us"] / bare["median_us"], "target: see callback_max")
    c.summary("callback_max",
              [("fill_zero", f"{bare['max_us']:.1f}us"), ("ours", f"{ours['max_us']:.1f}us"),
               ("ours_share", pct(ours["max_us"]))],
              ours["max_us"] / bare["max_us"], "target ours max <= 10% of a 46.4 ms block = 4644 us")
    if other is not None:
        c.summary("callback_vs_compared",
                  [("compared_median", f"{other['median_us']:.1f}us"),
                   ("ours_median", f"{ours['median_us']:.1f}us"),
                   ("compared_max", f"{other['max_us']:.1f}us"), ("ours_max", f"{ours['max_us']:.1f}us")],
                  ours["median_us"] / other["median_us"], "ours/compared, medians")


if __name__ == "__main__":
    main()
