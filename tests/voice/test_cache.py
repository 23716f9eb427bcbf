"""The narration cache, the narrator and the session, with a stand-in voice (no neural synthesis)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script, parse_text
from cft_desktop.session import SAFE_MARGIN_S, Session
from cft_desktop.sound.clips import read_wav_int16
from cft_desktop.sound.mixer import SoundAssets
from cft_desktop.voice.cache import ClipCache, clip_key
from cft_desktop.voice.narrator import ClipRequest, Narrator, SynthesisAhead, estimate_frames

SR = 22050
FRONT = "---\nid: v\ntitle: V\nkind: breathing\nminutes: 2\nsummary: S\n---\n"
BODY = """Welcome to this short practice.

[pause 1]

[breathe 3]
[in] Breathing in.
[out] Breathing out, slowly.

Notice the chair beneath you.

[breathe 2]

[bell]

Thank you.
"""


class FakeVoice:
    """Speaks a tone whose length grows with the text; counts every synthesis."""

    engine = "fake"
    voice = "tone-1"

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]:
        with self._lock:
            self.calls.append((text, length_scale))
        frames = round((3000 + 350 * len(text)) * length_scale)
        t = np.arange(frames) / SR
        hz = 140.0 + (sum(map(ord, text)) % 180)
        return (9000 * np.sin(2 * np.pi * hz * t)).astype(np.int16), SR


class BrokenVoice(FakeVoice):
    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]:
        raise RuntimeError(f"cannot say {text!r}")


def make_assets() -> SoundAssets:
    t = np.arange(4410) / SR
    cue = (0.05 * np.cos(2 * np.pi * 220 * t)).astype(np.float32)
    bell = (0.2 * np.cos(2 * np.pi * 440 * np.arange(22050) / SR)).astype(np.float32)
    return SoundAssets(cue_inhale=cue, cue_exhale=cue.copy(), bell=bell)


def script_of(body: str = BODY) -> Script:
    return parse_text(FRONT + body, "scripts/v.md")


def session_with(voice: FakeVoice, cache_dir: Path, pacing: Pacing | None = None,
                 body: str = BODY) -> Session:
    return Session(script_of(body), pacing or Pacing(), Narrator(voice, ClipCache(cache_dir)),
                   make_assets())


# -- cache --------------------------------------------------------------------------------------


def test_clip_key_depends_on_every_part() -> None:
    base = clip_key("piper", "joe", 1.2, "Hello.")
    assert len(base) == 64
    assert int(base, 16) >= 0
    assert clip_key("piper", "joe", 1.2, "Hello.") == base
    others = {
        clip_key("other", "joe", 1.2, "Hello."),
        clip_key("piper", "amy", 1.2, "Hello."),
        clip_key("piper", "joe", 1.3, "Hello."),
        clip_key("piper", "joe", 1.2, "Hello!"),
        clip_key("piper", "joe", 1.2, "Hello. "),
    }
    assert base not in others
    assert len(others) == 5
    # Parts cannot run into each other.
    assert clip_key("a", "bc", 1.0, "d") != clip_key("ab", "c", 1.0, "d")


def test_put_get_contains(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "narration")
    key = clip_key("fake", "v", 1.0, "text")
    assert cache.get(key) is None
    assert not cache.contains(key)
    path = cache.put(key, b"RIFF-data")
    assert path == tmp_path / "narration" / key[:2] / f"{key}.wav"
    assert path.read_bytes() == b"RIFF-data"
    assert cache.contains(key)
    assert cache.get(key) == b"RIFF-data"
    cache.put(key, b"newer")
    assert cache.get(key) == b"newer"
    leftovers = [p for p in (tmp_path / "narration").rglob("*") if p.is_file()]
    assert leftovers == [path]


def test_failed_put_leaves_nothing(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("fake", "v", 1.0, "text")
    with pytest.raises(TypeError):
        cache.put(key, "not bytes")  # type: ignore[arg-type]
    assert not cache.contains(key)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# -- narrator -------------------------------------------------------------------------------------


def test_narrator_synthesises_once_and_caches_on_disk(tmp_path: Path) -> None:
    voice = FakeVoice()
    cache = ClipCache(tmp_path)
    narrator = Narrator(voice, cache)
    assert narrator.voice_name == "fake:tone-1"
    assert narrator.cached("Hello there.", 1.2) is None
    assert voice.calls == []
    clip = narrator.clip("Hello there.", 1.2)
    assert voice.calls == [("Hello there.", 1.2)]
    assert clip.dtype == np.float32
    assert 0.1 < np.abs(clip).max() <= 1.0
    assert narrator.clip("Hello there.", 1.2) is clip
    assert len(voice.calls) == 1
    data = cache.get(clip_key("fake", "tone-1", 1.2, "Hello there."))
    assert data is not None
    samples, rate = read_wav_int16(data)
    assert rate == SR
    assert len(samples) == round((3000 + 350 * len("Hello there.")) * 1.2)
    # A new rate is a new clip.
    narrator.clip("Hello there.", 1.5)
    assert voice.calls[-1] == ("Hello there.", 1.5)
    assert len(voice.calls) == 2


def test_second_narrator_reads_the_shared_cache(tmp_path: Path) -> None:
    voice = FakeVoice()
    first = Narrator(voice, ClipCache(tmp_path))
    clip = first.clip("Soft and slow.", 1.2)
    second = Narrator(voice, ClipCache(tmp_path))
    again = second.clip("Soft and slow.", 1.2)
    assert len(voice.calls) == 1
    assert np.array_equal(again, clip)
    assert second.cached("Soft and slow.", 1.2) is again


def test_prepared_clip_is_loudness_matched(tmp_path: Path) -> None:
    clip = Narrator(FakeVoice(), ClipCache(tmp_path)).clip("A phrase of medium length.", 1.0)
    level_db = 20 * np.log10(np.sqrt(np.mean(np.square(clip.astype(np.float64)))))
    assert level_db == pytest.approx(-21.0, abs=1.0)
    assert abs(float(clip[0])) < 0.01  # faded in: no click


def test_synthesis_ahead_reports_in_order(tmp_path: Path) -> None:
    voice = FakeVoice()
    narrator = Narrator(voice, ClipCache(tmp_path))
    requests = [ClipRequest(2, "two"), ClipRequest(0, "zero"), ClipRequest(5, "five")]
    ready: list[tuple[int, int]] = []
    progress: list[tuple[int, int]] = []
    errors: list[Exception] = []
    ahead = SynthesisAhead(narrator, requests, 1.2, lambda i, c: ready.append((i, len(c))),
                           lambda d, t: progress.append((d, t)), errors.append)
    ahead.start()
    assert ahead.done.wait(10)
    ahead.join(5)
    assert [i for i, _ in ready] == [2, 0, 5]
    assert all(n > 0 for _, n in ready)
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert errors == []
    assert [text for text, _ in voice.calls] == ["two", "zero", "five"]


def test_synthesis_ahead_reports_errors(tmp_path: Path) -> None:
    narrator = Narrator(BrokenVoice(), ClipCache(tmp_path))
    errors: list[Exception] = []
    ready: list[int] = []
    ahead = SynthesisAhead(narrator, [ClipRequest(0, "oops")], 1.2,
                           lambda i, c: ready.append(i), on_error=errors.append)
    ahead.start()
    assert ahead.done.wait(10)
    assert ready == []
    assert len(errors) == 1
    assert "oops" in str(errors[0])


def test_synthesis_ahead_cancel_before_start(tmp_path: Path) -> None:
    voice = FakeVoice()
    ahead = SynthesisAhead(Narrator(voice, ClipCache(tmp_path)), [ClipRequest(0, "x")], 1.2,
                           lambda i, c: None)
    ahead.cancel()
    ahead.start()
    assert ahead.done.wait(10)
    assert voice.calls == []


# -- session --------------------------------------------------------------------------------------


def test_prepare_all_synthesises_each_phrase_once(tmp_path: Path) -> None:
    voice = FakeVoice()
    session = session_with(voice, tmp_path)
    texts = [p.text for p in session.script.phrases()]
    assert len(texts) == 5
    assert session.missing() == [ClipRequest(i, t) for i, t in enumerate(texts)]
    progress: list[tuple[int, int]] = []
    session.prepare_all(lambda d, t: progress.append((d, t)))
    assert sorted(text for text, _ in voice.calls) == sorted(texts)
    assert {rate for _, rate in voice.calls} == {session.pacing.speech_length_scale}
    assert progress == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    assert session.missing() == []
    session.prepare_all()
    assert len(voice.calls) == 5

    # A second session with its own narrator but the same cache folder speaks nothing anew.
    other = session_with(voice, tmp_path)
    assert other.load_cached() == 5
    other.prepare_all()
    assert len(voice.calls) == 5
    assert other.timeline.events == session.timeline.events


def test_timeline_phrase_lengths_equal_clip_lengths(tmp_path: Path) -> None:
    voice = FakeVoice()
    session = session_with(voice, tmp_path)
    session.prepare_all()
    rate = session.pacing.speech_length_scale
    events = session.timeline.phrase_events()
    assert [e.spoken for e in events] == [0, 1, 2, 3, 4]
    for event in events:
        clip = session.narrator.cached(event.text, rate)
        assert clip is not None
        assert event.frames == len(clip)
        assert session.has_clip(event.spoken)
    assert session.ready_through(session.timeline.total_frames)


def test_session_starts_with_estimates(tmp_path: Path) -> None:
    session = session_with(FakeVoice(), tmp_path)
    rate = session.pacing.speech_length_scale
    events = session.timeline.phrase_events()
    assert [e.frames for e in events] == [estimate_frames(e.text, rate) for e in events]
    assert not session.ready_through(1)
    assert session.ready_through(0)


def test_accept_clip_retimes_later_events(tmp_path: Path) -> None:
    session = session_with(FakeVoice(), tmp_path)
    seen: list[tl.Timeline] = []
    session.on_timeline_changed = seen.append
    before = session.timeline
    estimate = before.phrase_events()[0].frames
    clip = np.full(estimate + 12_345, 0.1, dtype=np.float32)
    assert session.accept_clip(0, clip, session.pacing.speech_length_scale)
    after = session.timeline
    assert seen == [after]
    assert session.mixer.timeline is after
    assert after.phrase_events()[0].frames == len(clip)
    shifted = [(e.kind, e.start_frame + 12_345, e.frames) for e in before.events[1:]]
    assert [(e.kind, e.start_frame, e.frames) for e in after.events[1:]] == shifted
    assert after.total_frames == before.total_frames + 12_345
    assert session.has_clip(0)
    assert session.ready_through(after.phrase_events()[1].start_frame)


def test_accept_clip_at_another_rate_is_refused(tmp_path: Path) -> None:
    session = session_with(FakeVoice(), tmp_path)
    before = session.timeline
    clip = np.zeros(5000, dtype=np.float32)
    assert not session.accept_clip(0, clip, 1.7)
    assert session.timeline is before
    assert not session.has_clip(0)


def test_replacement_clip_that_comes_too_late_is_refused(tmp_path: Path) -> None:
    session = session_with(FakeVoice(), tmp_path)
    session.prepare_all()
    session.change_pacing(session.pacing.with_changes(speech_length_scale=1.5))
    first = session.timeline.phrase_events()[0]
    session.render_head_frame = first.start_frame + 10
    replacement = np.zeros(first.frames + 5000, dtype=np.float32)
    assert not session.accept_clip(0, replacement, 1.5)
    assert session.timeline.phrase_events()[0].frames == first.frames
    # A phrase far enough ahead of the head still takes its new clip.
    last = session.timeline.phrase_events()[-1]
    assert last.start_frame > session.render_head_frame + SAFE_MARGIN_S * session.sample_rate
    assert session.accept_clip(last.spoken, np.zeros(1234, dtype=np.float32), 1.5)
    assert session.timeline.phrase_events()[-1].frames == 1234


def test_change_pacing_applies_from_a_boundary_after_the_render_head(tmp_path: Path) -> None:
    session = session_with(FakeVoice(), tmp_path)
    session.prepare_all()
    old = session.timeline
    inhales = [e for e in old.events if e.kind == "inhale"]
    head = inhales[1].start_frame + 1000  # inside the second breath of the first block
    session.render_head_frame = head
    notified: list[tl.Timeline] = []
    session.on_timeline_changed = notified.append
    new_pacing = Pacing(bpm=4.0)
    applies_from = session.change_pacing(new_pacing)
    new = session.timeline
    assert notified == [new]
    assert session.pacing == new_pacing
    assert session.mixer.timeline is new
    assert applies_from >= head
    assert applies_from == inhales[2].start_frame
    assert applies_from in [b.frame for b in old.boundaries]
    kept = [e for e in old.events if e.start_frame < applies_from]
    assert list(new.events[: len(kept)]) == kept
    cycle = 60 / 4.0 * SR
    for event in [e for e in new.events if e.kind == "inhale" and e.start_frame >= applies_from]:
        following = [e for e in new.events if e.breath == event.breath and e.kind != "phrase"]
        assert abs(following[-1].end_frame - event.start_frame - cycle) <= 1
    # Phrase lengths are untouched.
    assert [e.frames for e in new.phrase_events()] == [e.frames for e in old.phrase_events()]


def test_change_pacing_after_a_phrase_started_waits_for_the_next_boundary(tmp_path: Path) -> None:
    session = session_with(FakeVoice(), tmp_path)
    session.prepare_all()
    old = session.timeline
    first = old.phrase_events()[0]
    session.render_head_frame = first.start_frame + 1
    applies_from = session.change_pacing(Pacing(pause_scale=2.0))
    pause = next(e for e in old.events if e.kind == "pause")
    assert applies_from == pause.start_frame
    new_pause = next(e for e in session.timeline.events if e.kind == "pause")
    assert new_pause.frames == 2 * pause.frames
    # The gap after the phrase already under way keeps its old length.
    assert session.timeline.events[0] == old.events[0]
    assert new_pause.start_frame == pause.start_frame


def test_clip_for_a_changed_speech_rate_replaces_the_old_one(tmp_path: Path) -> None:
    voice = FakeVoice()
    session = session_with(voice, tmp_path)
    session.prepare_all()
    old_lengths = [e.frames for e in session.timeline.phrase_events()]
    session.change_pacing(session.pacing.with_changes(speech_length_scale=1.6))
    # Until the new clips arrive the old ones keep their place.
    assert [e.frames for e in session.timeline.phrase_events()] == old_lengths
    assert [r.index for r in session.missing()] == [0, 1, 2, 3, 4]
    session.prepare_all()
    assert {rate for _, rate in voice.calls[5:]} == {1.6}
    new_lengths = [e.frames for e in session.timeline.phrase_events()]
    assert all(n > o for n, o in zip(new_lengths, old_lengths, strict=True))


def test_phrase_navigation(tmp_path: Path) -> None:
    session = session_with(FakeVoice(), tmp_path)
    session.prepare_all()
    starts = [e.start_frame for e in session.timeline.phrase_events()]
    assert session.phrase_start_after(-1) == starts[0]
    assert session.phrase_start_after(starts[1]) == starts[2]
    assert session.phrase_start_after(starts[-1]) is None
    assert session.phrase_start_before(starts[2] + 10) == starts[1]
    assert session.phrase_start_before(starts[2] + 2 * SR) == starts[2]
    assert session.phrase_start_before(10) == 0


def test_change_pacing_past_the_last_boundary_never_reports_a_past_frame(tmp_path: Path) -> None:
    session = session_with(FakeVoice(), tmp_path)
    session.prepare_all()
    old = session.timeline
    session.render_head_frame = old.boundaries[-1].frame + 1
    applies_from = session.change_pacing(Pacing(bpm=9.0))
    assert session.timeline.events == old.events
    # Nothing is left to re-time; the frame reported must not lie in the past (it was 0).
    assert applies_from >= session.render_head_frame
