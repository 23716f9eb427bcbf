"""`cft-desktop voice …` and `render/play --voice`, run as a real process on takes of the real voice."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from cft_desktop.sound.loudness import LOUDNESS_TARGET_LUFS, loudness_lufs
from cft_desktop.voice import recorded, takes
from cft_desktop.voice.recorded import VoicePack
from tests.test_cli import assert_no_traceback, run_cli
from tests.voice.pack_helpers import TINY_PHRASES, fed, snapshot, tiny_script

pytestmark = pytest.mark.voice

# (file name, rate, channels, libsndfile subtype) for the four phrases: any common format.
STUDIO_FILES = [("001.wav", 48000, 2, "PCM_16"), ("002.flac", 44100, 1, "PCM_24"),
                ("003.wav", 96000, 1, "FLOAT"), ("004.aiff", 32000, 1, "PCM_16")]
TRIM_TOLERANCE_S = 0.030


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data folder the command's process uses (run_cli), for this process as well."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def script_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.md"
    tiny_script(path)
    return path


def studio_folder(folder: Path, cache_dir: Path) -> dict[str, tuple[int, int]]:
    """Write the four takes; returns each file's fed speech span (frames at its own rate)."""
    folder.mkdir()
    spans = {}
    for (name, rate, channels, subtype), text in zip(STUDIO_FILES, TINY_PHRASES, strict=True):
        speech = fed(text, cache_dir, rate)
        data = np.stack([speech.samples] * channels, axis=1) if channels > 1 else speech.samples
        soundfile.write(folder / name, data, rate, subtype=subtype)
        spans[text] = (speech.start_frame, speech.end_frame)
    return spans


