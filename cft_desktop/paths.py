"""Where things live: bundled assets (audio/, scripts/) and the user's data, cache and log folders.

Works from a source checkout, an installed wheel and a frozen (PyInstaller) bundle. Environment
overrides exist for tests and portable installs:
CFT_DESKTOP_DATA_DIR, CFT_DESKTOP_CACHE_DIR, CFT_DESKTOP_LOG_DIR. Pure functions; any thread.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "cft-desktop"


def _bundle_root() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    # In a checkout (or an editable install) the asset folders sit beside the package.
    return Path(__file__).resolve().parent.parent


def audio_dir() -> Path:
    """Bundled sound assets (breath cues, bells, ambient beds)."""
    return _bundle_root() / "audio"


def scripts_dir() -> Path:
    """Bundled narration scripts."""
    return _bundle_root() / "scripts"


def _dir_from_env(var: str, default: str) -> Path:
    value = os.environ.get(var)
    path = Path(value) if value else Path(default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """The user's data folder (ratings store, user scripts, settings)."""
    return _dir_from_env("CFT_DESKTOP_DATA_DIR", platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """The user's cache folder (synthesised narration). Safe to delete."""
    return _dir_from_env(
        "CFT_DESKTOP_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME, appauthor=False)
    )


def log_dir() -> Path:
    """The user's log folder."""
    return _dir_from_env("CFT_DESKTOP_LOG_DIR", platformdirs.user_log_dir(APP_NAME, appauthor=False))


def user_scripts_dir() -> Path:
    """Scripts a therapist wrote or imported; listed beside the built-ins."""
    path = data_dir() / "scripts"
    path.mkdir(parents=True, exist_ok=True)
    return path
