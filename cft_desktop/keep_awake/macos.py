"""macOS: keeping the display on and the computer awake with an IOKit power assertion, or with
the `caffeinate` tool where IOKit cannot be loaded.

Owns, while a practice plays, one "PreventUserIdleDisplaySleep" assertion (the display stays on,
and macOS does not idle-sleep while the display is kept on), or else one `caffeinate -d -i -w
<our pid>` child process. Either ends with our process: macOS drops a dead process's assertions,
and `-w` makes caffeinate exit when we do, even after a crash.

Thread: the "keep-awake" worker only, like the other backends; nothing here is called from the
GUI. IOKit and CoreFoundation through ctypes; no Qt.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from .base import APP_NAME, NOTHING, Backend, Granted, OnceLog, QuietBackend

log = logging.getLogger(__name__)

IOKIT_PATH = "/System/Library/Frameworks/IOKit.framework/IOKit"
COREFOUNDATION_PATH = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"

# From IOPMLib.h, CFString.h and IOReturn.h.
ASSERTION_TYPE = "PreventUserIdleDisplaySleep"  # kIOPMAssertPreventUserIdleDisplaySleep
ASSERTION_LEVEL_ON = 255  # kIOPMAssertionLevelOn
CF_STRING_ENCODING_UTF8 = 0x08000100  # kCFStringEncodingUTF8
IO_RETURN_SUCCESS = 0  # kIOReturnSuccess

STOP_TIMEOUT_S = 2.0


class IOKit(Protocol):
    def IOPMAssertionCreateWithName(self, assertion_type: int, level: int, name: int,
                                    assertion_id: ctypes._Pointer[ctypes.c_uint32]) -> int:
        """IOReturn; on success the new assertion's id is written through `assertion_id`."""
        ...

    def IOPMAssertionRelease(self, assertion_id: int) -> int: ...


class CoreFoundation(Protocol):
    def CFStringCreateWithCString(self, allocator: None, text: bytes, encoding: int) -> int | None:
        """A new CFStringRef that we own, or NULL (None)."""
        ...

    def CFRelease(self, ref: int) -> None: ...


def load_iokit() -> tuple[IOKit, CoreFoundation]:
    """The two frameworks with the functions we use typed; OSError where they do not exist."""
    iokit = ctypes.CDLL(IOKIT_PATH)
    # IOReturn IOPMAssertionCreateWithName(CFStringRef AssertionType,
    #     IOPMAssertionLevel AssertionLevel, CFStringRef AssertionName, IOPMAssertionID *AssertionID)
    iokit.IOPMAssertionCreateWithName.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p,
                                                  ctypes.POINTER(ctypes.c_uint32)]
    iokit.IOPMAssertionCreateWithName.restype = ctypes.c_int32
    # IOReturn IOPMAssertionRelease(IOPMAssertionID AssertionID)
    iokit.IOPMAssertionRelease.argtypes = [ctypes.c_uint32]
    iokit.IOPMAssertionRelease.restype = ctypes.c_int32
    cf = ctypes.CDLL(COREFOUNDATION_PATH)
    # CFStringRef CFStringCreateWithCString(CFAllocatorRef alloc, const char *cStr,
    #     CFStringEncoding encoding)
    cf.CFStringCreateWithCString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32]
    cf.CFStringCreateWithCString.restype = ctypes.c_void_p
    # void CFRelease(CFTypeRef cf)
    cf.CFRelease.argtypes = [ctypes.c_void_p]
    cf.CFRelease.restype = None
    return cast(IOKit, iokit), cast(CoreFoundation, cf)


class IOKitBackend:
    """One power assertion per hold, released with the id IOKit gave it."""

    def __init__(self, iokit: IOKit, cf: CoreFoundation) -> None:
        self._iokit = iokit
        self._cf = cf
        self._assertion: int | None = None
        self._once = OnceLog(log)

    def hold(self, reason: str) -> Granted:
        if self._assertion is None:
            self._assertion = self._create(f"{APP_NAME}: {reason}")
        return NOTHING if self._assertion is None else Granted(screen=True, sleep=True)

    def release(self) -> None:
        assertion, self._assertion = self._assertion, None
        if assertion is not None:
            result = self._iokit.IOPMAssertionRelease(assertion)
            if result != IO_RETURN_SUCCESS:
                self._once.say("release", "IOPMAssertionRelease returned %#x", result & 0xFFFFFFFF,
                               level=logging.WARNING)

    def close(self) -> None:
        self.release()

    def _create(self, name: str) -> int | None:
        kind = self._string(ASSERTION_TYPE)
        label = self._string(name)
        try:
            if kind is None or label is None:
                self._once.say("cfstring", "CoreFoundation could not make a string",
                               level=logging.WARNING)
                return None
            assertion_id = ctypes.c_uint32(0)
            result = self._iokit.IOPMAssertionCreateWithName(kind, ASSERTION_LEVEL_ON, label,
                                                             ctypes.pointer(assertion_id))
            if result != IO_RETURN_SUCCESS:
                # IOReturn values are negative as int32; the headers and `pmset` show them in hex.
                self._once.say("create", "IOPMAssertionCreateWithName returned %#x",
                               result & 0xFFFFFFFF, level=logging.WARNING)
                return None
            return assertion_id.value
        finally:
            # The assertion keeps its own reference to whatever it needs; these two are ours.
            for ref in (kind, label):
                if ref is not None:
                    self._cf.CFRelease(ref)

    def _string(self, text: str) -> int | None:
        return self._cf.CFStringCreateWithCString(None, text.encode("utf-8"), CF_STRING_ENCODING_UTF8)


class CaffeinateBackend:
    """One `caffeinate` child per hold, ended on release. `command`: how to start it (tests
    substitute a harmless stand-in); the options are appended."""

    def __init__(self, command: Sequence[str]) -> None:
        self._command = list(command)
        self._process: subprocess.Popen[bytes] | None = None
        self._once = OnceLog(log)

    def arguments(self) -> list[str]:
        # -d: display stays on; -i: no idle system sleep; -w: exit when this process does, so a
        # crash cannot leave the Mac awake for ever.
        return [*self._command, "-d", "-i", "-w", str(os.getpid())]

    def hold(self, reason: str) -> Granted:
        if self._process is not None and self._process.poll() is not None:
            self._process = None  # it ended on its own (killed from outside): start another
        if self._process is None:
            try:
                self._process = subprocess.Popen(self.arguments(), stdin=subprocess.DEVNULL,
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except OSError as exc:
                self._once.say("start", "caffeinate could not be started (%s)", exc)
                return NOTHING
        return Granted(screen=True, sleep=True)

    def release(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        self.release()


def find_caffeinate() -> list[str] | None:
    found = shutil.which("caffeinate")
    return None if found is None else [found]


def mac_backend(load: Callable[[], tuple[IOKit, CoreFoundation]] = load_iokit,
                caffeinate: Callable[[], Sequence[str] | None] = find_caffeinate) -> Backend:
    """IOKit if it loads, else caffeinate if it is installed, else the quiet stand-in."""
    try:
        return IOKitBackend(*load())
    except (OSError, AttributeError) as exc:  # no framework, or a function missing from it
        log.info("keeping the computer awake: IOKit could not be loaded (%s)", exc)
    command = caffeinate()
    if command is not None:
        return CaffeinateBackend(command)
    return QuietBackend("neither IOKit nor caffeinate is available")
