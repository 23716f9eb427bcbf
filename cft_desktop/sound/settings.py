"""What a listener can choose about the sound, and the sound's format, without loading numpy.

Re-exports the session's sample rate (`core.frames`); owns the names of the ambient beds,
`MixSettings` and the plain messages for no sound output and for an output that went away
mid-practice. The window imports this at start-up, so it must stay free of numpy, pydub and
PortAudio: those load on a worker after the window is shown (`cft_desktop.lazy`). Any thread; the
values are constants and `MixSettings` is a plain dataclass copied between threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Defined in the core (positions are frames at this rate everywhere); kept here for sound/'s users.
from cft_desktop.core.frames import SAMPLE_RATE as SAMPLE_RATE

AMBIENT_BEDS = ("rain", "drone", "waves")
"""Every bed the generator makes (sound/assets_gen.py); a bed whose file is missing is not offered."""

NO_DEVICE_MESSAGE = (
    "No sound output was found. Check that speakers or headphones are connected and switched on, "
    "that the volume is not muted, and that no other program is holding the sound device. "
    "Everything else in CFT Desktop keeps working."
)

DEVICE_LOST_MESSAGE = (
    "The sound output stopped — headphones or speakers may have been unplugged. "
    "Your place is kept."
)


def bed_path(folder: Path, name: str) -> Path:
    return folder / f"ambient_{name}.wav"


def available_beds(folder: Path) -> list[str]:
    """The beds whose sound file is present, in the order of AMBIENT_BEDS (no file is read)."""
    return [name for name in AMBIENT_BEDS if bed_path(folder, name).is_file()]


@dataclass
class MixSettings:
    """What the listener chose. Gains in dB relative to each source's own level."""

    voice_gain_db: float = 0.0
    cue_gain_db: float = 0.0
    inhale_cue: bool = True
    exhale_cue: bool = True
    bell: bool = True
    ambient: str | None = None
    ambient_gain_db: float = 0.0
