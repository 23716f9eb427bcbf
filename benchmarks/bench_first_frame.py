"""Benchmark 2: time from `play` to the first sound handed to PortAudio, on a real-time sink.

"Play" is the work `play.Player` does once the script is parsed and the sound assets are loaded (a
GUI has both already), timed piece by piece: `Session` + `SynthesisAhead.start` (cached clips too)
+ `Engine.start`, with the
real `PiperVoiceBackend` and a `ClipCache` in a temp dir. The clock stops in the PortAudio
callback (wrapped for the benchmark) the first time `outdata` holds a non-zero sample.

Cases, each on the 10-minute bundled practice `compassionate-self` (41 phrases):
* cached: every phrase in the cache (target <= 150 ms). The cached clips are noise of speech-like
  length filed under the real voice's keys, so filling the cache costs no TTS; reading them back
  is the same work as for real clips. Also shown for the 200-phrase 20-minute synthetic script.
* uncached, first play of the day: a fresh process, voice not loaded (piper-tts import + model
  load + synthesis of the first phrase; target <= 1.5 s);
* uncached, voice already loaded (same process, a new empty cache per run; target <= 1.5 s).
Baseline: a bare `sounddevice.OutputStream` with the same settings whose callback copies a
precomputed non-zero buffer: open + start -> first callback, also in a fresh process.

Each case that needs a fresh process runs in one (`--child MODE`), started with the environment of
a PulseAudio null sink (ALSA_CONFIG_PATH set before sounddevice is imported).
Run: .venv/bin/python benchmarks/bench_first_frame.py [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c
import numpy as np

SCRIPT_ID = "compassionate-self"
TIMEOUT_S = 30.0


def _script(kind: str) -> Any:
    from cft_desktop.core.script import parse_file

    if kind == "long":
        return c.synthetic_script()
    return parse_file(c.REPO / "scripts" / f"{SCRIPT_ID}.md")


def _wait(condition: Any, timeout_s: float = TIMEOUT_S) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            return False
        # The figures are stamped inside the callback; this poll only has to notice them, and a
        # lighter poll leaves the GIL to the narrator and render threads (the CLI polls at 100 ms).
        time.sleep(0.005)
    return True


def measure_play(script: Any, assets: Any, voice: Any, cache_dir: Path) -> dict[str, float]:
    """One `play`, as cli._cmd_play does it; times in seconds from the play moment."""
    from cft_desktop.session import Session
    from cft_desktop.sound.engine import Engine
    from cft_desktop.voice.cache import ClipCache
    from cft_desktop.voice.narrator import Narrator, SynthesisAhead

    marks = {"first_call": 0.0, "first_sound": 0.0}
    pacing = c.default_pacing()
    mix = c.bench_mix(None)  # the CLI's default mix: cues and bell, no ambient bed

    t0 = time.perf_counter()
    session = Session(script, pacing, Narrator(voice, ClipCache(cache_dir)), assets, mix)
    t_session = time.perf_counter()
    # As `play` does now: cached clips are prepared on the narrator worker, in the order heard.
    found = sum(session.narrator.cache.contains(session.narrator._key(p.text, pacing.speech_length_scale))
                for p in session.spoken)
    t_cached = time.perf_counter()
    rate = session.pacing.speech_length_scale
    errors: list[Exception] = []
    ahead = SynthesisAhead(
        session.narrator, session.missing(), rate,
        on_ready=lambda index, clip: session.accept_clip(index, clip, rate),
        on_error=errors.append,
    )
    ahead.start()
    engine = Engine(session)
    original = engine._callback

    def wrapped(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        original(outdata, frames, time_info, status)
        if not marks["first_sound"]:
            now = time.perf_counter()
            if not marks["first_call"]:
                marks["first_call"] = now
            if outdata.any():
                marks["first_sound"] = now

    engine._callback = wrapped  # type: ignore[method-assign]  # the stream takes it at start()
    engine.start()
    t_started = time.perf_counter()
    ok = _wait(lambda: bool(marks["first_sound"]) or bool(errors) or engine.error is not None)
    latency = float(engine._stream.latency)
    engine.stop(fade=False)
    ahead.cancel()
    ahead.join(TIMEOUT_S)
    if not ok or errors or engine.error is not None:
        raise RuntimeError(f"no sound: {errors or engine.error or 'timeout'}")
    return {
        "first_sound": marks["first_sound"] - t0,
        "first_call": marks["first_call"] - t0,
        "session": t_session - t0,
        "load_cached": t_cached - t_session,
        "engine_started": t_started - t0,
        "found": float(found),
        "latency": latency,
    }


def measure_bare_stream() -> dict[str, float]:
    import sounddevice

    marks = {"first_call": 0.0}
    wave = (0.1 * np.sin(np.arange(c.BLOCK_FRAMES) * 2 * np.pi * 440 / c.SAMPLE_RATE)).astype(np.float32)

    def callback(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        outdata[:, 0] = wave[:frames]
        if not marks["first_call"]:
            marks["first_call"] = time.perf_counter()

    t0 = time.perf_counter()
    stream = sounddevice.OutputStream(
        samplerate=c.SAMPLE_RATE, channels=1, dtype="float32", blocksize=c.BLOCK_FRAMES,
        callback=callback, latency="high",
    )
    t_open = time.perf_counter()
    stream.start()
    ok = _wait(lambda: bool(marks["first_call"]))
    stream.stop()
    stream.close()
    if not ok:
        raise RuntimeError("the bare stream never called back")
    return {"first_sound": marks["first_call"] - t0, "open": t_open - t0}


def child(mode: str, cache: Path | None, runs: int) -> None:
    import sounddevice  # noqa: F401  PortAudio initialised before the play moment, as in the app

    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.voice.piper import PiperVoiceBackend

    t = time.perf_counter()
    assets = SoundAssets.load()
    assets_s = time.perf_counter() - t
    if mode == "bare":
        c.emit_result({"runs": [measure_bare_stream()]})
        return
    if mode in ("cached", "cached-long"):
        assert cache is not None
        script = _script("long" if mode == "cached-long" else "real")
        result = measure_play(script, assets, PiperVoiceBackend(), cache)
        if result["found"] != len(script.phrases()):
            raise RuntimeError(f"only {result['found']:.0f} clips were in the cache")
        c.emit_result({"runs": [result], "assets_s": assets_s})
        return
    script = _script("real")
    with tempfile.TemporaryDirectory(prefix="cft-bench-ff-") as temp:
        if mode == "cold":
            assert "piper" not in sys.modules and "onnxruntime" not in sys.modules
            result = measure_play(script, assets, PiperVoiceBackend(), Path(temp) / "cache")
            c.emit_result({"runs": [result]})
            return
        voice = PiperVoiceBackend()
        voice.synthesize("Warming up the voice.", 1.2)
        results = [
            measure_play(script, assets, voice, Path(temp) / f"cache{run}") for run in range(runs)
        ]
        c.emit_result({"runs": results})


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode = args.child[0]
        cache = Path(args.child[1]) if len(args.child) > 1 and args.child[1] != "-" else None
        child(mode, cache, args.runs)
        return

    c.machine_note()
    me = Path(__file__).resolve()
    rate = c.default_pacing().speech_length_scale
    real_script = _script("real")
    first_phrase = real_script.phrases()[0].text
    runs: dict[str, list[dict[str, float]]] = {
        "bare": [], "cached": [], "cached-long": [], "cold": [], "warm": []
    }
    assets_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cft-bench-ff-") as temp, c.pulse_sink() as sink:
        env = sink.env()
        cache = Path(temp) / "cache-real"
        cache_long = Path(temp) / "cache-long"
        c.fill_cache(real_script, cache, c.piper_keyed_noise_voice(), rate)
        c.fill_cache(_script("long"), cache_long, c.piper_keyed_noise_voice(), rate)
        for run in range(args.runs):
            runs["bare"] += c.run_child(me, ["bare"], env)["runs"]
            result = c.run_child(me, ["cached", str(cache)], env)
            runs["cached"] += result["runs"]
            assets_s.append(result["assets_s"])
            if run < 3:
                runs["cached-long"] += c.run_child(me, ["cached-long", str(cache_long)], env)["runs"]
            runs["cold"] += c.run_child(me, ["cold"], env)["runs"]
            print(f"  round {run + 1} done", flush=True)
        runs["warm"] = c.run_child(me, ["warm", "-", "--runs", str(args.runs)], env)["runs"]

    def med(case: str, key: str = "first_sound") -> float:
        return c.median([r[key] for r in runs[case]])

    bare = med("bare")
    print()
    c.detail(f"script '{SCRIPT_ID}': {len(real_script.phrases())} phrases; first phrase "
             f"{len(first_phrase.split())} words: {first_phrase[:60]}…")
    c.detail(f"bare stream: open {_ms(med('bare', 'open'))}, open+start -> first callback "
             f"{[_ms(r['first_sound']) for r in runs['bare']]}")
    for case, label in (("cached", "cached"), ("cached-long", "cached, 200-phrase 20-min script"),
                        ("cold", "uncached, voice not loaded"),
                        ("warm", "uncached, voice loaded")):
        c.detail(f"{label}: session {_ms(med(case, 'session'))}, load_cached "
                 f"{_ms(med(case, 'load_cached'))} ({int(runs[case][0]['found'])} clips), "
                 f"Engine.start returned {_ms(med(case, 'engine_started'))}, first callback "
                 f"{_ms(med(case, 'first_call'))}, first sound "
                 f"{[_ms(r['first_sound']) for r in runs[case]]}")
    c.detail(f"(not included: SoundAssets.load {_ms(c.median(assets_s))}; output latency "
             f"reported by PortAudio {_ms(runs['cached'][0]['latency'])} until the DAC)")
    for name, case, target in (
        ("first_frame_cached", "cached", "target ours <= 150 ms"),
        ("first_frame_cached_20min_script", "cached-long", "target ours <= 150 ms"),
        ("first_frame_uncached_voice_not_loaded", "cold", "target ours <= 1500 ms"),
        ("first_frame_uncached_voice_loaded", "warm", "target ours <= 1500 ms"),
    ):
        ours = med(case)
        c.summary(name, [("bare_stream", _ms(bare)), ("ours", _ms(ours))], ours / bare, target)


if __name__ == "__main__":
    main()
