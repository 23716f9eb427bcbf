"""GUI benchmarks: start-up to the first shown window, and the breathing pacer's paint time.

Run: `python benchmarks/bench_gui.py [--runs N]`. Prints, for each measure, the baseline and ours
measured in the same run, and their ratio (medians; TESTING.md: never a timed assertion in tests).

1. Start to first shown window, each run a fresh subprocess (offscreen Qt): a bare PySide6
   QMainWindow against CFT Desktop's real start path (the `cft-desktop` entry module, then
   `run_gui`: logging, settings, theme, the window). Time from launching the process to the
   window's first turn of the event loop after `show()`, the same mark for both. `cft-desktop`
   shows its window as a themed, empty frame and fills it just after that frame is painted
   (`ui.app.open_window`), so a second line gives the time until the filled window is painted:
   what it costs to have every control ready. `--compare CHECKOUT` adds another checkout of
   CFT Desktop (e.g. `git worktree add --detach ../before <commit>`) to the same interleaved
   runs, so a change's before and after come from one run.
3. Pacer paint time: the pacer widget rendered into a QImage at many points of a real timeline
   (circle and reduced-motion bar), against a bare widget that paints one flat ellipse of the same
   size. Median and maximum per frame; the target is at most 4 ms per frame (a 60 Hz frame is 16.7).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAINT_TARGET_MS = 4.0

BARE_WINDOW = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1220, 780)
window.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit()))
app.exec()
"""

OUR_WINDOW = """
import cft_desktop.cli  # what the `cft-desktop` command imports before anything else
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])

class Filled(QObject):  # the first paint of the window once `build` has filled it
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and watched.built:
            print("filled", flush=True)
            app.quit()
        return False

def shown():
    print("shown", flush=True)
    # Watching only the window, and only from here on, so the watch costs next to nothing.
    window = next(w for w in app.topLevelWidgets() if hasattr(w, "built"))
    window.installEventFilter(filled)

filled = Filled()
QTimer.singleShot(0, shown)
from cft_desktop.ui.app import run_gui
run_gui()
"""


def _start_once(code: str, env: dict[str, str], marks: tuple[str, ...] = ("shown",),
                root: Path = ROOT) -> list[float]:
    """Seconds from launching `code` in a fresh process to each line of `marks` it prints."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    seen: list[float] = []
    for line in process.stdout:
        if line.strip() == marks[len(seen)]:
            seen.append(time.perf_counter() - started)
            if len(seen) == len(marks):
                break
    process.stdout.close()
    process.wait(60)
    if len(seen) < len(marks):
        raise RuntimeError(f"never printed {marks[len(seen)]!r}")
    return seen


def bench_start(runs: int, compare: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                   CFT_DESKTOP_DATA_DIR=f"{folder}/data", CFT_DESKTOP_CACHE_DIR=f"{folder}/cache",
                   CFT_DESKTOP_LOG_DIR=f"{folder}/log", PYTHONPATH=str(ROOT))
        # An installed app starts from compiled bytecode (pip and the bundle compile it). A shell
        # with PYTHONDONTWRITEBYTECODE (this machine's) would make every run of ours compile its
        # own source again, ~50 ms the baseline (all in site-packages, compiled) never pays.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # One warm-up each, so both read their files from the OS cache alike (and ours writes
        # its bytecode cache and its first-run settings).
        other_env = dict(env, PYTHONPATH=str(compare)) if compare is not None else env
        _start_once(BARE_WINDOW, env)
        _start_once(OUR_WINDOW, env, ("shown", "filled"))
        if compare is not None:
            _start_once(OUR_WINDOW, other_env, ("shown", "filled"), compare)
        bare: list[float] = []
        shown: list[float] = []
        filled: list[float] = []
        other_shown: list[float] = []
        other_filled: list[float] = []
        for _ in range(runs):  # interleaved, so machine noise hits all alike
            bare.extend(_start_once(BARE_WINDOW, env))
            first, full = _start_once(OUR_WINDOW, env, ("shown", "filled"))
            shown.append(first)
            filled.append(full)
            if compare is not None:
                first, full = _start_once(OUR_WINDOW, other_env, ("shown", "filled"), compare)
                other_shown.append(first)
                other_filled.append(full)
    b, s, f = statistics.median(bare), statistics.median(shown), statistics.median(filled)
    verdict = "within" if s <= 1.5 * b else "OVER"
    print(f"1. start to first shown window, median of {runs} fresh processes")
    print(f"   baseline (bare PySide6 QMainWindow):     {b * 1000:5.0f} ms")
    print(f"   ours, first shown window (the frame):    {s * 1000:5.0f} ms  (ratio {s / b:.2f}; "
          f"{verdict} the 1.5× target, {1.5 * b * 1000:.0f} ms)")
    print(f"   ours, window filled and painted:         {f * 1000:5.0f} ms  (ratio {f / b:.2f}; "
          f"{(f - s) * 1000:.0f} ms after the frame)")
    if compare is not None:
        os_, of = statistics.median(other_shown), statistics.median(other_filled)
        print(f"   compared checkout ({compare}):")
        print(f"     its first shown window:                {os_ * 1000:5.0f} ms  (ratio "
              f"{os_ / b:.2f}; ours/its {s / os_:.2f})")
        print(f"     its window filled and painted:         {of * 1000:5.0f} ms  (ratio "
              f"{of / b:.2f}; ours/its {f / of:.2f})")


PAINT = """
import json, os, statistics, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
from cft_desktop.core import timeline as tl
from cft_desktop.core.library import Library
from cft_desktop.core.pacing import Pacing
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.ui.player.pacer import PacerWidget
frames_per_mode = int(sys.argv[1])
script = next(s for s in Library().scripts() if s.id == "soothing-rhythm-breathing")
timeline = tl.build(script, Pacing(), lambda i: 3 * SAMPLE_RATE, SAMPLE_RATE, 4 * SAMPLE_RATE)
first = next(e for e in timeline.events if e.kind == "inhale").start_frame
step = SAMPLE_RATE // 60  # one 60 Hz frame of the session per render
positions = [first + k * step for k in range(frames_per_mode)]
size = (480, 520)
image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)

