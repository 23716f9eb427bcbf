"""Keeping the screen on and the computer awake while a practice plays.

Owns two requests to the desktop, made when sound starts and withdrawn on pause, stop or close: the
freedesktop ScreenSaver `Inhibit` on the session bus (the screen does not blank; GNOME, KDE, Xfce
and others answer it) and a systemd-logind "sleep:idle" inhibitor on the system bus (the laptop
does not suspend; logind holds it for as long as we keep the file descriptor it hands us open).
D-Bus is local inter-process messaging over a Unix socket: nothing here touches a network.

Threads: `hold()`, `release()` and `close()` are called on the GUI thread and only queue a
request; one worker thread ("keep-awake") owns the bus connections and does every D-Bus call, so a
slow or missing desktop service can never stall the window. Without a bus or a service the worker
logs once and carries on: playing never depends on this. No Qt.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

APP_NAME = "CFT Desktop"
CALL_TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 1.0

SCREENSAVER_NAME = "org.freedesktop.ScreenSaver"
SCREENSAVER_PATH = "/org/freedesktop/ScreenSaver"
LOGIND_NAME = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_INTERFACE = "org.freedesktop.login1.Manager"


@dataclass
class _Held:
    """What the worker holds now (worker thread only)."""

    screensaver_cookie: int | None = None
    sleep_fd: Any = None  # jeepney FileDescriptor while logind's inhibitor is ours
    warned: set[str] = field(default_factory=set)


class KeepAwake:
    """`session_bus` / `system_bus`: "SESSION" / "SYSTEM" (the user's own), a D-Bus address, or
    None to leave that bus alone."""

    def __init__(self, session_bus: str | None = "SESSION", system_bus: str | None = "SYSTEM") -> None:
        self._buses = {"session": session_bus, "system": system_bus}
        self._requests: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._submitted = 0
        self._done = 0
        self._progress = threading.Condition()
        self.held = False  # as last asked for (GUI thread)
        # What the desktop has granted, for the window and tests; written by the worker only.
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
        connections: dict[str, Any] = {}
        held = _Held()
        try:
            while True:
                kind, reason = self._requests.get()
                try:
                    if kind == "hold":
                        self._inhibit(connections, held, reason)
                    else:
                        self._uninhibit(connections, held)
                except Exception:  # a misbehaving desktop service must not end the worker
                    log.exception("keeping the computer awake: %s failed", kind)
                finally:
                    with self._progress:
                        self._done += 1
                        self._progress.notify_all()
                if kind == "stop":
                    return
        finally:
            for connection in connections.values():
                if connection is not None:
                    connection.close()

    def _connection(self, connections: dict[str, Any], which: str, held: _Held) -> Any:
        if which in connections:
            return connections[which]
        address = self._buses[which]
        connection = None
        if address is not None:
            from jeepney.io.blocking import open_dbus_connection

            try:
                connection = open_dbus_connection(address, enable_fds=which == "system",
                                                  auth_timeout=CONNECT_TIMEOUT_S)
            except Exception as exc:  # no bus (a bare session, a container): nothing to ask
                self._warn_once(held, which, f"no {which} bus to ask ({exc})")
        connections[which] = connection
        return connection

    def _call(self, connection: Any, name: str, path: str, interface: str, method: str,
              signature: str, args: tuple[object, ...]) -> Any:
        """The reply's body, or None when the service is missing or answers with an error."""
        from jeepney import DBusAddress, MessageType, new_method_call

        address = DBusAddress(path, bus_name=name, interface=interface)
        reply = connection.send_and_get_reply(new_method_call(address, method, signature, args),
                                              timeout=CALL_TIMEOUT_S)
        if reply.header.message_type == MessageType.error:
            log.info("%s.%s answered: %s", name, method, reply.body[0] if reply.body else "error")
            return None
        return reply.body

    def _inhibit(self, connections: dict[str, Any], held: _Held, reason: str) -> None:
        session = self._connection(connections, "session", held)
        if session is not None and held.screensaver_cookie is None:
            body = self._call(session, SCREENSAVER_NAME, SCREENSAVER_PATH, SCREENSAVER_NAME,
                              "Inhibit", "ss", (APP_NAME, reason))
            if body:
                held.screensaver_cookie = int(body[0])
                self.screen_kept_on = True
            else:
                self._warn_once(held, "screensaver", "the desktop did not agree to keep the screen on")
        system = self._connection(connections, "system", held)
        if system is not None and held.sleep_fd is None:
            body = self._call(system, LOGIND_NAME, LOGIND_PATH, LOGIND_INTERFACE, "Inhibit", "ssss",
                              ("sleep:idle", APP_NAME, reason, "block"))
            if body:
                held.sleep_fd = body[0]
                self.sleep_blocked = True
            else:
                self._warn_once(held, "logind", "the system did not agree to stay awake")

    def _uninhibit(self, connections: dict[str, Any], held: _Held) -> None:
        cookie, held.screensaver_cookie = held.screensaver_cookie, None
        session = connections.get("session")
        if cookie is not None and session is not None:
            self._call(session, SCREENSAVER_NAME, SCREENSAVER_PATH, SCREENSAVER_NAME, "UnInhibit",
                       "u", (cookie,))
        self.screen_kept_on = False
        fd, held.sleep_fd = held.sleep_fd, None
        if fd is not None:
            # logind lets go of the inhibitor when the last copy of its descriptor is closed.
            fd.close()
        self.sleep_blocked = False

    @staticmethod
    def _warn_once(held: _Held, key: str, message: str) -> None:
        if key not in held.warned:
            held.warned.add(key)
            log.info("keeping the computer awake: %s", message)
