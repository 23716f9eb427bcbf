"""Two real windows: the second `cft-desktop` (offscreen, the same data folder) finds the first
one holding the store, asks it to come forward, says so plainly and ends; the first raises its
window. The store itself is then still the first window's alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cft_desktop.store import lock
from cft_desktop.store.lock import StoreBusyError

pytest.importorskip("PySide6")

REPO = Path(__file__).resolve().parents[2]
ALREADY_OPEN = "CFT Desktop is already open on this computer. It has been brought to the front."


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "QT_QPA_PLATFORM": "offscreen",
        "CFT_DESKTOP_DATA_DIR": str(tmp_path / "data"),
        "CFT_DESKTOP_CACHE_DIR": str(tmp_path / "cache"),
        "CFT_DESKTOP_LOG_DIR": str(tmp_path / "logs"),
    }


def _wait_for(condition: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_second_window_brings_the_first_forward_and_ends(tmp_path: Path) -> None:
    env = _env(tmp_path)
    store = tmp_path / "data" / "ratings.json"
    log = tmp_path / "logs" / "cft-desktop.log"
    first = subprocess.Popen(
        [sys.executable, "-m", "cft_desktop"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    second: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(lambda: (lock.holder(store) or {}).get("role") == "window", 60,
                  "the first window to take the store")
        _wait_for(lambda: lock.show_request_path(store).exists(), 30,
                  "the first window to watch for requests")
        second = subprocess.Popen(
            [sys.executable, "-m", "cft_desktop"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        assert second.stderr is not None
        line = second.stderr.readline().decode()
        assert line.strip() == ALREADY_OPEN
        _wait_for(lambda: log.exists() and "brought to the front at the request" in
                  log.read_text(encoding="utf-8"), 30, "the first window to come forward")
        assert first.poll() is None  # the first window is still open, and still has the store
        with pytest.raises(StoreBusyError):
            lock.acquire(store)
    finally:
        for process in (second, first):
            if process is not None:
                process.kill()
                process.wait()
    # Gone with its process: nobody is blocked.
    lock.acquire(store).release()
