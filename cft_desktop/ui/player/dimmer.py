"""The veil that dims the window while a sleep practice ends (`ending: sleep` in its script).

Owns a dark, see-through layer over the whole window: it darkens a little as a sleep practice
begins (a bright screen keeps people awake) and further over its last minute and a half, then
stays dark after the end, until the person touches a key or the mouse. Clicks and keys pass
through it to the controls beneath, so Stop and Ground me always work. How dark it is at a frame
is `sleep_dim_at`, a pure function. GUI thread only.
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QWidget

OPENING_DIM = 0.35  # reached over the first seconds of a sleep practice
OPENING_S = 20.0
CLOSING_DIM = 0.85  # reached at the end; never black, so the window is still there
CLOSING_S = 90.0
_STEP = 0.005  # smaller changes are not repainted (the player reports 60 times a second)
_WAKING = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                     QEvent.Type.Wheel, QEvent.Type.TouchBegin})


def sleep_dim_at(frame: int, total_frames: int, sample_rate: int) -> float:
    """How dark the veil is (0 clear, 1 black) at `frame` of a sleep practice."""
    elapsed_s = max(0, frame) / sample_rate
    left_s = max(0, total_frames - frame) / sample_rate
    opening = OPENING_DIM * min(1.0, elapsed_s / OPENING_S)
    closing = (CLOSING_DIM - OPENING_DIM) * max(0.0, min(1.0, 1.0 - left_s / CLOSING_S))
    return min(CLOSING_DIM, opening + closing)


class Dimmer(QWidget):
    """The veil over `window`; `set_level` darkens it, `clear` takes it away."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("sleep-dimmer")
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Screen dimmed for sleep")
        self._window = window
        self._level = 0.0
        self._holding = False
        window.installEventFilter(self)
        self.hide()

    def level(self) -> float:
        return self._level

    def set_level(self, level: float) -> None:
        level = max(0.0, min(1.0, level))
        if abs(level - self._level) < _STEP and (level > 0) == (self._level > 0):
            return
        self._level = level
        if level <= 0:
            self.hide()
            return
        self.setGeometry(self._window.rect())
        self.raise_()
        self.show()
        self.update()

    def hold_until_touched(self) -> None:
        """The practice ended: stay dark until the next key, click or mouse move."""
        app = QApplication.instance()
        if self._level > 0 and not self._holding and app is not None:
            self._holding = True
            app.installEventFilter(self)

    def clear(self) -> None:
        app = QApplication.instance()
        if self._holding and app is not None:
            app.removeEventFilter(self)
        self._holding = False
        self.set_level(0.0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._window and kind == QEvent.Type.Resize:
            self.setGeometry(self._window.rect())
        elif self._holding and kind in _WAKING:
            self.clear()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(0, 0, 0, round(255 * self._level)))
        finally:
            painter.end()
