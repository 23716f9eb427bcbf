"""The GUI's composition root and its error boundary.

Owns building everything the window needs exactly once (settings, library, narrator with its disk
cache, sound assets; the last two on a worker after the window is shown, see `cft_desktop.lazy`)
and the one place unexpected errors end up: they are written with their traceback to a log file
in `paths.log_dir()` and shown to the person as a calm dialog in plain words, never as a
traceback. `run_gui()` is what `cft-desktop` with no arguments runs: it shows the window as a
themed, empty frame and fills it just after that frame is painted (`open_window`; the library,
the player and the ratings store are made then). GUI thread, except
`_thread_excepthook`, which runs on whichever worker thread failed and only logs and re-posts.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QFileSystemWatcher, QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from cft_desktop import paths
from cft_desktop.errors import CftError
from cft_desktop.lazy import Lazy
from cft_desktop.ui.common.conventions import key_text, settle_menu_roles
from cft_desktop.ui.common.gui_thread import GuiCalls
from cft_desktop.ui.common.messages import WINDOW_TITLE, show_calm_message
from cft_desktop.ui.common.screen_fit import KeepWindowsOnScreen
from cft_desktop.ui.common.settings import Settings, make_owner_only
from cft_desktop.ui.common.theme import apply_theme, palette_named
from cft_desktop.ui.window.main_window import MainWindow, WindowParts

if TYPE_CHECKING:
    from cft_desktop.core.library import Library
    from cft_desktop.core.script import Script
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.store.lock import Lease
    from cft_desktop.voice.narrator import Narrator

LOG_FILE = "cft-desktop.log"
log = logging.getLogger("cft_desktop")


def default_narrator() -> Narrator:
    """The neural voice (loaded lazily, on the narrator worker) with the on-disk clip cache: the
    same narrator as the command line's (`cft_desktop.play.narration`)."""
    # Here, not at the top: it pulls in numpy and pydub, which load after the first frame.
    from cft_desktop.play.narration import default_narrator as make

    return make()


def _load_assets() -> SoundAssets:
    from cft_desktop.sound.mixer import SoundAssets

    return SoundAssets.load()


def _load_library() -> Library:
    from cft_desktop.core.library import Library

    return Library(user_dir=paths.user_scripts_dir())


def build_window(
    narrator: Narrator | None = None,
    assets: SoundAssets | None = None,
    library: Library | None = None,
    settings: Settings | None = None,
    check_sound: bool = True,
    ratings: bool = True,
    *,
    defer: bool = False,
) -> MainWindow:
    """Everything the window needs, created once; tests pass a narrator with a stand-in voice.

    `ratings=False` leaves out the ratings controller (tests of playback alone use it).
    `defer=True` returns the empty, themed frame; `MainWindow.build` fills it (see `open_window`).
    """
    if QApplication.instance() is None:
        raise RuntimeError("create the QApplication before the window")
    settings = settings or Settings()
    app = QApplication.instance()
    if isinstance(app, QApplication):
        # Styled before any widget exists, so no widget is polished twice.
        prefs = settings.display()
        apply_theme(app, palette_named(prefs.theme), prefs.large_text)
        KeepWindowsOnScreen.install(app)
    features = _Features(
        library=library if library is not None else _load_library,
        narrator=narrator or Lazy(default_narrator, "narrator"),
        assets=assets or Lazy(_load_assets, "sound"),
        settings=settings,
        check_sound=check_sound,
        ratings=ratings,
    )
    return MainWindow(settings, features.build, build_now=not defer)


