"""A selected row reads clearly in both themes, in the active window and in one behind another:
the text against its highlight is at least 4.5:1 (WCAG AA), measured on grabbed pixels.

The highlight is not one flat colour (Fusion shades it a little from top to bottom), so each
glyph's core is held against every shade of the highlight behind the row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QListWidget, QWidget

from cft_desktop.store.records import Client
from cft_desktop.ui.common.theme import (
    DARK,
    LIGHT,
    MIN_TEXT_CONTRAST,
    Palette,
    apply_theme,
    contrast_ratio,
)
from cft_desktop.ui.records.views.profiles import ProfilesDialog


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[Callable[[Palette], None]]:
    palette, sheet = qapp.palette(), qapp.styleSheet()
    yield lambda theme: apply_theme(qapp, theme, large_text=False)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def _row_colours(view: QListWidget) -> Counter[str]:
    for _ in range(3):
        QApplication.processEvents()
    image = view.grab().toImage()
    row = view.visualItemRect(view.currentItem()).translated(view.viewport().pos())
    # A pixel in from the ends, clear of the list's rounded frame and focus ring.
    inner = row.adjusted(2, 0, -2, 0).intersected(QRect(0, 0, image.width(), image.height()))
    return Counter(image.pixelColor(x, y).name()
                   for x in range(inner.left(), inner.right() + 1)
                   for y in range(inner.top(), inner.bottom() + 1))


def _selected_row_contrast(view: QListWidget) -> tuple[float, str, str]:
    """(worst ratio, text colour, highlight shade) for the current row as drawn."""
    colours = _row_colours(view)
    total = sum(colours.values())
    # The highlight: every colour filling at least a twentieth of the row (its shades).
    shades = [c for c, n in colours.items() if n >= total / 20]
    assert shades, colours.most_common(5)
    fill = colours.most_common(1)[0][0]
    # The text: the pixel furthest from the highlight, where a stroke is fully covered.
    text = max(colours, key=lambda c: contrast_ratio(c, fill))
    assert colours[text] >= 3, "no glyph core found in the row"
    worst = min(shades, key=lambda s: contrast_ratio(text, s))
    return contrast_ratio(text, worst), text, worst


def _plain_list() -> QListWidget:
    view = QListWidget()
    view.addItems(["Client A", "Client B   (in use)", "Client C"])
    view.resize(320, 140)
    return view


def _clients_list() -> QListWidget:
    dialog = ProfilesDialog()
    clients = [Client(f"id-{n}", name, datetime(2026, 1, n + 1)) for n, name in
               enumerate(("Me", "Client A", "Client B"))]
    dialog.set_clients(clients, "id-0")
    return dialog.list


def _show(view: QListWidget, qtbot: object) -> QWidget:
    window = view.window()
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    view.setCurrentRow(1)
    window.show()
    qtbot.waitExposed(window)  # type: ignore[attr-defined]
    return window


@pytest.mark.parametrize("make", [_plain_list, _clients_list], ids=["list", "clients"])
@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=lambda p: p.name)
def test_selected_row_text_stands_out_from_its_highlight(
        qtbot: object, themed: Callable[[Palette], None], theme: Palette,
        make: Callable[[], QListWidget]) -> None:
    themed(theme)
    view = make()
    window = _show(view, qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    view.setFocus()
    ratio, text, shade = _selected_row_contrast(view)
    assert ratio >= MIN_TEXT_CONTRAST, f"{text} on {shade}: {ratio:.2f}"
    # Moving on to another control leaves the row selected, and still as clear.
    view.clearFocus()
    ratio, text, shade = _selected_row_contrast(view)
    assert ratio >= MIN_TEXT_CONTRAST, f"without focus, {text} on {shade}: {ratio:.2f}"

    # Another window in front: the row is drawn from the palette's Inactive group.
    other = QWidget()
    qtbot.addWidget(other)  # type: ignore[attr-defined]
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow())  # type: ignore[attr-defined]
    ratio, text, shade = _selected_row_contrast(view)
    assert ratio >= MIN_TEXT_CONTRAST, f"window behind another, {text} on {shade}: {ratio:.2f}"


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=lambda p: p.name)
def test_every_colour_group_pairs_selection_colours_that_read(
        qapp: QApplication, themed: Callable[[Palette], None], theme: Palette) -> None:
    themed(theme)
    colours = qapp.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        text = colours.color(group, QPalette.ColorRole.HighlightedText).name()
        fill = colours.color(group, QPalette.ColorRole.Highlight).name()
        assert contrast_ratio(text, fill) >= MIN_TEXT_CONTRAST, (group.name, text, fill)


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=lambda p: p.name)
def test_a_desktop_palette_for_lists_does_not_wash_out_the_selected_row(
        qapp: QApplication, qtbot: object, themed: Callable[[Palette], None],
        theme: Palette) -> None:
    """Desktop themes can give item views a palette of their own (KDE's Breeze: near-white text
    on light blue), over the application's. The selected row keeps the theme's pair."""
    themed(theme)
    desktop = QPalette(qapp.palette())
    desktop.setColor(QPalette.ColorRole.Highlight, QColor("#3daee9"))
    desktop.setColor(QPalette.ColorRole.HighlightedText, QColor("#fcfcfc"))
    QApplication.setPalette(desktop, "QAbstractItemView")
    try:
        view = _plain_list()
        window = _show(view, qtbot)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
        ratio, text, shade = _selected_row_contrast(view)
        assert ratio >= MIN_TEXT_CONTRAST, f"{text} on {shade}: {ratio:.2f}"
    finally:
        # Setting the application palette again drops every class palette.
        qapp.setPalette(QPalette())
        themed(theme)
    left = QApplication.palette("QAbstractItemView")
    assert left.color(QPalette.ColorRole.Highlight).name() == theme.focus
