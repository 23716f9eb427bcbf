"""Keeping the screen on and the computer awake on Windows and macOS, and where nothing exists
(cft_desktop.keep_awake.windows, .macos, the choice in cft_desktop.keep_awake.backend_for).

This runs on Linux, so kernel32, IOKit and CoreFoundation are stand-ins that record each call at
the C function's own level (flags, CFString handles, the assertion id written through a real
ctypes pointer); the code around them is the real one. The caffeinate fallback starts a real child
process: a small Python stand-in that records its arguments and sleeps, so the tests see it
running while held and gone once released. The real loaders are also run here, where they must
fail quietly.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cft_desktop.keep_awake import APP_NAME, KeepAwake, backend_for
from cft_desktop.keep_awake import macos as macos_module
from cft_desktop.keep_awake.base import QuietBackend
from cft_desktop.keep_awake.linux import FreedesktopBackend
from cft_desktop.keep_awake.macos import (
    CaffeinateBackend,
    CoreFoundation,
    IOKit,
    IOKitBackend,
    load_iokit,
    mac_backend,
)
from cft_desktop.keep_awake.windows import WindowsBackend

REASON = "A guided practice is playing"
LOGGER = "cft_desktop.keep_awake"


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(LOGGER)]


def _exercise(awake: KeepAwake) -> None:
    """Play, pause, play, stop, play and close the window, as the window would ask."""
    for holding in (True, False, True, False, True):
        if holding:
            awake.hold(REASON)
        else:
            awake.release()
        assert awake.wait_until_done()
    awake.close()


# -- the choice ---------------------------------------------------------------------------------


def test_the_backend_is_chosen_by_platform() -> None:
    assert backend_for("win32") is WindowsBackend
    assert backend_for("darwin") is mac_backend
    for other in ("linux", "freebsd14", "openbsd7"):
        assert isinstance(backend_for(other, None, None)(), FreedesktopBackend)


def test_keep_awake_asks_sys_platform_by_default(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Told it runs on Windows, it reaches for kernel32, which this Linux lacks: one line, no error.
    with monkeypatch.context() as patch:
        patch.setattr(sys, "platform", "win32")
        awake = KeepAwake()
    caplog.set_level(logging.INFO, LOGGER)
    _exercise(awake)
    lines = [r.getMessage() for r in _records(caplog)]
    assert len(lines) == 1 and "kernel32 could not be loaded" in lines[0]
    assert not awake.screen_kept_on and not awake.sleep_blocked


def test_a_backend_that_cannot_be_set_up_leaves_playing_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> WindowsBackend:
        raise RuntimeError("no such library")

    caplog.set_level(logging.INFO, LOGGER)
    awake = KeepAwake(backend=broken)
    _exercise(awake)
    assert not awake.screen_kept_on
    assert sum("could not set up" in r.getMessage() for r in _records(caplog)) == 1


# -- Windows ------------------------------------------------------------------------------------


class FakeKernel32:
    """SetThreadExecutionState as kernel32 exports it, recording (flags, calling thread)."""

    def __init__(self, answer: int = 0x80000000) -> None:
        self.answer = answer  # the "previous state"; 0 means the call failed
        self.calls: list[tuple[int, int]] = []

    def SetThreadExecutionState(self, flags: int) -> int:
        self.calls.append((flags, threading.get_ident()))
        return self.answer


def test_windows_sets_and_clears_the_flags_from_one_living_thread() -> None:
    kernel32 = FakeKernel32()
    awake = KeepAwake(backend=lambda: WindowsBackend(kernel32))
    try:
        awake.hold(REASON)
        awake.hold(REASON)  # already held: asked once
        assert awake.wait_until_done()
        # ES_CONTINUOUS | ES_SYSTEM_REQUIRED | ES_DISPLAY_REQUIRED
        assert [flags for flags, _ in kernel32.calls] == [0x80000003]
        worker = kernel32.calls[0][1]
        assert worker != threading.get_ident()
        assert awake.screen_kept_on and awake.sleep_blocked

        awake.release()  # pause, or stop: the window releases on either
        assert awake.wait_until_done()
        assert kernel32.calls[-1] == (0x80000000, worker)  # ES_CONTINUOUS alone clears
        assert not awake.screen_kept_on and not awake.sleep_blocked

        awake.hold(REASON)
        assert awake.wait_until_done()
        assert kernel32.calls[-1] == (0x80000003, worker)
        awake.close()  # the window closing clears it too, from the same thread
        assert kernel32.calls[-1] == (0x80000000, worker)
        assert [ident for _, ident in kernel32.calls] == [worker] * 4
    finally:
        awake.close()


def test_windows_refusing_is_said_once_and_playing_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    kernel32 = FakeKernel32(answer=0)
    caplog.set_level(logging.INFO, LOGGER)
    awake = KeepAwake(backend=lambda: WindowsBackend(kernel32))
    _exercise(awake)
    records = _records(caplog)
    assert [r.levelno for r in records] == [logging.WARNING]
    assert "refused" in records[0].getMessage() and records[0].exc_info is None
    # Nothing was set, so nothing is cleared; each play asked again.
    assert [flags for flags, _ in kernel32.calls] == [0x80000003] * 3
    assert not awake.screen_kept_on and not awake.sleep_blocked


def test_windows_failing_to_clear_is_said_once() -> None:
    kernel32 = FakeKernel32()
    backend = WindowsBackend(kernel32)
    backend.hold(REASON)
    kernel32.answer = 0
    backend.release()
    backend.release()  # nothing held any more: not called again
    assert [flags for flags, _ in kernel32.calls] == [0x80000003, 0x80000000]


def test_windows_without_kernel32_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    backend = WindowsBackend()  # the real loader, on Linux
    for _ in range(3):
        assert not backend.hold(REASON).screen
        backend.release()
    backend.close()
    assert len(_records(caplog)) == 1


# -- macOS: IOKit -------------------------------------------------------------------------------


class FakeCoreFoundation:
    """CFStringCreateWithCString / CFRelease: hands out handles and tracks which are still live."""

    def __init__(self) -> None:
        self.texts: dict[int, str] = {}
        self.live: set[int] = set()
        self.created: list[tuple[object, str, int]] = []
        self.bad_releases: list[int] = []
        self._next = 0x1000

    def CFStringCreateWithCString(self, allocator: None, text: bytes, encoding: int) -> int | None:
        self._next += 16
        self.created.append((allocator, text.decode("utf-8"), encoding))
        self.texts[self._next] = text.decode("utf-8")
        self.live.add(self._next)
        return self._next

    def CFRelease(self, ref: int) -> None:
        if ref not in self.live:
            self.bad_releases.append(ref)  # a double release or a stranger's handle: a crash on macOS
        self.live.discard(ref)


class FakeIOKit:
    """IOPMAssertionCreateWithName / IOPMAssertionRelease, checking the strings are live CFStrings
    when used and writing each new id through the pointer, as IOKit does."""

    def __init__(self, cf: FakeCoreFoundation, answer: int = 0) -> None:
        self.cf = cf
        self.answer = answer
        self.created: list[tuple[str, int, str, int]] = []
        self.released: list[int] = []
        self.holding: set[int] = set()
        self._next = 40

    def IOPMAssertionCreateWithName(self, assertion_type: int, level: int, name: int,
                                    assertion_id: ctypes._Pointer[ctypes.c_uint32]) -> int:
        assert assertion_type in self.cf.live and name in self.cf.live
        assert isinstance(assertion_id, ctypes.POINTER(ctypes.c_uint32))
        if self.answer != 0:
            return self.answer
        self._next += 1
        assertion_id.contents.value = self._next
        self.created.append((self.cf.texts[assertion_type], level, self.cf.texts[name], self._next))
        self.holding.add(self._next)
        return 0

    def IOPMAssertionRelease(self, assertion_id: int) -> int:
        self.released.append(assertion_id)
        if assertion_id not in self.holding:
            return -536870206  # kIOReturnBadArgument
        self.holding.discard(assertion_id)
        return 0


@pytest.fixture
def frameworks() -> tuple[FakeIOKit, FakeCoreFoundation]:
    cf = FakeCoreFoundation()
    return FakeIOKit(cf), cf


def _mac(iokit: IOKit, cf: CoreFoundation) -> Callable[[], IOKitBackend]:
    return lambda: IOKitBackend(iokit, cf)


def test_macos_holds_one_assertion_and_releases_it_by_its_id(
    frameworks: tuple[FakeIOKit, FakeCoreFoundation],
) -> None:
    iokit, cf = frameworks
    awake = KeepAwake(backend=lambda: mac_backend(load=lambda: (iokit, cf)))
    try:
        awake.hold(REASON)
        awake.hold(REASON)
        assert awake.wait_until_done()
        assert iokit.created == [("PreventUserIdleDisplaySleep", 255, f"{APP_NAME}: {REASON}", 41)]
        assert cf.created == [(None, "PreventUserIdleDisplaySleep", 0x08000100),
                              (None, f"{APP_NAME}: {REASON}", 0x08000100)]
        assert not cf.live  # both strings given back as soon as the assertion exists
        assert awake.screen_kept_on and awake.sleep_blocked

        awake.release()
        assert awake.wait_until_done()
        assert iokit.released == [41] and not iokit.holding
        assert not awake.screen_kept_on and not awake.sleep_blocked

        awake.hold(REASON)
        assert awake.wait_until_done()
        assert [created[3] for created in iokit.created] == [41, 42]
        awake.close()
        assert iokit.released == [41, 42] and not iokit.holding
        assert not cf.live and not cf.bad_releases
    finally:
        awake.close()


def test_macos_asking_twice_makes_one_assertion(
    frameworks: tuple[FakeIOKit, FakeCoreFoundation],
) -> None:
    iokit, cf = frameworks
    backend = _mac(iokit, cf)()
    assert backend.hold(REASON).screen and backend.hold(REASON).sleep
    assert len(iokit.created) == 1 and not cf.live
    backend.release()
    backend.release()
    backend.close()
    assert iokit.released == [41]


def test_macos_refusing_is_said_once_and_leaks_nothing(
    frameworks: tuple[FakeIOKit, FakeCoreFoundation], caplog: pytest.LogCaptureFixture
) -> None:
    iokit, cf = frameworks
    iokit.answer = -536870212  # kIOReturnError
    caplog.set_level(logging.INFO, LOGGER)
    awake = KeepAwake(backend=_mac(iokit, cf))
    _exercise(awake)
    records = _records(caplog)
    assert len(records) == 1 and "0xe00002bc" in records[0].getMessage()
    assert records[0].exc_info is None
    assert len(cf.created) == 6 and not cf.live and not cf.bad_releases
    assert iokit.released == []  # nothing was held
    assert not awake.screen_kept_on


def test_macos_without_cfstrings_asks_nothing_and_leaks_nothing(
    frameworks: tuple[FakeIOKit, FakeCoreFoundation], monkeypatch: pytest.MonkeyPatch
) -> None:
    iokit, cf = frameworks
    made = iter([0x2000, None])  # the type string made, the name not
    monkeypatch.setattr(cf, "CFStringCreateWithCString", lambda *_: next(made))
    monkeypatch.setattr(cf, "live", {0x2000})
    backend = _mac(iokit, cf)()
    assert not backend.hold(REASON).screen
    assert iokit.created == [] and not cf.live and not cf.bad_releases


def test_macos_an_assertion_gone_astray_on_release_is_said(
    frameworks: tuple[FakeIOKit, FakeCoreFoundation], caplog: pytest.LogCaptureFixture
) -> None:
    iokit, cf = frameworks
    caplog.set_level(logging.INFO, LOGGER)
    backend = _mac(iokit, cf)()
    backend.hold(REASON)
    iokit.holding.clear()  # as if already dropped by the system
    backend.close()
    assert ["0xe00002c2" in r.getMessage() for r in _records(caplog)] == [True]


def test_macos_frameworks_do_not_load_here() -> None:
    with pytest.raises(OSError):
        load_iokit()


# -- macOS: caffeinate --------------------------------------------------------------------------

# Stands in for caffeinate: appends "<pid> <arguments>" to the file it is given, then sleeps; with
# "stubborn" it ignores SIGTERM first, as a wedged child might.
SHIM = """
import os, signal, sys, time
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open(sys.argv[2], "a") as out:
    out.write(" ".join([str(os.getpid()), *sys.argv[3:]]) + "\\n")
