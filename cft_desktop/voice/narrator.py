"""The narrator: for each phrase, a ready clip, synthesised once and ahead of the playhead.

Owns turning phrase texts into prepared float32 clips (via the cache and the voice) and the worker
thread that synthesises ahead of playback, so a session can start before all of it is spoken.
`clip()` runs on whichever thread calls it; `SynthesisAhead` runs its own daemon thread and reports
through callbacks *on that thread* (the GUI re-posts them as queued signals).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# The estimate lives in the core (the editor's length estimate needs it without the voice).
from cft_desktop.core.frames import estimate_frames as estimate_frames
from cft_desktop.sound.clips import (
    SAMPLE_RATE,
    FloatArray,
    prepare_phrase,
    read_wav_int16,
    segment_from_int16,
    wav_bytes_int16,
)
from cft_desktop.voice.cache import ClipCache, clip_key
from cft_desktop.voice.piper import VoiceBackend


@dataclass(frozen=True)
class ClipRequest:
    index: int
    text: str


class Narrator:
    def __init__(self, voice: VoiceBackend, cache: ClipCache) -> None:
        self.voice = voice
        self.cache = cache
        self._clips: dict[tuple[str, float], FloatArray] = {}
        # Phrases being synthesised now, each with the event set when that attempt ends: a second
        # thread asking for one (playing a practice while it is saved as audio) waits for it
        # instead of voicing it again.
        self._making: dict[tuple[str, float], threading.Event] = {}
        self._lock = threading.Lock()

    @property
    def voice_name(self) -> str:
        return f"{self.voice.engine}:{self.voice.voice}"

    @property
    def sample_rate(self) -> int:
        """The rate of every clip this narrator gives, and so of a session it narrates."""
        return SAMPLE_RATE

    def _key(self, text: str, length_scale: float) -> str:
        return clip_key(self.voice.engine, self.voice.voice, length_scale, text)

    def cached(self, text: str, length_scale: float) -> FloatArray | None:
        """The clip if it is in memory or on disk, without synthesising."""
        with self._lock:
            clip = self._clips.get((text, length_scale))
        if clip is not None:
            return clip
        data = self.cache.get(self._key(text, length_scale))
        if data is None:
            return None
        return self._remember(text, length_scale, data)

    def clip(self, text: str, length_scale: float) -> FloatArray:
        """The prepared clip for `text`, synthesising it if no cache has it (once, whichever
        threads ask for it at the same time)."""
        key = (text, length_scale)
        while True:
            clip = self.cached(text, length_scale)
            if clip is not None:
                return clip
            with self._lock:
                underway = self._making.get(key)
                if underway is None:
                    underway = self._making[key] = threading.Event()
                    mine = True
                else:
                    mine = False
            if not mine:
                underway.wait()
                continue  # in memory now; or that attempt failed, and this thread tries
            try:
                samples, rate = self.voice.synthesize(text, length_scale)
                data = wav_bytes_int16(samples, rate)
                self.cache.put(self._key(text, length_scale), data)
                return self._remember(text, length_scale, data)
            finally:
                with self._lock:
                    del self._making[key]
                underway.set()

    def _remember(self, text: str, length_scale: float, data: bytes) -> FloatArray:
        samples, rate = read_wav_int16(data)
        clip = prepare_phrase(segment_from_int16(samples, rate))
        with self._lock:
            self._clips[(text, length_scale)] = clip
        return clip


class SynthesisAhead:
    """Synthesises `requests` in order on a worker thread, reporting each clip as it is ready."""

    def __init__(
        self,
        narrator: Narrator,
        requests: Sequence[ClipRequest],
        length_scale: float,
        on_ready: Callable[[int, FloatArray], object],
        on_progress: Callable[[int, int], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._narrator = narrator
        self._requests = list(requests)
        self._length_scale = length_scale
        self._on_ready = on_ready
        self._on_progress = on_progress
        self._on_error = on_error
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="narrator", daemon=True)
        self.done = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def join(self, timeout_s: float | None = None) -> None:
        self._thread.join(timeout_s)

    def _run(self) -> None:
        total = len(self._requests)
        try:
            for done, request in enumerate(self._requests, start=1):
                if self._cancel.is_set():
                    return
                clip = self._narrator.clip(request.text, self._length_scale)
                self._on_ready(request.index, clip)
                if self._on_progress is not None:
                    self._on_progress(done, total)
        except Exception as exc:  # reported to the owner; a worker must not die silently
            if self._on_error is not None:
                self._on_error(exc)
        finally:
            self.done.set()
