"""The mixer: sample-accurate, block-size independent, with cues, gains, and a ducked ambient bed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script, parse_text
from cft_desktop.sound.mixer import (
    AMBIENT_FADE_S,
    DUCK_ATTACK_S,
    DUCK_RELEASE_S,
    Mixer,
    MixSettings,
    SoundAssets,
    db_to_gain,
)

SR = 22050
FRONT = "---\nid: m\ntitle: M\nkind: breathing\nminutes: 1\nsummary: S\n---\n"
BED_FRAMES = 1234

Floats = NDArray[np.float32]


def tone(frames: int, hz: float, amplitude: float) -> Floats:
    # A cosine starts at its full amplitude, so the first sample of every sound is non-zero.
    t = np.arange(frames, dtype=np.float64) / SR
    return (amplitude * np.cos(2 * np.pi * hz * t)).astype(np.float32)


def make_assets() -> SoundAssets:
    decay = np.exp(-np.arange(11025) / 4000.0)
    bell = (tone(11025, 523.0, 0.3) * decay).astype(np.float32)
    return SoundAssets(
        cue_inhale=tone(6615, 220.0, 0.05),
        cue_exhale=tone(8820, 165.0, 0.05),
        bell=bell,
        beds={"hum": tone(BED_FRAMES, 3 * SR / BED_FRAMES * 7, 0.1)},
    )


def numbered_clips(count: int, base_frames: int = 4000) -> dict[int, Floats]:
    """Clip i: a distinct sine burst, (base + 997 i) frames long."""
    return {i: tone(base_frames + 997 * i, 180.0 + 40.0 * i, 0.25) for i in range(count)}


def script_of(body: str) -> Script:
    return parse_text(FRONT + body, "scripts/m.md")


def layout(script: Script, clips: dict[int, Floats], assets: SoundAssets,
           pacing: Pacing | None = None) -> tl.Timeline:
    return tl.build(script, pacing or Pacing(bpm=12.0, pause_scale=0.5),
                    lambda i: len(clips[i]), SR, len(assets.bell))


SESSION = """Hello one.

[breathe 2]
[in] In.
[out] Out.

[pause 0.5]

[bell]

