"""The keyboard focus ring is seen (issue 17 §4): on Play and every other button, in both themes,
the ring's pixels are at least 3:1 against the button's inside and against the window around it
(WCAG 1.4.11). Measured on grabbed pixels, not on the style sheet's colours."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QHBoxLayout, QPushButton, QWidget

from cft_desktop.ui.common.theme import PALETTES, apply_theme


def _luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green())
            + 0.0722 * channel(colour.blue()))


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _ring_inside_outside(image: QImage, button: QPushButton) -> tuple[QColor, QColor, QColor]:
    """The ring's colour on the button's left edge half way down, the fill just inside it and
    the window just outside it."""
    geometry = button.geometry()
    y = geometry.center().y()
    x = geometry.left()
    ring = image.pixelColor(x + 1, y)
    inside = image.pixelColor(x + 8, y)
    outside = image.pixelColor(x - 4, y)
    return ring, inside, outside


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("role", ["primary", "", "ground"])
def test_the_focus_ring_stands_out_from_the_button_and_the_window(
    qtbot: object, theme: str, role: str
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, PALETTES[theme], large_text=False)
    try:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(20, 20, 20, 20)
        button = QPushButton("Play")
        button.setProperty("role", role)
        other = QPushButton("Stop")
        row.addWidget(button)
        row.addWidget(other)
        qtbot.addWidget(holder)  # type: ignore[attr-defined]
        holder.show()
        qtbot.waitExposed(holder)  # type: ignore[attr-defined]
        holder.activateWindow()
        button.setFocus()
        qtbot.waitUntil(button.hasFocus)  # type: ignore[attr-defined]
        QApplication.processEvents()
        ring, inside, outside = _ring_inside_outside(holder.grab().toImage(), button)
        assert contrast(ring, inside) >= 3.0, (theme, role, ring.name(), inside.name())
        assert contrast(ring, outside) >= 3.0, (theme, role, ring.name(), outside.name())
        # Unfocused, the same place is no ring: focus is what changed it.
        other.setFocus()
        qtbot.waitUntil(other.hasFocus)  # type: ignore[attr-defined]
        QApplication.processEvents()
        unfocused, _inside, _outside = _ring_inside_outside(holder.grab().toImage(), button)
        assert unfocused != ring
    finally:
        apply_theme(app, PALETTES["light"], large_text=False)
