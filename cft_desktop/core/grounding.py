"""The grounding practice: the eyes-open way out that must always be there.

Owns finding the `ground-me` script in the library and the small built-in text used when that file
is missing or broken, because a safety exit must never depend on a file a user can delete. Both
the window's Ground me button and the command line reach it from here. No Qt; any thread.
"""

from __future__ import annotations

from pathlib import Path

from cft_desktop.core.library import Library
from cft_desktop.core.script import Script, parse_text

GROUND_ME_ID = "ground-me"

# Our own words, following CLINICAL.md §3 (eyes open, feet on the floor, name what you see and
# hear, ordinary breathing); used only when scripts/ground-me.md cannot be read.
FALLBACK_TEXT = """---
id: ground-me
title: Ground me
kind: grounding
minutes: 1
summary: A short practice with your eyes open, to come back to the room.
caution: No special breathing is needed. Breathe the way you normally do.
---
You can let the practice go for now. Keep your eyes open and look around the room.

Feel your feet on the floor, and the chair holding you.

[pause 3]

Out loud or in your head, name a few things you can see. Their colours, their shapes.

[pause 4]

Now notice a few sounds, near or far.

[pause 4]

You are here, in this room, right now. You might notice something steady nearby, such as the floor.

Take your time, and move on when you are ready.
"""


def grounding_script(library: Library) -> Script:
    """The library's `ground-me` script, or the built-in fallback if it cannot be read."""
    for entry in library.entries:
        if entry.id == GROUND_ME_ID and entry.script is not None:
            return entry.script
    return parse_text(FALLBACK_TEXT, Path("<built-in ground-me>"))
