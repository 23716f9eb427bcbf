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
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMessageBox

from cft_desktop import cli
from cft_desktop.core.ratings import CONSENT_VERSION
from cft_desktop.errors import VoiceError
from cft_desktop.ui import app as ui_app
from cft_desktop.ui.common.settings import Settings
from cft_desktop.ui.help.menu import WELCOME_VERSION
from cft_desktop.ui.records.controller import RecordsController
from cft_desktop.ui.window.main_window import DEFAULT_SIZE, WINDOW_TITLE, MainWindow
from cft_desktop.voice.narrator import Narrator
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
        while "window filled" not in (log_file.read_text(encoding="utf-8")
                                     if log_file.exists() else ""):
            assert process.poll() is None, process.communicate()[0].decode()
            assert time.monotonic() < deadline, "the window did not open within a minute"
            time.sleep(0.1)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "Traceback" not in output
    assert (user_dirs.data / "settings.ini").is_file()


class _Journal(QObject):
    """Notes, in order, each paint of the watched window and each `build` of it."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, MainWindow):
            self.events.append("paint built" if watched.built else "paint frame")
        return False


@pytest.fixture
def journal(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Journal]:
    journal = _Journal()
    build = MainWindow.build

    def noted_build(window: MainWindow) -> None:
        journal.events.append("build")
        build(window)

    monkeypatch.setattr(MainWindow, "build", noted_build)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(journal)
    yield journal
    app.removeEventFilter(journal)


def _close(window: MainWindow) -> None:
    window.close()
    window.deleteLater()


def test_the_frame_is_painted_first_then_filled_without_moving(
    qtbot: object, error_handling: Path, journal: _Journal, narrator: Narrator
) -> None:
    # It has run on this account before (the first run's consent is tests/ui/records/test_first_run.py).
    Settings().set_first_run_seen(CONSENT_VERSION)
    Settings().set_welcome_seen(WELCOME_VERSION)
    window = ui_app.open_window(narrator)
    try:
        # What `cft-desktop` shows at once: the titled, themed frame at its size, still empty.
        assert window.isVisible() and not window.built
        assert window.windowTitle() == WINDOW_TITLE
        assert (window.width(), window.height()) == DEFAULT_SIZE
        assert window.centralWidget() is None and RecordsController.of(window) is None
        qtbot.waitUntil(lambda: window.built)  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: "paint built" in journal.events)  # type: ignore[attr-defined]
        assert journal.events[:2] == ["paint frame", "build"]
        assert journal.events.count("build") == 1
        # Filled: the whole window, ratings included, in the frame as it was.
        assert (window.width(), window.height()) == DEFAULT_SIZE
        assert window.library_view.list.count() > 10
        assert RecordsController.of(window) is not None
        assert QApplication.focusWidget() is window.library_view.list
        assert "window filled at" in error_handling.read_text(encoding="utf-8")
    finally:
        _close(window)


def test_a_frame_closed_before_it_is_filled_is_never_filled(
    qtbot: object, error_handling: Path, journal: _Journal, narrator: Narrator, user_dirs: UserDirs
) -> None:
    window = ui_app.open_window(narrator)
    window.resize(900, 700)
    window.close()
    qtbot.wait(ui_app.FIRST_FRAME_WAIT_MS + 200)  # type: ignore[attr-defined]
    assert "build" not in journal.events and not window.built
    window.deleteLater()
    # Its size is still remembered for the next start.
    again = ui_app.open_window(narrator)
    try:
        assert (again.width(), again.height()) == (900, 700)
    finally:
        _close(again)


def test_a_window_that_cannot_be_filled_says_so_calmly_and_closes(
    qtbot: object, error_handling: Path, narrator: Narrator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(window: MainWindow) -> None:
        raise KeyError("internal detail 7")

    monkeypatch.setattr(MainWindow, "build", broken)
    window = ui_app.open_window(narrator)
    qtbot.waitUntil(lambda: bool(_dialogs()))  # type: ignore[attr-defined]
    (dialog,) = _dialogs()
    shown = dialog.text() + dialog.informativeText()
    assert "could not finish opening" in shown and "internal detail" not in shown
    assert str(error_handling) in shown
    assert "KeyError: 'internal detail 7'" in error_handling.read_text(encoding="utf-8")
    dialog.accept()
    qtbot.waitUntil(lambda: not window.isVisible())  # type: ignore[attr-defined]
    window.deleteLater()


def test_the_window_command_imports_no_script_parser_before_its_frame() -> None:
    """Start-up stays light: up to the frame, nothing reads scripts, sound or the store."""
    code = (
        "import sys, cft_desktop.cli\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from cft_desktop.ui import app as ui_app\n"
        "window = ui_app.build_window(defer=True)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "      ('yaml', 'numpy', 'tinydb', 'pydub', 'sounddevice', 'cft_desktop'))))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    loaded = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            cwd=Path(cli.__file__).resolve().parent.parent, check=True,
                            timeout=60).stdout.split()
    assert "cft_desktop.ui.window.main_window" in loaded
    heavy = [name for name in loaded if name.split(".")[0] != "cft_desktop" or name in (
        "cft_desktop.core.script", "cft_desktop.core.library", "cft_desktop.ui.player.player_view",
        "cft_desktop.ui.player.playback", "cft_desktop.ui.records.controller", "cft_desktop.store.db")]
    assert heavy == []
