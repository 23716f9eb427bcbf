"""Export: a whole session rendered by the same mixer as playback, written to WAV/FLAC/OGG/MP3.

Owns the file formats of take-home sessions. Writes block by block through libsndfile (bundled with
`soundfile`, so no ffmpeg is needed) — one huge write call to OGG crashes libsndfile
(ARCHITECTURE.md §5) and blocks keep memory flat. The file appears under its name only when
complete and on disk (`cft_desktop.atomic`: temp file, fsync, replace). Each file can carry tags
(title, artist, comment), which libsndfile writes in each format's own way: ID3 in MP3, Vorbis
comments in OGG and FLAC, an INFO list in WAV. Runs on the CLI's main thread or a GUI worker thread.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from cft_desktop import atomic
from cft_desktop.errors import CftError

EXPORT_BLOCK_FRAMES = 65536

# WAV holds the mixer's float32 samples exactly: what a client takes home is what they heard.
FORMATS: dict[str, tuple[str, str]] = {
    ".wav": ("WAV", "FLOAT"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
}


# The tags a take-home file can carry, by libsndfile's names (soundfile's attributes).
TAG_NAMES = ("title", "artist", "comment")
# libsndfile writes MP3 tags as ID3 text marked ISO-8859-1 but hands over the bytes of UTF-8, so
# anything beyond ASCII would read back garbled ("×" as "Ã\x97"): MP3 tags are folded to ASCII.
_ASCII_FOR = str.maketrans({"×": "x", "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-",
                            "—": "-", "…": "...", "\u00a0": " "})


def ascii_tag(text: str) -> str:
    """`text` in ASCII: typographic marks as their plain forms, accents dropped."""
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOR))
    return folded.encode("ascii", "ignore").decode("ascii")


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
    def sample_rate(self) -> int:
        """The rate of its frames, which is the file's: a recorded voice keeps its own."""
        ...

    @property
    def total_frames(self) -> int: ...

    def render(self, start_frame: int, out: npt.NDArray[np.float32]) -> None: ...


def export_session(
    session: Mixdown,
    out_path: Path,
    on_progress: Callable[[int, int], None] | None = None,
    tags: Mapping[str, str] | None = None,
) -> int:
    """Render `session` from frame 0 to its end into `out_path`; returns the frames written.

    `tags`: any of `TAG_NAMES` with its text, written before the sound (OGG and FLAC take them
    only then)."""
    import soundfile

    file_format, subtype = format_for(out_path)
    out_path = out_path.resolve()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    total = session.total_frames
    block = np.zeros(EXPORT_BLOCK_FRAMES, dtype=np.float32)
    with atomic.replacing(out_path, suffix=out_path.suffix + ".part") as temp_path, soundfile.SoundFile(
        temp_path, "w", samplerate=session.sample_rate, channels=1, format=file_format,
        subtype=subtype,
    ) as sink:
        for name, text in (tags or {}).items():
            if name not in TAG_NAMES:
                raise ValueError(f"unknown tag {name!r}; expected one of {TAG_NAMES}")
            if text:
                setattr(sink, name, ascii_tag(text) if file_format == "MP3" else text)
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
