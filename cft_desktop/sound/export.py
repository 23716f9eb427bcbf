"""Export: a whole session rendered by the same mixer as playback, written to WAV/FLAC/OGG/MP3.

Owns the file formats of take-home sessions. Writes block by block through libsndfile (bundled with
`soundfile`, so no ffmpeg is needed) — one huge write call to OGG crashes libsndfile
(ARCHITECTURE.md §5) and blocks keep memory flat. The file appears under its name only when
complete and on disk (`cft_desktop.atomic`: temp file, fsync, replace). Runs on the CLI's main
thread or a GUI worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from cft_desktop import atomic
from cft_desktop.errors import CftError
from cft_desktop.sound.clips import SAMPLE_RATE

EXPORT_BLOCK_FRAMES = 65536

# WAV holds the mixer's float32 samples exactly: what a client takes home is what they heard.
FORMATS: dict[str, tuple[str, str]] = {
    ".wav": ("WAV", "FLOAT"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
}


def format_for(path: Path) -> tuple[str, str]:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        allowed = ", ".join(FORMATS)
        raise CftError(
            f"cannot save '{path.name}': choose a file ending in one of {allowed}"
        ) from None


class Mixdown(Protocol):
    """What is saved: a whole practice that renders any block of itself (a prepared Session).

    Named here, not imported from session.py, so sound/ never depends on what assembles it."""

    @property
    def total_frames(self) -> int: ...

    def render(self, start_frame: int, out: npt.NDArray[np.float32]) -> None: ...


def export_session(
    session: Mixdown,
    out_path: Path,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Render `session` from frame 0 to its end into `out_path`; returns the frames written."""
    import soundfile

    file_format, subtype = format_for(out_path)
    out_path = out_path.resolve()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    total = session.total_frames
    block = np.zeros(EXPORT_BLOCK_FRAMES, dtype=np.float32)
    with atomic.replacing(out_path, suffix=out_path.suffix + ".part") as temp_path, soundfile.SoundFile(
        temp_path, "w", samplerate=SAMPLE_RATE, channels=1, format=file_format,
        subtype=subtype,
    ) as sink:
        frame = 0
        while frame < total:
            count = min(EXPORT_BLOCK_FRAMES, total - frame)
            view = block[:count]
            session.render(frame, view)
            sink.write(view)
            frame += count
            if on_progress is not None:
                on_progress(frame, total)
    return total
