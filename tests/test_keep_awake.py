"""Keeping the screen on and the computer awake while playing (cft_desktop.keep_awake).

Real D-Bus: each test starts private dbus-daemons (one standing for the session bus, one for the
system bus) and, on them, small stand-ins for the desktop's screensaver service and for
systemd-logind that answer as those do: a cookie for ScreenSaver.Inhibit, a file descriptor for
login1.Manager.Inhibit. The logind stand-in hands out the write end of a pipe and keeps the read
end, so the test sees the inhibitor released exactly when the last copy is closed, as logind does.
"""

from __future__ import annotations

import logging
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from cft_desktop.keep_awake import (
    APP_NAME,
    LOGIND_NAME,
    LOGIND_PATH,
    SCREENSAVER_NAME,
    SCREENSAVER_PATH,
    KeepAwake,
)

Handler = Callable[[Any], tuple[str, tuple[object, ...]]]


def _start_bus() -> tuple[subprocess.Popen[str], str]:
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    assert address.startswith("unix:"), address
    return daemon, address


@pytest.fixture
def buses() -> Iterator[tuple[str, str]]:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("the D-Bus backend is the Linux one; Windows and macOS have their own tests")
    if shutil.which("dbus-daemon") is None:
        pytest.fail("dbus-daemon is required (Debian package dbus; dev.sh installs it)")
    session, session_address = _start_bus()
    system, system_address = _start_bus()
    yield session_address, system_address
    for daemon in (session, system):
        daemon.terminate()
        daemon.wait(5)


@dataclass
class StandIn:
    """A D-Bus service on its own thread that records each call and answers with `handler`."""

    address: str
    name: str
    handler: Handler
    enable_fds: bool = False
    calls: list[tuple[str, str, tuple[object, ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self._connection = open_dbus_connection(self.address, enable_fds=self.enable_fds)
        self._connection.send_and_get_reply(message_bus.RequestName(self.name))
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from jeepney import MessageType, new_method_return

        while self._running:
            try:
                message = self._connection.receive(timeout=0.1)
            except TimeoutError:
                continue
            except OSError:
                return
            if message.header.message_type != MessageType.method_call:
                continue
            fields = message.header.fields
            member = fields[next(k for k in fields if k.name == "member")]
            path = fields[next(k for k in fields if k.name == "path")]
            self.calls.append((str(path), str(member), tuple(message.body)))
            signature, body = self.handler(message)
            self._connection.send(new_method_return(message, signature, body))

    def stop(self) -> None:
        self._running = False
        self._thread.join(2)
        self._connection.close()


class Logind:
    """Hands out the write end of a fresh pipe for each Inhibit and keeps the read ends."""

    def __init__(self) -> None:
        self.read_ends: list[int] = []

    def __call__(self, message: Any) -> tuple[str, tuple[object, ...]]:
        read_end, write_end = os.pipe()
        self.read_ends.append(read_end)
        # Sent, then our own copy closed: only the client's copy keeps the pipe open.
        threading.Timer(0.5, os.close, (write_end,)).start()
        return "h", (write_end,)

    def released(self, index: int, timeout_s: float = 3.0) -> bool:
        """True once every copy of that inhibitor's descriptor is closed (the read end sees EOF)."""
        ready, _, _ = select.select([self.read_ends[index]], [], [], timeout_s)
        return bool(ready) and os.read(self.read_ends[index], 1) == b""

    def close(self) -> None:
        for fd in self.read_ends:
            os.close(fd)


def test_playing_keeps_the_screen_on_and_the_laptop_awake_until_released(
    buses: tuple[str, str],
) -> None:
    session_address, system_address = buses
    cookies = iter(range(7, 100))

    def screensaver(message: Any) -> tuple[str, tuple[object, ...]]:
        # Inhibit answers a cookie; UnInhibit answers nothing.
        return ("u", (next(cookies),)) if len(message.body) == 2 else ("", ())

    saver = StandIn(session_address, SCREENSAVER_NAME, screensaver)
    logind = Logind()
    login1 = StandIn(system_address, LOGIND_NAME, logind, enable_fds=True)
    awake = KeepAwake(session_address, system_address)
    try:
        awake.hold("A guided practice is playing")
        awake.hold("A guided practice is playing")  # already held: asked once
        assert awake.wait_until_done()
        assert saver.calls == [(SCREENSAVER_PATH, "Inhibit", (APP_NAME, "A guided practice is playing"))]
        assert login1.calls == [(LOGIND_PATH, "Inhibit",
                                 ("sleep:idle", APP_NAME, "A guided practice is playing", "block"))]
        assert awake.screen_kept_on and awake.sleep_blocked
        assert not logind.released(0, timeout_s=0.8)  # still held after the service closed its copy

        awake.release()
        assert awake.wait_until_done()
        assert saver.calls[-1] == (SCREENSAVER_PATH, "UnInhibit", (7,))
        assert logind.released(0)
        assert not awake.screen_kept_on and not awake.sleep_blocked

        # Played again: a new request; closing the window withdraws it too.
        awake.hold("A guided practice is playing")
        assert awake.wait_until_done()
        assert saver.calls[-1][1] == "Inhibit" and awake.sleep_blocked
        awake.close()
        assert saver.calls[-1] == (SCREENSAVER_PATH, "UnInhibit", (8,))
        assert logind.released(1)
    finally:
        awake.close()
        saver.stop()
        login1.stop()
        logind.close()


def test_without_the_services_or_any_bus_nothing_fails(buses: tuple[str, str]) -> None:
    session_address, system_address = buses
    no_services = KeepAwake(session_address, system_address)
    no_bus = KeepAwake("unix:path=/nonexistent/bus", None)
    try:
        for awake in (no_services, no_bus):
            awake.hold("A guided practice is playing")
            awake.release()
            awake.hold("A guided practice is playing")
            assert awake.wait_until_done()
            assert not awake.screen_kept_on and not awake.sleep_blocked
    finally:
        no_services.close()
        no_bus.close()


def test_without_a_bus_it_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "cft_desktop.keep_awake")
    awake = KeepAwake("unix:path=/nonexistent/bus", None)
    for _ in range(3):
        awake.hold("A guided practice is playing")
        awake.release()
    awake.close()
    records = [r for r in caplog.records if r.name.startswith("cft_desktop.keep_awake")]
    assert len(records) == 1 and "no session bus" in records[0].getMessage()
    assert records[0].exc_info is None


def test_the_sleep_inhibitor_is_let_go_even_when_the_screensaver_hangs(
    buses: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cft_desktop.keep_awake import linux

    session_address, system_address = buses
    monkeypatch.setattr(linux, "CALL_TIMEOUT_S", 0.3)

    def screensaver(message: Any) -> tuple[str, tuple[object, ...]]:
        if len(message.body) == 1:
            time.sleep(0.8)  # UnInhibit answered only after we have stopped waiting
            return "", ()
        return "u", (7,)

    saver = StandIn(session_address, SCREENSAVER_NAME, screensaver)
    logind = Logind()
    login1 = StandIn(system_address, LOGIND_NAME, logind, enable_fds=True)
    awake = KeepAwake(session_address, system_address)
    try:
        awake.hold("A guided practice is playing")
        assert awake.wait_until_done() and awake.sleep_blocked
        awake.release()
        assert awake.wait_until_done()
        assert logind.released(0)
        assert not awake.screen_kept_on and not awake.sleep_blocked
    finally:
        awake.close()
        saver.stop()
        login1.stop()
        logind.close()
