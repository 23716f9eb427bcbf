"""Small pieces shared by the ratings, records and safety views: naming, labels, theme colours.

Owns the colours that mark a change as better or worse (checked for contrast like the theme's own
pairs), finding the palette the application is showing now, and the helpers that give every
control an accessible name and a tooltip in one call. GUI thread only.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QRadioButton, QWidget

from cft_desktop.core.ratings import Direction
from cft_desktop.ui.common.theme import DARK, LIGHT, PALETTES, Palette, check_box_palette

W = TypeVar("W", bound=QWidget)

# Better and worse get the same weight and size, distinct hues (teal / warm rust) and always words
# beside them; colour never carries the meaning alone. Both pass 4.5:1 on the theme's surfaces.
CHANGE_COLOURS: dict[str, dict[Direction, str]] = {
    LIGHT.name: {Direction.BETTER: "#24605a", Direction.WORSE: "#98400f", Direction.SAME: LIGHT.muted_text},
    DARK.name: {Direction.BETTER: "#8fc9c0", Direction.WORSE: "#f0a878", Direction.SAME: DARK.muted_text},
}


def active_theme() -> Palette:
    """The theme the application shows now (found from the window colour it applied)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        window = app.palette().color(QPalette.ColorRole.Window).name().lower()
        for palette in PALETTES.values():
            if palette.window == window:
                return palette
    return LIGHT


def change_colour(direction: Direction, palette: Palette | None = None) -> str:
    theme = palette or active_theme()
    return CHANGE_COLOURS.get(theme.name, CHANGE_COLOURS[LIGHT.name])[direction]


def named(widget: W, name: str, tip: str) -> W:
    """Give `widget` an accessible name and a tooltip; returns it for chaining."""
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    return widget


def text_label(text: str, role: str = "", *, selectable: bool = False, name: str = "") -> QLabel:
    """A word-wrapped label (role: '', 'muted', 'title', 'safety')."""
    label = QLabel(text)
    label.setWordWrap(True)
    if role:
        label.setProperty("role", role)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setToolTip("You can select and copy this text.")
    label.setAccessibleName(name or text[:80])
    return label


def signed(value: float) -> str:
    """'+25', '−3' (a real minus sign), '0'; whole numbers without a decimal point."""
    text = f"{abs(value):g}" if value != int(value) else str(abs(int(value)))
    if value > 0:
        return "+" + text
    if value < 0:
        return "\u2212" + text
    return "0"


def outline_boxes(widget: QWidget) -> None:
    """Give every check box and radio button in `widget` the clearly visible outline the main
    window's own boxes have (Fusion's default outline is barely visible)."""
    boxes = check_box_palette(active_theme())
    for box in widget.findChildren(QCheckBox) + widget.findChildren(QRadioButton):
        box.setPalette(boxes)
