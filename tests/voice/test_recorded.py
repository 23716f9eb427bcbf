"""Voice packs on disk, with takes of the real voice's speech: what is stored, kept, lost, moved."""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cft_desktop.core.pacing import Pacing
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.sound.loudness import LOUDNESS_TARGET_LUFS, loudness_lufs, resample
from cft_desktop.voice import recorded, takes
from cft_desktop.voice.narrator import Narrator
from cft_desktop.voice.recorded import VoicePack, VoicePackError
from tests.voice.pack_helpers import TINY_PHRASES, TINY_SCRIPT, fed, snapshot, tiny_script

pytestmark = pytest.mark.voice

TRIM_TOLERANCE_S = 0.030
FLAC_24_BIT_STEP = 2.0 ** -23


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(folder))
    monkeypatch.setenv("CFT_DESKTOP_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def full_pack(name: str, cache_dir: Path, rate: int = 48000) -> VoicePack:
    pack = VoicePack.create(name)
    for text in TINY_PHRASES:
        take = takes.process_take(fed(text, cache_dir, rate).samples, rate)
        pack.add_take("tiny", text, take.samples, take.sample_rate)
    return pack


@pytest.mark.parametrize("rate", [48000, 44100])
def test_a_stored_take_is_the_processed_take_at_its_own_rate(
        data_dir: Path, voice_cache_dir: Path, rate: int) -> None:
    speech = fed(TINY_PHRASES[0], voice_cache_dir, rate)
    take = takes.process_take(speech.samples, rate)
    assert abs(take.speech_start_frame - speech.start_frame) / rate <= TRIM_TOLERANCE_S
    assert abs(take.speech_end_frame - speech.end_frame) / rate <= TRIM_TOLERANCE_S
    pack = VoicePack.create("mine")
    pack.add_take("tiny", TINY_PHRASES[0], take.samples, take.sample_rate)
    found = VoicePack.open("mine").take("tiny", TINY_PHRASES[0])
    assert found is not None
    samples, stored_rate = found
    assert stored_rate == rate
    assert len(samples) == len(take.samples)
    # Lossless but for FLAC's 24-bit integers.
    assert float(np.abs(samples - take.samples).max()) <= FLAC_24_BIT_STEP
    assert loudness_lufs(samples, rate) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)
    assert float(np.abs(samples).max()) <= 10 ** (-1 / 20)


def test_editing_one_phrase_leaves_the_other_takes_valid(
        data_dir: Path, voice_cache_dir: Path) -> None:
    pack = full_pack("mine", voice_cache_dir)
    script = tiny_script()
    assert pack.missing(script) == []
    edited = tiny_script(text=TINY_SCRIPT.replace("Well done.", "Well done, gently."))
    assert pack.missing(edited) == ["Well done, gently."]
    # Another script with the same words is another script's take.
    other = tiny_script(text=TINY_SCRIPT.replace("id: tiny", "id: other"))
    assert pack.missing(other) == TINY_PHRASES


def test_in_and_out_lines_are_phrases_each_recorded_once() -> None:
    script = tiny_script(text=TINY_SCRIPT.replace("[out] And breathing out.",
                                                  "[out] And breathing out.\n[in] Breathing in."))
    assert recorded.recordable_phrases(script) == TINY_PHRASES


def test_the_last_two_takes_are_kept_and_a_retake_can_be_undone(
        data_dir: Path, voice_cache_dir: Path) -> None:
    pack = VoicePack.create("mine")
    text = TINY_PHRASES[1]
    processed = [takes.process_take(fed(text, voice_cache_dir, seed=s).samples, 48000)
                 for s in (1, 2, 3)]
    for take in processed:
        pack.add_take("tiny", text, take.samples, 48000)
    kept = pack.takes_of("tiny", text)
    assert len(kept) == 2
    files = sorted(p.name for p in (pack.folder / "takes").iterdir())
    assert files == sorted(t.file for t in kept)  # the first take's file is gone
    newest = VoicePack.open("mine").take("tiny", text)
    assert newest is not None
    assert float(np.abs(newest[0] - processed[2].samples).max()) <= FLAC_24_BIT_STEP
    assert pack.undo_retake("tiny", text)
    back = VoicePack.open("mine").take("tiny", text)
    assert back is not None
    assert float(np.abs(back[0] - processed[1].samples).max()) <= FLAC_24_BIT_STEP
    assert len(list((pack.folder / "takes").iterdir())) == 1
    assert not pack.undo_retake("tiny", text)


