"""Pacer against sound over a whole session on the real-time PulseAudio sink.

Run: `python benchmarks/bench_pacer_drift.py [--minutes 20]` (takes as long as the session).

The window's own playback controller plays a 20-minute session (synthetic script, stand-in voice,
so nothing here measures speech synthesis) through PortAudio into a PulseAudio null sink, whose clock
is the system clock. At every GUI frame the breathing pacer is updated as in the window; we read the
frame the pacer *shows* (its breath event's start + fraction × length) and compare it with where the
sound really is: (now − start) × sample rate, the constant output latency removed by the median
offset of the first 10 s. The largest difference, and how it grows from the first to the last
minute, are the figures.

Baseline, measured in the same run and the same event loop: a pacer that counts 16 ms QTimer ticks,
as the apps in USERS.md do.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
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
    from cft_desktop.ui.pacer import PacerWidget
    from cft_desktop.ui.playback import Playback
    from cft_desktop.ui.player_view import IDLE, PLAYING

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
        ours: list[tuple[float, float]] = []
        ticks: list[tuple[float, float]] = []
        state = {"ticks": 0, "first": 0.0}

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

    def errors(samples: list[tuple[float, float]]) -> tuple[float, float, float, int]:
        if len(samples) < 100:
            raise SystemExit("too few pacer frames were recorded")
        t0 = samples[0][0]
        raw = [(shown / rate - (t - t0)) * 1000 for t, shown in samples]
        settle = [e for (t, _), e in zip(samples, raw, strict=True) if t - t0 < 10]
        offset = c.median(settle)
        dev = [e - offset for e in raw]
        span = samples[-1][0] - t0
        first = [abs(e) for (t, _), e in zip(samples, dev, strict=True) if t - t0 < 60]
        last = [abs(e) for (t, _), e in zip(samples, dev, strict=True) if span - (t - t0) < 60]
        return max(abs(e) for e in dev), max(first), max(last), len(samples)

    o_max, o_first, o_last, o_n = errors(ours)
    b_max, b_first, b_last, _ = errors(ticks)
    c.emit_result({"ours_max": o_max, "ours_first": o_first, "ours_last": o_last, "frames": o_n,
                   "ticks_max": b_max, "ticks_first": b_first, "ticks_last": b_last,
                   "underruns": 0, "minutes": minutes})


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
        result = c.run_child(Path(__file__), ["--minutes", str(args.minutes)], env=sink.env(),
                             timeout_s=args.minutes * 60 + 300)
    c.detail(f"{result['frames']} pacer frames over {result['minutes']:g} min")
    c.detail(f"ours: largest |pacer − sound| {result['ours_max']:.1f} ms; first minute "
             f"{result['ours_first']:.1f} ms, last minute {result['ours_last']:.1f} ms")
    c.detail(f"tick counting: largest {result['ticks_max']:.0f} ms; first minute "
             f"{result['ticks_first']:.0f} ms, last minute {result['ticks_last']:.0f} ms")
    ratio = result["ticks_max"] / max(result["ours_max"], 1e-6)
    c.summary(
        "pacer_vs_sound",
        [("tick_counting", f"{result['ticks_max']:.0f}ms"), ("ours", f"{result['ours_max']:.1f}ms"),
         ("ours_last_minute", f"{result['ours_last']:.1f}ms")],
        ratio, f"target ours <= {TARGET_MS:.0f} ms, no growth over time",
    )


if __name__ == "__main__":
    main()
