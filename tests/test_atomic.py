"""The one atomic-write module: what lands under the target's name, its mode, and its fsyncs."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cft_desktop import atomic
from cft_desktop.sound.assets_gen import write_wav
from cft_desktop.voice.cache import ClipCache

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path fsynced while the test runs (the real fsync still runs)."""
    seen: list[str] = []
    real: Callable[[int], None] = os.fsync

    def fsync_and_note(fd: int) -> None:
        seen.append(os.readlink(f"/proc/self/fd/{fd}") if sys.platform == "linux" else str(fd))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync_and_note)
    return seen


def test_write_bytes_replaces_the_target_whole_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_bytes(b"old")
    atomic.write_bytes(target, [b"new ", b"pieces"])
    assert target.read_bytes() == b"new pieces"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@posix_only
def test_files_are_owner_only_unless_asked_otherwise_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic.write_bytes(tmp_path / "private.json", b"{}")
        atomic.write_bytes(tmp_path / "shared.wav", b"RIFF", private=False)
        with atomic.replacing(tmp_path / "streamed.flac") as temp:
            temp.write_bytes(b"fLaC")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "private.json") == 0o600
    assert _mode(tmp_path / "streamed.flac") == 0o600
    assert _mode(tmp_path / "shared.wav") == 0o644


def test_a_failed_write_keeps_the_old_file_and_removes_its_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ratings.json"
    target.write_bytes(b"committed")

    def disk_full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        atomic.write_bytes(target, b"half")
    assert target.read_bytes() == b"committed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ratings.json"]


def test_replacing_shows_the_file_only_when_the_block_completes(tmp_path: Path) -> None:
    target = tmp_path / "take-home.mp3"
    target.write_bytes(b"an older export")
    with pytest.raises(RuntimeError), atomic.replacing(target, suffix=".mp3.part") as temp:
        temp.write_bytes(b"half a session")
        assert temp.name.startswith(".take-home.mp3.") and temp.name.endswith(".mp3.part")
        assert target.read_bytes() == b"an older export"
        raise RuntimeError("cancelled")
    assert target.read_bytes() == b"an older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take-home.mp3"]
    with atomic.replacing(target) as temp:
        temp.write_bytes(b"the whole session")
    assert target.read_bytes() == b"the whole session"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take-home.mp3"]


@pytest.mark.skipif(sys.platform != "linux", reason="names fsynced files through /proc")
def test_the_clip_cache_and_asset_generation_fsync_the_file_and_its_folder(
    tmp_path: Path, synced: list[str]
) -> None:
    cache = ClipCache(tmp_path / "cache")
    clip = cache.put("ab" + "0" * 62, b"RIFF....WAVE")
    assert str(clip.parent) in synced  # the folder, after the rename
    assert any(name.startswith(str(clip.parent / f".{clip.name}.")) for name in synced)
    synced.clear()
    asset = tmp_path / "bell.wav"
    write_wav(asset, np.zeros(100, dtype=np.float32))
    assert str(tmp_path) in synced
    assert any(name.startswith(str(tmp_path / ".bell.wav.")) for name in synced)
    assert asset.stat().st_size > 44
