"""Where the user's folders are: the same as platformdirs says, and private when we create them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from cft_desktop import paths

XDG_CASES = [
    {},  # nothing set: the defaults under the home folder
    {"XDG_DATA_HOME": "/srv/x/data", "XDG_CACHE_HOME": "/srv/x/cache", "XDG_STATE_HOME": "/srv/x/st"},
    {"XDG_DATA_HOME": "relative/data", "XDG_CACHE_HOME": "", "XDG_STATE_HOME": "rel"},
]


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG rules are for Linux/BSD")
@pytest.mark.parametrize("env", XDG_CASES)
def test_user_folders_are_where_platformdirs_puts_them(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    expected = platformdirs.PlatformDirs(paths.APP_NAME, appauthor=False)
    assert paths.user_folder("data") == Path(expected.user_data_dir)
    assert paths.user_folder("cache") == Path(expected.user_cache_dir)
    assert paths.user_folder("log") == Path(expected.user_log_dir)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_new_data_folder_is_private_and_made_where_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CFT_DESKTOP_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    folder = paths.data_dir()
    assert folder == tmp_path / "share" / "cft-desktop"
    assert folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_finding_the_folders_does_not_import_platformdirs(tmp_path: Path) -> None:
    code = ("import sys, cft_desktop.cli, cft_desktop.paths as p; p.data_dir(); p.log_dir(); "
            "print('platformdirs' in sys.modules)")
    env = {"HOME": str(tmp_path), "PATH": os.environ.get("PATH", ""),
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    assert (tmp_path / ".local" / "share" / "cft-desktop").is_dir()
    assert out.stdout.strip() == ("True" if sys.platform in ("win32", "darwin") else "False")
