"""The store lock: one process writes at a time, a killed holder never blocks anyone, the
command line waits and then refuses plainly, and the Windows branch (with a stand-in msvcrt)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cft_desktop import cli
from cft_desktop.store import lock
from cft_desktop.store.lock import StoreBusyError
from cft_desktop.store.records import Records

REPO = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cft_desktop.store.records import Records

    store = Records.open(Path(sys.argv[1]))
    print("holding", flush=True)
    hold_s = float(sys.argv[2])
    time.sleep(hold_s)
    store.close()
    print("released", flush=True)
    time.sleep(60)
    """
)


def start_holder(path: Path, hold_s: float = 600.0) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(hold_s)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line == b"holding\n", child.stderr.read().decode() if child.stderr else line
    return child


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_second_process_is_refused_and_a_killed_holder_blocks_nobody(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    child = start_holder(path)
    try:
        with pytest.raises(StoreBusyError) as caught:
            Records.open(path)
        message = str(caught.value)
        assert "in use by CFT Desktop" in message and f"process {child.pid}" in message
        assert "Nothing has been changed" in message
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The OS dropped the lock with the process: the very next open succeeds, without waiting.
    started = time.monotonic()
    store = Records.open(path)
    assert time.monotonic() - started < 1.0
    store.close()


def test_waiting_for_the_lock_gets_it_once_the_holder_closes(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    child = start_holder(path, hold_s=0.5)
    try:
        store = Records.open(path, lock_wait_s=10.0)
        assert child.stdout is not None and child.stdout.readline() == b"released\n"
        store.close()
    finally:
        child.kill()
        child.wait()


def test_within_one_process_the_lock_is_shared_and_released_by_the_last_holder(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ratings.json"
    first = lock.acquire(path)
    second = lock.acquire(path)
    first.release()
    first.release()  # twice is harmless
    assert lock._key(path) in lock._registry
    second.release()
    assert lock._key(path) not in lock._registry
    assert lock.lock_path(path).exists()  # the file stays: removing it would race


def test_the_command_line_waits_then_refuses_with_a_plain_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cli, "STORE_BUSY_WAIT_S", 0.6)
    child = start_holder(tmp_path / "ratings.json")
    try:
        started = time.monotonic()
        status = cli.main(
            ["ratings", "export", "--format", "csv", "--out", str(tmp_path / "out.csv")]
        )
        waited = time.monotonic() - started
    finally:
        child.kill()
        child.wait()
    assert status == cli.EXIT_ERROR
    assert 0.6 <= waited < 5
    err = capsys.readouterr().err
    assert "in use by CFT Desktop" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


def test_the_default_command_line_wait_is_a_few_seconds() -> None:
    assert 2.0 <= cli.STORE_BUSY_WAIT_S <= 10.0


# ---------------------------------------------------------------- Windows, with a stand-in msvcrt


class FakeMsvcrt:
    """Records `locking` calls; byte 0 of each file path can be held by one "process"."""

    LK_NBLCK = 2
    LK_UNLCK = 0

    def __init__(self, held_elsewhere: bool = False) -> None:
        self.calls: list[tuple[int, int, int]] = []
        self.held_elsewhere = held_elsewhere

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        self.calls.append((os.lseek(fd, 0, os.SEEK_CUR), mode, nbytes))
        if mode == self.LK_NBLCK and self.held_elsewhere:
            # What the real msvcrt raises when another process holds the range.
            raise PermissionError(13, "Permission denied")


def test_windows_locks_byte_zero_without_waiting_and_unlocks_it(tmp_path: Path) -> None:
    fake = FakeMsvcrt()
    locker = lock.platform_locker("win32", fake)  # type: ignore[arg-type]
    lease = lock.acquire(tmp_path / "ratings.json", locker=locker)
    # Locked at position 0, one byte, non-blocking.
    assert fake.calls == [(0, fake.LK_NBLCK, 1)]
    lease.release()
    assert fake.calls[-1] == (0, fake.LK_UNLCK, 1)
    found = lock.holder(tmp_path / "ratings.json")
    assert found is not None and found["pid"] == os.getpid()


def test_windows_maps_a_held_lock_to_busy_after_the_wait(tmp_path: Path) -> None:
    fake = FakeMsvcrt(held_elsewhere=True)
    locker = lock.platform_locker("win32", fake)  # type: ignore[arg-type]
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with pytest.raises(StoreBusyError, match="in use by CFT Desktop"):
        lock.acquire(
            tmp_path / "ratings.json", wait_s=1.0, locker=locker, clock=lambda: now[0],
            sleep=sleep,
        )
    assert all(call == (0, fake.LK_NBLCK, 1) for call in fake.calls)
    assert len(fake.calls) == len(slept) + 1 >= 10  # tried every POLL_S for the whole second


def test_the_platform_choice_is_made_in_one_place() -> None:
    fake_fcntl: Any = SimpleNamespace(LOCK_EX=2, LOCK_NB=4, LOCK_UN=8, flock=lambda fd, op: None)
    assert isinstance(lock.platform_locker("linux", fake_fcntl), lock._FlockLocker)
    assert isinstance(lock.platform_locker("darwin", fake_fcntl), lock._FlockLocker)
    assert isinstance(lock.platform_locker("win32", FakeMsvcrt()), lock._MsvcrtLocker)  # type: ignore[arg-type]


def test_flock_refusal_is_busy(tmp_path: Path) -> None:
    def refuse(fd: int, op: int) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    fake_fcntl: Any = SimpleNamespace(LOCK_EX=2, LOCK_NB=4, LOCK_UN=8, flock=refuse)
    locker = lock.platform_locker("linux", fake_fcntl)
    with pytest.raises(StoreBusyError):
        lock.acquire(tmp_path / "ratings.json", locker=locker)


def test_a_lease_released_from_inside_acquire_does_not_deadlock(tmp_path: Path) -> None:
    """The garbage collector may run a forgotten store's finalizer (which releases its lease) in the
    middle of `acquire`, on the same thread; that release must not wait on `acquire` for ever."""
    import threading

    first = lock.acquire(tmp_path / "first.json")
    platform = lock.platform_locker()

    class ReleasingLocker:
        def try_lock(self, handle: Any) -> bool:
            first.release()  # what the finalizer does, at the worst moment
            return platform.try_lock(handle)

        def unlock(self, handle: Any) -> None:
            platform.unlock(handle)

    taken: list[lock.Lease] = []
    worker = threading.Thread(
        target=lambda: taken.append(
            lock.acquire(tmp_path / "second.json", locker=ReleasingLocker())
        ),
        daemon=True,
    )
    worker.start()
    worker.join(30)  # a safety net for a hang, not a timing check
    assert taken, "acquire waited on itself: the lease released inside it deadlocked"
    assert lock._key(tmp_path / "first.json") not in lock._registry
    taken[0].release()
    assert lock._key(tmp_path / "second.json") not in lock._registry
