"""Benchmark: the microphone capture (`sound.capture.Capture`, used by the recorder window), next
to a bare `sounddevice.InputStream` with the same device, rate, block size (256) and latency.

It runs on a machine without a sound card: a private PulseAudio daemon with a virtual microphone
(`_common.pulse_sink(microphone=True)`, as tests/conftest.py `realtime_sink`: default source `vmic.monitor`,
silence from /dev/zero played into `vmic` all the time, ALSA `default` = PulseAudio through
ALSA_CONFIG_PATH). Each measurement runs in a fresh child process with that environment, so
PortAudio reads it when sounddevice is first imported. The daemon is stopped at the end.

1. R to the first captured frame (goal <= 50 ms). With a Capture open for 1 s, `start_take()` is
   called (what the recorder does when the count-in ends) at a random moment, and the clock stops
   when `frames_heard` has moved past the take's start, i.e. the take's first block is in the ring
   (polled every 0.2 ms, so up to about 0.3 ms of that is the poll). Repeated `--presses` times per
   run. Also, on the stream clock (PortAudio's time, on which each block carries the capture time
   of its first frame, `inputBufferAdcTime`): how old that first frame is when it arrives
   (`stream_time() - newest_block_time()`), and where the take's first frame lies relative to the
   press (negative: the take begins with sound from just before R, so nothing said after it is
   lost); these two rest on PortAudio's capture times, with the caveat given under 2. Baseline:
   a bare stream whose minimal callback, once a flag is set, stamps the first
   call after it (inside the callback: no poll).
2. The level meter's delay behind the sound (goal <= 50 ms). `pacat` plays `--steps` steps into
   the virtual microphone (0.5 s of silence, then 0.3 s of a 440 Hz tone at -12 dBFS
   starting at its peak, so the step is sharp) while the main thread reads `meter_dbfs()` every
   5 ms. Afterwards the first loud sample of each step (over -30 dBFS) is found in what the Capture
   recorded; its frame index gives its block, and that block's capture time on the stream clock
   (`inputBufferAdcTime`, kept per block by a wrapper round `Capture._callback`) plus the offset
   within the block gives the moment the tone reached the capture. Delay = stream time at the
   first poll, after that block arrived, whose meter reads over -30 dBFS, minus that moment. It
   covers PulseAudio's buffering, the wait for the block and the 5 ms poll; the null sink's
   monitor is this microphone's "ADC", so the pacat that feeds it is not counted. Be warned that
   PortAudio derives the capture times from the delay PulseAudio reports, and here that report is
   a few ms short (a block's last frame is stamped after the callback that hands it over, which
   cannot be; the run prints by how much), so this figure can read a few ms low. Hence a second
   figure, on time.monotonic() alone: what the meter adds after its block arrived (the poll that
   crossed minus the moment the wrapper saw the block handed over). And, from the same stamps,
   the delay from the tone to the callback holding it: the least any meter can have. Baseline:
   a bare stream whose callback copies each block into a preallocated array, read by the plainest
   meter (numpy peak of the newest 50 ms), timed in exactly the same way. The recorder window
   redraws the meter from its own 33 ms poll, so on screen add up to 33 ms.
3. The input callback per block, `--seconds` each while a take records: `Capture._callback` wrapped with
   perf_counter_ns (stored in a preallocated array), next to a bare callback that only copies
   indata into a preallocated array, wrapped the same way. Median, p99 and worst in µs, and as a
   share of one block.

Every figure is a median over all presses or steps of `--runs` runs (the two sides alternate); the
worst values are printed too. Nothing is asserted: the figures are for reading.
Run: .venv/bin/python benchmarks/bench_capture.py [--runs 3] [--presses 30] [--steps 8] [--seconds 10]
"""

from __future__ import annotations

import argparse
import math
import random
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common as c
import numpy as np
import numpy.typing as npt

FEED_RATE = 48000  # the virtual microphone's rate; PulseAudio converts to the device's
LOUD_DBFS = -30.0
LOUD = 10 ** (LOUD_DBFS / 20)
TONE_DBFS = -12.0
SETTLE_S = 1.0  # a stream open this long is in its steady state (the recorder waits 3 s)
PRESS_POLL_S = 0.0002
METER_POLL_S = 0.005
STEP_SILENCE_S = 0.5
STEP_TONE_S = 0.3
GUI_POLL_MS = 33
TIMEOUT_S = 5.0

