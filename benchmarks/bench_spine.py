"""All the listening-spine benchmarks in one go, then their summary lines together.

1. bench_assembly.py     20-minute session: naive pydub assembly vs our mixer (target >= 50x)
2. bench_first_frame.py  `play` to the first sound handed to PortAudio (cached <= 150 ms,
                         uncached <= 1.5 s), on a real-time PulseAudio null sink
3. bench_memory.py       peak RSS rendering 20 minutes with the voice loaded (<= 400 MB)
4. bench_callback.py     PortAudio callback cost per block (max <= 10 % of 46.4 ms)

Each runs as its own process (they start their own PulseAudio sink and child processes); this
script only streams their output and collects the lines matching `_common.SUMMARY_PATTERN`.
Nothing here asserts a time: the figures are for reading (TESTING.md "Benchmarks").
Run: .venv/bin/python benchmarks/bench_spine.py [--only assembly,first_frame,memory,callback]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import _common as c

BENCHMARKS = {
    "assembly": "bench_assembly.py",
    "first_frame": "bench_first_frame.py",
    "memory": "bench_memory.py",
    "callback": "bench_callback.py",
}


def run(script: Path) -> tuple[list[str], int]:
    """Run one benchmark, echoing its output; returns its summary lines and exit status."""
    pattern = re.compile(c.SUMMARY_PATTERN)
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, bufsize=1
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if pattern.match(line.rstrip("\n")):
                lines.append(line.rstrip("\n"))
    return lines, process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    here = Path(__file__).resolve().parent
    summaries: list[str] = []
    failed: list[str] = []
    started = time.perf_counter()
    for name in chosen:
        print(f"\n=== {name} ({BENCHMARKS[name]}) ===", flush=True)
        t = time.perf_counter()
        lines, status = run(here / BENCHMARKS[name])
        print(f"--- {name}: {time.perf_counter() - t:.0f} s", flush=True)
        summaries += lines
        if status != 0:
            failed.append(f"{name} (exit {status})")
    print(f"\n=== Summary ({time.perf_counter() - started:.0f} s) ===")
    for line in summaries:
        print(line)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