@dataclass(frozen=True)
class _Features:
    """The one place every feature of the window is made and handed what it uses."""

    library: Library | Callable[[], Library]
    narrator: Narrator | Lazy[Narrator]
    assets: SoundAssets | Lazy[SoundAssets]
    settings: Settings
    check_sound: bool
    ratings: bool

    def build(self, window: MainWindow) -> WindowParts:
        """Fill `window` (called once by `MainWindow.build`, after its first frame if deferred)."""
        # Here, not at the top: they would all come before the first frame.
        from cft_desktop.core.library import Library
        from cft_desktop.sound.settings import available_beds
        from cft_desktop.ui.client.comfort import ComfortActions
        from cft_desktop.ui.client.pace import PaceControl
        from cft_desktop.ui.client.simple_view import SimpleView
        from cft_desktop.ui.help.menu import HelpMenu
        from cft_desktop.ui.library.library_view import LibraryView
        from cft_desktop.ui.panels.pacing_panel import PacingPanel
        from cft_desktop.ui.player.controller import PracticeController
        from cft_desktop.ui.player.grounding import GROUND_KEY
        from cft_desktop.ui.player.playback import Playback
        from cft_desktop.ui.player.player_view import PlayerView
        from cft_desktop.ui.scripts.actions import ScriptEditing

        settings, assets = self.settings, self.assets
        library = self.library if isinstance(self.library, Library) else self.library()
        playback = Playback(self.narrator, assets, window)
        # Lazy assets are not loaded yet: offer the beds whose files are there (no file is read).
        beds = available_beds(paths.audio_dir()) if isinstance(assets, Lazy) else list(assets.beds)
        library_view = LibraryView(library)
        library_view.setMinimumWidth(230)
        player_view = PlayerView()
        pacing_panel = PacingPanel(settings.pacing(), settings.mix(), settings.display(),
                                   sorted(beds), settings=settings)
        # The simple view: one Pace control under the buttons while the side panel is hidden.
        pace = PaceControl()
        player_view.set_pace(pace)
        simple_view = SimpleView(pacing_panel, pace, library_view)
        window.place(
            simple_view.left, player_view, pacing_panel,
            focus_chain=[library_view.list, *player_view.focus_chain(),
                         *simple_view.focus_chain(), *pacing_panel.focus_chain()],
            fallback_focus=lambda: next(
                (w for w in player_view.focus_chain() if w.isEnabled()), player_view.ground),
        )
        practice = PracticeController(window, library, library_view, player_view, pacing_panel,
                                      playback, settings, window.actions, self.check_sound)
        # Scripts menu: edit a copy, new, import, export, save as audio.
        script_editing = ScriptEditing(window, window.actions, library, library_view,
                                       pacing_panel, playback, practice)
        from cft_desktop.ui.recorder.menu import RecorderMenu

        def chosen_script() -> Script | None:
            entry = library_view.current_entry()
            return entry.script if entry is not None else None

        RecorderMenu(window, window.actions, settings, chosen_script, pacing_panel.pacing,
                     pacing_panel.refresh_voices)
        window.add_view_menu()
        simple_view.attach(window.actions)
        ComfortActions(window.actions, pacing_panel)
        help_menu = HelpMenu(window, window.actions, settings,
                             extra_keys=[(key_text(GROUND_KEY), "Ground me")])
        parts = WindowParts(library=library, library_view=library_view, player_view=player_view,
                            pacing_panel=pacing_panel, playback=playback, practice=practice,
                            script_editing=script_editing, simple_view=simple_view,
                            help=help_menu)
        practice.apply_display(pacing_panel.display())
        practice.restore()
        if self.ratings:
            # Before-ratings, the store, the safety flow. Made before the filled window is first
            # painted, so its status line never shifts the pacer afterwards.
            from cft_desktop.ui.records.controller import RecordsController

            parts.records = RecordsController.install(
                window, window.actions, practice, playback, pacing_panel, library,
                settings=settings, after_welcome=help_menu.after_welcome)
            simple_view.follow_therapist_mode(parts.records.therapist_mode,
                                              parts.records.therapist_mode_changed)
            window.closing.connect(parts.records.shutdown)
            # The client's plan goes out with each take-home file.
            script_editing.take_home.set_plan_source(parts.records.plan_text)
        help_menu.add_items()
        # The welcome, the first time the window is on screen on this computer account.
        window.when_shown(help_menu.welcome_if_new)
        # Last, once every feature has added its menus.
        settle_menu_roles(window.menuBar())
        return parts


