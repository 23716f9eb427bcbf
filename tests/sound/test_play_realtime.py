"""`play` through real PortAudio on the real-time PulseAudio sink gives the samples `render` saves.

Runs the CLI as a user would, with the real neural voice (cached once per test run).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from tests.conftest import RealtimeSink, read_tap

SCRIPT = """---
id: short-test
title: Short test
kind: breathing
minutes: 0.5
summary: A short practice for the tests.
---
Welcome. Let yourself settle.

[breathe 2]
[in] Breathing in.
[out] And breathing out, slowly.

[bell]
"""

PACING = ["--bpm", "9", "--ratio", "1:2", "--pause-scale", "0.5"]


def _env(base: dict[str, str], tmp_path: Path, cache: Path) -> dict[str, str]:
    env = dict(base)
    env["CFT_DESKTOP_DATA_DIR"] = str(tmp_path / "data")
    env["CFT_DESKTOP_CACHE_DIR"] = str(cache)
    return env


def _cli(args: list[str], env: dict[str, str], timeout_s: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cft_desktop", *args],
        env=env, capture_output=True, text=True, timeout=timeout_s, check=False,
    )


def _align(played: npt.NDArray[np.float32], rendered: npt.NDArray[np.float32],
           block_frames: int = 1024) -> int:
    """Offset of `rendered` inside `played` (PortAudio primes the device with silence first)."""
    first_rendered = int(np.flatnonzero(rendered)[0])
    first_played = int(np.flatnonzero(played)[0])
    probe = slice(first_rendered + 2 * block_frames, first_rendered + 2 * block_frames + 4096)
    for shift in range(-2, block_frames + 2):
        offset = first_played - first_rendered + shift
        window = played[offset + probe.start : offset + probe.stop]
        if len(window) == 4096 and np.array_equal(window, rendered[probe]):
            return offset
    raise AssertionError("the played sound does not contain the rendered sound")


@pytest.mark.realtime
@pytest.mark.voice
def test_play_gives_the_same_samples_as_render(
    tmp_path: Path, realtime_sink: RealtimeSink, voice_cache_dir: Path
) -> None:
    script = tmp_path / "short-test.md"
    script.write_text(SCRIPT, encoding="utf-8")
    env = _env(dict(__import__("os").environ), tmp_path, voice_cache_dir)

    rendered_path = tmp_path / "rendered.wav"
    timeline_path = tmp_path / "timeline.json"
    done = _cli(["render", str(script), "--out", str(rendered_path), "--timeline",
                 str(timeline_path), *PACING], env)
    assert done.returncode == 0, done.stderr
    rendered, rate = soundfile.read(rendered_path, dtype="float32")
    assert rate == 22050
    timeline = json.loads(timeline_path.read_text())
    inhales = [e["start_s"] for e in timeline["events"] if e["kind"] == "inhale"]
    assert len(inhales) == 2
    assert inhales[1] - inhales[0] == pytest.approx(60 / 9, abs=1 / rate)

    tap = tmp_path / "played.wav"
    played_run = _cli(["play", str(script), *PACING], _env(realtime_sink.tap_env(tap), tmp_path,
                                                           voice_cache_dir))
    assert played_run.returncode == 0, played_run.stderr
    played = read_tap(tap)
    offset = _align(played, rendered)
    # The first block fades in (no click on start); from the second block on, every sample is
    # the rendered sample, bit for bit, to the end of the session.
    start = 1024
    heard = played[offset + start : offset + len(rendered)]
    assert len(heard) == len(rendered) - start
    np.testing.assert_array_equal(heard, rendered[start:])


@pytest.mark.realtime
@pytest.mark.voice
def test_a_voice_recorded_at_48_khz_is_played_at_48_khz(
    tmp_path: Path, realtime_sink: RealtimeSink, voice_cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A practice in a recorded voice goes to the sound card at the takes' own rate, sample for
    sample what `render` saves, with the cues resampled to it and still on the breath."""
    from cft_desktop.core.frames import SAMPLE_RATE
    from cft_desktop.core.script import parse_file
    from cft_desktop.sound.engine import BLOCK_FRAMES
    from cft_desktop.voice import takes
    from cft_desktop.voice.recorded import VoicePack, recordable_phrases
    from tests.voice.pack_helpers import fed

    script = tmp_path / "short-test.md"
    script.write_text(SCRIPT, encoding="utf-8")
    rate = 48000
    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    pack = VoicePack.create("studio")
    for text in recordable_phrases(parse_file(script)):
        take = takes.process_take(fed(text, voice_cache_dir, rate).samples, rate)
        pack.add_take("short-test", text, take.samples, take.sample_rate)
    env = _env(dict(__import__("os").environ), tmp_path, voice_cache_dir)

    rendered_path = tmp_path / "rendered.wav"
    timeline_path = tmp_path / "timeline.json"
    done = _cli(["render", str(script), "--voice", "studio", "--strict", "--out",
                 str(rendered_path), "--timeline", str(timeline_path), *PACING], env)
    assert done.returncode == 0, done.stderr
    rendered, file_rate = soundfile.read(rendered_path, dtype="float32")
    timeline = json.loads(timeline_path.read_text())
    assert file_rate == timeline["sample_rate"] == rate
    assert {e["source"] for e in timeline["events"] if e["kind"] == "phrase"} == {"take"}
    inhales = [e["start_s"] for e in timeline["events"] if e["kind"] == "inhale"]
    assert inhales[1] - inhales[0] == pytest.approx(60 / 9, abs=1 / rate)

    tap = tmp_path / "played.wav"
    played_run = _cli(["play", str(script), "--voice", "studio", *PACING],
                      _env(realtime_sink.tap_env(tap), tmp_path, voice_cache_dir))
    assert played_run.returncode == 0, played_run.stderr
    header = tap.read_bytes()[:44]
    assert int.from_bytes(header[24:28], "little") == rate  # the stream PortAudio opened
    played = read_tap(tap)
    block = round(BLOCK_FRAMES * rate / SAMPLE_RATE)
    offset = _align(played, rendered, block)
    heard = played[offset + block : offset + len(rendered)]
    assert len(heard) == len(rendered) - block
    np.testing.assert_array_equal(heard, rendered[block:])


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="a computer with no sound device is made from an ALSA configuration")
def test_play_without_any_sound_device_says_so_plainly(tmp_path: Path, voice_cache_dir: Path) -> None:
    import os

    # An ALSA configuration whose only device is a card that does not exist: PortAudio then lists
    # no device at all, as on a machine without sound hardware. (An empty file makes ALSA abort.)
    empty = tmp_path / "no-card-asound.conf"
    empty.write_text("pcm.!default { type hw; card 99 }\n", encoding="utf-8")
    env = _env(dict(os.environ), tmp_path, voice_cache_dir)
    env["ALSA_CONFIG_PATH"] = str(empty)
    env.pop("PULSE_SERVER", None)
    done = _cli(["play", "ground-me", "--speech-rate", "1.3"], env)
    assert done.returncode == 2
    assert "No sound output was found" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.realtime
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a private PulseAudio daemon")
def test_play_says_where_it_stopped_when_the_output_is_unplugged(
    tmp_path: Path, voice_cache_dir: Path
) -> None:
    import time

    from tests.sound.private_pulse import private_pulse

    script = tmp_path / "short-test.md"
    script.write_text(SCRIPT, encoding="utf-8")
    tap = tmp_path / "played.wav"
    with private_pulse() as pulse:
        env = _env(pulse.tap_env(tap), tmp_path, voice_cache_dir)
        player = subprocess.Popen(
            [sys.executable, "-m", "cft_desktop", "play", str(script), *PACING],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            # Unplugged once a second of sound has really gone out (the voice may be synthesising).
            deadline = time.monotonic() + 120
            while not (tap.exists() and tap.stat().st_size > 4 * 22050):
                assert player.poll() is None, player.communicate()
                assert time.monotonic() < deadline, "no sound came out"
                time.sleep(0.05)
            pulse.unplug()
            _out, err = player.communicate(timeout=60)
        finally:
            if player.poll() is None:
                player.kill()
                player.wait()
    assert player.returncode == 2, err
    assert "The sound output stopped" in err and "Your place is kept." in err
    assert "It stopped at 0:" in err and "of 0:" in err
    assert "Traceback" not in err
