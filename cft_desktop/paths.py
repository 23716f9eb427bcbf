"""Where things live: bundled assets (audio/, scripts/) and the user's data, cache and log folders.

Works from a source checkout, an installed wheel and a frozen (PyInstaller) bundle. Environment
overrides exist for tests and portable installs:
CFT_DESKTOP_DATA_DIR, CFT_DESKTOP_CACHE_DIR, CFT_DESKTOP_LOG_DIR. Pure functions; any thread.

On Linux and the BSDs the user folders follow the XDG base-directory rules here, in a few lines:
the same folders `platformdirs` gives (a test holds them equal), without importing it, which cost
7 ms of every start. It also keeps where a client's ratings live independent of that package's
release. Other systems ask `platformdirs`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from platformdirs.api import PlatformDirsABC

APP_NAME = "cft-desktop"

# (XDG variable, its default under the home folder, sub-folder) for each kind of user folder.
_XDG = {
    "data": ("XDG_DATA_HOME", ".local/share", ""),
    "cache": ("XDG_CACHE_HOME", ".cache", ""),
    "log": ("XDG_STATE_HOME", ".local/state", "log"),
}


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
        # %LOCALAPPDATA%\cft-desktop (not the roaming profile: a client's ratings stay on the
        # laptop they were made on), ...\Cache and ...\Logs inside it.
        from platformdirs.windows import Windows

        return _platform_folder(Windows(APP_NAME, appauthor=False), kind)
    if sys.platform == "darwin":
        # ~/Library/Application Support, ~/Library/Caches and ~/Library/Logs.
        from platformdirs.macos import MacOS

        return _platform_folder(MacOS(APP_NAME, appauthor=False), kind)
    variable, default, sub = _XDG[kind]
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):  # the rules say a relative or empty value is ignored
        base = os.path.join(os.path.expanduser("~"), default)
    return Path(base, APP_NAME, sub) if sub else Path(base, APP_NAME)


def _platform_folder(dirs: PlatformDirsABC, kind: str) -> Path:
    return Path({"data": dirs.user_data_dir, "cache": dirs.user_cache_dir,
                 "log": dirs.user_log_dir}[kind])


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
