"""Keeping the screen on and the computer awake while a practice plays.

Owns the request to the operating system, made when sound starts and withdrawn on pause, stop and
close, and the choice of how to make it (`backend_for`, by `sys.platform`): on Windows
`SetThreadExecutionState` (windows.py); on macOS an IOKit power assertion, or `caffeinate` where
IOKit will not load (macos.py); elsewhere the freedesktop ScreenSaver and systemd-logind over
local D-Bus (linux.py). Where none of these is there, it says so once and sound plays as usual:
playing never depends on this. Nothing here touches a network.

Threads: `hold()`, `release()` and `close()` are called on the GUI thread and only queue a
request; one worker thread ("keep-awake") builds the backend and makes every call to it, so a slow
system service can never stall the window, and Windows, which ties the request to the thread that
made it, sees one thread that lives for as long as anything is held. No Qt.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections.abc import Callable

from .base import APP_NAME, Backend, Granted, QuietBackend
from .linux import (
    CALL_TIMEOUT_S,
    CONNECT_TIMEOUT_S,
    LOGIND_INTERFACE,
    LOGIND_NAME,
    LOGIND_PATH,
    SCREENSAVER_NAME,
    SCREENSAVER_PATH,
    FreedesktopBackend,
)

__all__ = [
    "APP_NAME",
    "CALL_TIMEOUT_S",
    "CONNECT_TIMEOUT_S",
    "LOGIND_INTERFACE",
    "LOGIND_NAME",
    "LOGIND_PATH",
    "SCREENSAVER_NAME",
    "SCREENSAVER_PATH",
    "Backend",
    "BackendFactory",
    "Granted",
    "KeepAwake",
    "backend_for",
]

log = logging.getLogger(__name__)

BackendFactory = Callable[[], Backend]


def backend_for(platform: str, session_bus: str | None = "SESSION",
                system_bus: str | None = "SYSTEM") -> BackendFactory:
    """How to keep `platform` (a `sys.platform` value) awake. The buses matter only where D-Bus
    is used. The factory is called on the worker thread."""
    if platform == "win32":
        from .windows import WindowsBackend

        return WindowsBackend
    if platform == "darwin":
        from .macos import mac_backend

        return mac_backend
    # Linux and the BSDs run freedesktop desktops; without a bus this grants nothing, quietly.
    return lambda: FreedesktopBackend(session_bus, system_bus)


class KeepAwake:
    """`session_bus` / `system_bus` (Linux and other D-Bus systems): "SESSION" / "SYSTEM" (the
    user's own), a D-Bus address, or None to leave that bus alone. `backend`: how to ask, in place
    of the one `backend_for(sys.platform)` picks (tests)."""

    def __init__(self, session_bus: str | None = "SESSION", system_bus: str | None = "SYSTEM", *,
                 backend: BackendFactory | None = None) -> None:
        self._make_backend = backend or backend_for(sys.platform, session_bus, system_bus)
        self._requests: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._submitted = 0
        self._done = 0
        self._progress = threading.Condition()
        self.held = False  # as last asked for (GUI thread)
        # What the system has granted, for the window and tests; written by the worker only.
        self.screen_kept_on = False
        self.sleep_blocked = False

    # -- GUI thread -------------------------------------------------------------------------------

    def hold(self, reason: str) -> None:
        if not self.held:
            self.held = True
            self._submit("hold", reason)

    def release(self) -> None:
        if self.held:
            self.held = False
            self._submit("release", "")

    def close(self, timeout_s: float = 2.0) -> None:
        """Withdraw everything and end the worker (window closing)."""
        self.held = False
        if self._thread is not None:
            self._submit("stop", "")
            self._thread.join(timeout_s)
            self._thread = None

    def wait_until_done(self, timeout_s: float = 5.0) -> bool:
        """True once the worker has carried out every request made so far."""
        with self._progress:
            target = self._submitted
            return self._progress.wait_for(lambda: self._done >= target, timeout_s)

    def _submit(self, kind: str, reason: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="keep-awake", daemon=True)
            self._thread.start()
        with self._progress:
            self._submitted += 1
        self._requests.put((kind, reason))

    # -- worker thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        backend = self._backend()
        try:
            while True:
                kind, reason = self._requests.get()
                try:
                    if kind == "hold":
                        granted = backend.hold(reason)
                        self.screen_kept_on, self.sleep_blocked = granted.screen, granted.sleep
                    else:
                        # "stop" withdraws here too, so close() has withdrawn once it returns.
                        self.screen_kept_on = self.sleep_blocked = False
                        backend.release()
                except Exception:  # a misbehaving system service must not end the worker
                    log.exception("keeping the computer awake: %s failed", kind)
                finally:
                    with self._progress:
                        self._done += 1
                        self._progress.notify_all()
                if kind == "stop":
                    return
        finally:
            try:
                backend.close()
            except Exception:
                log.exception("keeping the computer awake: closing failed")

    def _backend(self) -> Backend:
        try:
            return self._make_backend()
        except Exception:  # a broken platform library must not take the worker with it
            log.exception("keeping the computer awake: could not set up")
            return QuietBackend("setting up failed")
