"""Windows: keeping the display on and the computer awake with `SetThreadExecutionState`.

Owns the calling thread's execution-state flags. Windows ties them to the thread that set them:
they hold while that thread lives and only that thread can clear them. So every call here must
come from the one "keep-awake" worker thread, which stays alive (waiting for its next request) for
as long as anything is held; if the process dies, Windows drops the flags with the thread. Plain
kernel32 through ctypes; no Qt.
"""

from __future__ import annotations

import logging
import sys
from typing import Protocol, cast

from .base import NOTHING, Granted, OnceLog

log = logging.getLogger(__name__)

# From winbase.h. ES_CONTINUOUS makes the state stay until changed, instead of only resetting the
# idle timers once; set alone, it clears the other two.
ES_CONTINUOUS = 0x80000000
ES_SYSTEM_REQUIRED = 0x00000001
ES_DISPLAY_REQUIRED = 0x00000002

HOLD_FLAGS = ES_CONTINUOUS | ES_SYSTEM_REQUIRED | ES_DISPLAY_REQUIRED
RELEASE_FLAGS = ES_CONTINUOUS


class Kernel32(Protocol):
    def SetThreadExecutionState(self, flags: int) -> int:
        """The previous state, or 0 when the call failed."""
        ...


def load_kernel32() -> Kernel32:
    """kernel32 with the one function typed; OSError off Windows."""
    if sys.platform != "win32":
        raise OSError("kernel32 exists only on Windows")
    import ctypes

    # A private handle rather than the shared ctypes.windll.kernel32, so typing the function here
    # cannot change it for any other code in the process.
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    # EXECUTION_STATE is a DWORD: unsigned 32 bits, so ES_CONTINUOUS (the top bit) passes intact.
    kernel32.SetThreadExecutionState.argtypes = [ctypes.c_uint32]
    kernel32.SetThreadExecutionState.restype = ctypes.c_uint32
    return cast(Kernel32, kernel32)


def _last_error() -> int:
    if sys.platform == "win32":
        import ctypes

        return ctypes.get_last_error()
    return 0


class WindowsBackend:
    """`kernel32`: the library to call (tests pass a stand-in); None loads the real one on the
    first hold, on the worker thread."""

    def __init__(self, kernel32: Kernel32 | None = None) -> None:
        self._kernel32 = kernel32
        self._held = False
        self._unavailable = False
        self._once = OnceLog(log)

    def hold(self, reason: str) -> Granted:
        kernel32 = self._library()
        if kernel32 is None:
            return NOTHING
        if not self._held:
            if kernel32.SetThreadExecutionState(HOLD_FLAGS) == 0:
                self._once.say("hold", "Windows refused to keep the display on (error %d)",
                               _last_error(), level=logging.WARNING)
                return NOTHING
            self._held = True
        return Granted(screen=True, sleep=True)

    def release(self) -> None:
        if not self._held or self._kernel32 is None:
            return
        self._held = False
        if self._kernel32.SetThreadExecutionState(RELEASE_FLAGS) == 0:
            # Nothing more to try; the flags still end with this thread when the app closes.
            self._once.say("release", "Windows did not clear the keep-awake request (error %d)",
                           _last_error(), level=logging.WARNING)

    def close(self) -> None:
        self.release()

    def _library(self) -> Kernel32 | None:
        if self._kernel32 is None and not self._unavailable:
            try:
                self._kernel32 = load_kernel32()
            except (OSError, AttributeError) as exc:
                self._unavailable = True
                self._once.say("load", "kernel32 could not be loaded (%s); playing without", exc)
        return self._kernel32
