"""Content-addressed cache of synthesised narration on disk (the user cache folder).

Owns the key: sha256 of (engine, voice, speaking rate, text), so a phrase is synthesised once per
voice and rate and an edited phrase never plays a stale clip. Files are 16-bit mono WAV written
atomically and durably (`cft_desktop.atomic`), so a crash never leaves half a clip. Runs on the
narrator worker thread and the CLI's main thread; two threads writing the same key is harmless (same content).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cft_desktop import atomic


def clip_key(engine: str, voice: str, length_scale: float, text: str) -> str:
    material = "\0".join((engine, voice, f"{length_scale:.3f}", text))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ClipCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.wav"

    def get(self, key: str) -> bytes | None:
        try:
            return self.path_for(key).read_bytes()
        except FileNotFoundError:
            return None

    def contains(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def put(self, key: str, data: bytes) -> Path:
        target = self.path_for(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(target, data)
        return target