def _modes(folder: Path) -> set[tuple[str, int]]:
    return {(str(p.relative_to(folder)), stat.S_IMODE(p.stat().st_mode))
            for p in [folder, *folder.rglob("*")]}


def test_every_folder_and_file_is_the_owners_only(data_dir: Path, voice_cache_dir: Path,
                                                  tmp_path: Path) -> None:
    pack = full_pack("mine", voice_cache_dir)
    for name, mode in _modes(data_dir / "voices"):
        is_dir = (data_dir / "voices" / name).is_dir()
        assert mode == (0o700 if is_dir else 0o600), name
    out = tmp_path / "mine.cftvoice"
    recorded.export_pack("mine", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    recorded.import_pack(out, name="copy")
    for name, mode in _modes(data_dir / "voices" / "copy"):
        is_dir = (data_dir / "voices" / "copy" / name).is_dir()
        assert mode == (0o700 if is_dir else 0o600), name
    assert pack.folder.is_dir()


def test_lost_and_damaged_takes_fall_back_and_are_named(
        data_dir: Path, voice_cache_dir: Path) -> None:
    from cft_desktop.voice.cache import ClipCache
    from cft_desktop.voice.narrator import Narrator
    from cft_desktop.voice.piper import PiperVoiceBackend
    from cft_desktop.voice.recorded_narrator import RecordedNarrator

    pack = full_pack("mine", voice_cache_dir)
    takes_dir = pack.folder / "takes"
    (takes_dir / pack.takes_of("tiny", TINY_PHRASES[1])[0].file).unlink()
    damaged = takes_dir / pack.takes_of("tiny", TINY_PHRASES[3])[0].file
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    reopened = VoicePack.open("mine")
    neural = Narrator(PiperVoiceBackend(), ClipCache(voice_cache_dir))
    narrator = RecordedNarrator(reopened, tiny_script(), neural)
    assert narrator.neural_phrases() == [TINY_PHRASES[1], TINY_PHRASES[3]]
    assert narrator.voice_name == "recorded: mine (+ neural voice for 2 phrases)"
    message = reopened.fallback_message()
    assert message is not None
    assert "'Breathing in.'" in message and "'Well done.'" in message
    assert "'And breathing out.'" not in message
    # The neural voice says the lost one, brought up to the pack's 48 kHz (the session's rate);
    # the others come from their takes.
    assert narrator.sample_rate == 48000
    assert narrator.source(TINY_PHRASES[3]) == "neural"
    said = neural.clip(TINY_PHRASES[3], 1.0)
    heard = narrator.clip(TINY_PHRASES[3], 1.0)
    assert np.allclose(heard, np.clip(resample(said, SAMPLE_RATE, 48000), -1.0, 1.0))
    assert len(heard) == round(len(said) * 48000 / SAMPLE_RATE)
    assert heard is narrator.clip(TINY_PHRASES[3], 1.0)  # resampled once
    assert narrator.source(TINY_PHRASES[0]) == "take"


def test_a_take_plays_at_its_own_rate_and_is_never_time_stretched(
        data_dir: Path, voice_cache_dir: Path) -> None:
    from cft_desktop.voice.recorded_narrator import RecordedNarrator

    pack = full_pack("mine", voice_cache_dir, rate=44100)
    narrator = RecordedNarrator(pack, tiny_script(), _no_neural_voice())
    assert narrator.sample_rate == 44100
    stored = pack.take("tiny", TINY_PHRASES[0])
    assert stored is not None
    slow, fast = narrator.clip(TINY_PHRASES[0], 1.6), narrator.clip(TINY_PHRASES[0], 0.9)
    assert np.array_equal(slow, fast)
    assert np.array_equal(slow, stored[0])  # the stored samples themselves, not resampled
    assert loudness_lufs(slow, 44100) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)
    assert narrator.voice_name == "recorded: mine"