Goodbye two.
"""


def whole(mixer: Mixer, frames: int) -> Floats:
    out = np.zeros(frames, dtype=np.float32)
    mixer.render(0, out)
    return out


@pytest.fixture(scope="module")
def assets() -> SoundAssets:
    return make_assets()


def busy_setup(assets: SoundAssets) -> tuple[tl.Timeline, dict[int, Floats], MixSettings]:
    clips = numbered_clips(4)
    timeline = layout(script_of(SESSION), clips, assets)
    mix = MixSettings(voice_gain_db=-2.0, cue_gain_db=1.5, ambient="hum", ambient_gain_db=-3.0)
    return timeline, clips, mix


_REFERENCE: dict[str, Floats] = {}


def busy_reference(assets: SoundAssets, total: int) -> Floats:
    if "busy" not in _REFERENCE:
        timeline, clips, mix = busy_setup(assets)
        _REFERENCE["busy"] = whole(Mixer(timeline, clips, assets, mix), total)
    return _REFERENCE["busy"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(64, 40_000), min_size=1, max_size=40))
def test_block_size_does_not_change_the_sound(block_sizes: list[int]) -> None:
    assets = make_assets()
    timeline, clips, mix = busy_setup(assets)
    total = timeline.total_frames + 500
    reference = busy_reference(assets, total)
    assert np.abs(reference).max() > 0.1

    mixer = Mixer(timeline, clips, assets, MixSettings(**vars(mix)))
    pieces = []
    frame = 0
    index = 0
    while frame < total:
        size = min(block_sizes[index % len(block_sizes)], total - frame)
        block = np.zeros(size, dtype=np.float32)
        mixer.render(frame, block)
        pieces.append(block)
        frame += size
        index += 1
    assert np.array_equal(np.concatenate(pieces), reference)


def test_tiny_blocks_across_event_edges(assets: SoundAssets) -> None:
    timeline, clips, mix = busy_setup(assets)
    total = timeline.total_frames + 500
    reference = busy_reference(make_assets(), total)
    mixer = Mixer(timeline, clips, assets, mix)
    edges = [e.start_frame for e in timeline.events] + [e.end_frame for e in timeline.events]
    for edge in edges:
        frame = max(0, edge - 700)
        sizes = [1, 2, 3, 5, 7, 11, 13, 64, 1]
        stop = min(total, edge + 700)
        while frame < stop:
            size = min(sizes[frame % len(sizes)], stop - frame)
            block = np.zeros(size, dtype=np.float32)
            mixer.render(frame, block)
            assert np.array_equal(block, reference[frame : frame + size]), frame
            frame += size


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 250_000), st.integers(1, 30_000))
def test_any_block_at_any_offset_matches_the_whole(start: int, size: int) -> None:
    assets = make_assets()
    timeline, clips, mix = busy_setup(assets)
    total = timeline.total_frames + 500
    reference = busy_reference(assets, total)
    mixer = Mixer(timeline, clips, assets, MixSettings(**vars(mix)))
    # Render somewhere else first, as a seek would.
    mixer.render(7, np.zeros(333, dtype=np.float32))
    size = min(size, total - start)
    block = np.zeros(size, dtype=np.float32)
    mixer.render(start, block)
    assert np.array_equal(block, reference[start : start + size])


def test_phrase_clips_start_at_their_event_frame(assets: SoundAssets) -> None:
    clips = numbered_clips(4)
    timeline = layout(script_of(SESSION), clips, assets)
    mix = MixSettings(inhale_cue=False, exhale_cue=False, bell=False)
    out = whole(Mixer(timeline, clips, assets, mix), timeline.total_frames)
    phrases = timeline.phrase_events()
    assert len(phrases) == 4
    for event in phrases:
        clip = clips[event.spoken]
        start = event.start_frame
        assert np.array_equal(out[start : start + len(clip)], clip)
        assert out[start] != 0.0
        if start > 0:
            assert out[start - 1] == 0.0
    nonzero = np.flatnonzero(out)
    assert nonzero[0] == phrases[0].start_frame
    # Found by correlation too: the peak of clip 2 against the mix is at its event's start.
    event = phrases[2]
    clip = clips[event.spoken]
    correlation = np.correlate(out.astype(np.float64), clip.astype(np.float64), mode="valid")
    assert int(np.argmax(correlation)) == event.start_frame


def test_bell_sounds_at_its_event(assets: SoundAssets) -> None:
    clips = numbered_clips(4)
    timeline = layout(script_of(SESSION), clips, assets)
    [bell] = [e for e in timeline.events if e.kind == "bell"]
    mix = MixSettings(inhale_cue=False, exhale_cue=False)
    out = whole(Mixer(timeline, clips, assets, mix), timeline.total_frames)
    assert np.array_equal(out[bell.start_frame : bell.end_frame], assets.bell)
    silent = whole(Mixer(timeline, clips, assets, MixSettings(inhale_cue=False, exhale_cue=False,
                                                               bell=False)), timeline.total_frames)
    assert not silent[bell.start_frame : bell.end_frame].any()


def test_cues_sound_at_breath_phases(assets: SoundAssets) -> None:
    clips: dict[int, Floats] = {}
    timeline = layout(script_of("[breathe 3]\n"), clips, assets)
    out = whole(Mixer(timeline, clips, assets, MixSettings(bell=False)), timeline.total_frames)
    inhales = [e for e in timeline.events if e.kind == "inhale"]
    exhales = [e for e in timeline.events if e.kind == "exhale"]
    assert len(inhales) == len(exhales) == 3
    for event in inhales:
        cue = assets.cue_inhale
        assert np.array_equal(out[event.start_frame : event.start_frame + len(cue)], cue)
    for event in exhales:
        cue = assets.cue_exhale
        assert np.array_equal(out[event.start_frame : event.start_frame + len(cue)], cue)
    assert np.flatnonzero(out)[0] == 0


def test_cues_off_means_no_cue_energy(assets: SoundAssets) -> None:
    clips: dict[int, Floats] = {}
    timeline = layout(script_of("[breathe 3]\n"), clips, assets)
    on = whole(Mixer(timeline, clips, assets), timeline.total_frames)
    assert float(np.sqrt(np.mean(on**2))) > 0.005
    off = whole(Mixer(timeline, clips, assets, MixSettings(inhale_cue=False, exhale_cue=False)),
                timeline.total_frames)
    assert not off.any()
    only_in = whole(Mixer(timeline, clips, assets, MixSettings(exhale_cue=False)),
                    timeline.total_frames)
    exhales = [e for e in timeline.events if e.kind == "exhale"]
    for event in exhales:
        assert not only_in[event.start_frame : event.end_frame].any()


def test_cue_gain(assets: SoundAssets) -> None:
    clips: dict[int, Floats] = {}
    timeline = layout(script_of("[breathe 1]\n"), clips, assets)
    plain = whole(Mixer(timeline, clips, assets), timeline.total_frames)
    quiet = whole(Mixer(timeline, clips, assets, MixSettings(cue_gain_db=-12.0)),
                  timeline.total_frames)
    loud = np.flatnonzero(plain)
    assert np.allclose(quiet[loud] / plain[loud], db_to_gain(-12.0), rtol=1e-5)


def test_voice_gain_minus_6_db_halves_the_voice(assets: SoundAssets) -> None:
    clips = numbered_clips(4, base_frames=40_000)
    timeline = layout(script_of(SESSION), clips, assets)
    off = {"inhale_cue": False, "exhale_cue": False, "bell": False}
    plain = whole(Mixer(timeline, clips, assets, MixSettings(**off)), timeline.total_frames)
    mixer = Mixer(timeline, clips, assets, MixSettings(**off))
    first = timeline.phrase_events()[0]
    block = 4096
    warm = np.zeros(block, dtype=np.float32)
    mixer.render(first.start_frame, warm)
    assert np.array_equal(warm, plain[first.start_frame : first.start_frame + block])

    mixer.settings.voice_gain_db = -6.0
    ramp = np.zeros(block, dtype=np.float32)
    mixer.render(first.start_frame + block, ramp)
    after = np.zeros(block, dtype=np.float32)
    mixer.render(first.start_frame + 2 * block, after)

    reference_ramp = plain[first.start_frame + block : first.start_frame + 2 * block]
    reference = plain[first.start_frame + 2 * block : first.start_frame + 3 * block]
    loud = np.abs(reference) > 0.01
    assert loud.sum() > block // 2
    ratios = after[loud] / reference[loud]
    assert np.allclose(ratios, 0.5, atol=0.005)
    assert np.allclose(ratios, db_to_gain(-6.0), rtol=1e-5)
    # The change ramps across its block: from about 1 down towards one half, never a jump.
    loud_ramp = np.abs(reference_ramp) > 0.01
    ramp_gain = ramp[loud_ramp] / reference_ramp[loud_ramp]
    assert ramp_gain[0] > 0.95
    assert 0.5 < ramp_gain[-1] < 0.55
    assert np.all(np.diff(ramp_gain) <= 1e-5)


def test_voice_gain_set_before_playback_applies_from_the_first_frame(assets: SoundAssets) -> None:
    clips = numbered_clips(4)
    timeline = layout(script_of(SESSION), clips, assets)
    off = {"inhale_cue": False, "exhale_cue": False, "bell": False}
    plain = whole(Mixer(timeline, clips, assets, MixSettings(**off)), timeline.total_frames)
    halved = whole(Mixer(timeline, clips, assets, MixSettings(voice_gain_db=-6.0, **off)),
                   timeline.total_frames)
    loud = np.abs(plain) > 0.01
    assert np.allclose(halved[loud] / plain[loud], db_to_gain(-6.0), rtol=1e-5)


def test_output_is_clipped_to_full_scale(assets: SoundAssets) -> None:
    clips = numbered_clips(4)
    timeline = layout(script_of(SESSION), clips, assets)
    out = whole(Mixer(timeline, clips, assets, MixSettings(voice_gain_db=30.0)),
                timeline.total_frames)
    assert np.abs(out).max() == 1.0


AMBIENT_SCRIPT = "[pause 6]\n\nFirst phrase.\n\n[pause 10]\n\nSecond phrase.\n\n[pause 8]\n"


def ambient_mix(assets: SoundAssets, gain_db: float = 0.0) -> tuple[tl.Timeline, Floats]:
    # Silent phrase clips: whatever is heard is the bed.
    clips = {0: np.zeros(3 * SR, dtype=np.float32), 1: np.zeros(3 * SR, dtype=np.float32)}
    timeline = layout(script_of(AMBIENT_SCRIPT), clips, assets, Pacing())
    mix = MixSettings(ambient="hum", ambient_gain_db=gain_db)
    return timeline, whole(Mixer(timeline, clips, assets, mix), timeline.total_frames)


def rms(samples: Floats) -> float:
    return float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))


def test_ambient_loops_by_absolute_frame(assets: SoundAssets) -> None:
    timeline, out = ambient_mix(assets)
    first, second = timeline.phrase_events()
    bed = assets.beds["hum"]
    # Between phrases, after the fade-in and clear of the ducking, the bed plays as made.
    start = first.end_frame + round(DUCK_RELEASE_S * SR) + 1
    end = second.start_frame - round(DUCK_ATTACK_S * SR) - 1
    assert end - start > 5 * BED_FRAMES
    frames = np.arange(start, end)
    assert np.array_equal(out[start:end], bed[frames % BED_FRAMES])


def test_ambient_gain(assets: SoundAssets) -> None:
    timeline, plain = ambient_mix(assets)
    _, quiet = ambient_mix(assets, gain_db=-10.0)
    first, second = timeline.phrase_events()
    window = slice(first.end_frame + SR, second.start_frame - SR)
    assert rms(quiet[window]) / rms(plain[window]) == pytest.approx(db_to_gain(-10.0), rel=1e-4)


def test_ambient_ducks_about_12_db_under_phrases(assets: SoundAssets) -> None:
    timeline, out = ambient_mix(assets)
    first, second = timeline.phrase_events()
    open_level = rms(out[first.end_frame + SR : second.start_frame - SR])
    for phrase in (first, second):
        inside = rms(out[phrase.start_frame + SR // 2 : phrase.end_frame - SR // 2])
        assert 20 * np.log10(inside / open_level) == pytest.approx(-12.0, abs=0.5)
        # The duck begins before the words and lets go after them.
        attack = out[phrase.start_frame - round(DUCK_ATTACK_S * SR) // 2 : phrase.start_frame]
        assert rms(out[phrase.start_frame : phrase.end_frame]) < rms(attack) < open_level


def test_ambient_fades_in_at_the_start(assets: SoundAssets) -> None:
    timeline, out = ambient_mix(assets)
    assert abs(float(out[0])) < 1e-6
    fade = round(AMBIENT_FADE_S * SR)
    full = rms(out[fade : fade + SR])
    levels = [rms(out[k * SR // 2 : (k + 1) * SR // 2]) for k in range(8)]
    assert all(a < b for a, b in itertools.pairwise(levels))
    for k, level in enumerate(levels):
        # A linear ramp over 4 s; RMS of a ramp from a to b is sqrt((a² + ab + b²) / 3).
        low, high = k / 8, (k + 1) / 8
        expected = full * np.sqrt((low * low + low * high + high * high) / 3)
        assert level == pytest.approx(expected, rel=0.1)
    assert timeline.phrase_events()[0].start_frame > fade


def test_ambient_fades_out_at_the_end(assets: SoundAssets) -> None:
    timeline, out = ambient_mix(assets)
    total = timeline.total_frames
    fade = round(AMBIENT_FADE_S * SR)
    assert rms(out[total - SR // 4 :]) < rms(out[total - fade - SR : total - fade]) / 8


def test_no_ambient_when_none_chosen_or_unknown(assets: SoundAssets) -> None:
    clips = {0: np.zeros(3 * SR, dtype=np.float32), 1: np.zeros(3 * SR, dtype=np.float32)}
    timeline = layout(script_of(AMBIENT_SCRIPT), clips, assets, Pacing())
    for name in (None, "rain"):
        out = whole(Mixer(timeline, clips, assets, MixSettings(ambient=name)), timeline.total_frames)
        assert not out.any()


def test_set_timeline_takes_effect_from_the_next_block(assets: SoundAssets) -> None:
    clips = numbered_clips(4)
    script = script_of(SESSION)
    slow = layout(script, clips, assets, Pacing(bpm=4.0))
    fast = layout(script, clips, assets, Pacing(bpm=12.0))
    mixer = Mixer(slow, clips, assets)
    assert mixer.timeline is slow
    mixer.set_timeline(fast)
    assert mixer.timeline is fast
    swapped = whole(mixer, fast.total_frames)
    assert np.array_equal(swapped, whole(Mixer(fast, clips, assets), fast.total_frames))


def test_missing_clip_is_silent(assets: SoundAssets) -> None:
    clips = numbered_clips(4)
    timeline = layout(script_of(SESSION), clips, assets)
    partial = {i: c for i, c in clips.items() if i != 3}
    mix = MixSettings(inhale_cue=False, exhale_cue=False, bell=False)
    out = whole(Mixer(timeline, partial, assets, mix), timeline.total_frames)
    last = timeline.phrase_events()[3]
    assert not out[last.start_frame : last.end_frame].any()
    first = timeline.phrase_events()[0]
    assert out[first.start_frame : first.end_frame].any()


def test_switching_the_bell_off_while_it_rings_fades_it_over_one_block(assets: SoundAssets) -> None:
    """Unticking Bell mid-ring used to cut it at a block edge: a click at the bell's −14 dBFS."""
    clips = numbered_clips(4)
    timeline = layout(script_of(SESSION), clips, assets)
    [bell] = [e for e in timeline.events if e.kind == "bell"]
    off = {"inhale_cue": False, "exhale_cue": False}
    plain = whole(Mixer(timeline, clips, assets, MixSettings(**off)), timeline.total_frames)
    block = 1024
    switched_at = bell.start_frame + 2 * block
    mixer = Mixer(timeline, clips, assets, MixSettings(**off))
    before = np.zeros(switched_at, dtype=np.float32)
    mixer.render(0, before)
    mixer.settings.bell = False
    fading, after = np.zeros(block, dtype=np.float32), np.zeros(block, dtype=np.float32)
    mixer.render(switched_at, fading)
    mixer.render(switched_at + block, after)

    reference = plain[switched_at : switched_at + block]
    assert np.abs(reference).max() > 0.05  # the bell is still ringing there
    loud = np.abs(reference) > 0.01
    gain = fading[loud] / reference[loud]
    assert gain[0] > 0.99 and gain[-1] < 0.01  # from full to nothing across the block
    assert np.all(np.diff(gain) <= 1e-5)  # never up, never a jump
    assert not after.any()  # and off from then on
    # Switched on again, the rest of the ring comes back the same way, not with a jump.
    mixer.settings.bell = True
    back = np.zeros(block, dtype=np.float32)
    mixer.render(switched_at + 2 * block, back)
    assert abs(back[0]) < 1e-6