Callback = Callable[[Any, int, Any, Any], None]


def _device() -> Any:
    from cft_desktop.sound import capture

    return capture.find_input("")


def _bare_stream(callback: Callback, device: Any) -> Any:
    """A bare input stream as `Capture.open` opens its own."""
    import sounddevice

    from cft_desktop.sound import capture

    return sounddevice.InputStream(
        device=device.index, samplerate=device.default_rate, channels=1, dtype="float32",
        blocksize=capture.BLOCK_FRAMES, latency="low", callback=callback)


def _wait(condition: Callable[[], bool], poll_s: float) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("no block arrived")
        time.sleep(poll_s)


# --------------------------------------------------------------------------------------------
# 1. R to the first captured frame
# --------------------------------------------------------------------------------------------


def first_frame_ours(presses: int, seed: int) -> dict[str, Any]:
    from cft_desktop.sound import capture

    rng = random.Random(seed)
    device = _device()
    rate = device.default_rate
    recorder = capture.Capture(device)
    recorder.open()
    arrival, age, offset, blocks_past = [], [], [], []
    try:
        time.sleep(SETTLE_S)
        for _ in range(presses):
            time.sleep(rng.uniform(0.05, 0.15))  # any phase against the blocks, as a person's R
            pressed_stream = recorder.stream_time()
            t0 = time.perf_counter()
            recorder.start_take()
            start_frames = int(recorder._take_start or 0) * capture.BLOCK_FRAMES
            _wait(lambda: recorder.frames_heard > start_frames, PRESS_POLL_S)  # noqa: B023
            t1 = time.perf_counter()
            now_stream = recorder.stream_time()
            newest = recorder.newest_block_time()
            past = (recorder.frames_heard - start_frames) // capture.BLOCK_FRAMES
            first_adc = newest - (past - 1) * capture.BLOCK_FRAMES / rate
            arrival.append(t1 - t0)
            age.append(now_stream - first_adc)
            offset.append(first_adc - pressed_stream)
            blocks_past.append(past)
            recorder.cancel_take()
        healthy = recorder.healthy()
    finally:
        recorder.close()
    return {"arrival": arrival, "age": age, "offset": offset, "blocks_past": blocks_past,
            "rate": rate, "device": device.name, "healthy": healthy,
            "overflows": recorder._overflows}