@pytest.mark.parametrize(("rates", "heard_at"), [
    ((44100, 48000, 44100, 48000), 48000),  # takes from two sessions: the higher rate wins
    ((16000,) * 4, SAMPLE_RATE),  # a phone recording is brought up to the usual rate
    ((96000,) * 4, 48000),  # above 48 kHz nothing more is heard
])
def test_a_pack_with_takes_at_other_rates_is_heard_at_one_rate(
        data_dir: Path, voice_cache_dir: Path, rates: tuple[int, ...], heard_at: int) -> None:
    from cft_desktop.voice.recorded_narrator import RecordedNarrator

    pack = VoicePack.create("mixed")
    for text, rate in zip(TINY_PHRASES, rates, strict=True):
        take = takes.process_take(fed(text, voice_cache_dir, rate).samples, rate)
        pack.add_take("tiny", text, take.samples, take.sample_rate)
    narrator = RecordedNarrator(pack, tiny_script(), _no_neural_voice())
    assert narrator.sample_rate == heard_at
    for text, rate in zip(TINY_PHRASES, rates, strict=True):
        stored = pack.take("tiny", text)
        assert stored is not None
        clip = narrator.clip(text, 1.0)
        assert len(clip) == round(len(stored[0]) * heard_at / rate)
        assert loudness_lufs(clip, heard_at) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.5)


def _no_neural_voice() -> Narrator:
    """A stand-in for the neural narrator in tests where every phrase has its take: any call
    to it fails the test (it is never the only test of a path: see the fallback test)."""
    from cft_desktop.voice.cache import ClipCache

    class _Refuses:
        engine = "none"
        voice = "none"

        def synthesize(self, text: str, length_scale: float) -> tuple[object, int]:
            raise AssertionError(f"the neural voice was asked for {text!r}")

    return Narrator(_Refuses(), ClipCache(Path("/nonexistent-cache")))  # type: ignore[arg-type]


def test_two_paces_give_the_same_speech_and_different_silences(
        data_dir: Path, voice_cache_dir: Path) -> None:
    from cft_desktop.session import Session
    from cft_desktop.sound.mixer import MixSettings, SoundAssets
    from cft_desktop.voice.recorded_narrator import RecordedNarrator

    pack = full_pack("mine", voice_cache_dir)
    script = tiny_script()
    quiet = MixSettings(inhale_cue=False, exhale_cue=False, bell=False)
    renders = []
    for pacing in (Pacing(bpm=6.0, speech_length_scale=1.0),
                   Pacing(bpm=4.0, pause_scale=1.5, speech_length_scale=1.4)):
        narrator = RecordedNarrator(pack, script, _no_neural_voice())
        session = Session(script, pacing, narrator, SoundAssets.load(), quiet)
        session.prepare_all()
        out = np.zeros(session.total_frames, dtype=np.float32)
        session.render(0, out)
        phrases = [(e.text, e.start_frame, e.end_frame) for e in session.timeline.phrase_events()]
        inhales = {e.start_frame for e in session.timeline.events if e.kind == "inhale"}
        for text, start, _ in phrases:
            if text == "Breathing in.":
                assert start in inhales  # an [in] take starts on an inhale
        renders.append((out, phrases, narrator))
    (out_a, phrases_a, narrator), (out_b, phrases_b, _) = renders
    assert [p[0] for p in phrases_a] == [p[0] for p in phrases_b]
    assert session.sample_rate == 48000  # the pack's own rate
    assert len(out_b) > len(out_a) + session.sample_rate  # the silences grew
    for (text, start_a, end_a), (_, start_b, end_b) in zip(phrases_a, phrases_b, strict=True):
        clip = narrator.take_clip(text)
        assert clip is not None
        assert end_a - start_a == end_b - start_b == len(clip)
        assert np.array_equal(out_a[start_a:end_a], out_b[start_b:end_b])
        assert np.allclose(out_a[start_a:end_a], clip, atol=1e-6)
    assert any(sb != sa for (_, sa, _), (_, sb, _) in zip(phrases_a, phrases_b, strict=True))


