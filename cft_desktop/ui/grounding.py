"""Ground me: the way out of a practice that never shames, always one click (or Tab + Space) away.

Owns the Ground me button and finding the short eyes-open grounding script (`ground-me` in the
library). If that file is missing or broken, a tiny built-in version is used, because a safety
exit must never depend on a file a user can delete. The window does the switching (fade the
practice out, play this as a new session). GUI thread only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QPushButton, QWidget

from cft_desktop.core.library import Library
from cft_desktop.core.script import Script, parse_text
from cft_desktop.ui.conventions import key_text

GROUND_ME_ID = "ground-me"
GROUND_KEY = "Alt+G"

# Our own words, following CLINICAL.md §3 (eyes open, feet on the floor, name what you see and
# hear, ordinary breathing); used only when scripts/ground-me.md cannot be read.
_FALLBACK_TEXT = """---
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
    return parse_text(_FALLBACK_TEXT, Path("<built-in ground-me>"))


class GroundMeButton(QPushButton):
    """Calm but easy to find: an outlined button, the same place every time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        # Alt+G from anywhere in the window: the way out should not need finding with Tab.
        super().__init__("&Ground me", parent)
        self.setAccessibleName("Ground me")
        self.setAccessibleDescription(
            "Gently fades the practice out and plays a short eyes-open grounding exercise."
        )
        if sys.platform == "darwin":
            # macOS has no mnemonics (the & above does nothing there), so the key is bound
            # directly: Option-G.
            self.setShortcut(QKeySequence(GROUND_KEY))
        self.setToolTip(
            "Gently end this practice and come back to the room: eyes open, feet on the floor, "
            f"ordinary breathing. You can use it at any time ({key_text(GROUND_KEY)})."
        )
        self.setProperty("role", "ground")
