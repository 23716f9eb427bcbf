"""The worker-thread hand-over of slow parts (cft_desktop.lazy), and what start-up imports."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cft_desktop.lazy import Lazy

ROOT = Path(__file__).resolve().parent.parent


def test_made_once_on_its_own_thread_and_shared() -> None:
    threads: list[str] = []
    release = threading.Event()

    def make() -> list[int]:
        threads.append(threading.current_thread().name)
        release.wait(5)
        return [1, 2, 3]

    lazy = Lazy(make, "numbers")
    lazy.start()
    lazy.start()
    assert not lazy.done
    release.set()
    first = lazy.get()
    assert first == [1, 2, 3]
    assert lazy.get() is first
    assert threads == ["load-numbers"]
    assert lazy.done


def test_get_without_start_makes_it_and_errors_reach_the_caller() -> None:
    def broken() -> int:
        raise OSError("bell.wav is missing")

    lazy = Lazy(broken, "sound")
    with pytest.raises(OSError, match=r"bell\.wav is missing"):
        lazy.get()
    with pytest.raises(OSError, match=r"bell\.wav is missing"):
        lazy.get()  # the same error again, not a None value


def test_ready_value_needs_no_thread() -> None:
    value = object()
    lazy = Lazy.ready(value)
    assert lazy.done
    assert lazy.get() is value


def test_opening_the_window_does_not_import_the_sound_side(tmp_path: Path) -> None:
    """numpy, pydub, PortAudio, the voice, fpdf and cryptography load after the window is shown."""
    code = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from cft_desktop.ui.app import build_window
window = build_window(check_sound=False)
window.show()
app.processEvents()
heavy = ("numpy", "pydub", "sounddevice", "piper", "onnxruntime", "fpdf", "cryptography",
         "cft_desktop.ui.editor.editor", "cft_desktop.sound.mixer",
         "cft_desktop.ui.records.views.history", "cft_desktop.ui.records.views.ratings_dialog",
         "cft_desktop.store.export")
print(",".join(sorted(name for name in heavy if name in sys.modules)) or "none")
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CFT_DESKTOP_DATA_DIR=str(tmp_path / "data"),
               CFT_DESKTOP_CACHE_DIR=str(tmp_path / "cache"), CFT_DESKTOP_LOG_DIR=str(tmp_path / "log"))
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    assert result.stdout.strip().splitlines()[-1] == "none"
