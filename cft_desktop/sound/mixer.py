"""The mixer: a timeline plus clips and assets become sample-accurate blocks of sound.

Owns what is heard at every frame: narration, breath cues, bells and an optional looping ambient bed
that ducks under the voice. `render(start_frame, out)` is a pure function of the timeline, the clips
and the settings, so playback and export (which both call it) give the same samples block for block,
and a block can be rendered at any position (seek, live re-timing).

Runs on the render worker thread (playback) or the CLI's main thread (export). Settings changed from
the GUI thread are plain attribute writes picked up at the next block; a gain change ramps across that
block so it never clicks. The timeline and clip table are swapped by reference.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cft_desktop import paths
from cft_desktop.core.timeline import Timeline
from cft_desktop.sound.clips import SAMPLE_RATE, FloatArray, load_asset
from cft_desktop.sound.loudness import resample

# Re-exported: MixSettings and AMBIENT_BEDS live in the numpy-free settings module.
from cft_desktop.sound.settings import AMBIENT_BEDS as AMBIENT_BEDS
from cft_desktop.sound.settings import MixSettings as MixSettings
from cft_desktop.sound.settings import available_beds, bed_path

DUCK_DEPTH_DB = 12.0
DUCK_ATTACK_S = 0.3
DUCK_RELEASE_S = 0.8
AMBIENT_FADE_S = 4.0


@dataclass
class SoundAssets:
    """The bundled cue, bell and ambient sounds, loaded once, at `sample_rate`.

    They ship at the neural voice's rate; a session in a voice recorded at 44.1 or 48 kHz asks
    `at_rate` for them at its own rate, which resamples them once per rate and keeps the result
    (several practices in a recorded voice pay for it once). The cues and the bell take about a
    millisecond; a bed (30 s) takes about 50 ms, so each is resampled only when first heard, on
    the render worker, which is the better part of a second ahead of the speaker."""

    cue_inhale: FloatArray
    cue_exhale: FloatArray
    bell: FloatArray
    beds: Mapping[str, FloatArray] = field(default_factory=dict)
    sample_rate: int = SAMPLE_RATE
    _by_rate: dict[int, SoundAssets] = field(default_factory=dict, repr=False, compare=False)
    _by_rate_lock: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                          compare=False)

    def at_rate(self, sample_rate: int) -> SoundAssets:
        """These sounds at `sample_rate` (this very object when it is already theirs). Any
        thread: a session is built on the GUI thread, a take-home file's on a worker."""
        if sample_rate == self.sample_rate:
            return self
        with self._by_rate_lock:
            known = self._by_rate.get(sample_rate)
            if known is None:
                def short(samples: FloatArray) -> FloatArray:
                    return np.clip(resample(samples, self.sample_rate, sample_rate), -1.0, 1.0)

                known = SoundAssets(
                    cue_inhale=short(self.cue_inhale),
                    cue_exhale=short(self.cue_exhale),
                    bell=short(self.bell),
                    beds=_ResampledBeds(self.beds, self.sample_rate, sample_rate),
                    sample_rate=sample_rate,
                )
                self._by_rate[sample_rate] = known
            return known

    @classmethod
    def load(cls, folder: Path | None = None) -> SoundAssets:
        folder = folder or paths.audio_dir()
        beds = {name: load_asset(bed_path(folder, name)) for name in available_beds(folder)}
        return cls(
            cue_inhale=load_asset(folder / "cue_inhale.wav"),
            cue_exhale=load_asset(folder / "cue_exhale.wav"),
            bell=load_asset(folder / "bell.wav"),
            beds=beds,
        )


class _ResampledBeds(Mapping[str, FloatArray]):
    """Beds at another rate, each resampled (as a loop) the first time it is asked for. Any
    thread: the render worker when a bed is first heard, the GUI thread listing the names."""

    def __init__(self, beds: Mapping[str, FloatArray], from_rate: int, to_rate: int) -> None:
        self._source = beds
        self._from_rate = from_rate
        self._to_rate = to_rate
        self._done: dict[str, FloatArray] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> FloatArray:
        # Read for every block the mixer renders: a bed already made is taken without the lock
        # (one dict lookup, atomic under the GIL).
        bed = self._done.get(name)
        if bed is not None:
            return bed
        with self._lock:
            bed = self._done.get(name)
            if bed is None:
                bed = np.clip(resample(self._source[name], self._from_rate, self._to_rate, loop=True),
                              -1.0, 1.0)
                self._done[name] = bed
            return bed

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __contains__(self, name: object) -> bool:
        return name in self._source


