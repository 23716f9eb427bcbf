"""A tiny practice and known recordings of it: the real neural voice's speech, padded with silence
and white noise at a known level, so what a pack stores can be checked against what was fed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cft_desktop.core.script import Script, parse_text
from tests.voice.speech import FedSpeech, padded, raw_speech

TINY_SCRIPT = """---
id: tiny
title: Tiny
kind: breathing
minutes: 1
summary: Four phrases to record.
---
Let your breath find its own gentle rhythm.

[breathe 2]
[in] Breathing in.
[out] And breathing out.

Well done.
"""
TINY_PHRASES = ["Let your breath find its own gentle rhythm.", "Breathing in.",
                "And breathing out.", "Well done."]
NOISE_DBFS = -75.0


def tiny_script(path: Path | None = None, text: str = TINY_SCRIPT) -> Script:
    source = path or Path("tiny.md")
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return parse_text(text, source)


def fed(text: str, cache_dir: Path, rate: int = 48000, seed: int = 7) -> FedSpeech:
    """`text` said by the real voice at `rate`, with 0.7 s / 0.9 s of room noise around it."""
    return padded(raw_speech(text, cache_dir, rate), rate, peak_dbfs=-12.0,
                  noise_dbfs=NOISE_DBFS, seed=seed)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and folder under `folder` with its bytes and mode: to show nothing changed."""
    found: dict[str, tuple[bytes, int]] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            data = path.read_bytes() if path.is_file() else b""
            found[str(path.relative_to(folder))] = (hashlib.sha256(data).digest(),
                                                    path.stat().st_mode)
    return found
