"""A PulseAudio daemon of a test's own whose only sink can be unplugged and plugged back in.

The shared daemon (tests/conftest.py) cannot serve here: it has a fallback sink, and PulseAudio
moves a stream whose sink goes away onto the fallback, so PortAudio never notices (measured: the
stream went on, on `vsink`). With one sink there is nowhere to move to and PulseAudio ends the
stream, which PortAudio reports by ending it too. Processes are started and stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SINK = "cft_headphones"


@dataclass
class PrivatePulse:
    runtime_dir: Path
    env: dict[str, str]
    daemon: subprocess.Popen[bytes] | None = None
    _module: str = ""
    _reader: subprocess.Popen[bytes] | None = None
    _config_count: list[int] = field(default_factory=lambda: [0])

    def plug_in(self) -> None:
        """Load the sink (with a reader on its monitor, so it keeps real time)."""
        loaded = subprocess.run(
            ["pactl", "load-module", "module-null-sink", f"sink_name={SINK}", "rate=48000"],
            env=self.env, capture_output=True, text=True, check=True, timeout=10,
        )
        self._module = loaded.stdout.strip()
        self._reader = subprocess.Popen(
            ["parec", "--latency-msec=20", "-d", f"{SINK}.monitor"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def unplug(self) -> None:
        """Remove the only sink, as pulling out the only headphones does."""
        subprocess.run(["pactl", "unload-module", self._module], env=self.env, check=True,
                       timeout=10)
        self._module = ""
        self._stop_reader()

    def freeze(self) -> None:
        """Stop the daemon dead (SIGSTOP): the stream stays open but no sound is taken any more,
        which is how a vanished device looks to PortAudio's WASAPI and Core Audio code."""
        assert self.daemon is not None
        self.daemon.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.daemon is not None
        self.daemon.send_signal(signal.SIGCONT)

    def _stop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.terminate()
            reader.wait(5)

    def tap_env(self, tap: Path) -> dict[str, str]:
        """Environment for PortAudio: the ALSA default writes every frame to `tap`, then on to
        the sink (TESTING.md)."""
        self._config_count[0] += 1
        config = self.runtime_dir / f"asound-{self._config_count[0]}.conf"
        config.write_text(
            "pcm.!default {\n    type file\n    slave.pcm \"pulse\"\n"
            f'    file "{tap}"\n    format "wav"\n}}\n'
            "pcm.pulse { type pulse }\nctl.!default { type pulse }\n",
            encoding="utf-8",
        )
        return dict(self.env, ALSA_CONFIG_PATH=str(config))


@contextlib.contextmanager
def private_pulse() -> Iterator[PrivatePulse]:
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        raise RuntimeError("pulseaudio and pulseaudio-utils are required")
    runtime_dir = Path(tempfile.mkdtemp(prefix="cft-pulse-own-"))
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime_dir),
               PULSE_SERVER=f"unix:{runtime_dir}/pulse/native")
    daemon = subprocess.Popen(
        ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no",
         "--load=module-native-protocol-unix"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    pulse = PrivatePulse(runtime_dir, env, daemon)
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(["pactl", "info"], env=env, capture_output=True,
                             check=False).returncode != 0:
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not start")
            time.sleep(0.05)
        pulse.plug_in()
        yield pulse
    finally:
        pulse.thaw()
        pulse._stop_reader()
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(5)
        shutil.rmtree(runtime_dir, ignore_errors=True)
