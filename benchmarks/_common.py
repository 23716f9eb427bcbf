"""Shared pieces of the benchmarks: a deterministic 20-minute session, a fake voice, the real-time
PulseAudio null sink and virtual microphone, child processes, and the summary-line format.

Benchmarks are plain scripts, not tests (TESTING.md "Benchmarks"): each prints its baseline and our
figure measured in the same run, and their ratio, as medians over several runs. Nothing here asserts
a time.

Importing this module puts the repository root on `sys.path`, so `cft_desktop` imports from the
checkout whichever directory the script is started from.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from cft_desktop.core.script import Script
    from cft_desktop.session import Session
    from cft_desktop.sound.mixer import MixSettings, SoundAssets
    from cft_desktop.voice.narrator import Narrator
    from cft_desktop.voice.piper import VoiceBackend

RESULT_PREFIX = "RESULT "
SAMPLE_RATE = 22050
BLOCK_FRAMES = 1024

# --------------------------------------------------------------------------------------------
# The synthetic 20-minute session
# --------------------------------------------------------------------------------------------

_WORDS = (
    "breathe", "gently", "soft", "warm", "light", "kind", "steady", "calm", "notice", "body",
    "shoulders", "feet", "floor", "ground", "chair", "hands", "face", "smile", "friendly", "voice",
    "wisdom", "strength", "warmth", "care", "slowly", "settle", "rest", "here", "now", "moment",
    "feeling", "colour", "safe", "place", "water", "sky", "tree", "leaves", "quiet", "open",
    "heart", "mind", "thoughts", "drift", "return", "kindness", "patience", "courage", "gentle",
    "rhythm", "wave", "rise", "fall", "hold", "release", "let", "go",
)

GROUPS = 20
PHRASES_PER_GROUP = 6
BREATHE_CYCLES = 3
LINES_PER_BLOCK = 2  # [in] and [out] lines each; the third cycle of a block is silent


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def synthetic_script_text(seed: int = 20) -> str:
    """About 20 minutes at the default pacing (6 bpm, 2:3, pause scale 1) with `NoiseVoice`:
    200 spoken phrases (120 paragraphs + 80 breath lines), 20 pauses, 60 paced breaths (120 cues)
    and 2 bells."""
    rng = random.Random(seed)
    parts = [
        "---\nid: bench-twenty\ntitle: Benchmark session\nkind: imagery\nminutes: 20\n"
        "summary: A synthetic twenty-minute session for the benchmarks.\n---\n",
        "[bell]\n",
    ]
    for group in range(GROUPS):
        for _ in range(PHRASES_PER_GROUP):
            parts.append(f"{_sentence(rng, 4, 8)} Part {group}.\n")
        parts.append("[pause 3]\n")
        lines = [f"[breathe {BREATHE_CYCLES}]"]
        for _ in range(LINES_PER_BLOCK):
            lines.append(f"[in] {_sentence(rng, 2, 4)}")
            lines.append(f"[out] {_sentence(rng, 2, 5)}")
        parts.append("\n".join(lines) + "\n")
    parts.append("[bell]\n")
    return "\n".join(parts)


def synthetic_script() -> Script:
    from cft_desktop.core.script import parse_text

    return parse_text(synthetic_script_text(), REPO / "benchmarks" / "bench-twenty.md")


class NoiseVoice:
    """A stand-in voice: a noise burst whose length follows the text, like speech would.

    Speaks 2.4 words a second at length scale 1.2 (about the bundled voice's pace with its
    sentence gaps), ±15 % by a hash of the text, so phrase lengths are not round numbers of
    milliseconds. Deterministic and fast, so the benchmarks measure assembly, not TTS.
    """

    engine = "bench-noise"
    voice = "noise"

    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]:
        seed = zlib.crc32(text.encode("utf-8"))
        rng = np.random.default_rng(seed)
        words = max(1, len(text.split()))
        jitter = 0.85 + 0.3 * (seed % 1000) / 1000
        frames = round(words / 2.4 * (length_scale / 1.2) * SAMPLE_RATE * jitter)
        envelope = 0.5 + 0.5 * np.sin(np.linspace(0, 3 * words, frames)) ** 2
        samples = rng.normal(0.0, 0.12, frames) * envelope
        return (np.clip(samples, -0.9, 0.9) * 32767).astype(np.int16), SAMPLE_RATE


def piper_keyed_noise_voice() -> NoiseVoice:
    """`NoiseVoice` filed under the real voice's cache keys: fills a cache that the real
    `PiperVoiceBackend` then reads as its own (for the cached-narration start-up figures)."""
    from cft_desktop.voice.piper import PiperVoiceBackend

    voice = NoiseVoice()
    voice.engine = PiperVoiceBackend.engine
    voice.voice = PiperVoiceBackend.voice
    return voice


def fill_cache(script: Script, cache_dir: Path, voice: VoiceBackend, length_scale: float) -> Narrator:
    """Synthesise (or load) every phrase of `script` into `cache_dir`; returns the narrator."""
    from cft_desktop.voice.cache import ClipCache
    from cft_desktop.voice.narrator import Narrator

    narrator = Narrator(voice, ClipCache(cache_dir))
    for phrase in script.phrases():
        narrator.clip(phrase.text, length_scale)
    return narrator


def default_pacing() -> Any:
    from cft_desktop.core.pacing import Pacing

    return Pacing()


def bench_mix(ambient: str | None = "rain") -> MixSettings:
    from cft_desktop.sound.mixer import MixSettings

    return MixSettings(ambient=ambient)


def build_session(
    script: Script, narrator: Narrator, assets: SoundAssets, mix: MixSettings | None = None
) -> Session:
    """As the CLI does: Session, then take every cached clip."""
    from cft_desktop.session import Session

    session = Session(script, default_pacing(), narrator, assets, mix)
    session.load_cached()
    return session


def render_to_memory(session: Session, block_frames: int = 65536) -> npt.NDArray[np.float32]:
    """The whole session rendered block by block by the mixer (export's block size)."""
    total = session.timeline.total_frames
    out = np.empty(total, dtype=np.float32)
    frame = 0
    while frame < total:
        count = min(block_frames, total - frame)
        session.mixer.render(frame, out[frame : frame + count])
        frame += count
    return out


# --------------------------------------------------------------------------------------------
# The real-time PulseAudio null sink (TESTING.md "Real-time audio"; tests/conftest.py)
# --------------------------------------------------------------------------------------------


@dataclass
class PulseSink:
    runtime_dir: Path
    config_dir: Path

    def env(self, tap: Path | None = None) -> dict[str, str]:
        """Environment for a child process whose ALSA `default` is the sink (optionally tapped).

        ALSA_CONFIG_PATH replaces the system configuration, so Debian's pulse hook cannot redirect
        `default`; it must be set before the child imports sounddevice (PortAudio reads it once).
        """
        if tap is None:
            text = "pcm.!default { type pulse }\nctl.!default { type pulse }\n"
            name = "asound-pulse.conf"
        else:
            text = (
                "pcm.!default {\n    type file\n    slave.pcm \"pulse\"\n"
                f"    file \"{tap}\"\n    format \"wav\"\n}}\n"
                "pcm.pulse { type pulse }\nctl.!default { type pulse }\n"
            )
            name = f"asound-{tap.stem}.conf"
        config = self.config_dir / name
        config.write_text(text, encoding="utf-8")
        env = dict(os.environ)
        env["ALSA_CONFIG_PATH"] = str(config)
        env["XDG_RUNTIME_DIR"] = str(self.runtime_dir)
        env["PULSE_SERVER"] = f"unix:{self.runtime_dir}/pulse/native"
        return env


@contextmanager
def pulse_sink(*, microphone: bool = False) -> Iterator[PulseSink]:
    """A PulseAudio daemon with a null sink read by `parec` (so it runs at real speed).

    `microphone`: also a virtual microphone, as tests/conftest.py `realtime_sink` has: a null sink
    `vmic` whose monitor is the default source, with digital silence played into it all the time
    (an idle null sink's monitor sends nothing at all). What a child plays into `vmic` with `pacat`
    is heard by PortAudio's ALSA `default` device (`PulseSink.env()`)."""
    if shutil.which("pulseaudio") is None or shutil.which("parec") is None:
        raise SystemExit("pulseaudio and pulseaudio-utils are needed for the real-time benchmarks")
    runtime_dir = Path(tempfile.mkdtemp(prefix="cft-bench-pulse-"))
    config_dir = Path(tempfile.mkdtemp(prefix="cft-bench-alsa-"))
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime_dir))
    daemon = subprocess.Popen(
        [
            "pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=vsink rate=48000",
            *(["--load=module-null-sink sink_name=vmic rate=48000"] if microphone else []),
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    processes = [daemon]
    try:
        socket = runtime_dir / "pulse" / "native"
        deadline = time.monotonic() + 15
        while not socket.exists():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("PulseAudio did not start")
            time.sleep(0.05)
        if microphone:
            for command in (["pactl", "set-default-sink", "vsink"],
                            ["pactl", "set-default-source", "vmic.monitor"]):
                subprocess.run(command, env=env, timeout=20, check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open("/dev/zero", "rb") as zeros:
                processes.append(subprocess.Popen(
                    ["pacat", "--playback", "--raw", "-d", "vmic", "--format=s16le",
                     "--rate=48000", "--channels=1", "--latency-msec=20"],
                    stdin=zeros, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ))
        # Without a reader the null sink drains a 2 s buffer and runs slow (TESTING.md).
        processes.append(subprocess.Popen(
            ["parec", "--latency-msec=20", "-d", "vsink.monitor"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        # Until parec is connected the sink runs slow, and a stream opened then stalls for over a
        # second after its first few blocks (seen here): wait for the reader.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            listed = subprocess.run(
                ["pactl", "list", "short", "source-outputs"], env=env, capture_output=True,
                text=True, check=False,
            )
            if listed.returncode == 0 and listed.stdout.strip():
                break
            time.sleep(0.05)
        # The first stream a fresh daemon plays still runs slow (1 s of sound took 2.5 s here, and
        # a PortAudio stream stalled 1.5 s after its first 5 blocks); later ones run at real speed.
        # So play a little silence first, so that no measured stream is the first.
        subprocess.run(
            ["pacat", "--raw", "--format=s16le", f"--rate={SAMPLE_RATE}", "--channels=1"],
            input=b"\0" * (SAMPLE_RATE // 5), env=env, capture_output=True, timeout=30, check=False,
        )
        yield PulseSink(runtime_dir, config_dir)
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(runtime_dir, ignore_errors=True)
        shutil.rmtree(config_dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Child processes: a benchmark re-runs itself with `--child MODE …` and reads one RESULT line
# --------------------------------------------------------------------------------------------


def run_child(
    script: Path, args: Sequence[str], env: dict[str, str] | None = None, timeout_s: float = 300
) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(script), "--child", *args],
        env=env, capture_output=True, text=True, timeout=timeout_s, check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result
    raise RuntimeError(
        f"child {script.name} {' '.join(args)} failed (exit {done.returncode}):\n"
        f"{done.stdout}\n{done.stderr}"
    )


def emit_result(result: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far.

    On Linux this is VmHWM, the peak of this process's own memory: ru_maxrss would also count
    the parent's memory copied at fork (the kernel carries the high-water mark across fork and
    exec), so a child started by a parent holding a large history would report the parent's
    size. Elsewhere ru_maxrss (KiB on Linux, bytes on macOS)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / (1024 * 1024)


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def fmt_s(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f}s"
    return f"{seconds * 1000:.0f}ms" if seconds >= 0.01 else f"{seconds * 1000:.1f}ms"


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


SUMMARY_PATTERN = r"^[a-z0-9_]+: \S+=.* ratio=\S+ \(.*\)$"
"""What `bench_spine.py` collects from each benchmark's output."""


def summary(name: str, fields: Sequence[tuple[str, str]], ratio: float, target: str) -> str:
    """Print and return one summary line: `name: a=… b=… ratio=…x (target …)`."""
    body = " ".join(f"{key}={value}" for key, value in fields)
    line = f"{name}: {body} ratio={fmt_ratio(ratio)} ({target})"
    print(line, flush=True)
    return line


def machine_note() -> None:
    """Cores and load: these machines are shared, so a busy neighbour shows up in the figures."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[{os.cpu_count()} cores, load average {load}]", flush=True)


def detail(text: str) -> None:
    print(f"  {text}", flush=True)
