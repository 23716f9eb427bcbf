"""Linux and other freedesktop systems: keeping the screen on and the computer awake over D-Bus.

Owns two requests to the desktop: the freedesktop ScreenSaver `Inhibit` on the session bus (the
screen does not blank; GNOME, KDE, Xfce and others answer it) and a systemd-logind "sleep:idle"
inhibitor on the system bus (the laptop does not suspend; logind holds it for as long as we keep
the file descriptor it hands us open), and the two bus connections they go over. D-Bus is local
inter-process messaging over a Unix socket: nothing here touches a network.

Thread: the "keep-awake" worker only, which opens the connections and makes every call, so a slow
or missing desktop service never stalls the window. Without a bus or a service this says so once
and grants nothing. No Qt.
"""

from __future__ import annotations

import logging
from typing import Any

from .base import APP_NAME, NOTHING, Granted, OnceLog

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 1.0

SCREENSAVER_NAME = "org.freedesktop.ScreenSaver"
SCREENSAVER_PATH = "/org/freedesktop/ScreenSaver"
LOGIND_NAME = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_INTERFACE = "org.freedesktop.login1.Manager"


class FreedesktopBackend:
    """`session_bus` / `system_bus`: "SESSION" / "SYSTEM" (the user's own), a D-Bus address, or
    None to leave that bus alone."""

    def __init__(self, session_bus: str | None = "SESSION", system_bus: str | None = "SYSTEM") -> None:
        self._buses = {"session": session_bus, "system": system_bus}
        # Opened on first use and kept: a second play should not pay for the handshake again.
        self._connections: dict[str, Any] = {}
        self._cookie: int | None = None
        self._sleep_fd: Any = None  # jeepney FileDescriptor while logind's inhibitor is ours
        self._once = OnceLog(log)

    def hold(self, reason: str) -> Granted:
        session = self._connection("session")
        if session is not None and self._cookie is None:
            body = self._call(session, SCREENSAVER_NAME, SCREENSAVER_PATH, SCREENSAVER_NAME,
                              "Inhibit", "ss", (APP_NAME, reason))
            if body:
                self._cookie = int(body[0])
            else:
                self._once.say("screensaver", "the desktop did not agree to keep the screen on")
        system = self._connection("system")
        if system is not None and self._sleep_fd is None:
            body = self._call(system, LOGIND_NAME, LOGIND_PATH, LOGIND_INTERFACE, "Inhibit", "ssss",
                              ("sleep:idle", APP_NAME, reason, "block"))
            if body:
                self._sleep_fd = body[0]
            else:
                self._once.say("logind", "the system did not agree to stay awake")
        if self._cookie is None and self._sleep_fd is None:
            return NOTHING
        return Granted(screen=self._cookie is not None, sleep=self._sleep_fd is not None)

    def release(self) -> None:
        cookie, self._cookie = self._cookie, None
        fd, self._sleep_fd = self._sleep_fd, None
        try:
            session = self._connections.get("session")
            if cookie is not None and session is not None:
                self._call(session, SCREENSAVER_NAME, SCREENSAVER_PATH, SCREENSAVER_NAME,
                           "UnInhibit", "u", (cookie,))
        finally:
            # Even when the desktop fails to answer: logind lets go of the inhibitor as soon as
            # the last copy of its descriptor is closed, and ours is the last.
            if fd is not None:
                fd.close()

    def close(self) -> None:
        try:
            self.release()
        finally:
            # Closing the session connection also ends any inhibit a failed UnInhibit left behind:
            # desktops drop the requests of a client that leaves the bus.
            connections, self._connections = self._connections, {}
            for connection in connections.values():
                if connection is not None:
                    connection.close()

    def _connection(self, which: str) -> Any:
        if which in self._connections:
            return self._connections[which]
        address = self._buses[which]
        connection = None
        if address is not None:
            try:
                from jeepney.io.blocking import open_dbus_connection

                connection = open_dbus_connection(address, enable_fds=which == "system",
                                                  auth_timeout=CONNECT_TIMEOUT_S)
            except Exception as exc:  # no bus (a bare session, a container): nothing to ask
                self._once.say(which, "no %s bus to ask (%s)", which, exc)
        self._connections[which] = connection
        return connection

    @staticmethod
    def _call(connection: Any, name: str, path: str, interface: str, method: str,
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
