"""sound.clips: what importing pydub shows a person on a machine without ffmpeg (most clients')."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_importing_the_clip_module_prints_nothing_without_ffmpeg(tmp_path: Path) -> None:
    # PATH holds only an empty folder, so pydub's look-up for ffmpeg/avconv finds nothing, as on a
    # fresh laptop; every warning is shown (-W default) so a filtered one cannot hide behind pytest.
    env = dict(os.environ, PATH=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-W", "default::RuntimeWarning", "-c", "import cft_desktop.sound.clips"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ffmpeg" not in result.stderr
    assert result.stderr == ""