@dataclass(frozen=True)
class _Plan:
    timeline: Timeline
    clips: Mapping[int, FloatArray]
    sources: list[tuple[int, str, int]]
    source_starts: list[int]
    longest: int
    phrase_spans: list[tuple[int, int]]
    phrase_starts: list[int]


def db_to_gain(gain_db: float) -> float:
    return float(10.0 ** (gain_db / 20.0))


class Mixer:
    def __init__(
        self,
        timeline: Timeline,
        clips: Mapping[int, FloatArray],
        assets: SoundAssets,
        settings: MixSettings | None = None,
    ) -> None:
        if assets.sample_rate != timeline.sample_rate:
            raise ValueError(f"the sounds are at {assets.sample_rate} Hz but the timeline counts "
                             f"{timeline.sample_rate} Hz frames (use SoundAssets.at_rate)")
        self.assets = assets
        self.settings = settings or MixSettings()
        self._voice_gain = db_to_gain(self.settings.voice_gain_db)
        self._cue_gain = db_to_gain(self.settings.cue_gain_db)
        self._ambient_gain = db_to_gain(self.settings.ambient_gain_db)
        # Switching a cue or the bell on or off is a gain of 1 or 0, ramped like the others: one
        # switched off while it sounds fades over a block instead of being cut (a click).
        self._switch_gains = self._switches()
        self._voice_bus = np.zeros(0, dtype=np.float32)
        self._cue_bus = np.zeros(0, dtype=np.float32)
        self._switch_buses = [np.zeros(0, dtype=np.float32) for _ in range(3)]
        self._bed_bus = np.zeros(0, dtype=np.float32)
        self._duck_bus = np.zeros(0, dtype=np.float32)
        self._plan = _Plan(timeline, clips, [], [], 0, [], [])
        self.set_timeline(timeline, clips)

    def _switches(self) -> list[float]:
        """Inhale cue, exhale cue and bell as gains: 1.0 on, 0.0 off."""
        settings = self.settings
        return [float(settings.inhale_cue), float(settings.exhale_cue), float(settings.bell)]

    @property
    def timeline(self) -> Timeline:
        return self._plan.timeline

    def set_timeline(self, timeline: Timeline, clips: Mapping[int, FloatArray] | None = None) -> None:
        """Swap in a re-timed timeline (and clip table); takes effect from the next block.

        Everything the render loop reads is rebuilt into one `_Plan` and published by a single
        reference assignment, so the render thread never sees half of an update.
        """
        clip_table = clips if clips is not None else self._plan.clips
        sources: list[tuple[int, str, int]] = []
        longest = max(len(self.assets.cue_inhale), len(self.assets.cue_exhale),
                      len(self.assets.bell))
        for event in timeline.events:
            if event.kind in ("phrase", "inhale", "exhale", "bell"):
                sources.append((event.start_frame, event.kind, event.spoken))
                if event.kind == "phrase":
                    longest = max(longest, event.frames)
        spans = [(e.start_frame, e.end_frame) for e in timeline.phrase_events()]
        self._plan = _Plan(
            timeline=timeline,
            clips=clip_table,
            sources=sources,
            source_starts=[s[0] for s in sources],
            longest=longest,
            phrase_spans=spans,
            phrase_starts=[s for s, _ in spans],
        )

    def render(self, start_frame: int, out: FloatArray) -> None:
        """Fill `out` with the mix of frames [start_frame, start_frame + len(out))."""
        frames = len(out)
        end_frame = start_frame + frames
        if len(self._voice_bus) != frames:
            self._voice_bus = np.zeros(frames, dtype=np.float32)
            self._cue_bus = np.zeros(frames, dtype=np.float32)
            self._switch_buses = [np.zeros(frames, dtype=np.float32) for _ in range(3)]
        voice, cues = self._voice_bus, self._cue_bus
        inhales, exhales, bells = self._switch_buses
        for bus in (voice, inhales, exhales, bells):
            bus.fill(0.0)
        settings = self.settings
        plan = self._plan
        low = bisect.bisect_left(plan.source_starts, start_frame - plan.longest)
        high = bisect.bisect_left(plan.source_starts, end_frame)
        for source_start, kind, spoken in plan.sources[low:high]:
            if kind == "phrase":
                clip, bus = plan.clips.get(spoken), voice
            elif kind == "inhale":
                clip, bus = self.assets.cue_inhale, inhales
            elif kind == "exhale":
                clip, bus = self.assets.cue_exhale, exhales
            else:
                clip, bus = self.assets.bell, bells
            if clip is None:
                continue
            _add_at(bus, start_frame, clip, source_start)

        switches = self._switches()
        self._switch_gains = [
            _apply_gain(bus, current, target)
            for bus, current, target in zip(self._switch_buses, self._switch_gains, switches,
                                            strict=True)]
        np.add(inhales, exhales, out=cues)
        voice += bells  # the bell is part of the narration: it follows the voice volume
        self._voice_gain = _apply_gain(voice, self._voice_gain, db_to_gain(settings.voice_gain_db))
        self._cue_gain = _apply_gain(cues, self._cue_gain, db_to_gain(settings.cue_gain_db))
        np.add(voice, cues, out=out)
        bed = self.assets.beds.get(settings.ambient) if settings.ambient else None
        if bed is not None and len(bed):
            self._add_ambient(plan, bed, start_frame, out)
        np.clip(out, -1.0, 1.0, out=out)

    def _add_ambient(self, plan: _Plan, bed: FloatArray, start_frame: int, out: FloatArray) -> None:
        """Add the looping bed, ducked under every phrase and faded in and out.

        Every sample is a function of its absolute frame only (never of where a block starts), so
        playback in small blocks and export in large ones give the same samples.
        """
        frames = len(out)
        if len(self._bed_bus) != frames:
            self._bed_bus = np.zeros(frames, dtype=np.float32)
            self._duck_bus = np.zeros(frames, dtype=np.float32)
        layer, duck = self._bed_bus, self._duck_bus
        # The bed loops sample-accurately: copy it with wrap-around slices.
        position = start_frame % len(bed)
        filled = 0
        while filled < frames:
            count = min(frames - filled, len(bed) - position)
            layer[filled : filled + count] = bed[position : position + count]
            filled += count
            position = 0

        rate = plan.timeline.sample_rate
        attack = DUCK_ATTACK_S * rate
        release = DUCK_RELEASE_S * rate
        end_frame = start_frame + frames
        duck.fill(0.0)
        ducked = False
        low = bisect.bisect_left(plan.phrase_starts, start_frame - plan.longest - release)
        for phrase_start, phrase_end in plan.phrase_spans[low:]:
            if phrase_start - attack >= end_frame:
                break
            lo = max(start_frame, math.ceil(phrase_start - attack))
            hi = min(end_frame, math.ceil(phrase_end + release))
            if hi <= lo:
                continue
            # Frame numbers stay float64: float32 loses whole frames after 2**24 (12.7 min).
            at = np.arange(lo, hi, dtype=np.float64)
            amount = np.minimum((at - (phrase_start - attack)) / attack,
                                1.0 - (at - phrase_end) / release)
            np.clip(amount, 0.0, 1.0, out=amount)
            span = duck[lo - start_frame : hi - start_frame]
            np.maximum(span, amount.astype(np.float32), out=span)
            ducked = True
        if ducked:
            # gain = 10 ** (-depth * duck / 20), computed as one exp in place.
            duck *= np.float32(-DUCK_DEPTH_DB / 20.0 * math.log(10.0))
            np.exp(duck, out=duck)
            layer *= duck

        fade = AMBIENT_FADE_S * rate
        total = plan.timeline.total_frames
        if start_frame < fade:
            head = min(frames, math.ceil(fade) - start_frame)
            layer[:head] *= (np.arange(start_frame, start_frame + head, dtype=np.float64)
                             / fade).astype(np.float32)
        if end_frame > total - fade:
            lo = max(start_frame, math.floor(total - fade))
            at = np.arange(lo, end_frame, dtype=np.float64)
            layer[lo - start_frame :] *= np.clip((total - at) / fade, 0.0, 1.0).astype(np.float32)

        self._ambient_gain = _apply_gain(layer, self._ambient_gain,
                                         db_to_gain(self.settings.ambient_gain_db))
        out += layer


def _add_at(bus: FloatArray, bus_start: int, clip: FloatArray, clip_start: int) -> None:
    """Add the part of `clip` (placed at `clip_start`) that falls inside `bus`."""
    begin = max(bus_start, clip_start)
    end = min(bus_start + len(bus), clip_start + len(clip))
    if end > begin:
        bus[begin - bus_start : end - bus_start] += clip[begin - clip_start : end - clip_start]


def _apply_gain(bus: FloatArray, current: float, target: float) -> float:
    if current == target:
        if target != 1.0:
            bus *= target
    else:
        bus *= np.linspace(current, target, len(bus), endpoint=False, dtype=np.float32)
    return target