# If no frame is ever painted (a desktop that starts the window minimised), build anyway.
FIRST_FRAME_WAIT_MS = 1000
OPEN_FAILED = ("CFT Desktop could not finish opening. Please close it and open it again; if this "
               "happens again, the log file says why.")


class _AfterFirstFrame(QObject):
    """Calls `then` once, just after the window's first frame has been painted and shown."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._then: Callable[[], None] | None = then
        window.installEventFilter(self)
        QTimer.singleShot(FIRST_FRAME_WAIT_MS, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Paint:
            # Queued, so it runs after this paint has been flushed to the screen.
            QTimer.singleShot(0, self._fire)
        return False

    @Slot()
    def _fire(self) -> None:
        if self._then is None:
            return
        then, self._then = self._then, None
        self._window.removeEventFilter(self)
        if self._window.isVisible():  # not closed in the meantime
            then()


def open_window(narrator: Narrator | None = None) -> MainWindow:
    """The window as `cft-desktop` opens it: the empty frame at once, filled after its first frame.

    The frame is themed and sized as it will stay, so filling it is one change on screen.
    """
    window = build_window(narrator=narrator, defer=True)
    set_error_parent(window)
    _AfterFirstFrame(window, lambda: _fill(window))
    window.show()
    return window


def _fill(window: MainWindow) -> None:
    try:
        window.build()
    except Exception:  # an empty window with no way forward is worse than a plain message
        log.critical("the window could not be built", exc_info=True)
        show_calm_message(window, OPEN_FAILED, _log_hint()).finished.connect(window.close)
        return
    log.info("window filled at %d×%d", window.width(), window.height())


class _ErrorRelay(QObject):
    """Carries an error from any thread to a dialog on the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.parent_widget: QWidget | None = None
        self.dialog: QMessageBox | None = None
        self._pending: str | None = None
        self._gui = GuiCalls(self)

    def report(self, text: str) -> None:
        """Any thread: show `text` in a calm dialog, from the GUI thread's event loop."""
        self._gui.post(lambda: self._on_report(text))

    def _on_report(self, text: str) -> None:
        # Shown from the event loop, never inside the call that failed (it may be a paint).
        if self._pending is None:
            self._pending = text
            QTimer.singleShot(0, self._show_pending)

    @Slot()
    def _show_pending(self) -> None:
        text, self._pending = self._pending, None
        # The dialog deletes itself when closed; shiboken knows whether it still exists.
        if text is None or (self.dialog is not None and shiboken6.isValid(self.dialog)
                            and self.dialog.isVisible()):
            return  # one calm dialog at a time, never a cascade
        parent = self.parent_widget
        if parent is not None and not shiboken6.isValid(parent):
            parent = self.parent_widget = None
        self.dialog = show_calm_message(parent, text, _log_hint())


_relay: _ErrorRelay | None = None
_log_path: Path | None = None


def _log_hint() -> str:
    where = f" in {_log_path}" if _log_path is not None else ""
    return f"The details were saved to the log file{where}. Your practices and settings are safe."


def user_message(error: BaseException) -> str:
    """Plain words for a person: our own errors say what to do; anything else stays vague."""
    if isinstance(error, CftError):
        return str(error)
    return "Something unexpected happened. You can carry on, or close and reopen CFT Desktop."


def install_error_handling(log_dir: Path | None = None) -> Path:
    """Log to a file and turn unexpected errors into calm dialogs. Returns the log file's path."""
    global _relay, _log_path
    folder = log_dir or paths.log_dir()
    _log_path = folder / LOG_FILE
    root = logging.getLogger()
    # The log can name practices and errors about a person's files: owner-only, whatever the umask
    # (logging would create it 0644 under the usual one).
    make_owner_only(_log_path)
    if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == _log_path
               for h in root.handlers):
        handler = logging.FileHandler(_log_path, encoding="utf-8")
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
        )
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    if _relay is None:
        _relay = _ErrorRelay()
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
    return _log_path


