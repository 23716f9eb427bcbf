"""Display comfort in the View menu: Dark theme, Large text and Reduce motion, as ticks.

Owns the three checkable actions (declared in the window's registry as ``view.dark``,
``view.large_text`` and ``view.reduce_motion``) and keeping their ticks equal to the window's
`DisplayPrefs`, which the side panel holds (`PacingPanel.display`). A tick changes the prefs
through `PacingPanel.set_display`, so they are applied and remembered the one way every display
change is. They sit in the View menu, not at the foot of the side panel, so they are there in the
simple view too. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtGui import QAction

from cft_desktop.ui.common.actions import Actions
from cft_desktop.ui.common.conventions import key_text
from cft_desktop.ui.common.settings import DisplayPrefs
from cft_desktop.ui.panels.pacing_panel import PacingPanel

VIEW_MENU = "&View"


class ComfortActions:
    """The View menu's Dark theme, Large text and Reduce motion, kept in step with the panel."""

    def __init__(self, actions: Actions, panel: PacingPanel) -> None:
        self._panel = panel
        actions.separator(VIEW_MENU)
        self.dark: QAction = actions.add(
            "view.dark", "&Dark theme",
            "Light text on a dark background, easier on the eyes in a dim room.",
            self._on_ticked, menu=VIEW_MENU, checkable=True)
        self.large_text: QAction = actions.add(
            "view.large_text", "&Large text",
            f"Make all the text larger ({key_text('Ctrl++')}; {key_text('Ctrl+-')} makes it "
            "usual again).", self._on_ticked, menu=VIEW_MENU, checkable=True)
        self.reduce_motion: QAction = actions.add(
            "view.reduce_motion", "&Reduce motion",
            "Instead of a growing and shrinking circle, the pacer fills a bar and counts seconds.",
            self._on_ticked, menu=VIEW_MENU, checkable=True)
        # Ctrl+= as well: on many keyboards "+" needs Shift, and the plain key is "=".
        self.large_text.setShortcuts(["Ctrl++", "Ctrl+="])
        actions.add("view.usual_text", "Usual text size", "Make the text its usual size again.",
                    lambda: self.large_text.setChecked(False), keys="Ctrl+-")
        self.show(panel.display())
        panel.display_changed.connect(self.show)

    def show(self, display: DisplayPrefs) -> None:
        """Tick the actions as `display` says, without changing anything."""
        for action, on in ((self.dark, display.theme == "dark"),
                           (self.large_text, display.large_text),
                           (self.reduce_motion, display.reduced_motion)):
            if action.isChecked() != on:
                action.blockSignals(True)
                action.setChecked(on)
                action.blockSignals(False)

    def _on_ticked(self) -> None:
        display = self._panel.display().with_changes(
            theme="dark" if self.dark.isChecked() else "light",
            large_text=self.large_text.isChecked(),
            reduced_motion=self.reduce_motion.isChecked(),
        )
        self._panel.set_display(display)
