"""Where things live: bundled assets (audio/, scripts/) and the user's data, cache and log folders.

Works from a source checkout, an installed wheel and a frozen (PyInstaller) bundle. Environment
overrides exist for tests and portable installs:
CFT_DESKTOP_DATA_DIR, CFT_DESKTOP_CACHE_DIR, CFT_DESKTOP_LOG_DIR. Pure functions; any thread.

Decided once (issue 13 §9): the user folders are worked out here, in a few lines per system, and
`platformdirs` is not used at run time. Why: where a client's ratings live must never move because
a dependency released a new version; the start-up path stays free of that import (a test holds it
out); and the rules we need are short — XDG base directories on Linux and the BSDs,
~/Library/{Application Support,Caches,Logs} on macOS, %LOCALAPPDATA% on Windows (not the roaming
profile: a client's ratings stay on the laptop they were made on). The tests hold the answers equal
to `platformdirs`' on each system, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

APP_NAME = "cft-desktop"

# (XDG variable, its default under the home folder, sub-folder) for each kind of user folder.
_XDG = {
    "data": ("XDG_DATA_HOME", ".local/share", ""),
    "cache": ("XDG_CACHE_HOME", ".cache", ""),
    "log": ("XDG_STATE_HOME", ".local/state", "log"),
}
_MACOS_BASE = {"data": "Application Support", "cache": "Caches", "log": "Logs"}
_WINDOWS_SUB: dict[str, tuple[str, ...]] = {"data": (), "cache": ("Cache",), "log": ("Logs",)}


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


def user_folder(kind: str) -> Path:
    """The user's `kind` folder ("data", "cache" or "log") before any CFT_DESKTOP_* override."""
    if sys.platform == "win32":
        # %LOCALAPPDATA%\cft-desktop, ...\Cache and ...\Logs inside it. Windows sets the variable
        # from the known folder at every logon.
        local = os.environ.get("LOCALAPPDATA", "")
        if not os.path.isabs(local):
            local = os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return Path(local, APP_NAME, *_WINDOWS_SUB[kind])
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~"), "Library", _MACOS_BASE[kind], APP_NAME)
    variable, default, sub = _XDG[kind]
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):  # the rules say a relative or empty value is ignored
        base = os.path.join(os.path.expanduser("~"), default)
    return Path(base, APP_NAME, sub) if sub else Path(base, APP_NAME)


def _private_folder(path: Path) -> Path:
    """`path`, made if missing, readable by its owner only: ratings, scripts and the log are
    private to the person using them."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        # Made by an older version (0755) or by hand: tightened, not left open to other users.
        with contextlib.suppress(OSError):  # a folder someone else owns stays as it is
            path.chmod(0o700)
    return path


def _dir_from_env(var: str, kind: str) -> Path:
    value = os.environ.get(var)
    return _private_folder(Path(value) if value else user_folder(kind))


def data_dir() -> Path:
    """The user's data folder (ratings store, user scripts, settings)."""
    return _dir_from_env("CFT_DESKTOP_DATA_DIR", "data")


def cache_dir() -> Path:
    """The user's cache folder (synthesised narration). Safe to delete."""
    return _dir_from_env("CFT_DESKTOP_CACHE_DIR", "cache")


def log_dir() -> Path:
    """The user's log folder."""
    return _dir_from_env("CFT_DESKTOP_LOG_DIR", "log")


def user_scripts_dir() -> Path:
    """Scripts a therapist wrote or imported; listed beside the built-ins."""
    return _private_folder(data_dir() / "scripts")
