"""One writer at a time: the lock that keeps two processes from writing the same ratings store.

Owns ``ratings.json.lock`` beside the store and the small request file a second window leaves
for the first one (``ratings.json.show``). The lock is an advisory OS lock on the lock file:
``fcntl.flock(LOCK_EX | LOCK_NB)`` on Linux and macOS, ``msvcrt.locking(LK_NBLCK)`` on byte 0 on
Windows. The operating system drops it when the holding process ends, however it ends, so a lock
left by a killed process never blocks anyone; the file itself stays (removing a lock file races
with the next process opening it, so it is never removed).

After byte 0 the file holds the holder's process id, start time and role ("window" for the GUI,
"store" otherwise), written only so that "busy" can say who holds it and a second window knows to
ask the first to come forward; nothing ever decides *whether* the lock is held by it (a process
id can be reused).

Within one process the lock is shared: opening the same store twice in one process (the window
holds it from start-up, then the store opens; tests reopen a file) counts leases and releases the
OS lock with the last one. Any thread may call this module; a `threading.Lock` guards the count.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import IO, Protocol

from cft_desktop.errors import StoreError

LOCK_SUFFIX = ".lock"
SHOW_REQUEST_SUFFIX = ".show"
POLL_S = 0.1  # how often a waiting process tries again
_INFO_OFFSET = 1  # byte 0 is the one locked on Windows, where a locked byte cannot be read


class StoreBusyError(StoreError):
    """Another program (usually another CFT Desktop) has the ratings store open."""


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + LOCK_SUFFIX)


def show_request_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + SHOW_REQUEST_SUFFIX)


# ---------------------------------------------------------------- the platform choice, in one place


class _Locker(Protocol):
    def try_lock(self, handle: IO[bytes]) -> bool:
        """Take the lock without waiting; False if another process holds it."""

    def unlock(self, handle: IO[bytes]) -> None: ...


class _FlockLocker:
    def __init__(self, fcntl: ModuleType) -> None:
        self._fcntl = fcntl

    def try_lock(self, handle: IO[bytes]) -> bool:
        try:
            self._fcntl.flock(handle.fileno(), self._fcntl.LOCK_EX | self._fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def unlock(self, handle: IO[bytes]) -> None:
        self._fcntl.flock(handle.fileno(), self._fcntl.LOCK_UN)


class _MsvcrtLocker:
    def __init__(self, msvcrt: ModuleType) -> None:
        self._msvcrt = msvcrt

    def try_lock(self, handle: IO[bytes]) -> bool:
        # msvcrt.locking locks from the current position: always byte 0, one byte.
        handle.seek(0)
        try:
            self._msvcrt.locking(handle.fileno(), self._msvcrt.LK_NBLCK, 1)
        except OSError:  # "Permission denied" / "Resource deadlock avoided": held elsewhere
            return False
        return True

    def unlock(self, handle: IO[bytes]) -> None:
        handle.seek(0)
        self._msvcrt.locking(handle.fileno(), self._msvcrt.LK_UNLCK, 1)


def platform_locker(platform: str | None = None, module: ModuleType | None = None) -> _Locker:
    """The locker for `platform` (default: this one); tests inject a stand-in `module`."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        import importlib

        return _MsvcrtLocker(module or importlib.import_module("msvcrt"))
    import fcntl

    return _FlockLocker(module or fcntl)


# ---------------------------------------------------------------- leases


@dataclass
class _Held:
    handle: IO[bytes]
    locker: _Locker
    count: int = 0


@dataclass
class Lease:
    """One holder's share of the lock; `release` once (closing the store does it)."""

    path: Path
    _released: bool = field(default=False, repr=False)

    def release(self) -> None:
        with _registry_lock:
            if self._released:
                return
            self._released = True
            held = _registry.get(self.path)
            if held is None:
                return
            held.count -= 1
            if held.count > 0:
                return
            del _registry[self.path]
            with contextlib.suppress(OSError):
                held.locker.unlock(held.handle)
            held.handle.close()


_registry: dict[Path, _Held] = {}
# Re-entrant because a store that was never closed releases its lease from a garbage-collector
# finalizer, and the collector can run inside `acquire` itself (any allocation may trigger it): with a
# plain Lock that thread waited on itself for ever (seen in CI: the store tests hung at random).
_registry_lock = threading.RLock()


def _key(store_path: Path) -> Path:
    return lock_path(Path(os.path.abspath(store_path)))


def acquire(
    store_path: Path,
    *,
    wait_s: float = 0.0,
    locker: _Locker | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    role: str = "store",
) -> Lease:
    """Take the store's lock, waiting up to `wait_s` seconds; `StoreBusyError` if still held.

    `role` is written beside the process id, for messages only."""
    key = _key(store_path)
    deadline = clock() + wait_s
    while True:
        with _registry_lock:
            held = _registry.get(key)
            if held is not None:
                held.count += 1
                return Lease(key)
            taken = _try_take(key, locker or platform_locker(), role)
            if taken is not None:
                taken.count = 1
                _registry[key] = taken
                return Lease(key)
        if clock() >= deadline:
            raise StoreBusyError(busy_message(store_path))
        sleep(POLL_S)


def _try_take(key: Path, locker: _Locker, role: str) -> _Held | None:
    try:
        key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created owner-only (it names the process and when it started), opened to append so it
        # never truncates what another process wrote.
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        handle = os.fdopen(os.open(key, flags, 0o600), "a+b")
    except OSError as exc:
        raise StoreError(f"Cannot open the lock file {key}: {exc.strerror or exc}") from exc
    try:
        if not locker.try_lock(handle):
            handle.close()
            return None
    except BaseException:
        handle.close()
        raise
    _write_holder(handle, role)
    return _Held(handle, locker)


def _write_holder(handle: IO[bytes], role: str) -> None:
    info = {
        "pid": os.getpid(),
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "role": role,
    }
    # For the busy message only: a failure here must not cost anyone the lock.
    with contextlib.suppress(OSError):
        handle.truncate(_INFO_OFFSET)
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            handle.write(b"\n")
        handle.write(json.dumps(info).encode("ascii"))
        handle.flush()


def holder(store_path: Path) -> dict[str, object] | None:
    """Who last took the lock (pid, start time), if the file says; never proof it is held."""
    try:
        with open(_key(store_path), "rb") as handle:
            handle.seek(_INFO_OFFSET)
            found = json.loads(handle.read(4096) or b"null")
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def busy_message(store_path: Path) -> str:
    found = holder(store_path)
    who = ""
    if found is not None and isinstance(found.get("pid"), int):
        when = ""
        with contextlib.suppress(ValueError, TypeError):
            started = datetime.fromisoformat(str(found.get("started")))
            when = f", opened at {started.strftime('%H:%M on %d %B')}"
        who = f" (process {found['pid']}{when})"
    return (
        f"Your ratings are in use by CFT Desktop{who}, so they were not opened here. Nothing has "
        "been changed. Close the CFT Desktop window, or wait until it has finished, and try again."
    )


def request_show(store_path: Path) -> None:
    """Ask the window that holds the lock to come to the front (it watches this file)."""
    path = show_request_path(store_path)
    stamp = f"{os.getpid()} {time.time():.3f}\n".encode("ascii")
    # Appending changes the file in place, which is what a file watcher reports.
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
    with contextlib.suppress(OSError), os.fdopen(os.open(path, flags, 0o600), "ab") as handle:
        handle.write(stamp)
        handle.flush()
        os.fsync(handle.fileno())