def set_error_parent(widget: QWidget | None) -> None:
    if _relay is not None:
        _relay.parent_widget = widget


def _excepthook(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    log.critical("unexpected error", exc_info=(kind, error, trace))
    if _relay is not None:
        _relay.report(user_message(error))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    log.critical("unexpected error in thread %s", getattr(args.thread, "name", "?"),
                 exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
    if _relay is not None:
        _relay.report(user_message(args.exc_value))


def run_gui(argv: Sequence[str] | None = None, narrator: Narrator | None = None) -> int:
    """Open the window and run until it is closed; the exit status of the event loop."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("cft-desktop")
    app.setApplicationDisplayName(WINDOW_TITLE)
    log_path = install_error_handling()
    log.info("starting; log at %s", log_path)
    if not _claim_instance():
        return _bring_first_forward(app)
    window = open_window(narrator)
    _ShowRequests(window)
    log.info("window shown at %d×%d", window.width(), window.height())
    status = app.exec()
    log.info("closed with status %s", status)
    return int(status)


# ------------------------------------------------------------------ one window at a time (issue 15)
# The window holds the ratings store's lock (store/lock.py) for its whole life, so a second start
# finds it busy: it asks the first window to come forward, by appending to a small request file
# the first one watches (QFileSystemWatcher, in QtCore: no network module), says so, and ends.

ALREADY_OPEN = "CFT Desktop is already open on this computer. It has been brought to the front."
_MAX_REQUEST_BYTES = 64 * 1024
_instance_lease: Lease | None = None  # held until the process ends; the OS drops it then


def _claim_instance() -> bool:
    """Take the store's lock for this window's life; False if another *window* holds it."""
    global _instance_lease
    from cft_desktop.store import db
    from cft_desktop.store import lock as store_lock

    try:
        _instance_lease = store_lock.acquire(db.default_path(), role="window")
    except store_lock.StoreBusyError:
        holder = store_lock.holder(db.default_path()) or {}
        # A ratings command holds it only for a moment: open as usual (the ratings controller
        # says plainly if the store is still in use).
        return holder.get("role") != "window"
    except CftError as exc:  # e.g. the data folder cannot be created: the store will say so
        log.warning("could not take the store lock: %s", exc)
    return True


def _bring_first_forward(app: QApplication) -> int:
    from cft_desktop.store import db
    from cft_desktop.store import lock as store_lock

    store_lock.request_show(db.default_path())
    log.info("another CFT Desktop window is open; asked it to come to the front")
    print(ALREADY_OPEN, file=sys.stderr, flush=True)
    box = show_calm_message(None, ALREADY_OPEN)
    box.finished.connect(app.quit)
    return int(app.exec())


class _ShowRequests(QObject):
    """Raises and activates `window` whenever a second start appends to the request file."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        from cft_desktop.store import db
        from cft_desktop.store import lock as store_lock

        self._window = window
        self._path = store_lock.show_request_path(db.default_path())
        self._watcher = QFileSystemWatcher(self)
        try:
            self._path.touch(exist_ok=True)  # a watcher can only watch a file that exists
            self._size = self._path.stat().st_size
        except OSError as exc:
            log.warning("cannot watch %s: %s", self._path, exc)
            return
        self._watcher.addPath(str(self._path))
        self._watcher.fileChanged.connect(self._on_changed)

    @Slot(str)
    def _on_changed(self, _path: str) -> None:
        try:
            size = self._path.stat().st_size
        except OSError:
            return
        if str(self._path) not in self._watcher.files():
            self._watcher.addPath(str(self._path))  # replaced rather than appended to
        grew, self._size = size > self._size, size
        if size > _MAX_REQUEST_BYTES:
            with open(self._path, "wb"):  # keep the file small; emptying it is not a request
                self._size = 0
        if grew:
            window = self._window
            if window.isMinimized():
                window.showNormal()
            window.raise_()
            window.activateWindow()
            log.info("brought to the front at the request of a second start")
