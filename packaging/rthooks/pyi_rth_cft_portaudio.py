"""PyInstaller runtime hook: let sounddevice find the PortAudio library carried in the bundle.

sounddevice locates PortAudio with ctypes.util.find_library("portaudio"), which on Linux consults only
the system (ldconfig's cache), so on a machine without the libportaudio2 package it gives up even
though the bundle holds libportaudio.so.2 (PyInstaller's sounddevice hook collects it). Where the
system has one, find_library's answer is a bare soname and the loader still picks the bundle's copy,
because the bootloader puts the bundle folder on LD_LIBRARY_PATH. Runs before any app code.
"""

import ctypes.util
import os
import sys


def _install() -> None:
    bundled = os.path.join(getattr(sys, "_MEIPASS", ""), "libportaudio.so.2")
    if not os.path.exists(bundled):
        return
    system_find_library = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        found = system_find_library(name)
        if found is None and name == "portaudio":
            return bundled
        return found

    ctypes.util.find_library = find_library


_install()
