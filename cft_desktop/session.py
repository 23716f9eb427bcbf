"""A session: one script, its pacing, its clips, its timeline and its mixer, kept consistent.

Owns the state shared by the listeners of the timeline (sound, pacer, captions): which clip each
spoken phrase has, the current `Timeline`, and how a pacing change or a newly synthesised phrase
re-times what has not been rendered yet. Qt-free; the GUI, the CLI and the tests all use it.

Threads: `change_pacing` and writes to `mix` come from the GUI (or CLI) thread, `accept_clip` from the
narrator worker; the render worker calls `render` and `ready_through` and writes
`render_head_frame` (a session is the engine's `sound.engine.Renderable`). A lock serialises re-timing;
the mixer receives each new timeline as one reference swap, and the render worker only reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script
from cft_desktop.sound.clips import FloatArray
from cft_desktop.sound.mixer import Mixer, MixSettings, SoundAssets
from cft_desktop.voice.narrator import ClipRequest, Narrator, estimate_frames

# How far past the render head a phrase must start for a late-arriving clip to still be used.
SAFE_MARGIN_S = 0.5


@dataclass(frozen=True)
class SpokenPhrase:
    index: int
    text: str
    line: int


class Session:
    def __init__(
        self,
        script: Script,
        pacing: Pacing,
        narrator: Narrator,
        assets: SoundAssets,
        mix: MixSettings | None = None,
    ) -> None:
        self.script = script
        self.narrator = narrator
        # The narrator's rate: the neural voice's, or a recorded voice's own (44.1 or 48 kHz),
        # which is then heard at its full rate and the cues, bells and beds are resampled to it.
        self.sample_rate = narrator.sample_rate
        self.assets = assets.at_rate(self.sample_rate)
        self._safe_margin_frames = round(SAFE_MARGIN_S * self.sample_rate)
        self.spoken = [
            SpokenPhrase(i, p.text, p.line) for i, p in enumerate(script.phrases())
        ]
        self._clips: dict[int, FloatArray] = {}
        self._clip_rates: dict[int, float] = {}
        self._lock = threading.Lock()
        self.render_head_frame = 0
        self._pacing = pacing
        timeline = tl.build(script, pacing, self._clip_frames, self.sample_rate,
                            len(self.assets.bell))
        self.mixer = Mixer(timeline, dict(self._clips), self.assets, mix)
        self.on_timeline_changed: Callable[[tl.Timeline], None] | None = None

    # -- state ------------------------------------------------------------------------------

    @property
    def timeline(self) -> tl.Timeline:
        return self.mixer.timeline

    @property
    def total_frames(self) -> int:
        return self.mixer.timeline.total_frames

    @property
    def pacing(self) -> Pacing:
        return self._pacing

    @property
    def mix(self) -> MixSettings:
        return self.mixer.settings

    def _clip_frames(self, index: int) -> int:
        clip = self._clips.get(index)
        if clip is not None:
            return len(clip)
        return estimate_frames(self.spoken[index].text, self._pacing.speech_length_scale,
                               self.sample_rate)

    def has_clip(self, index: int) -> bool:
        return index in self._clips

    def missing(self, length_scale: float | None = None) -> list[ClipRequest]:
        """Phrases with no clip at `length_scale` yet, in the order they are heard."""
        rate = self._pacing.speech_length_scale if length_scale is None else length_scale
        todo = [p for p in self.spoken if self._clip_rates.get(p.index) != rate]
        # What the timeline speaks comes first; the rest (breath lines with no breath work, the
        # other part of a [with/without breath work] pair) after, in case the choice is changed.
        in_timeline = {e.spoken for e in self.timeline.phrase_events()}
        todo.sort(key=lambda p: p.index not in in_timeline)
        return [ClipRequest(p.index, p.text) for p in todo]

    # -- narration ----------------------------------------------------------------------------

    def load_cached(self) -> int:
        """Take every phrase the cache already holds at the current rate; returns how many."""
        rate = self._pacing.speech_length_scale
        found = 0
        for phrase in self.spoken:
            clip = self.narrator.cached(phrase.text, rate)
            if clip is not None:
                self._clips[phrase.index] = clip
                self._clip_rates[phrase.index] = rate
                found += 1
        if found:
            self._republish(refresh=True)
        return found

    def prepare_all(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        """Synthesise (or load) every phrase now; for export, where nothing plays meanwhile."""
        rate = self._pacing.speech_length_scale
        todo = self.missing()
        for done, request in enumerate(todo, start=1):
            self._clips[request.index] = self.narrator.clip(request.text, rate)
            self._clip_rates[request.index] = rate
            if on_progress is not None:
                on_progress(done, len(todo))
        self._republish(refresh=True)

    def accept_clip(self, index: int, clip: FloatArray, length_scale: float) -> bool:
        """A clip arrived from the narrator worker. Returns False when it came too late to use."""
        with self._lock:
            if length_scale != self._pacing.speech_length_scale:
                return False
            if index in self._clips and self._clip_rates.get(index) == length_scale:
                return True
            starts = [e.start_frame for e in self.timeline.phrase_events() if e.spoken == index]
            if index in self._clips and starts and starts[0] < (
                self.render_head_frame + self._safe_margin_frames
            ):
                return False
            self._clips[index] = clip
            self._clip_rates[index] = length_scale
            self._republish(refresh=True)
            return True

    def render(self, start_frame: int, out: FloatArray) -> None:
        """Render worker: the mix of the frames from `start_frame` on, into `out`."""
        self.mixer.render(start_frame, out)

    def ready_through(self, end_frame: int) -> bool:
        """True when every phrase starting before `end_frame` has its clip (renderer may go on)."""
        for event in self.timeline.phrase_events():
            if event.start_frame >= end_frame:
                return True
            if event.spoken not in self._clips:
                return False
        return True

    # -- pacing -------------------------------------------------------------------------------

    def change_pacing(self, pacing: Pacing) -> int:
        """Apply a new pacing from the next breath or phrase boundary after the render head.

        Returns the frame from which it applies. The caller re-synthesises `missing()` when the
        speech rate changed; until those clips arrive the old ones keep their place.
        """
        with self._lock:
            self._pacing = pacing
            after = self.render_head_frame
            boundary = self.timeline.boundary_at_or_after(after)
            if boundary is None:
                # Nothing is left to re-time: the change would apply after the session's end.
                return self.timeline.total_frames
            timeline = tl.retime(
                self.timeline, self.script, pacing, after, self._clip_frames, len(self.assets.bell)
            )
            self.mixer.set_timeline(timeline, dict(self._clips))
        self._notify(timeline)
        return boundary.frame

    def _republish(self, refresh: bool) -> None:
        timeline = self.timeline
        if refresh:
            timeline = tl.refresh(timeline, self.script, self._clip_frames, len(self.assets.bell))
        self.mixer.set_timeline(timeline, dict(self._clips))
        self._notify(timeline)

    def _notify(self, timeline: tl.Timeline) -> None:
        if self.on_timeline_changed is not None:
            self.on_timeline_changed(timeline)

    # -- navigation ---------------------------------------------------------------------------

    def phrase_start_before(self, frame: int) -> int:
        """Start of the phrase before the one at `frame` (or of the current one if just begun)."""
        starts = [e.start_frame for e in self.timeline.phrase_events()]
        earlier = [s for s in starts if s < frame - self.sample_rate]
        return earlier[-1] if earlier else 0

    def phrase_start_after(self, frame: int) -> int | None:
        starts = [e.start_frame for e in self.timeline.phrase_events()]
        later = [s for s in starts if s > frame]
        return later[0] if later else None