class Flat(QWidget):
    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor("#e0a93b"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(self.rect().adjusted(40, 40, -40, -80))
        painter.end()

def timed(widget, update):
    widget.resize(*size)
    times = []
    for frame in positions:
        update(frame)
        image.fill(0)
        start = time.perf_counter()
        widget.render(image)
        times.append((time.perf_counter() - start) * 1000)
    return times

flat = Flat()
pacer = PacerWidget()
pacer.set_colour("#e0a93b")
result = {"baseline": timed(flat, lambda frame: None),
          "circle": timed(pacer, lambda frame: pacer.show_frame(timeline, frame))}
pacer.set_reduced_motion(True)
result["bar"] = timed(pacer, lambda frame: pacer.show_frame(timeline, frame))
print(json.dumps(result))
"""


def bench_paint(runs: int, frames: int) -> None:
    import json

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    medians: dict[str, list[float]] = {"baseline": [], "circle": [], "bar": []}
    everything: dict[str, list[float]] = {"baseline": [], "circle": [], "bar": []}
    worst: dict[str, float] = {"baseline": 0.0, "circle": 0.0, "bar": 0.0}
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", textwrap.dedent(PAINT), str(frames)], env=env,
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
        times = json.loads(out.strip().splitlines()[-1])
        for key, values in times.items():
            medians[key].append(statistics.median(values))
            everything[key].extend(values[5:])  # the first few warm caches up
            worst[key] = max(worst[key], max(values[5:]))
    def p99(key: str) -> float:
        values = sorted(everything[key])
        return values[int(len(values) * 0.99)]

    b = statistics.median(medians["baseline"])
    print(f"3. pacer paint time per frame at 480×520, {frames} frames × {runs} fresh processes")
    print(f"   baseline (one flat ellipse):   median {b:6.3f} ms, p99 {p99('baseline'):6.3f} ms, "
          f"max {worst['baseline']:6.3f} ms")
    for key, label in (("circle", "ours, breathing circle"), ("bar", "ours, reduced-motion bar")):
        m = statistics.median(medians[key])
        verdict = "within" if p99(key) <= PAINT_TARGET_MS else "OVER"
        print(f"   {label + ':':30s} median {m:6.3f} ms, p99 {p99(key):6.3f} ms, "
              f"max {worst[key]:6.3f} ms (ratio {m / b:5.2f}; p99 {verdict} the "
              f"{PAINT_TARGET_MS:g} ms target)")
    print("   (a single maximum on this shared 2-core machine is mostly the scheduler; p99 is the "
          "figure to hold to the target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per measure (>= 5)")
    parser.add_argument("--frames", type=int, default=600, help="pacer frames per process")
    parser.add_argument("--compare", type=Path, help="another checkout to time in the same runs")
    args = parser.parse_args()
    runs = max(5, args.runs)
    bench_start(runs, args.compare.resolve() if args.compare else None)
    bench_paint(runs, args.frames)


if __name__ == "__main__":
    main()
