"""What every export file shares: the CSV's columns (which the PDF summary's items follow too) and
the one way an export reaches the disk, whole or not at all.

Plain values and one function; runs on the thread that owns the store (the GUI thread or the CLI's
main thread).
"""

from __future__ import annotations

from pathlib import Path

from cft_desktop import atomic
from cft_desktop.errors import StoreError

PAIRED_ITEMS: tuple[str, ...] = (
    "distress",
    "relaxed",
    "soothed",
    "self_criticism",
    "energised",
    "self_kindness",
)
AFTER_ONLY_ITEMS: tuple[str, ...] = ("ease", "upset", "note")
SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "client",
    "script_id",
    "script_version",
    "started_at",
    "ended_at",
    "completed",
    "bpm",
    "ratio",
    "pause_scale",
    "voice",
)
COLUMNS: tuple[str, ...] = (
    SESSION_COLUMNS
    + tuple(f"{item}_{phase}" for item in PAIRED_ITEMS for phase in ("before", "after"))
    + AFTER_ONLY_ITEMS
)


def write_export(out_path: Path, data: bytes) -> None:
    """Write `data` to `out_path` like the store writes (temp file, then replace); an OS error
    becomes a `StoreError` naming the file."""
    try:
        atomic.write_bytes(Path(out_path), data)
    except OSError as exc:
        raise StoreError(f"Could not write {out_path}: {exc.strerror or exc}") from exc
