"""Where the user's folders are: the same as platformdirs says, and private when we create them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
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


# A user name with a space, an accent and a non-Latin script, as on many clients' laptops.
HARD_NAME = "Zoë Ó Briain 山田"


@pytest.fixture
def no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("CFT_DESKTOP_DATA_DIR", "CFT_DESKTOP_CACHE_DIR", "CFT_DESKTOP_LOG_DIR"):
        monkeypatch.delenv(variable, raising=False)


def _use_windows_folders(monkeypatch: pytest.MonkeyPatch, profile: Path) -> None:
    """sys.platform as on Windows; the known folders read from the environment (platformdirs'
    own fallback), as the shell's ctypes call is not there to answer off Windows."""
    import platformdirs.windows

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(profile / "AppData" / "Local"))
    monkeypatch.setenv("APPDATA", str(profile / "AppData" / "Roaming"))
    monkeypatch.setattr(platformdirs.windows, "get_win_folder",
                        platformdirs.windows.get_win_folder_from_env_vars)


def test_windows_folders_are_the_local_app_data_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_overrides: None
) -> None:
    profile = tmp_path / "Users" / HARD_NAME
    _use_windows_folders(monkeypatch, profile)
    local = profile / "AppData" / "Local" / "cft-desktop"
    # Local, not roaming: ratings stay on the laptop they were made on.
    assert paths.data_dir() == local
    assert paths.cache_dir() == local / "Cache"
    assert paths.log_dir() == local / "Logs"
    assert all(p.is_dir() for p in (paths.data_dir(), paths.cache_dir(), paths.log_dir()))
    assert not (profile / "AppData" / "Roaming" / "cft-desktop").exists()


def test_macos_folders_are_under_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_overrides: None
) -> None:
    home = tmp_path / "Users" / HARD_NAME
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert paths.data_dir() == home / "Library" / "Application Support" / "cft-desktop"
    assert paths.cache_dir() == home / "Library" / "Caches" / "cft-desktop"
    assert paths.log_dir() == home / "Library" / "Logs" / "cft-desktop"
    assert paths.data_dir().is_dir()


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_a_store_and_a_script_work_in_a_folder_with_spaces_and_non_ascii_letters(
    platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_overrides: None
) -> None:
    from cft_desktop.store.records import Records

    home = tmp_path / "home" / HARD_NAME
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    real_platform = sys.platform
    if platform == "win32":
        _use_windows_folders(monkeypatch, home)
    else:
        monkeypatch.setattr(sys, "platform", platform)
    folder = paths.data_dir()
    assert HARD_NAME in str(folder)
    # The folder is that platform's; the store's own platform parts (its file lock) are this
    # machine's, so they run for real.
    monkeypatch.setattr(sys, "platform", real_platform)
    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(folder))
    store = Records.open()
    try:
        assert store.path is not None and store.path.parent == folder
        pacing = {"bpm": 6.0, "ratio": "2:3", "pause_scale": 1.0}
        client = store.active_client().client_id
        session_id = store.start_session(client, "safe-place", "1", pacing, "joe",
                                         datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    finally:
        store.close()
    reopened = Records.open()
    try:
        assert [s.session_id for s in reopened.sessions()] == [session_id]
    finally:
        reopened.close()
    script = paths.user_scripts_dir() / "mi práctica.md"
    script.write_text("---\nid: mi-practica\ntitle: Mi práctica\nkind: breathing\nminutes: 1\n"
                      "summary: Breve.\n---\nBreathe with the circle.\n", encoding="utf-8")
    from cft_desktop.core.script import parse_file

    assert parse_file(script).title == "Mi práctica"


# ---------------------------------------------------------------- file modes (issue 15 item 9)

_MAKE_PRIVATE_FILES = """
import logging, os, sys
os.umask(int(sys.argv[1], 8))
from cft_desktop import paths
from cft_desktop.ui.app import install_error_handling
from cft_desktop.ui.common.settings import Settings
paths.user_scripts_dir()
settings = Settings()
settings.set_last_practice("safe-place")
settings.sync()
log_path = install_error_handling()
logging.getLogger("test").warning("a line in the log")
for handler in logging.getLogger().handlers:
    handler.flush()
print(log_path)
"""


def _run_with_umask(umask: int, data: Path, log: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, CFT_DESKTOP_DATA_DIR=str(data), CFT_DESKTOP_LOG_DIR=str(log),
               CFT_DESKTOP_CACHE_DIR=str(data.parent / "cache"), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-c", _MAKE_PRIVATE_FILES, oct(umask)[2:]],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_log_settings_and_user_scripts_are_owner_only_whatever_the_umask(
    umask: int, tmp_path: Path
) -> None:
    data, log = tmp_path / "data", tmp_path / "log"
    result = _run_with_umask(umask, data, log)
    assert result.returncode == 0, result.stderr
    log_file = Path(result.stdout.strip())
    assert log_file.parent == log
    assert "a line in the log" in log_file.read_text(encoding="utf-8")
    assert "last_practice=safe-place" in (data / "settings.ini").read_text(encoding="utf-8")
    assert _mode(data / "settings.ini") == 0o600
    assert _mode(log_file) == 0o600
    assert _mode(data / "scripts") == 0o700
    assert _mode(data) == _mode(log) == 0o700


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_files_an_older_version_left_readable_are_tightened_on_open(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "log"
    for folder, name in ((data, "settings.ini"), (log, "cft-desktop.log")):
        folder.mkdir(mode=0o700)
        (folder / name).write_text("[General]\nversion=1\n" if name.endswith(".ini") else "old\n")
        os.chmod(folder / name, 0o644)
    result = _run_with_umask(0o022, data, log)
    assert result.returncode == 0, result.stderr
    assert _mode(data / "settings.ini") == 0o600
    assert _mode(log / "cft-desktop.log") == 0o600
    assert (log / "cft-desktop.log").read_text(encoding="utf-8").startswith("old\n")  # kept


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_folders_an_older_version_left_open_are_made_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_overrides: None
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    old = tmp_path / "share" / "cft-desktop"
    (old / "scripts").mkdir(parents=True)
    old.chmod(0o755)
    (old / "scripts").chmod(0o755)
    assert paths.user_scripts_dir() == old / "scripts"
    assert stat.S_IMODE(old.stat().st_mode) == 0o700
    assert stat.S_IMODE((old / "scripts").stat().st_mode) == 0o700
