"""Shared fixtures: a real-time PulseAudio null sink with an ALSA tap, and a shared voice cache.

Qt runs offscreen (set before anything imports Qt). Nothing here fakes audio: the real-time sink is a
real PulseAudio daemon with a null sink whose clock runs at real speed, and the ALSA `file` plugin
writes every frame the app hands to PortAudio into a WAV file we can read back (TESTING.md).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

WAV_HEADER_BYTES = 44
MIC_RATE = 48000  # the virtual microphone's rate

# The real-time sink and the ALSA tap are PulseAudio and ALSA: Linux only. On the hosted Windows
# and macOS runners those tests are skipped with this reason; on Linux a missing package fails.
LINUX_AUDIO_ONLY = ("the real-time sound tests play through a PulseAudio null sink and an ALSA "
                    "tap, which exist on Linux only")


@dataclass
class RealtimeSink:
    """A running PulseAudio null sink, and a virtual microphone (the default source, `vmic`'s
    monitor, fed through the `vmic` sink); `tap_env(path)` gives the environment for a tapped process,
    `capture_env()` one that records from the virtual microphone, `feed` plays sound into it."""

    runtime_dir: Path
    config_dir: Path

    def pulse_env(self) -> dict[str, str]:
        return dict(os.environ, XDG_RUNTIME_DIR=str(self.runtime_dir),
                    PULSE_SERVER=f"unix:{self.runtime_dir}/pulse/native")

    def capture_env(self) -> dict[str, str]:
        """ALSA's default device is PulseAudio, whose default source is the virtual microphone."""
        config = self.config_dir / "asound-capture.conf"
        config.write_text("pcm.!default { type pulse }\nctl.!default { type pulse }\n",
                          encoding="utf-8")
        return dict(self.pulse_env(), ALSA_CONFIG_PATH=str(config))

    def feed(self, samples: npt.NDArray[np.floating], rate: int = MIC_RATE) -> subprocess.Popen[bytes]:
        """Start playing `samples` (mono float, -1..1) into the virtual microphone, in real time."""
        pcm = (np.clip(np.asarray(samples, dtype=np.float64), -1, 1) * 32767).astype("<i2")
        process = subprocess.Popen(
            ["pacat", "--playback", "--raw", "-d", "vmic", "--format=s16le", f"--rate={rate}",
             # A deep buffer: with 20 ms a busy machine starved the stream, and the sink put
             # silence into the middle of the speech (the rest of it arrived late).
             "--channels=1", "--latency-msec=300"],
            stdin=subprocess.PIPE, env=self.pulse_env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        stdin = process.stdin
        assert stdin is not None

        def write() -> None:
            # pacat reads only as fast as it plays: written from here the caller would wait for
            # all of it.
            try:
                with stdin:
                    stdin.write(pcm.tobytes())
            except BrokenPipeError:  # stopped before the end on purpose
                pass

        threading.Thread(target=write, name="feed-mic", daemon=True).start()
        return process

    def tap_env(self, tap_path: Path) -> dict[str, str]:
        config = self.config_dir / f"asound-{tap_path.stem}.conf"
        config.write_text(
            "pcm.!default {\n"
            "    type file\n"
            '    slave.pcm "pulse"\n'
            f'    file "{tap_path}"\n'
            '    format "wav"\n'
            "}\n"
            "pcm.pulse { type pulse }\n"
            "ctl.!default { type pulse }\n",
            encoding="utf-8",
        )
        env = dict(os.environ)
        env["ALSA_CONFIG_PATH"] = str(config)
        env["XDG_RUNTIME_DIR"] = str(self.runtime_dir)
        env["PULSE_SERVER"] = f"unix:{self.runtime_dir}/pulse/native"
        return env


def read_tap(path: Path) -> npt.NDArray[np.float32]:
    """Frames the app wrote through the ALSA file plugin (float32 data behind a PCM header)."""
    data = path.read_bytes()[WAV_HEADER_BYTES:]
    usable = len(data) - len(data) % 4
    return np.frombuffer(data[:usable], dtype="<f4").copy()


@pytest.fixture(scope="session")
def realtime_sink() -> Iterator[RealtimeSink]:
    if not sys.platform.startswith("linux"):
        pytest.skip(LINUX_AUDIO_ONLY)
    if shutil.which("pulseaudio") is None or shutil.which("parec") is None:
        pytest.fail("pulseaudio and pulseaudio-utils are required for the real-time audio tests")
    runtime_dir = Path(tempfile.mkdtemp(prefix="cft-pulse-"))
    config_dir = Path(tempfile.mkdtemp(prefix="cft-alsa-"))
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime_dir))
    daemon = subprocess.Popen(
        [
            "pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=vsink rate=48000",
            # The virtual microphone (TESTING.md): what is played into vmic is heard from its
            # monitor, the default source. (A remap source of the monitor delivered nothing here.)
            "--load=module-null-sink sink_name=vmic rate=48000",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    socket = runtime_dir / "pulse" / "native"
    deadline = time.monotonic() + 15
    while not socket.exists():
        if daemon.poll() is not None or time.monotonic() > deadline:
            daemon.kill()
            pytest.fail("PulseAudio did not start")
        time.sleep(0.05)
    # Play on vsink and record from mic whatever was loaded last.
    for command in (["pactl", "set-default-sink", "vsink"],
                    ["pactl", "set-default-source", "vmic.monitor"]):
        subprocess.run(command, env=env, timeout=20, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Without a reader the null sink drains a 2 s buffer and runs slow (TESTING.md).
    reader = subprocess.Popen(
        ["parec", "--latency-msec=20", "-d", "vsink.monitor"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    # An idle null sink's monitor sends nothing at all; digital silence played into vmic all
    # the time keeps the microphone delivering frames in real time, as a real one does.
    with open("/dev/zero", "rb") as zeros:
        hum = subprocess.Popen(
            ["pacat", "--playback", "--raw", "-d", "vmic", "--format=s16le", "--rate=48000",
             "--channels=1", "--latency-msec=20"],
            stdin=zeros, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # A fresh daemon runs its first stream slow (seen: 1 s of sound took 2.45 s); one short stream
    # of silence first gets that out of the way before any test measures anything.
    subprocess.run(
        ["pacat", "--playback", "--raw", "-d", "vsink", "--format=s16le", "--rate=48000",
         "--channels=1"],
        input=bytes(2 * 48000 // 5), env=env, timeout=20, check=False,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        yield RealtimeSink(runtime_dir, config_dir)
    finally:
        for process in (hum, reader, daemon):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(runtime_dir, ignore_errors=True)
        shutil.rmtree(config_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def voice_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One narration cache for the whole test run, so each phrase is synthesised once."""
    return tmp_path_factory.mktemp("voice-cache")


@contextlib.contextmanager
def portaudio_env(env: dict[str, str]) -> Iterator[None]:
    """Make this process's PortAudio re-read its ALSA configuration from `env` (TESTING.md)."""
    import sounddevice

    keys = ("ALSA_CONFIG_PATH", "XDG_RUNTIME_DIR", "PULSE_SERVER")
    saved = {key: os.environ.get(key) for key in keys}
    for key in keys:
        if key in env:
            os.environ[key] = env[key]
    sounddevice._terminate()
    sounddevice._initialize()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        sounddevice._terminate()
        sounddevice._initialize()