def test_phrases_are_numbered_one_a_line(tmp_path: Path, script_path: Path) -> None:
    result = run_cli(tmp_path, "voice", "phrases", str(script_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{n:03d} {t}" for n, t in enumerate(TINY_PHRASES, 1)]


def test_a_studio_folder_is_imported_at_its_own_rates(
        tmp_path: Path, data_dir: Path, script_path: Path, voice_cache_dir: Path) -> None:
    spans = studio_folder(tmp_path / "studio", voice_cache_dir)
    result = run_cli(tmp_path, "voice", "import", str(script_path), "studio", "--name", "studio")
    assert result.returncode == 0, result.stderr
    assert "Imported 4 takes into the voice pack 'studio'." in result.stderr
    pack = VoicePack.open("studio")
    for (_, rate, _, _), text in zip(STUDIO_FILES, TINY_PHRASES, strict=True):
        found = pack.take("tiny", text)
        assert found is not None
        samples, stored_rate = found
        assert stored_rate == rate
        assert loudness_lufs(samples, rate) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)
        assert float(np.abs(samples).max()) <= 10 ** (-1 / 20)
        # The stored take is the speech and its margins: trimmed where the speech really was.
        start, end = spans[text]
        expected = (end - start) + round(takes.LEAD_MARGIN_S * rate) + round(
            takes.TAIL_MARGIN_S * rate)
        assert abs(len(samples) - expected) / rate <= 2 * TRIM_TOLERANCE_S
    listed = run_cli(tmp_path, "voice", "list")
    assert listed.stdout.splitlines() == ["studio\t4\ttiny"]


def test_a_missing_number_or_an_unreadable_file_imports_nothing(
        tmp_path: Path, data_dir: Path, script_path: Path, voice_cache_dir: Path) -> None:
    studio = tmp_path / "studio"
    studio_folder(studio, voice_cache_dir)
    (studio / "002.flac").unlink()
    (studio / "003.wav").write_bytes(b"RIFF but not really a sound file at all")
    (studio / "005.wav").write_bytes((studio / "001.wav").read_bytes())
    result = run_cli(tmp_path, "voice", "import", str(script_path), "studio", "--name", "studio")
    assert result.returncode == 2
    assert_no_traceback(result)
    assert "002 is missing: 'Breathing in.'" in result.stderr
    assert re.search(r"^003 \(003\.wav\): cannot be read as sound", result.stderr, re.M)
    assert "005.wav: there is no phrase 005 (the script has 4)" in result.stderr
    assert "Nothing was imported." in result.stderr
    assert recorded.list_packs() == []


def test_a_take_the_checks_warn_about_is_imported_only_when_accepted(
        tmp_path: Path, data_dir: Path, script_path: Path, voice_cache_dir: Path) -> None:
    studio = tmp_path / "studio"
    studio_folder(studio, voice_cache_dir)
    samples, rate = soundfile.read(studio / "002.flac")
    soundfile.write(studio / "002.flac", np.clip(samples * 8, -1, 1), rate, subtype="PCM_24")
    refused = run_cli(tmp_path, "voice", "import", str(script_path), "studio", "--name", "studio")
    assert refused.returncode == 2
    assert f"002 (002.flac): {takes.CLIPPING_MESSAGE}" in refused.stderr
    assert recorded.list_packs() == []
    accepted = run_cli(tmp_path, "voice", "import", str(script_path), "studio", "--name", "studio",
                       "--accept-warnings")
    assert accepted.returncode == 0, accepted.stderr
    assert VoicePack.open("studio").missing(tiny_script()) == []


def _pack_without_last_phrase(cache_dir: Path) -> None:
    pack = VoicePack.create("mine")
    for text in TINY_PHRASES[:3]:
        take = takes.process_take(fed(text, cache_dir).samples, 48000)
        pack.add_take("tiny", text, take.samples, 48000)


def test_render_with_a_voice_marks_each_phrase_with_its_source(
        tmp_path: Path, data_dir: Path, script_path: Path, voice_cache_dir: Path) -> None:
    _pack_without_last_phrase(voice_cache_dir)
    strict = run_cli(tmp_path, "render", str(script_path), "--out", "strict.wav", "--voice", "mine",
                     "--strict")
    assert strict.returncode == 2
    assert_no_traceback(strict)
    assert "the voice pack 'mine' has no usable take of 1 phrase of tiny:\n004 Well done." \
        in strict.stderr
    assert not (tmp_path / "strict.wav").exists()

    result = run_cli(tmp_path, "render", str(script_path), "--out", "out.wav", "--voice", "mine",
                     "--timeline", "timeline.json", "--no-cues")
    assert result.returncode == 0, result.stderr
    assert "Voice: recorded: mine (+ neural voice for 1 phrase)" in result.stderr
    events = json.loads((tmp_path / "timeline.json").read_text())["events"]
    sources = [(e["text"], e["source"]) for e in events if e["kind"] == "phrase"]
    assert sources == [(TINY_PHRASES[0], "take"), (TINY_PHRASES[1], "take"),
                       (TINY_PHRASES[2], "take"), (TINY_PHRASES[3], "neural")]
    # The first phrase in the file is the take itself, at the session rate.
    audio, rate = soundfile.read(tmp_path / "out.wav", dtype="float32")
    first = events[[e["kind"] for e in events].index("phrase")]
    start = round(first["start_s"] * rate)
    said = audio[start : round(first["end_s"] * rate)]
    assert loudness_lufs(said, rate) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)


def test_a_lost_take_is_named_when_rendering(
        tmp_path: Path, data_dir: Path, script_path: Path, voice_cache_dir: Path) -> None:
    _pack_without_last_phrase(voice_cache_dir)
    pack = VoicePack.open("mine")
    (pack.folder / "takes" / pack.takes_of("tiny", TINY_PHRASES[0])[0].file).unlink()
    result = run_cli(tmp_path, "render", str(script_path), "--out", "out.wav", "--voice", "mine",
                     "--strict")
    assert result.returncode == 2
    assert "(missing or damaged takes included)" in result.stderr
    assert f"001 {TINY_PHRASES[0]}" in result.stderr
    fallen = run_cli(tmp_path, "render", str(script_path), "--out", "out.wav", "--voice", "mine",
                     "--timeline", "timeline.json")
    assert fallen.returncode == 0, fallen.stderr
    assert "Voice: recorded: mine (+ neural voice for 2 phrases)" in fallen.stderr
    said = ("voice pack 'mine': the recorded take of 1 phrase is missing or damaged, so the "
            f"neural voice says it: '{TINY_PHRASES[0]}'")
    assert fallen.stderr.count(said) == 1
    events = json.loads((tmp_path / "timeline.json").read_text())["events"]
    assert [e["source"] for e in events if e["kind"] == "phrase"] == [
        "neural", "take", "take", "neural"]


