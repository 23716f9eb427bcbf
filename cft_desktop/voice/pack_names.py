"""Where voice packs live and which there are, without loading any audio code.

Owns the packs' folder in the user data folder (owner-only) and listing the packs in it, so the
window can offer them in its voice choice before numpy and the sound side are loaded (they load
on a worker after the window is shown). `voice.recorded` builds on this. Any thread.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cft_desktop import paths

PACKS_FOLDER = "voices"
MANIFEST_NAME = "manifest.json"


def private_dir(path: Path) -> Path:
    """`path`, made if missing, readable only by its owner."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        with contextlib.suppress(OSError):
            path.chmod(0o700)
    return path


def packs_dir() -> Path:
    return private_dir(paths.data_dir() / PACKS_FOLDER)


def list_packs() -> list[str]:
    """The names of the packs in the data folder, sorted."""
    folder = packs_dir()
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST_NAME).is_file())
