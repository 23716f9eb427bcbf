"""The crisis table never cuts a cell short: at any width, each row is tall enough for its
longest cell wrapped inside the cell's padding (issue 17 §5: the emergency Details were cut
off mid-sentence)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QStyle

from cft_desktop.core.ratings import CrisisResources
from cft_desktop.ui.common.theme import LIGHT, apply_theme
from cft_desktop.ui.records.views.safety import CELL_PADDING_X, CELL_PADDING_Y, CrisisTable


@pytest.fixture(params=[False, True], ids=["normal-text", "large-text"])
def large_text(request: pytest.FixtureRequest) -> object:
    """Both text sizes: with large text the rows were a line short (the item's font is the
    application default, not the size the table draws with)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, LIGHT, large_text=request.param)
    yield request.param
    apply_theme(app, LIGHT, large_text=False)


def test_every_crisis_cell_has_room_for_all_its_words_at_any_width(qtbot: object,
                                                                   large_text: bool) -> None:
    table = CrisisTable(CrisisResources())
    qtbot.addWidget(table)  # type: ignore[attr-defined]
    table.show()
    assert table.textElideMode() == Qt.TextElideMode.ElideNone
    for width in range(560, 1001, 15):
        table.resize(width, table.height())
        for _ in range(3):
            QApplication.processEvents()
        for row in range(table.rowCount()):
            for column in range(table.columnCount()):
                item = table.item(row, column)
                assert item is not None
                # As the style draws it: padding, a text margin each side, the grid line.
                margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin,
                                                   None, table) + 1
                inner = table.columnWidth(column) - 2 * CELL_PADDING_X - 2 * margin - 1
                drawn = QFont(table.font())  # what the table draws with, in the item's weight
                drawn.setBold(item.font().bold())
                text = QFontMetrics(drawn).boundingRect(
                    0, 0, inner, 10_000,
                    int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), item.text())
                assert table.rowHeight(row) >= text.height() + 2 * CELL_PADDING_Y, (
                    width, item.text())