time.sleep(60)
"""


class Caffeinate:
    def __init__(self, folder: Path, mode: str = "plain") -> None:
        self.log = folder / "caffeinate.log"
        self.command = [sys.executable, "-c", SHIM, mode, str(self.log)]

    def starts(self, count: int, timeout_s: float = 10.0) -> list[tuple[int, list[str]]]:
        """The first `count` starts, once each has written its line."""
        deadline = time.monotonic() + timeout_s
        while True:
            # Only whole lines: a start still writing its own is not counted yet.
            text = self.log.read_text() if self.log.exists() else ""
            lines = [line for line in text.split("\n")[:-1] if line]
            if len(lines) >= count:
                return [(int(line.split()[0]), line.split()[1:]) for line in lines]
            if time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        raise AssertionError(f"caffeinate stand-in started fewer than {count} times")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # Our own child and not a zombie: a finished child that was reaped is gone entirely.
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0] != "Z" and int(fields[1]) == os.getpid()


def _reaped(pid: int) -> bool:
    """Ended and waited for: not even a zombie is left in the process table."""
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture
def caffeinate(tmp_path: Path) -> Iterator[Caffeinate]:
    shim = Caffeinate(tmp_path)
    yield shim
    # Never leave a stand-in sleeping behind a failed test.
    for pid, _ in shim.starts(0, timeout_s=0):
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


def test_without_iokit_caffeinate_runs_while_held_and_dies_with_us(caffeinate: Caffeinate) -> None:
    awake = KeepAwake(backend=lambda: mac_backend(caffeinate=lambda: caffeinate.command))
    try:
        awake.hold(REASON)
        awake.hold(REASON)
        assert awake.wait_until_done()
        [(pid, arguments)] = caffeinate.starts(1)
        # Display on, no idle sleep, and exit when this process does (even if it crashes).
        assert arguments == ["-d", "-i", "-w", str(os.getpid())]
        assert _running(pid) and awake.screen_kept_on and awake.sleep_blocked

        awake.release()
        assert awake.wait_until_done()
        assert _reaped(pid)  # ended and waited for before the release counted as done
        assert not awake.screen_kept_on

        awake.hold(REASON)
        assert awake.wait_until_done()
        (_, _), (again, _) = caffeinate.starts(2)
        assert again != pid and _running(again)
        awake.close()
        assert _reaped(again)
        assert len(caffeinate.starts(2)) == 2  # one child per hold, never more
    finally:
        awake.close()


def test_caffeinate_that_ended_on_its_own_is_started_again(caffeinate: Caffeinate) -> None:
    backend = CaffeinateBackend(caffeinate.command)
    try:
        backend.hold(REASON)
        [(pid, _)] = caffeinate.starts(1)
        backend.hold(REASON)  # still running: left alone
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if status == "Z":
                break
            time.sleep(0.02)
        assert backend.hold(REASON).screen
        assert _reaped(pid)  # the dead one was waited for, not left a zombie
        _, (again, _) = caffeinate.starts(2)
        assert again != pid and _running(again)
    finally:
        backend.close()
    assert _reaped(again)


def test_caffeinate_deaf_to_terminate_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubborn = Caffeinate(tmp_path, "stubborn")
    monkeypatch.setattr(macos_module, "STOP_TIMEOUT_S", 0.3)
    backend = CaffeinateBackend(stubborn.command)
    backend.hold(REASON)
    [(pid, _)] = stubborn.starts(1)  # written after SIGTERM was set aside
    started = time.monotonic()
    backend.release()
    assert _reaped(pid) and time.monotonic() - started < 3


def test_caffeinate_that_cannot_start_is_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    missing = str(tmp_path / "no-such-caffeinate")
    awake = KeepAwake(backend=lambda: mac_backend(caffeinate=lambda: [missing]))
    _exercise(awake)
    lines = [r.getMessage() for r in _records(caplog)]
    # One line for IOKit (this is not a Mac), one for caffeinate; never an exception.
    assert len(lines) == 2 and "IOKit" in lines[0] and "caffeinate could not be started" in lines[1]
    assert all(r.exc_info is None for r in _records(caplog))
    assert not awake.screen_kept_on


# -- neither ------------------------------------------------------------------------------------


def test_with_neither_iokit_nor_caffeinate_it_is_said_once_and_never_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    # The real IOKit loader, which fails on this Linux, and no caffeinate.
    awake = KeepAwake(backend=lambda: mac_backend(caffeinate=lambda: None))
    _exercise(awake)
    lines = [r.getMessage() for r in _records(caplog)]
    assert len(lines) == 2 and "IOKit" in lines[0]
    assert "neither IOKit nor caffeinate" in lines[1]
    assert all(r.exc_info is None for r in _records(caplog))
    assert not awake.screen_kept_on and not awake.sleep_blocked


def test_the_quiet_backend_grants_nothing() -> None:
    quiet = QuietBackend()
    assert quiet.hold(REASON) == quiet.hold(REASON)
    assert not quiet.hold(REASON).screen
    quiet.release()
    quiet.close()


def test_no_child_is_left_when_the_worker_stops(caffeinate: Caffeinate) -> None:
    # close() from a thread other than the one that held: the worker still does the withdrawing.
    awake = KeepAwake(backend=lambda: CaffeinateBackend(caffeinate.command))
    awake.hold(REASON)
    assert awake.wait_until_done()
    [(pid, _)] = caffeinate.starts(1)
    closer = threading.Thread(target=awake.close)
    closer.start()
    closer.join(5)
    assert not closer.is_alive() and _reaped(pid)
