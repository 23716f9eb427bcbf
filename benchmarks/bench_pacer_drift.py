"""Pacer against sound over a whole session on the real-time PulseAudio sink.

Run: `python benchmarks/bench_pacer_drift.py [--minutes 20]` (takes as long as the session).

The window's own playback controller plays a 20-minute session (synthetic script, stand-in voice,
so nothing here measures speech synthesis) through PortAudio into a PulseAudio null sink, whose clock
is the system clock. At every GUI frame the breathing pacer is updated as in the window; we read the
frame the pacer *shows* (its breath event's start + fraction × length) and compare it with where the
sound really is: time since start on the *sink's* clock, the constant output latency removed by the
median offset of the first 10 s. The sink's clock is read independently, by counting the frames its
monitor delivers (a null sink ran 22 ppm fast against the system clock here: 1.3 ms a minute, which
a pacer that follows the sound must follow too). The largest difference, and how it grows from the
first to the last minute, are the figures; the same against the system clock is printed as well.

Baseline, measured in the same run and the same event loop: a pacer that counts 16 ms QTimer ticks,
as the apps in USERS.md do.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _common as c

TARGET_MS = 20.0


def child(minutes: float) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from cft_desktop.core.script import parse_text
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.ui.player.pacer import PacerWidget
    from cft_desktop.ui.player.playback import Playback
    from cft_desktop.ui.player.player_view import IDLE, PLAYING

    app = QApplication([])
    script = c.synthetic_script()
    if minutes < 20:
        text = c.synthetic_script_text()
        keep = max(1, round(len(text.split("\n\n")) * minutes / 20))
        script = parse_text("\n\n".join(text.split("\n\n")[:keep]) + "\n", script.source)
    pacing = c.default_pacing()
    with tempfile.TemporaryDirectory() as cache:
        narrator = c.fill_cache(script, Path(cache), c.NoiseVoice(), pacing.speech_length_scale)
        playback = Playback(narrator, SoundAssets.load())
        pacer = PacerWidget()
        pacer.resize(400, 400)
        rate = c.SAMPLE_RATE
        ours: list[tuple[float, float]] = []  # (perf_counter s, frame the pacer shows)
        ticks: list[tuple[float, float]] = []  # (perf_counter s, frame the pacer shows)
        state: dict[str, float] = {"ticks": 0, "first": 0.0}

        def on_position(frame: int) -> None:
            session = playback.session
            if session is None:
                return
            pacer.show_frame(session.timeline, frame)
            shown = pacer.state()
            if shown.kind in ("inhale", "hold", "exhale") and shown.frames:
                now = time.perf_counter()
                ours.append((now, shown.start_frame + shown.fraction * shown.frames))
                pacer.repaint()

        def on_tick() -> None:
            engine = playback.engine
            if engine is not None:
                state["underruns"] = engine.underruns
            # The baseline: count ticks of a 16 ms timer from the first sound.
            if playback.state == PLAYING and playback.position_frame() > 0:
                if not state["first"]:
                    state["first"] = time.perf_counter()
                    state["start_frame"] = playback.position_frame()
                state["ticks"] += 1
                ticks.append((time.perf_counter(),
                              state["start_frame"] + state["ticks"] * 0.016 * rate))
            if playback.state == IDLE and state["first"]:
                app.quit()

        playback.add_position_listener(on_position)
        timer = QTimer()
        timer.setInterval(16)
        timer.timeout.connect(on_tick)
        timer.start()
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(app.quit)
        deadline.start(int((minutes * 60 + 60) * 1000))
        playback.start(script, pacing, c.bench_mix(None))
        app.exec()
        playback.shutdown()

    c.emit_result({"ours": ours, "ticks": ticks, "underruns": state.get("underruns", 0),
                   "minutes": minutes})


def deviations_ms(samples: list[list[float]], clock_ppm: float) -> tuple[list[float], list[float]]:
    """(seconds since the first sample, shown position − the sound clock's position) in ms.

    The sound clock runs at the sink's own rate (`clock_ppm` against the system clock); the
    constant output latency is removed as the median offset over the first 10 s.
    """
    t0 = samples[0][0]
    at = [t - t0 for t, _ in samples]
    raw = [(shown / c.SAMPLE_RATE - s * (1 + clock_ppm * 1e-6)) * 1000
           for s, (_, shown) in zip(at, samples, strict=True)]
    offset = c.median([e for s, e in zip(at, raw, strict=True) if s < 10])
    return at, [e - offset for e in raw]


def figures(samples: list[list[float]], clock_ppm: float) -> dict[str, float]:
    if len(samples) < 100:
        raise SystemExit("too few pacer frames were recorded")
    at, dev = deviations_ms(samples, clock_ppm)
    span = at[-1]
    return {
        "max": max(abs(e) for e in dev),
        "first": max(abs(e) for s, e in zip(at, dev, strict=True) if s < 60),
        "last": max(abs(e) for s, e in zip(at, dev, strict=True) if span - s < 60),
    }


def by_minute(samples: list[list[float]], clock_ppm: float, largest: bool = False) -> list[float]:
    """Each minute's median difference, or its largest one (to place a single late frame)."""
    at, dev = deviations_ms(samples, clock_ppm)
    minutes: list[list[float]] = [[] for _ in range(int(at[-1] // 60) + 1)]
    for s, e in zip(at, dev, strict=True):
        minutes[int(s // 60)].append(e)
    if largest:
        return [round(max((abs(e) for e in minute), default=0.0), 1) for minute in minutes]
    return [round(c.median(minute or [0.0]), 1) for minute in minutes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.minutes)
        return
    c.machine_note()
    with c.pulse_sink() as sink:
        # The sink's own clock, read independently: how many frames its monitor delivers over time.
        monitor = subprocess.Popen(
            ["parec", "-d", "vsink.monitor", "--raw", "--format=s16le", "--rate=48000",
             "--channels=1", "--latency-msec=20"],
            env=sink.env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        counts: list[tuple[float, int]] = []

        def count() -> None:
            total = 0
            assert monitor.stdout is not None
            while chunk := monitor.stdout.read1(65536):
                total += len(chunk)
                counts.append((time.perf_counter(), total))

        reader = threading.Thread(target=count, daemon=True)
        reader.start()
        result = c.run_child(Path(__file__), ["--minutes", str(args.minutes)], env=sink.env(),
                             timeout_s=args.minutes * 60 + 300)
        monitor.terminate()
        reader.join(5)
    sink_ppm = 0.0
    if len(counts) > 100:
        # Rate of the sink's clock against the system clock, over the middle of the run.
        (t_a, n_a), (t_b, n_b) = counts[len(counts) // 10], counts[-len(counts) // 10]
        sink_ppm = ((n_b - n_a) / 2 / 48000 / (t_b - t_a) - 1) * 1e6
    c.detail(f"the sink's own clock runs {sink_ppm:+.1f} ppm against the system clock "
             f"({sink_ppm * 60e-3:+.2f} ms per minute)")
    ours, ticks = result["ours"], result["ticks"]
    c.detail(f"{len(ours)} pacer frames over {result['minutes']:g} min; engine underruns: "
             f"{result['underruns']}")
    c.detail(f"ours against the system clock, median by minute (ms): {by_minute(ours, 0.0)}")
    c.detail(f"ours against the sound (the sink's clock), median by minute (ms): "
             f"{by_minute(ours, sink_ppm)}")
    c.detail(f"ours against the sound, largest by minute (ms): "
             f"{by_minute(ours, sink_ppm, largest=True)}")
    o = figures(ours, sink_ppm)
    b = figures(ticks, sink_ppm)
    c.detail(f"ours: largest |pacer − sound| {o['max']:.1f} ms; first minute {o['first']:.1f} ms, "
             f"last minute {o['last']:.1f} ms")
    c.detail(f"tick counting: largest {b['max']:.0f} ms; first minute {b['first']:.0f} ms, "
             f"last minute {b['last']:.0f} ms")
    c.summary(
        "pacer_vs_sound",
        [("tick_counting", f"{b['max']:.0f}ms"), ("ours", f"{o['max']:.1f}ms"),
         ("ours_last_minute", f"{o['last']:.1f}ms")],
        b["max"] / max(o["max"], 1e-6), f"target ours <= {TARGET_MS:.0f} ms, no growth over time",
    )


if __name__ == "__main__":
    main()
