"""The rate every frame position in CFT Desktop counts at, and the estimate of an unspoken phrase.

Owns `SAMPLE_RATE` (the neural voice's own rate, and the rate of every session it narrates, so its
narration is never resampled; a session in a recorded voice runs at its takes' rate instead, and
each timeline carries its own `sample_rate`: positions are integer frames at that rate everywhere,
from the timeline to the audio callback) and
`estimate_frames`, the length a phrase is laid out with before its clip exists. Both live in the
core so the timeline, the script editor's length estimate and the command line can use them
without reaching up to sound/ or voice/ (which re-export them). Constants and a pure function;
any thread. Kept free of imports so the window's start-up path can load it for nothing.
"""

from __future__ import annotations

import re

SAMPLE_RATE = 22050
"""The neural voice's own rate: the rate of a session it narrates, so its clips are never resampled."""

# A phrase not yet synthesised is laid out with this estimate until its clip arrives; the renderer
# never reaches it before then (the voice runs ~14x faster than real time). Measured: the bundled
# voice speaks about 3.5 words per second at length_scale 1.0.
ESTIMATED_WORDS_PER_S = 3.5
ESTIMATED_SENTENCE_GAP_S = 0.6

_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


def estimate_frames(text: str, length_scale: float, sample_rate: int = SAMPLE_RATE) -> int:
    """How many frames (at `sample_rate`) `text` is taken to last when spoken at `length_scale`,
    before it is."""
    words = max(1, len(text.split()))
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    seconds = words / ESTIMATED_WORDS_PER_S * length_scale + (sentences - 1) * ESTIMATED_SENTENCE_GAP_S
    return round(seconds * sample_rate)
