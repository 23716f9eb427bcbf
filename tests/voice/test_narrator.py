"""The narrator voices a phrase once, even when two threads ask for it at the same time (playing a
practice while it is being saved as audio). A stand-in voice: this is a unit test of the narrator."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cft_desktop.errors import VoiceError
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator

RATE = 22050


class SlowVoice:
    """Takes 0.3 s per phrase, like a real voice on a long phrase; can fail its first call."""

    engine = "test"
    voice = "slow"

    def __init__(self, fail_first: bool = False) -> None:
        self.calls = 0
        self.fail_first = fail_first
        self._lock = threading.Lock()

    def synthesize(self, text: str, length_scale: float) -> tuple[npt.NDArray[np.int16], int]:
        with self._lock:
            self.calls += 1
            failing = self.fail_first and self.calls == 1
        time.sleep(0.3)
        if failing:
            raise VoiceError("The voice could not speak the phrase.")
        t = np.arange(RATE // 2) / RATE
        return (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16), RATE


def _ask_together(narrator: Narrator, threads: int) -> list[object]:
    results: list[object] = [None] * threads
    start = threading.Barrier(threads)

    def ask(slot: int) -> None:
        start.wait()
        try:
            results[slot] = narrator.clip("You are welcome here.", 1.2)
        except VoiceError as exc:
            results[slot] = exc

    workers = [threading.Thread(target=ask, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    return results


def test_two_threads_asking_for_one_phrase_voice_it_once(tmp_path: Path) -> None:
    voice = SlowVoice()
    narrator = Narrator(voice, ClipCache(tmp_path))
    first, second = _ask_together(narrator, 2)
    assert voice.calls == 1
    assert isinstance(first, np.ndarray) and isinstance(second, np.ndarray)
    np.testing.assert_array_equal(first, second)
    assert len(list(tmp_path.rglob("*.wav"))) == 1


def test_when_the_voicing_thread_fails_the_waiting_one_tries_itself(tmp_path: Path) -> None:
    voice = SlowVoice(fail_first=True)
    narrator = Narrator(voice, ClipCache(tmp_path))
    results = _ask_together(narrator, 2)
    assert voice.calls == 2
    assert sum(isinstance(r, VoiceError) for r in results) == 1
    assert sum(isinstance(r, np.ndarray) for r in results) == 1
    # Nothing is left marked as underway: a later call is served from memory.
    assert isinstance(narrator.clip("You are welcome here.", 1.2), np.ndarray)
    assert voice.calls == 2


def test_three_threads_still_one_voicing(tmp_path: Path) -> None:
    voice = SlowVoice()
    narrator = Narrator(voice, ClipCache(tmp_path))
    results = _ask_together(narrator, 3)
    assert voice.calls == 1 and all(isinstance(r, np.ndarray) for r in results)