def test_play_with_an_unknown_or_incomplete_voice_says_so_before_playing(
        tmp_path: Path, data_dir: Path, script_path: Path, voice_cache_dir: Path) -> None:
    unknown = run_cli(tmp_path, "play", str(script_path), "--voice", "nobody")
    assert unknown.returncode == 2
    assert "no voice pack called 'nobody' (packs: none yet)" in unknown.stderr
    _pack_without_last_phrase(voice_cache_dir)
    strict = run_cli(tmp_path, "play", str(script_path), "--voice", "mine", "--strict")
    assert strict.returncode == 2
    assert_no_traceback(strict)
    assert "004 Well done." in strict.stderr


def test_export_import_and_remove_a_pack(
        tmp_path: Path, data_dir: Path, script_path: Path, voice_cache_dir: Path) -> None:
    _pack_without_last_phrase(voice_cache_dir)
    before = snapshot(data_dir / "voices" / "mine")
    exported = run_cli(tmp_path, "voice", "export", "mine", "--out", "mine.cftvoice")
    assert exported.returncode == 0, exported.stderr
    assert "(3 takes)" in exported.stderr
    again = run_cli(tmp_path, "voice", "import-pack", "mine.cftvoice")
    assert again.returncode == 2
    assert "a voice pack called 'mine' already exists" in again.stderr
    removed = run_cli(tmp_path, "voice", "remove", "mine")
    assert removed.returncode == 0, removed.stderr
    assert run_cli(tmp_path, "voice", "list").stdout == ""
    assert not (data_dir / "voices" / "mine").exists()

    # One take damaged inside the file: named, and the data folder is byte for byte as it was.
    member = next(n for n in _members(tmp_path / "mine.cftvoice") if n.endswith(".flac"))
    _flip_member(tmp_path / "mine.cftvoice", tmp_path / "damaged.cftvoice", member)
    untouched = snapshot(data_dir)
    damaged = run_cli(tmp_path, "voice", "import-pack", "damaged.cftvoice")
    assert damaged.returncode == 2
    assert_no_traceback(damaged)
    assert f"the file {member} inside it is damaged (nothing was imported)" in damaged.stderr
    assert snapshot(data_dir) == untouched

    imported = run_cli(tmp_path, "voice", "import-pack", "mine.cftvoice")
    assert imported.returncode == 0, imported.stderr
    assert "Imported the voice pack 'mine' (3 phrases)." in imported.stderr
    assert snapshot(data_dir / "voices" / "mine") == before


def _members(path: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def _flip_member(source: Path, target: Path, member: str) -> None:
    import zipfile

    with zipfile.ZipFile(source) as inside, zipfile.ZipFile(target, "w") as outside:
        for info in inside.infolist():
            data = bytearray(inside.read(info))
            if info.filename == member:
                data[-10] ^= 0x01
            outside.writestr(info.filename, bytes(data))


GERMAN = """---
id: tiny
title: Winzig
kind: breathing
minutes: 1
summary: Eine kleine Übung.
language: de
---
Let your breath find its own gentle rhythm.

[breathe 2]
[in] Breathing in.
[out] And breathing out.

Well done.
"""


def test_a_practice_in_another_language_plays_only_from_a_complete_recording(
        tmp_path: Path, data_dir: Path, voice_cache_dir: Path) -> None:
    """Issue 14: a script whose `language:` the usual voice does not speak needs a recording;
    nothing falls back to the English voice."""
    path = tmp_path / "winzig.md"
    path.write_text(GERMAN, encoding="utf-8")
    plain = run_cli(tmp_path, "render", str(path), "--out", "x.wav")
    assert plain.returncode == 2 and "language the usual voice does not speak (de)" in plain.stderr
    assert "--voice NAME" in plain.stderr and not (tmp_path / "x.wav").exists()
    assert_no_traceback(plain)
    _pack_without_last_phrase(voice_cache_dir)
    partial = run_cli(tmp_path, "render", str(path), "--out", "x.wav", "--voice", "mine")
    assert partial.returncode == 2 and "004 Well done." in partial.stderr  # strict by itself
    pack = VoicePack.open("mine")
    take = takes.process_take(fed(TINY_PHRASES[3], voice_cache_dir).samples, 48000)
    pack.add_take("tiny", TINY_PHRASES[3], take.samples, 48000)
    whole = run_cli(tmp_path, "render", str(path), "--out", "x.wav", "--voice", "mine")
    assert whole.returncode == 0, whole.stderr
    assert (tmp_path / "x.wav").stat().st_size > 0
