"""The simple view's one "Pace" control: slower or faster, with the breaths per minute shown.

Owns "Slower", the current pace in words and "Faster", beside the player's buttons (or under them
when the player is narrow). It shows a `Pacing` and only emits intents (`slower`, `faster`);
`SimpleView` turns them into a step of the side panel's breaths-per-minute field, so a pace chosen
here is checked, applied live and remembered exactly as one typed there. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QDynamicPropertyChangeEvent, QEvent, QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QPushButton, QSizePolicy, QWidget

from cft_desktop.core.pacing import BPM_RANGE, Pacing


def pace_text(pacing: Pacing) -> str:
    """The pace as a person says it: "6 breaths a minute", "5.5 breaths a minute"."""
    if not pacing.breath_work:
        return "Quiet time, no breath work"
    return f"{pacing.bpm:g} breaths a minute"


class PaceControl(QWidget):
    slower = Signal()
    faster = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Pace")
        self.slower_button = _button("Slower", "Slower pace",
                                     "Breathe a little more slowly: fewer breaths a minute. "
                                     "It changes from the next breath.")
        self.value = QLabel("")
        self.value.setAccessibleName("Breaths a minute")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.faster_button = _button("Faster", "Faster pace",
                                     "Breathe a little more quickly: more breaths a minute. It "
                                     "changes from the next breath.")
        row = QHBoxLayout(self)
        # The player decides where this row goes from its size hint; its minimum is its own.
        row.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        row.setContentsMargins(0, 4, 0, 0)
        row.addStretch(1)
        row.addWidget(self.slower_button)
        row.addWidget(self.value)
        row.addWidget(self.faster_button)
        row.addStretch(1)
        self.slower_button.clicked.connect(self.slower)
        self.faster_button.clicked.connect(self.faster)

    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.DynamicPropertyChange and isinstance(
                event, QDynamicPropertyChangeEvent)
                and event.propertyName().data() == b"short"):
            # On a short screen the buttons are slim, as the status line's are.
            role = "compact" if self.property("short") else ""
            for button in (self.slower_button, self.faster_button):
                button.setProperty("role", role)
                button.style().unpolish(button)
                button.style().polish(button)
        return super().event(event)

    def minimumSizeHint(self) -> QSize:
        # Beside the player's buttons it must not hold the player wide: squeezed, the player
        # moves it onto a row of its own (`PlayerView.set_pace`).
        hint = super().minimumSizeHint()
        return QSize(0, hint.height()) if self.property("squeezable") else hint

    def show_pacing(self, pacing: Pacing) -> None:
        text = pace_text(pacing)
        self.value.setText(text)
        self.value.setAccessibleDescription(text)
        breathing = pacing.breath_work
        self.slower_button.setEnabled(breathing and pacing.bpm > BPM_RANGE[0])
        self.faster_button.setEnabled(breathing and pacing.bpm < BPM_RANGE[1])
        if not breathing:
            self.value.setToolTip("No breath work is chosen, so the pacer stays still. More "
                                  "settings… can turn the breathing back on.")
        else:
            self.value.setToolTip(f"The pacer guides {text}.")

    def focus_chain(self) -> list[QWidget]:
        return [self.slower_button, self.faster_button]


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(tip)
    button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    return button