def test_a_practice_in_a_48_khz_voice_is_mixed_at_48_khz_with_its_cues_on_the_breath(
        data_dir: Path, voice_cache_dir: Path, tmp_path: Path) -> None:
    import soundfile

    from cft_desktop.session import Session
    from cft_desktop.sound.export import export_session
    from cft_desktop.sound.mixer import MixSettings, SoundAssets
    from cft_desktop.voice.recorded_narrator import RecordedNarrator

    pack = full_pack("mine", voice_cache_dir)
    script = tiny_script()
    pacing = Pacing(bpm=7.0)
    assets = SoundAssets.load()
    rendered = {}
    for cues in (True, False):
        mix = MixSettings(inhale_cue=cues, exhale_cue=cues, bell=cues)
        session = Session(script, pacing, RecordedNarrator(pack, script, _no_neural_voice()),
                          assets, mix)
        session.prepare_all()
        assert session.sample_rate == 48000
        out = tmp_path / f"cues-{cues}.wav"
        assert export_session(session, out) == session.total_frames
        audio, rate = soundfile.read(out, dtype="float32")
        assert rate == 48000 and len(audio) == session.total_frames
        rendered[cues] = audio
    timeline = session.timeline
    cue = assets.at_rate(48000).cue_inhale
    # What the cues add, sample for sample, is the resampled cue at each inhale's own frame.
    added = rendered[True] - rendered[False]
    inhales = [e.start_frame for e in timeline.events if e.kind == "inhale"]
    assert len(inhales) == 2
    assert inhales[1] - inhales[0] == round(60 / 7 * 48000)
    for start in inhales:
        assert np.allclose(added[start : start + len(cue)], cue, atol=1e-5)
        assert not np.any(added[start - 480 : start])  # nothing in the 10 ms before it


def test_export_and_import_give_back_the_same_pack(data_dir: Path, voice_cache_dir: Path,
                                                   tmp_path: Path) -> None:
    pack = full_pack("mine", voice_cache_dir)
    before = snapshot(pack.folder)
    out = tmp_path / "mine.cftvoice"
    assert recorded.export_pack("mine", out) == 4
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
    assert {"manifest.json", "checksums.json"} <= names and len(names) == 6
    recorded.remove_pack("mine")
    assert recorded.list_packs() == []
    imported = recorded.import_pack(out)
    assert imported.name == "mine"
    assert snapshot(imported.folder) == before
    assert not [p for p in (data_dir / "voices").iterdir() if p.name.startswith(".")]


