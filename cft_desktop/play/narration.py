"""The narrator the application uses: the bundled neural voice with the on-disk clip cache.

Owns the one place that chooses the voice and where its clips are kept, so the window and the
command line cannot drift apart. Runs on the caller's thread (the window calls it on a loader
thread); building is cheap, since the voice itself loads on first use, on the narrator worker.
"""

from __future__ import annotations

from cft_desktop import paths
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator
from cft_desktop.voice.piper import PiperVoiceBackend


def default_narrator() -> Narrator:
    return Narrator(PiperVoiceBackend(), ClipCache(paths.cache_dir() / "narration"))
