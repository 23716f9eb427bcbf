"""Fixtures for the window tests: private user folders, a quick stand-in voice, sound devices.

Qt runs offscreen (set before anything imports Qt). Every test gets its own data, cache and log
folders through the CFT_DESKTOP_* variables, so nothing touches a real user's files or settings.
The stand-in voice (`ToneVoice`) is for speed only: the window, Qt, the session, the mixer, the
engine and PortAudio stay real. `sound_output` plays through the real-time PulseAudio null sink
(tests/conftest.py) with an ALSA tap; `no_sound_device` makes PortAudio see no device at all.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from cft_desktop.core.ratings import CONSENT_VERSION
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.ui.app import build_window
from cft_desktop.ui.common.settings import Settings
from cft_desktop.ui.help.menu import WELCOME_VERSION
from cft_desktop.ui.window.main_window import MainWindow
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator

TONE_SECONDS_PER_WORD = 0.12


class ToneVoice:
    """Speaks any phrase as a short soft tone whose length grows with the words.

    With `gate`, only the first `free_calls` phrases come at once; the rest wait until the gate is
    set (to test playing while narration is still being prepared).
    """

    engine = "test-tone"
    voice = "tone-330"

    def __init__(self, gate: threading.Event | None = None, free_calls: int = 0) -> None:
        self.gate = gate
        self.free_calls = free_calls
        self.calls: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]:
        with self._lock:
            self.calls.append((text, length_scale))
            wait = self.gate is not None and len(self.calls) > self.free_calls
        if wait:
            assert self.gate is not None
            self.gate.wait(30)
        frames = round(max(1, len(text.split())) * TONE_SECONDS_PER_WORD * length_scale
                       * SAMPLE_RATE)
        t = np.arange(frames) / SAMPLE_RATE
        envelope = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
        tone = 0.3 * np.sin(2 * np.pi * 330.0 * t) * envelope
        return (tone * 32767).astype(np.int16), SAMPLE_RATE


# A common laptop with room for the first size (1220×780); smaller screens are tested in their own
# processes (tests/ui/window/test_screen_fit.py).
SCREEN_SIZE = (1440, 900)


@pytest.fixture(scope="session")
def qapp_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A laptop-sized offscreen screen (the default is 800×600, smaller than the window)."""
    config = tmp_path_factory.mktemp("qt") / "offscreen.json"
    width, height = SCREEN_SIZE
    config.write_text(json.dumps({"screens": [{
        "name": "cft-test-screen", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1,
    }]}), encoding="utf-8")
    return ["cft-desktop-tests", "-platform", f"offscreen:configfile={config}"]


@dataclass
class UserDirs:
    data: Path
    cache: Path
    log: Path

    @property
    def scripts(self) -> Path:
        path = self.data / "scripts"
        path.mkdir(parents=True, exist_ok=True)
        return path


@pytest.fixture(autouse=True)
def collect_widgets_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """Delete this test's widgets now, on the GUI thread.

    Otherwise the garbage collector may run later inside a worker thread (narrator, render, a
    thread a test starts) and free a widget's wrapper there; shiboken 6.12 then defers the C++
    deletion to the GUI thread, where it has been seen to crash the whole test run.
    """
    yield
    for widget in QApplication.topLevelWidgets():
        if not widget.isVisible():
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UserDirs:
    dirs = UserDirs(tmp_path / "data", tmp_path / "cache", tmp_path / "log")
    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(dirs.data))
    monkeypatch.setenv("CFT_DESKTOP_CACHE_DIR", str(dirs.cache))
    monkeypatch.setenv("CFT_DESKTOP_LOG_DIR", str(dirs.log))
    return dirs


@pytest.fixture
def tone_voice() -> ToneVoice:
    return ToneVoice()


@pytest.fixture
def narrator(tone_voice: ToneVoice, user_dirs: UserDirs) -> Narrator:
    return Narrator(tone_voice, ClipCache(user_dirs.cache / "narration"))


MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: object, narrator: Narrator) -> Iterator[MakeWindow]:
    """Build the real window through the composition root, shown; closed (and saved) at the end."""
    windows: list[MainWindow] = []

    def make(check_sound: bool = False, first_run: bool = False, full_panel: bool = True,
             **kwargs: object) -> MainWindow:
        """`first_run=True`: as on a computer account that never ran CFT Desktop (the welcome,
        then the consent or the first-run information, open at once); by default it has run here
        before. `full_panel`: the side panel shown, as most tests of its fields need (a fresh
        account starts in the simple view: `full_panel=False` with `first_run=True`)."""
        kwargs.setdefault("narrator", narrator)
        given = kwargs.get("settings")
        settings = given if isinstance(given, Settings) else Settings()
        if not first_run:
            settings.set_first_run_seen(CONSENT_VERSION)
            settings.set_welcome_seen(WELCOME_VERSION)
        if full_panel:
            settings.set_shown_parts(settings.shown_parts()[0], True)
        window = build_window(check_sound=check_sound, **kwargs)  # type: ignore[arg-type]
        window.show()
        qtbot.waitExposed(window)  # type: ignore[attr-defined]
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.deleteLater()


def _close_windows() -> None:
    # Re-initialising PortAudio closes every stream: no window may still be playing.
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.close()


def _reinitialise_portaudio(env: dict[str, str | None]) -> None:
    import sounddevice

    sounddevice._terminate()
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    sounddevice._initialize()


_AUDIO_ENV = ("ALSA_CONFIG_PATH", "XDG_RUNTIME_DIR", "PULSE_SERVER")


# An ALSA configuration whose only devices point at a sound card that does not exist. (A
# completely empty file is not usable: PortAudio 19.6's ALSA host API then fails an assertion in
# BuildDeviceList and aborts the whole process.)
NO_CARD_ALSA_CONFIG = "pcm.!default { type hw card 99 }\nctl.!default { type hw card 99 }\n"


@pytest.fixture
def no_sound_device(tmp_path: Path) -> Iterator[None]:
    """PortAudio re-read with an ALSA configuration that has no card: no device at all."""
    if not sys.platform.startswith("linux"):
        pytest.skip("a computer with no sound device is made from an ALSA configuration: Linux only")
    import sounddevice

    saved = {key: os.environ.get(key) for key in _AUDIO_ENV}
    config = tmp_path / "asound-no-card.conf"
    config.write_text(NO_CARD_ALSA_CONFIG, encoding="utf-8")
    _reinitialise_portaudio({"ALSA_CONFIG_PATH": str(config), "PULSE_SERVER": None})
    assert not any(d["max_output_channels"] > 0 for d in sounddevice.query_devices())
    yield
    _close_windows()
    _reinitialise_portaudio(saved)


@pytest.fixture
def sound_output(realtime_sink: object, tmp_path: Path) -> Iterator[Path]:
    """A real output device with a real clock; yields the WAV file every played frame goes to."""
    import sounddevice

    tap = tmp_path / "played.wav"
    env = realtime_sink.tap_env(tap)  # type: ignore[attr-defined]
    saved = {key: os.environ.get(key) for key in _AUDIO_ENV}
    _reinitialise_portaudio({key: env[key] for key in _AUDIO_ENV})
    assert any(d["max_output_channels"] > 0 for d in sounddevice.query_devices())
    yield tap
    _close_windows()
    _reinitialise_portaudio(saved)


@pytest.fixture
def microphone(realtime_sink: object) -> Iterator[object]:
    """A real input device: PulseAudio's virtual microphone (fed with `realtime_sink.feed`)."""
    import sounddevice

    env = realtime_sink.capture_env()  # type: ignore[attr-defined]
    saved = {key: os.environ.get(key) for key in _AUDIO_ENV}
    _reinitialise_portaudio({key: env[key] for key in _AUDIO_ENV})
    assert any(d["max_input_channels"] > 0 for d in sounddevice.query_devices())
    yield realtime_sink
    _close_windows()
    _reinitialise_portaudio(saved)


def write_script(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BREATH_SCRIPT = """---
id: test-breath
title: Test breathing
kind: breathing
minutes: 1
summary: A short test practice that starts breathing almost at once.
order: 0
---
Breathe with the circle.

[breathe 6]

Well done.
"""


# A therapist's script with a typo in a cue: it must be listed with its file:line error.
BROKEN_USER_SCRIPT = """---
id: my-bad-practice
title: My practice
kind: imagery
minutes: 3
summary: A practice with a typo.
---
Hello.

[bel]
"""
