"""Atomic, durable file writes: the one way anything in CFT Desktop replaces a file on disk.

Owns the write sequence every writer shares (the ratings store, user scripts, the narration cache,
exported audio, CSV and PDF, generated assets): a temp file in the target's own folder (a rename
is only atomic within one file system), write, flush, fsync the file, ``os.replace`` it onto the
target, then fsync the folder so the rename itself survives a power cut (POSIX only: Windows has
no folder handles to fsync, and NTFS journals the rename). A crash at any moment leaves the old
file or the new one under the target's name, never a mix; a temp file left behind is named
``.<target name>.<random>.tmp`` (or the suffix the caller chose), so its owner can find and
remove it.

Temp files are owner-only (0600) by default, whatever the umask: ratings, scripts and exports are
private to the person using them. ``private=False`` gives the mode an ordinary new file gets
(0666 less the umask), for files meant to be shared, such as bundled assets.

Pure standard library, no Qt, no other cft_desktop module: it sits below every layer. Runs on
whichever thread calls it; two threads writing the same target each use their own temp file and
the last replace wins whole.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

OWNER_ONLY = 0o600
_SHARED = 0o666  # what open() asks for; the umask then takes its share
TEMP_SUFFIX = ".tmp"
# On Windows a virus scanner or indexer briefly holding the target makes os.replace fail with
# PermissionError; a short retry is the usual cure.
_REPLACE_ATTEMPTS_NT = 20
_REPLACE_RETRY_S = 0.05


def fsync_dir(folder: Path) -> None:
    """Make renames and new names in `folder` durable (a no-op where folders cannot be synced)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems (e.g. some FUSE mounts) refuse
            os.fsync(fd)
    finally:
        os.close(fd)


def replace(src: Path, dst: Path) -> None:
    """`os.replace(src, dst)`, retried briefly on Windows while another program holds `dst`."""
    attempts = _REPLACE_ATTEMPTS_NT if os.name == "nt" else 1
    for attempt in range(attempts):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == attempts - 1:
                raise
            time.sleep(_REPLACE_RETRY_S)


def new_temp(target: Path, *, suffix: str = TEMP_SUFFIX, private: bool = True) -> tuple[int, Path]:
    """Create a new empty temp file beside `target`; returns its open descriptor and path.

    Created with its final mode in one step (O_EXCL, never chmod-ed later), so an owner-only file
    is never readable by others, not even for a moment.
    """
    mode = OWNER_ONLY if private else _SHARED
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        path = target.with_name(f".{target.name}.{secrets.token_hex(4)}{suffix}")
        try:
            return os.open(path, flags, mode), path
        except FileExistsError:
            continue


def write_temp(
    target: Path, data: bytes | Sequence[bytes], *, suffix: str = TEMP_SUFFIX, private: bool = True
) -> Path:
    """Write `data` (or its pieces, so a large document need not be joined) to a new temp file
    beside `target`, flushed and fsynced; returns its path. Nothing is left behind on failure."""
    fd, path = new_temp(target, suffix=suffix, private=private)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def write_bytes(
    target: Path,
    data: bytes | Sequence[bytes],
    *,
    private: bool = True,
    keep_mtime_of: float | None = None,
) -> None:
    """Replace `target` with `data` atomically and durably (temp, fsync, replace, fsync folder).

    `keep_mtime_of`: a time (seconds since the epoch) to give the new file, for copies that must
    keep saying when their content was first written.
    """
    tmp = write_temp(target, data, private=private)
    try:
        if keep_mtime_of is not None:
            os.utime(tmp, (keep_mtime_of, keep_mtime_of))
        replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


@contextlib.contextmanager
def replacing(target: Path, *, suffix: str = TEMP_SUFFIX, private: bool = True) -> Iterator[Path]:
    """Yield a temp path beside `target` for a writer that opens files by name (libsndfile, the
    wave module); when the block ends normally the temp file is fsynced and replaces `target`.

    If the block raises, the temp file is removed and `target` is untouched.
    """
    fd, tmp = new_temp(target, suffix=suffix, private=private)
    os.close(fd)
    try:
        yield tmp
        # The writer has closed its own handle; a fresh one reaches the same file's data.
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows fsyncs writable handles only
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
