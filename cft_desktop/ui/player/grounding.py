"""Ground me: the way out of a practice that never shames, always one click (or Tab + Space) away.

Owns the Ground me button. Finding the short eyes-open grounding script, and the built-in text
used when its file is missing or broken, are `cft_desktop.core.grounding`'s (the command line
needs them too). The window does the switching (fade the practice out, play this as a new
session). GUI thread only.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QPushButton, QWidget

from cft_desktop.ui.common.conventions import key_text

GROUND_KEY = "Alt+G"


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