def first_frame_bare(presses: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    device = _device()
    state = {"armed": False, "marked": False, "at": 0.0, "adc": 0.0, "now": 0.0}

    def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if state["armed"] and not state["marked"]:
            state["at"] = time.perf_counter()
            state["adc"] = time_info.inputBufferAdcTime
            state["now"] = time_info.currentTime
            state["marked"] = True

    stream = _bare_stream(callback, device)
    stream.start()
    arrival, age, offset = [], [], []
    try:
        time.sleep(SETTLE_S)
        for _ in range(presses):
            time.sleep(rng.uniform(0.05, 0.15))
            state["marked"] = False
            pressed_stream = float(stream.time)
            t0 = time.perf_counter()
            state["armed"] = True
            _wait(lambda: bool(state["marked"]), PRESS_POLL_S)
            state["armed"] = False
            arrival.append(state["at"] - t0)
            age.append(state["now"] - state["adc"])
            offset.append(state["adc"] - pressed_stream)
    finally:
        stream.stop()
        stream.close()
    return {"arrival": arrival, "age": age, "offset": offset, "rate": device.default_rate}


# --------------------------------------------------------------------------------------------
# 2. The level meter's delay behind the sound
# --------------------------------------------------------------------------------------------


def _steps(count: int) -> npt.NDArray[np.float64]:
    """`count` steps of silence then a tone that starts at its peak, at FEED_RATE."""
    silence = np.zeros(round(STEP_SILENCE_S * FEED_RATE))
    t = np.arange(round(STEP_TONE_S * FEED_RATE)) / FEED_RATE
    tone = 10 ** (TONE_DBFS / 20) * np.cos(2 * np.pi * 440 * t)
    return np.concatenate([silence] + [np.concatenate((silence, tone)) for _ in range(count)]
                          + [silence])


def _feed(samples: npt.NDArray[np.float64]) -> subprocess.Popen[bytes]:
    """Play `samples` into the virtual microphone in real time (as conftest's `feed`)."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    process = subprocess.Popen(
        ["pacat", "--playback", "--raw", "-d", "vmic", "--format=s16le", f"--rate={FEED_RATE}",
         "--channels=1", "--latency-msec=20"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stdin = process.stdin
    assert stdin is not None

    def write() -> None:
        with stdin:
            stdin.write(pcm.tobytes())

    threading.Thread(target=write, name="feed-mic", daemon=True).start()
    return process


def _onsets(samples: npt.NDArray[np.floating], rate: int) -> list[int]:
    """Frame index of the first loud sample of each step (loud after at least 0.2 s of quiet)."""
    loud = np.flatnonzero(np.abs(samples) > LOUD)
    if not len(loud):
        return []
    gaps = np.flatnonzero(np.diff(loud) > 0.2 * rate) + 1
    return [int(loud[0]), *(int(loud[i]) for i in gaps)]


class BlockStamps:
    """Wraps a callback: for each block, by number, time.monotonic() as it is handed over and the
    stream clock's `currentTime` and `inputBufferAdcTime` (the capture time of its first frame)."""

    def __init__(self, inner: Callback, capacity: int) -> None:
        self.inner = inner
        self.arrived = np.zeros(capacity, dtype=np.float64)
        self.now = np.zeros(capacity, dtype=np.float64)
        self.adc = np.zeros(capacity, dtype=np.float64)
        self.count = 0

    def __call__(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        self.inner(indata, frames, time_info, status)
        n = self.count
        if n < len(self.arrived):
            self.arrived[n] = time.monotonic()
            self.now[n] = time_info.currentTime
            self.adc[n] = time_info.inputBufferAdcTime
        self.count = n + 1


Poll = tuple[float, float, float]  # (meter dBFS, stream time, monotonic time)


def _poll_meter(level: Callable[[], float], stream_time: Callable[[], float],
                player: subprocess.Popen[bytes], feed_s: float) -> list[Poll]:
    """Read the meter every METER_POLL_S until the feed has been played."""
    polls: list[Poll] = []
    deadline = time.monotonic() + feed_s + 0.5
    while time.monotonic() < deadline or player.poll() is None:
        time.sleep(METER_POLL_S)
        value = level()
        polls.append((value, stream_time(), time.monotonic()))
    return polls


def _meter_figures(heard: npt.NDArray[np.floating], first_block: int, stamps: BlockStamps,
                   polls: list[Poll], rate: int) -> dict[str, Any]:
    """For each step found in `heard` (which starts at block `first_block`): the delay from its
    first loud sample's capture time to the first poll after its block arrived that reads loud."""
    from cft_desktop.sound.capture import BLOCK_FRAMES

    period = BLOCK_FRAMES / rate
    delays, after_arrival, floor = [], [], []
    poll_mono = np.array([p[2] for p in polls])
    for onset in _onsets(heard, rate):
        frame = first_block * BLOCK_FRAMES + onset
        b = frame // BLOCK_FRAMES
        if b >= min(stamps.count, len(stamps.arrived)):
            continue
        onset_adc = stamps.adc[b] + (frame % BLOCK_FRAMES) / rate
        first = int(np.searchsorted(poll_mono, stamps.arrived[b]))
        crossed = next((p for p in polls[first:] if p[0] > LOUD_DBFS), None)
        if crossed is None:
            continue
        delays.append(crossed[1] - onset_adc)
        after_arrival.append(crossed[2] - stamps.arrived[b])
        floor.append(stamps.now[b] - onset_adc)
    used = min(stamps.count, len(stamps.arrived))
    # A block's last frame cannot be captured after the callback that hands it over; where the
    # stamps say so, they are early by at least that much.
    early = stamps.adc[:used] + period - stamps.now[:used]
    gaps = np.diff(stamps.arrived[:used])
    return {"delay": delays, "after_arrival": after_arrival, "floor": floor,
            "stamps_early_ms": float(max(0.0, early.max()) * 1000),
            "wakeup_ms": float(np.median(gaps[gaps > 0.001]) * 1000),
            "poll_ms": float(np.median(np.diff(poll_mono)) * 1000), "rate": rate}


def meter_ours(steps: int) -> dict[str, Any]:
    from cft_desktop.sound import capture

    device = _device()
    rate = device.default_rate
    feed = _steps(steps)
    feed_s = len(feed) / FEED_RATE
    recorder = capture.Capture(device)
    stamps = BlockStamps(recorder._callback,
                         int((feed_s + SETTLE_S + 3) * rate / capture.BLOCK_FRAMES) + 100)
    recorder._callback = stamps  # type: ignore[method-assign]  # the stream takes it at open()
    recorder.open()
    try:
        time.sleep(SETTLE_S)
        recorder.start_take()
        take_start = int(recorder._take_start or 0)
        polls = _poll_meter(recorder.meter_dbfs, recorder.stream_time, _feed(feed), feed_s)
        time.sleep(0.3)
        taken = recorder.stop_take()
    finally:
        recorder.close()
    return _meter_figures(taken, take_start, stamps, polls, rate)


def meter_bare(steps: int) -> dict[str, Any]:
    """The same, on a bare stream whose callback copies each block into a preallocated array, read
    by the plainest meter: the peak of the newest 50 ms, in numpy, polled the same way."""
    from cft_desktop.sound import capture

    device = _device()
    rate = device.default_rate
    block = capture.BLOCK_FRAMES
    feed = _steps(steps)
    feed_s = len(feed) / FEED_RATE
    blocks = int((feed_s + SETTLE_S + 3) * rate / block) + 100
    window = max(1, round(capture.METER_WINDOW_S * rate / block))
    data = np.zeros((blocks, block), dtype=np.float32)
    count = [0]

    def copy_only(indata: Any, frames: int, time_info: Any, status: Any) -> None:
        n = count[0]
        if n < blocks:
            data[n] = indata[:, 0]
        count[0] = n + 1

    def level() -> float:
        n = min(count[0], blocks)
        peak = float(np.abs(data[max(0, n - window):n]).max()) if n else 0.0
        return 20 * math.log10(peak) if peak > 0 else -math.inf

    stamps = BlockStamps(copy_only, blocks)
    stream = _bare_stream(stamps, device)
    stream.start()
    try:
        time.sleep(SETTLE_S)
        polls = _poll_meter(level, lambda: float(stream.time), _feed(feed), feed_s)
        time.sleep(0.3)
    finally:
        stream.stop()
        stream.close()
    return _meter_figures(data[: min(count[0], blocks)].reshape(-1), 0, stamps, polls, rate)


# --------------------------------------------------------------------------------------------
# 3. The callback per block
# --------------------------------------------------------------------------------------------


class Timing:
    """Wraps a callback: its duration each call into a preallocated array, and overflow flags."""

    def __init__(self, inner: Callback, capacity: int) -> None:
        self.inner = inner
        self.durations_ns = np.zeros(capacity, dtype=np.int64)
        self.count = 0
        self.overflows = 0

    def __call__(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        start = time.perf_counter_ns()
        self.inner(indata, frames, time_info, status)
        elapsed = time.perf_counter_ns() - start
        if self.count < len(self.durations_ns):
            self.durations_ns[self.count] = elapsed
            self.count += 1
        if status.input_overflow:
            self.overflows += 1

    def result(self, rate: int) -> dict[str, Any]:
        us = self.durations_ns[: self.count] / 1000.0
        return {"count": self.count, "median_us": float(np.median(us)),
                "p99_us": float(np.percentile(us, 99)), "max_us": float(us.max()),
                "overflows": self.overflows, "rate": rate}


def callback_cost(side: str, seconds: float) -> dict[str, Any]:
    from cft_desktop.sound import capture

    device = _device()
    rate = device.default_rate
    capacity = int(seconds * rate / capture.BLOCK_FRAMES * 2) + 1000
    if side == "bare":
        ring = np.zeros((capacity, capture.BLOCK_FRAMES), dtype=np.float32)
        count = [0]

        def copy_only(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            ring[count[0] % capacity] = indata[:, 0]
            count[0] += 1

        timing = Timing(copy_only, capacity)
        stream = _bare_stream(timing, device)
        stream.start()
        time.sleep(seconds)
        stream.stop()
        stream.close()
        return timing.result(rate)
    recorder = capture.Capture(device)
    timing = Timing(recorder._callback, capacity)
    recorder._callback = timing  # type: ignore[method-assign]  # the stream takes it at open()
    recorder.open()
    recorder.start_take()  # recording, as the callback runs while a take is made
    time.sleep(seconds)
    recorder.stop_take()
    recorder.close()
    return timing.result(rate)


# --------------------------------------------------------------------------------------------
# The parent
# --------------------------------------------------------------------------------------------


def child(mode: str, side: str, args: argparse.Namespace) -> None:
    import sounddevice  # noqa: F401  PortAudio loaded before anything is timed, as in the app

    if mode == "first":
        fn = first_frame_ours if side == "ours" else first_frame_bare
        c.emit_result(fn(args.presses, args.seed))
    elif mode == "meter":
        c.emit_result(meter_ours(args.steps) if side == "ours" else meter_bare(args.steps))
    else:
        c.emit_result(callback_cost(side, args.seconds))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms"


def _spread(values: list[float]) -> str:
    return (f"median {_ms(c.median(values))}, min {_ms(min(values))}, "
            f"max {_ms(max(values))} (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=14, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args)
        return

    c.machine_note()
    me = Path(__file__).resolve()
    common = ["--presses", str(args.presses), "--steps", str(args.steps),
              "--seconds", str(args.seconds)]
    first: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": []}
    meter: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": []}
    with c.pulse_sink(microphone=True) as sink:
        env = sink.env()
        # The first input stream of a fresh daemon is not measured.
        c.run_child(me, ["first", "bare", "--presses", "3"], env)
        for run in range(args.runs):
            seed = ["--seed", str(args.seed + run)]
            sides = ("ours", "bare") if run % 2 == 0 else ("bare", "ours")
            for side in sides:
                first[side].append(c.run_child(me, ["first", side, *common, *seed], env))
            for side in sides:
                meter[side].append(c.run_child(me, ["meter", side, *common, *seed], env))
            print(f"  round {run + 1} done", flush=True)
        cost = {side: c.run_child(me, ["callback", side, *common], env,
                                  timeout_s=args.seconds + 60) for side in ("bare", "ours")}

    def pooled(runs: list[dict[str, Any]], key: str) -> list[float]:
        return [float(v) for r in runs for v in r[key]]

    rate = int(first["ours"][0]["rate"])
    block_ms = 256 / rate * 1000
    print()
    c.detail(f"device: {first['ours'][0]['device']} at {rate} Hz, 256-frame blocks "
             f"({block_ms:.1f} ms), latency 'low'")
    f_ours, f_bare = pooled(first["ours"], "arrival"), pooled(first["bare"], "arrival")
    c.detail(f"R -> first block in the ring, Capture: {_spread(f_ours)}; blocks past the take's "
             f"start when seen: {sorted({int(v) for v in pooled(first['ours'], 'blocks_past')})}")
    c.detail(f"flag -> first callback, bare stream: {_spread(f_bare)}")
    age_ours, age_bare = pooled(first["ours"], "age"), pooled(first["bare"], "age")
    c.detail(f"age of the take's first frame when it arrived (stream clock): Capture "
             f"{_spread(age_ours)}; bare {_spread(age_bare)}")
    off_ours, off_bare = pooled(first["ours"], "offset"), pooled(first["bare"], "offset")
    c.detail(f"the take's first frame relative to R (stream clock; negative = before R): "
             f"Capture {_spread(off_ours)}; bare {_spread(off_bare)}")
    c.detail(f"Capture healthy after the presses: {[r['healthy'] for r in first['ours']]}, "
             f"input overflows {[r['overflows'] for r in first['ours']]}")
    m_ours, m_bare = pooled(meter["ours"], "delay"), pooled(meter["bare"], "delay")
    a_ours, a_bare = pooled(meter["ours"], "after_arrival"), pooled(meter["bare"], "after_arrival")
    floor = pooled(meter["ours"], "floor") + pooled(meter["bare"], "floor")
    expected = args.runs * args.steps
    polled = c.median([r["poll_ms"] for r in meter["ours"] + meter["bare"]])
    c.detail(f"meter over {LOUD_DBFS:.0f} dBFS after a {TONE_DBFS:.0f} dBFS step, from the tone "
             f"reaching the capture (stream clock), polled every {polled:.1f} ms: Capture "
             f"{_spread(m_ours)}; bare stream + numpy peak {_spread(m_bare)}; steps found "
             f"{len(m_ours)}/{expected} and {len(m_bare)}/{expected}")
    c.detail(f"  of that, after the block holding the step arrived (monotonic clock only): Capture "
             f"{_spread(a_ours)}; bare {_spread(a_bare)}")
    c.detail(f"  and before it, from the tone reaching the capture to the callback holding it "
             f"(both sides): {_spread(floor)}")
    early = max(r["stamps_early_ms"] for r in meter["ours"] + meter["bare"])
    wakeup = c.median([r["wakeup_ms"] for r in meter["ours"] + meter["bare"]])
    c.detail(f"  (PulseAudio hands blocks over in bursts every {wakeup:.1f} ms; its reported delay "
             f"stamps a block's last frame up to {early:.1f} ms after the callback that delivers "
             f"it, so stream-clock delays here may be short by about that much)")
    c.detail(f"(the recorder window redraws the meter from a {GUI_POLL_MS} ms poll: on screen up "
             f"to {GUI_POLL_MS} ms more, {GUI_POLL_MS / 2:.0f} ms on average)")
    for side, label in (("bare", "copy_only"), ("ours", "Capture._callback")):
        r = cost[side]
        c.detail(f"{label}: {r['count']} callbacks in {args.seconds:g} s, median "
                 f"{r['median_us']:.1f} µs, p99 {r['p99_us']:.1f} µs, worst {r['max_us']:.1f} µs "
                 f"({r['max_us'] / 10 / block_ms:.2f}% of a block); input overflows "
                 f"{r['overflows']}")

    print()
    first_ratio = c.median(f_ours) / c.median(f_bare)
    meter_ratio = c.median(m_ours) / c.median(m_bare)
    cb_ours, cb_bare = cost["ours"], cost["bare"]
    c.summary("capture_first_frame", [("bare_stream", _ms(c.median(f_bare))),
                                      ("ours", _ms(c.median(f_ours))),
                                      ("ours_worst", _ms(max(f_ours)))],
              first_ratio, "goal ours <= 50 ms")
    c.summary("capture_meter_delay", [("bare_stream", _ms(c.median(m_bare))),
                                      ("ours", _ms(c.median(m_ours))),
                                      ("ours_worst", _ms(max(m_ours)))],
              meter_ratio, "goal ours <= 50 ms")
    c.summary("capture_callback_worst", [("copy_only", f"{cb_bare['max_us']:.1f}us"),
                                         ("ours", f"{cb_ours['max_us']:.1f}us"),
                                         ("ours_median", f"{cb_ours['median_us']:.1f}us")],
              cb_ours["max_us"] / cb_bare["max_us"], "no goal; a block is "
              f"{block_ms * 1000:.0f} us")

    rows = [
        ("R -> first frame (median)", _ms(c.median(f_bare)), _ms(c.median(f_ours)),
         c.fmt_ratio(first_ratio), "<= 50 ms"),
        ("  first frame's age", _ms(c.median(age_bare)), _ms(c.median(age_ours)),
         c.fmt_ratio(c.median(age_ours) / c.median(age_bare)), ""),
        ("meter delay (median)", _ms(c.median(m_bare)), _ms(c.median(m_ours)),
         c.fmt_ratio(meter_ratio), "<= 50 ms"),
        ("meter delay (worst)", _ms(max(m_bare)), _ms(max(m_ours)),
         c.fmt_ratio(max(m_ours) / max(m_bare)), "<= 50 ms"),
        ("  after its block arrived", _ms(c.median(a_bare)), _ms(c.median(a_ours)),
         c.fmt_ratio(c.median(a_ours) / c.median(a_bare)), ""),
        ("callback median", f"{cb_bare['median_us']:.1f} µs", f"{cb_ours['median_us']:.1f} µs",
         c.fmt_ratio(cb_ours["median_us"] / cb_bare["median_us"]), ""),
        ("callback p99", f"{cb_bare['p99_us']:.1f} µs", f"{cb_ours['p99_us']:.1f} µs",
         c.fmt_ratio(cb_ours["p99_us"] / cb_bare["p99_us"]), ""),
        ("callback worst", f"{cb_bare['max_us']:.1f} µs", f"{cb_ours['max_us']:.1f} µs",
         c.fmt_ratio(cb_ours["max_us"] / cb_bare["max_us"]), ""),
    ]
    header = ("", "bare stream", "Capture", "ratio", "goal")
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(5)]
    print()
    for row in (header, *rows):
        print("  " + "  ".join(str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                               for i, cell in enumerate(row)).rstrip())


if __name__ == "__main__":
    main()
