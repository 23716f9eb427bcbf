"""Every control can be reached by keyboard and is named for screen readers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QWidget

from tests.ui.conftest import MakeWindow

REQUIRED_NAMES = (
    "Library", "Play", "Pause", "Stop", "Ground me", "Breaths per minute",
    "Inhale to exhale ratio", "Pause length", "Speech rate", "Voice volume",
    "Background volume", "Breathing pacer", "Caption",
)


def _focusable(window: QWidget) -> list[QWidget]:
    found = []
    for widget in window.findChildren(QWidget):
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisibleTo(window):
            continue
        # Inner parts of a compound control (a spin box's line edit) take focus for their owner.
        if widget.focusProxy() is not None:
            continue
        parent = widget.parentWidget()
        if isinstance(parent, QAbstractSpinBox | QComboBox):
            continue
        found.append(widget)
    return found


def test_every_focusable_widget_has_a_name_and_a_tooltip(make_window: MakeWindow) -> None:
    window = make_window()
    window.banner.show_message("A notice, so its buttons are walked too.")
    focusable = _focusable(window)
    assert len(focusable) >= 20
    unnamed = [f"{type(w).__name__} {w.objectName()!r}" for w in focusable if not w.accessibleName()]
    assert not unnamed, unnamed
    untipped = [w.accessibleName() for w in focusable if not w.toolTip()]
    assert not untipped, untipped


def test_the_exact_names_exist(make_window: MakeWindow) -> None:
    window = make_window()
    names = {w.accessibleName() for w in window.findChildren(QWidget)}
    missing = [name for name in REQUIRED_NAMES if name not in names]
    assert not missing, missing
    for name in REQUIRED_NAMES:
        (widget,) = [w for w in window.findChildren(QWidget) if w.accessibleName() == name]
        assert widget.isVisibleTo(window), name


def test_pacer_tells_a_screen_reader_the_phase(make_window: MakeWindow) -> None:
    window = make_window()
    pacer = window.player_view.pacer
    assert pacer.accessibleDescription() == "Ready when you are"
    assert pacer.toolTip()
