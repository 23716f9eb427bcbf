"""The crisis table never cuts a cell short: at any width, each row is tall enough for its
longest cell wrapped inside the cell's padding (issue 17 §5: the emergency Details were cut
off mid-sentence)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from cft_desktop.core.ratings import CrisisResources
from cft_desktop.ui.records.views.safety import CELL_PADDING_X, CELL_PADDING_Y, CrisisTable


def test_every_crisis_cell_has_room_for_all_its_words_at_any_width(qtbot: object) -> None:
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
                inner = table.columnWidth(column) - 2 * CELL_PADDING_X
                text = QFontMetrics(item.font()).boundingRect(
                    0, 0, inner, 10_000,
                    int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), item.text())
                assert table.rowHeight(row) >= text.height() + 2 * CELL_PADDING_Y, (
                    width, item.text())