def _rewrite_member(source: Path, target: Path, member: str) -> None:
    """A copy of the pack file with one byte of `member` changed (a valid zip: its CRC fits)."""
    with zipfile.ZipFile(source) as inside, zipfile.ZipFile(target, "w") as outside:
        for info in inside.infolist():
            data = bytearray(inside.read(info))
            if info.filename == member:
                data[len(data) // 2] ^= 0x01
            outside.writestr(info.filename, bytes(data))


def test_an_import_with_one_damaged_file_names_it_and_changes_nothing(
        data_dir: Path, voice_cache_dir: Path, tmp_path: Path) -> None:
    pack = full_pack("mine", voice_cache_dir)
    out = tmp_path / "mine.cftvoice"
    recorded.export_pack("mine", out)
    member = "takes/" + pack.takes_of("tiny", TINY_PHRASES[2])[0].file
    full_pack("other", voice_cache_dir)  # something already there, to stay as it is
    recorded.remove_pack("mine")
    before = snapshot(data_dir)

    damaged = tmp_path / "damaged.cftvoice"
    _rewrite_member(out, damaged, member)
    with pytest.raises(VoicePackError, match=re.escape(f"the file {member} inside it is damaged")):
        recorded.import_pack(damaged)
    assert snapshot(data_dir) == before

    # Bytes flipped in the zip itself: its own CRC catches it, named the same way.
    raw = bytearray(out.read_bytes())
    with zipfile.ZipFile(out) as archive:
        info = archive.getinfo(member)
    raw[info.header_offset + 30 + len(info.filename) + 100] ^= 0xFF
    broken = tmp_path / "broken.cftvoice"
    broken.write_bytes(bytes(raw))
    with pytest.raises(VoicePackError, match=re.escape(f"the file {member} inside it is damaged")):
        recorded.import_pack(broken)
    assert snapshot(data_dir) == before

    manifest = tmp_path / "manifest.cftvoice"
    _rewrite_member(out, manifest, "manifest.json")
    with pytest.raises(VoicePackError, match=re.escape("manifest.json inside it is damaged")):
        recorded.import_pack(manifest)
    assert snapshot(data_dir) == before


def test_an_import_refuses_a_name_in_use_unless_asked(data_dir: Path, voice_cache_dir: Path,
                                                      tmp_path: Path) -> None:
    full_pack("mine", voice_cache_dir)
    out = tmp_path / "mine.cftvoice"
    recorded.export_pack("mine", out)
    VoicePack.open("mine").add_take("tiny", "Another line.", np.zeros(4800, np.float32), 48000)
    before = snapshot(data_dir)
    with pytest.raises(VoicePackError, match="a voice pack called 'mine' already exists"):
        recorded.import_pack(out)
    assert snapshot(data_dir) == before
    replaced = recorded.import_pack(out, replace=True)
    assert not replaced.has_take("tiny", "Another line.")
    assert replaced.missing(tiny_script()) == []
    assert recorded.list_packs() == ["mine"]


def test_erasing_a_pack_removes_every_take(data_dir: Path, voice_cache_dir: Path) -> None:
    pack = full_pack("mine", voice_cache_dir)
    assert len(list((pack.folder / "takes").iterdir())) == 4
    recorded.remove_pack("mine")
    assert not pack.folder.exists()
    assert recorded.list_packs() == []
    with pytest.raises(VoicePackError, match="no voice pack called 'mine'"):
        VoicePack.open("mine")


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "..", "x" * 65, "trailing.", "tab\there"])
def test_a_pack_name_that_cannot_be_a_folder_is_refused(data_dir: Path, name: str) -> None:
    with pytest.raises(VoicePackError, match="cannot name a voice pack"):
        VoicePack.create(name)


def test_a_take_that_cannot_be_stored_leaves_every_earlier_one(
        data_dir: Path, voice_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from cft_desktop import atomic

    pack = full_pack("mine", voice_cache_dir)
    before = snapshot(data_dir)
    real_write = atomic.write_bytes
    calls: list[Path] = []

    def disk_fills_at_the_manifest(target: Path, data: bytes, **kw: object) -> None:
        calls.append(target)
        if target.name == "manifest.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(target, data)

    # A stand-in for a full disk, for this one piece (the real writes happen before it fails).
    monkeypatch.setattr(atomic, "write_bytes", disk_fills_at_the_manifest)
    retake = takes.process_take(fed(TINY_PHRASES[0], voice_cache_dir, seed=5).samples, 48000)
    with pytest.raises(VoicePackError, match=r"No space left on device\. Every earlier take is kept"):
        pack.add_takes([("tiny", TINY_PHRASES[0], retake.samples, 48000),
                        ("tiny", "A new line.", retake.samples, 48000)])
    assert len(calls) == 3
    monkeypatch.setattr(atomic, "write_bytes", real_write)
    assert snapshot(data_dir) == before
    assert len(pack.takes_of("tiny", TINY_PHRASES[0])) == 1
    assert not pack.has_take("tiny", "A new line.")
    assert pack.missing(tiny_script()) == []
