"""Export: the whole session through the playback mixer into WAV, FLAC, OGG and MP3 files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import parse_text
from cft_desktop.errors import CftError
from cft_desktop.session import Session
from cft_desktop.sound.export import EXPORT_BLOCK_FRAMES, export_session, format_for
from cft_desktop.sound.mixer import MixSettings, SoundAssets
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator

SR = 22050
SCRIPT = """---
id: e
title: Export test
kind: breathing
minutes: 1
summary: S
---
Hello, this is the first phrase.

[breathe 2]
[in] In.
[out] Out.

[bell]

Goodbye for now.
"""


class FakeVoice:
    engine = "fake"
    voice = "tone"

    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]:
        frames = round((4000 + 300 * len(text)) * length_scale)
        t = np.arange(frames) / SR
        return (8000 * np.sin(2 * np.pi * (150 + len(text)) * t)).astype(np.int16), SR


def make_assets() -> SoundAssets:
    t = np.arange(SR // 4) / SR
    cue = (0.05 * np.cos(2 * np.pi * 220 * t)).astype(np.float32)
    bell = (0.2 * np.cos(2 * np.pi * 440 * np.arange(SR) / SR) * np.exp(-np.arange(SR) / 6000))
    loop = (0.05 * np.sin(2 * np.pi * 100 * np.arange(3001) / SR)).astype(np.float32)
    return SoundAssets(cue_inhale=cue, cue_exhale=cue[::-1].copy(), bell=bell.astype(np.float32),
                       beds={"hum": loop})


@pytest.fixture
def session(tmp_path: Path) -> Session:
    script = parse_text(SCRIPT, "scripts/e.md")
    narrator = Narrator(FakeVoice(), ClipCache(tmp_path / "cache"))
    made = Session(script, Pacing(bpm=12.0), narrator, make_assets(),
                   MixSettings(ambient="hum", voice_gain_db=-1.0))
    made.prepare_all()
    return made


def whole_mix(session: Session) -> npt.NDArray[np.float32]:
    out = np.zeros(session.timeline.total_frames, dtype=np.float32)
    session.mixer.render(0, out)
    return out


def test_wav_is_float32_and_bit_identical_to_the_mix(session: Session, tmp_path: Path) -> None:
    assert session.timeline.total_frames > 2 * EXPORT_BLOCK_FRAMES  # several blocks
    progress: list[tuple[int, int]] = []
    out = tmp_path / "out" / "session.wav"
    written = export_session(session, out, lambda done, total: progress.append((done, total)))
    total = session.timeline.total_frames
    assert written == total
    info = sf.info(str(out))
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "FLOAT", SR, 1)
    assert info.frames == total
    data, rate = sf.read(str(out), dtype="float32")
    assert rate == SR
    expected = whole_mix(session)
    assert np.abs(expected).max() > 0.1
    assert np.array_equal(data, expected)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert progress[-1] == (total, total)
    assert {t for _, t in progress} == {total}
    assert [p.name for p in out.parent.iterdir()] == ["session.wav"]


def test_flac_is_lossless_16_bit(session: Session, tmp_path: Path) -> None:
    out = tmp_path / "session.flac"
    export_session(session, out)
    info = sf.info(str(out))
    assert (info.format, info.subtype, info.samplerate) == ("FLAC", "PCM_16", SR)
    assert info.frames == session.timeline.total_frames
    data, _ = sf.read(str(out), dtype="float32")
    assert np.abs(data - whole_mix(session)).max() < 2.0 / 32768


@pytest.mark.parametrize(("suffix", "file_format"), [(".ogg", "OGG"), (".mp3", "MP3")])
def test_lossy_formats_have_the_right_length(
    session: Session, tmp_path: Path, suffix: str, file_format: str
) -> None:
    out = tmp_path / f"session{suffix}"
    export_session(session, out)
    info = sf.info(str(out))
    assert info.format == file_format
    assert info.samplerate == SR
    data, _ = sf.read(str(out), dtype="float32")
    assert abs(len(data) - session.timeline.total_frames) <= 2000
    assert np.sqrt(np.mean(np.square(data))) > 0.01  # not silence
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [out.name]


def test_upper_case_suffix_is_accepted(session: Session, tmp_path: Path) -> None:
    out = tmp_path / "LOUD.WAV"
    export_session(session, out)
    assert sf.info(str(out)).subtype == "FLOAT"


@pytest.mark.parametrize("name", ["session.aiff", "session", "session.wav.txt", "session.m4a"])
def test_unknown_extension_names_the_allowed_endings(
    session: Session, tmp_path: Path, name: str
) -> None:
    with pytest.raises(CftError) as info:
        export_session(session, tmp_path / "out" / name)
    message = str(info.value)
    for ending in (".wav", ".flac", ".ogg", ".mp3"):
        assert ending in message
    assert name in message
    assert not (tmp_path / "out").exists()


def test_format_for() -> None:
    assert format_for(Path("a.wav")) == ("WAV", "FLOAT")
    assert format_for(Path("a.Flac")) == ("FLAC", "PCM_16")
    assert format_for(Path("a.ogg")) == ("OGG", "VORBIS")
    assert format_for(Path("a.mp3")) == ("MP3", "MPEG_LAYER_III")
    with pytest.raises(CftError, match=r"\.wav, \.flac, \.ogg, \.mp3"):
        format_for(Path("a.opus"))


def test_failure_mid_export_leaves_nothing_behind(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    existing = out_dir / "session.wav"
    existing.write_bytes(b"an older export")
    real_render = session.mixer.render
    calls = []

    def failing_render(start: int, block: npt.NDArray[np.float32]) -> None:
        calls.append(start)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        real_render(start, block)

    monkeypatch.setattr(session.mixer, "render", failing_render)
    with pytest.raises(RuntimeError, match="disk on fire"):
        export_session(session, existing)
    assert len(calls) == 2
    assert sorted(p.name for p in out_dir.iterdir()) == ["session.wav"]
    assert existing.read_bytes() == b"an older export"

    new_target = out_dir / "fresh.flac"
    calls.clear()
    with pytest.raises(RuntimeError):
        export_session(session, new_target)
    assert sorted(p.name for p in out_dir.iterdir()) == ["session.wav"]
    assert not list(out_dir.glob("*.part"))


def test_interrupted_export_leaves_nothing_behind(session: Session, tmp_path: Path) -> None:
    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_session(session, tmp_path / "session.ogg", stop)
    assert [p for p in tmp_path.iterdir() if p.is_file()] == []


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".ogg", ".mp3"])
def test_tags_are_written_in_each_format_and_mp3_keeps_to_ascii(
    session: Session, tmp_path: Path, suffix: str
) -> None:
    title = "Kindness – for the ‘critic’ in a café"
    out = tmp_path / f"tagged{suffix}"
    export_session(session, out, tags={"title": title, "artist": "Dr Lee",
                                       "comment": "6 breaths a minute, pauses ×1.0"})
    with sf.SoundFile(out) as sound:
        written = (sound.title, sound.artist, sound.comment)
    if suffix == ".mp3":
        # libsndfile marks MP3 text as Latin-1 but writes UTF-8 bytes: plain ASCII reads right.
        assert written == ("Kindness - for the 'critic' in a cafe", "Dr Lee",
                           "6 breaths a minute, pauses x1.0")
    else:
        assert written == (title, "Dr Lee", "6 breaths a minute, pauses ×1.0")
    with pytest.raises(ValueError, match="unknown tag"):
        export_session(session, tmp_path / f"bad{suffix}", tags={"album": "x"})
    assert list(tmp_path.glob("bad*")) == []  # nothing half-written is left
