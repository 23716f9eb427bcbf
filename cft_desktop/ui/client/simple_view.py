"""The simple view a client meets first: the list, the pacer, the buttons and one Pace control.

Owns when the full side panel is shown: hidden by default (a fresh computer account), shown by
"More settings…" (at the foot of the practice list), by View → All settings (Ctrl+2), and whenever
therapist mode comes on. While the panel is hidden the Pace control stands in for it beside the
player's buttons; shown, the same button reads "Fewer settings" and goes back. Turns the Pace
control's intents into one step of the panel's breaths-per-minute field. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from cft_desktop.ui.client.pace import PaceControl
from cft_desktop.ui.common.actions import Actions
from cft_desktop.ui.panels.pacing_panel import PacingPanel

MORE = ("More settings…", "More settings",
        "Show every setting beside the player: breathing pattern, in-breath to out-breath, "
        "pauses, voice, sounds and colour (Ctrl+2).")
FEWER = ("Fewer settings", "Fewer settings",
         "Hide the side panel and go back to the simple view (Ctrl+2).")


class SimpleView:
    """Keeps the Pace control, the settings button and the side panel in step."""

    def __init__(self, panel: PacingPanel, pace: PaceControl, library: QWidget) -> None:
        """Made before the window lays the parts out (its button joins the Tab order), then
        `attach` once the View menu exists. `library` is the practice list's view: the left part
        becomes it with the settings button under it (`left`)."""
        self._panel = panel
        self._pace = pace
        self.settings_button = QPushButton(MORE[0])
        self.settings_button.setProperty("role", "compact")
        self.left = QWidget()
        self.left.setAccessibleName("Practices")
        column = QVBoxLayout(self.left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(library, 1)
        column.addWidget(self.settings_button)
        self.left.setMinimumWidth(library.minimumWidth())

    def focus_chain(self) -> list[QWidget]:
        """The Pace control's buttons, then the settings button."""
        return [*self._pace.focus_chain(), self.settings_button]

    def attach(self, actions: Actions) -> None:
        panel, pace = self._panel, self._pace
        self._panel_action: QAction = actions["view.panel"]
        pace.show_pacing(panel.pacing())
        panel.pacing_changed.connect(pace.show_pacing)
        pace.slower.connect(lambda: panel.bpm.stepBy(-1))
        pace.faster.connect(lambda: panel.bpm.stepBy(1))
        self.settings_button.clicked.connect(self._on_settings_button)
        self._panel_action.toggled.connect(self._on_panel_shown)
        self._on_panel_shown(self._panel_action.isChecked())

    def follow_therapist_mode(self, on_now: bool, changed: SignalInstance) -> None:
        """In therapist mode the full panel is shown: now if it is on, and each time it comes on
        (turned off, the panel stays as it is; Ctrl+2 hides it)."""
        if on_now:
            self._panel_action.setChecked(True)
        changed.connect(self._on_therapist_mode)

    def _on_therapist_mode(self, on: bool) -> None:
        if on:
            self._panel_action.setChecked(True)

    def showing_all(self) -> bool:
        return self._panel_action.isChecked()

    def _on_settings_button(self) -> None:
        if self._panel_action.isChecked():
            self._panel_action.setChecked(False)
            return
        self._panel_action.setChecked(True)
        # Straight into the settings asked for: the first field of the panel.
        self._panel.focus_chain()[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_panel_shown(self, shown: bool) -> None:
        self._pace.setVisible(not shown)
        text, name, tip = FEWER if shown else MORE
        self.settings_button.setText(text)
        self.settings_button.setAccessibleName(name)
        self.settings_button.setToolTip(tip)
