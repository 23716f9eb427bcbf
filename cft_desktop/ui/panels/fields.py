"""The side panel's small field makers, shared by its parts (breathing, sound, display, patterns).

Owns `StepSpinBox` (typed values snap to the step), the filters that keep Space the window's
play/pause key inside a spin box and a drop-down (and the arrows from changing a closed
drop-down), the spin boxes every part builds the same way, and the word-wrapped form label.
GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QLabel, QSpinBox, QWidget


class StepSpinBox(QDoubleSpinBox):
    """A spin box whose typed values snap to its step (6.3 breaths per minute becomes 6.5)."""

    def valueFromText(self, text: str) -> float:
        value = super().valueFromText(text)
        step = self.singleStep()
        return round(round(value / step) * step, self.decimals())


class SpaceGoesToWindow(QObject):
    """A space is never part of a number, so in a spin box it stays the play/pause key."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Filtering out the override (returning True) lets the window's Space shortcut fire.
        return (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        )


class ChoiceKeys(QObject):
    """A closed drop-down in the side panel changes only when it is opened (Alt+↓ or F4, or a
    click): Space there stays the play/pause key, and an arrow key or Page/Home/End never
    changes a setting by accident on the way through."""

    _MOVES = frozenset({Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
                        Qt.Key.Key_Home, Qt.Key.Key_End})

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            return bool(event.key() == Qt.Key.Key_Space)  # let the window's Space fire
        if event.type() == QEvent.Type.KeyPress:
            return event.key() in self._MOVES or event.key() == Qt.Key.Key_Space
        return False


def spin(space_filter: QObject, name: str, tip: str, low: float, high: float, step: float,
         decimals: int = 1, suffix: str = "") -> QDoubleSpinBox:
    box = StepSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    box.setAccessibleName(name)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)  # apply a typed value when it is complete, not per digit
    box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
    box.installEventFilter(space_filter)
    return box


def int_spin(space_filter: QObject, name: str, tip: str, low: int, high: int,
             suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setAccessibleName(name)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)
    box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
    box.installEventFilter(space_filter)
    return box


def form_label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    label.setWordWrap(True)
    return label
