"""A narrator that speaks a script's phrases from a voice pack, and the neural voice for the rest.

Owns choosing, phrase by phrase, between a recorded take and the neural voice, and the rate a
practice in a recorded voice is heard at: the rate its takes were recorded at (the highest, when
they differ), between the neural voice's 22 050 Hz and `HIGHEST_RATE_HZ`, so a voice recorded at
44.1 or 48 kHz keeps its full bandwidth. Takes at that rate are used as stored; any other take,
and every phrase the neural voice says, is resampled to it (band-limited, `sound.loudness`). A
take is never time-stretched: the speech rate (`length_scale`) changes only the neural voice; a
recorded voice keeps its own pace and the pacing changes only the silences around it.

It is a `Narrator` (the neural one it falls back to is wrapped, not copied), so the session, the
player and the window take it wherever they take a narrator. Runs on whichever thread asks for a
clip (the narrator worker, the command line's main thread); a lock guards what it remembers.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Literal

import numpy as np

from cft_desktop.sound.clips import SAMPLE_RATE, FloatArray
from cft_desktop.sound.loudness import resample
from cft_desktop.voice.narrator import Narrator
from cft_desktop.voice.recorded import VoicePack, recordable_phrases

if TYPE_CHECKING:
    from cft_desktop.core.script import Script

Source = Literal["take", "neural"]

# Above this nothing more is heard, and the cues, bells and beds would only grow.
HIGHEST_RATE_HZ = 48_000


class RecordedNarrator(Narrator):
    def __init__(self, pack: VoicePack, script: Script, fallback: Narrator) -> None:
        super().__init__(fallback.voice, fallback.cache)
        self.pack = pack
        self.script_id = script.id
        self.phrases = recordable_phrases(script)
        self.fallback = fallback
        recorded = pack.recorded_rate(script.id, self.phrases)
        self._sample_rate = min(max(recorded or SAMPLE_RATE, SAMPLE_RATE), HIGHEST_RATE_HZ)
        self._takes: dict[str, FloatArray | None] = {}
        self._neural: dict[tuple[str, float], FloatArray] = {}
        self._take_lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def voice_name(self) -> str:
        neural = len(self.neural_phrases())
        name = f"recorded: {self.pack.name}"
        if neural:
            name += f" (+ neural voice for {neural} phrase{'' if neural == 1 else 's'})"
        return name

    def take_clip(self, text: str) -> FloatArray | None:
        """The take of `text` at the session rate, or None when the pack has no usable one."""
        with self._take_lock:
            if text in self._takes:
                return self._takes[text]
            found = self.pack.take(self.script_id, text)
            clip: FloatArray | None = None
            if found is not None:
                samples, rate = found
                clip = samples if rate == self._sample_rate else np.clip(
                    resample(samples, rate, self._sample_rate), -1.0, 1.0).astype(np.float32)
            self._takes[text] = clip
            return clip

    def source(self, text: str) -> Source:
        return "take" if self.take_clip(text) is not None else "neural"

    def neural_phrases(self) -> list[str]:
        """The script's phrases the neural voice says: no take, or its take missing or damaged."""
        return [text for text in self.phrases if self.take_clip(text) is None]

    def cached(self, text: str, length_scale: float) -> FloatArray | None:
        clip = self.take_clip(text)
        if clip is not None:
            return clip
        neural = self.fallback.cached(text, length_scale)
        return None if neural is None else self._at_rate(text, length_scale, neural)

    def clip(self, text: str, length_scale: float) -> FloatArray:
        clip = self.take_clip(text)
        if clip is not None:
            return clip
        return self._at_rate(text, length_scale, self.fallback.clip(text, length_scale))

    def _at_rate(self, text: str, length_scale: float, neural: FloatArray) -> FloatArray:
        """A neural clip at this narrator's rate, resampled once and remembered."""
        rate = self.fallback.sample_rate
        if rate == self._sample_rate:
            return neural
        key = (text, length_scale)
        with self._take_lock:
            known = self._neural.get(key)
        if known is None:
            known = np.clip(resample(neural, rate, self._sample_rate), -1.0, 1.0).astype(
                np.float32)
            with self._take_lock:
                self._neural[key] = known
        return known


def check_speakable(script: Script, narrator: Narrator) -> None:
    """Raise `CftError` if `narrator` cannot say all of `script`: a practice in a language the
    neural voice does not speak needs a recorded voice with every phrase recorded. Playing and
    saving as audio both ask this, so neither ever mixes in the English voice."""
    from cft_desktop.errors import CftError
    from cft_desktop.voice.languages import needs_recording_message, neural_speaks

    if neural_speaks(script.language):
        return
    if not isinstance(narrator, RecordedNarrator) or narrator.neural_phrases():
        raise CftError(needs_recording_message(script.title, script.language))
