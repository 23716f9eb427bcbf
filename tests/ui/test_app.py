"""The composition root opens the window; unexpected errors are logged and shown calmly."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from cft_desktop import cli
from cft_desktop.errors import VoiceError
from cft_desktop.ui import app as ui_app
from tests.ui.conftest import UserDirs


@pytest.fixture
def error_handling(user_dirs: UserDirs) -> Iterator[Path]:
    saved = sys.excepthook, threading.excepthook
    root = logging.getLogger()
    handlers = list(root.handlers)
    level = root.level
    try:
        yield ui_app.install_error_handling()
    finally:
        sys.excepthook, threading.excepthook = saved
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox):
                widget.close()


def _dialogs() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_unexpected_error_goes_to_the_log_and_a_calm_dialog(
    qtbot: object, error_handling: Path, user_dirs: UserDirs
) -> None:
    assert error_handling.parent == user_dirs.log
    try:
        raise ZeroDivisionError("internal detail 42")
    except ZeroDivisionError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: bool(_dialogs()))  # type: ignore[attr-defined]
    (dialog,) = _dialogs()
    shown = dialog.text() + dialog.informativeText()
    assert "Traceback" not in shown and "internal detail" not in shown
    assert "unexpected" in shown.lower() and str(error_handling) in shown
    logged = error_handling.read_text(encoding="utf-8")
    assert "Traceback" in logged and "ZeroDivisionError: internal detail 42" in logged

    # A second error while the dialog is open does not stack another dialog.
    sys.excepthook(RuntimeError, RuntimeError("again"), None)
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert len(_dialogs()) == 1


def test_error_in_a_worker_thread_is_logged_and_shown_on_the_gui_thread(
    qtbot: object, error_handling: Path
) -> None:
    def fail() -> None:
        raise VoiceError("The narration voice could not be loaded.")

    worker = threading.Thread(target=fail, name="narrator")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(_dialogs()))  # type: ignore[attr-defined]
    # Our own errors are already plain words, so they are shown as they are.
    assert "narration voice could not be loaded" in _dialogs()[0].text()
    assert "narrator" in error_handling.read_text(encoding="utf-8")


def test_cft_desktop_without_arguments_opens_the_window(user_dirs: UserDirs) -> None:
    """The real entry point in a fresh process: `python -m cft_desktop` with no arguments."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    log_file = user_dirs.log / ui_app.LOG_FILE
    process = subprocess.Popen([sys.executable, "-m", "cft_desktop"], env=env,
                               cwd=Path(cli.__file__).resolve().parent.parent,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "window shown" not in (log_file.read_text(encoding="utf-8")
                                     if log_file.exists() else ""):
            assert process.poll() is None, process.communicate()[0].decode()
            assert time.monotonic() < deadline, "the window did not open within a minute"
            time.sleep(0.1)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "Traceback" not in output
    assert (user_dirs.data / "settings.ini").is_file()
