"""The safety flow after a hard practice, and the offline crisis table (CLINICAL.md §6).

Owns what a person sees when an after-rating meets a safety rule: calm, normalising words
(backdraft and grief are known), a Ground me button, the suggestion of an easier practice next
time and of telling the therapist, the crisis resources with the date each was last checked,
and the plain statement that the app cannot contact anyone. The same table is shown on its own
from the Help menu. The dialog is not modal, so Ground me can play while the numbers stay on
screen. Views only emit intents (`ground_requested`); `records_controller` starts the grounding.
GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.ratings import (
    SAFETY_FLOW_TEXT,
    TRIGGER_REASONS,
    CrisisResources,
    Trigger,
)
from cft_desktop.ui.common.screen_fit import scrolling
from cft_desktop.ui.records.views.common import named, text_label

SAFETY_TITLE = "Taking care of yourself after that"
CRISIS_HEADERS = ("Where", "Service", "How to reach it", "Details", "Last checked")


def verified_text(day: object) -> str:
    strftime = getattr(day, "strftime", None)
    return strftime("%d %b %Y") if strftime is not None else str(day)


CELL_PADDING_Y = 4  # px, above and below a cell's text
CELL_PADDING_X = 6  # px, left and right


class CrisisTable(QTableWidget):
    """The crisis resources, read-only, one row each, with the date they were last verified.

    Shown whole: the rows wrap their text and the table grows to fit them, so no number is ever
    hidden behind a scroll bar.
    """

    def __init__(self, resources: CrisisResources, parent: QWidget | None = None) -> None:
        super().__init__(0, len(CRISIS_HEADERS), parent)
        named(self, "Crisis resources",
              "Numbers you can call or text yourself. The app cannot contact anyone for you.")
        self.setHorizontalHeaderLabels(list(CRISIS_HEADERS))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verticalHeader().setVisible(False)
        self.setStyleSheet(
            f"QTableWidget::item {{ padding: {CELL_PADDING_Y}px {CELL_PADDING_X}px; }}")
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        metrics = QFontMetrics(self.font())
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, chars in ((0, 17), (1, 20), (2, 20), (4, 15)):
            header.resizeSection(column, metrics.averageCharWidth() * chars + 16)
        self.set_resources(resources)

    def set_resources(self, resources: CrisisResources) -> None:
        self.setRowCount(len(resources.entries))
        for row, entry in enumerate(resources.entries):
            cells = (entry.region, entry.name, entry.contact, entry.details,
                     verified_text(entry.last_verified))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                if column == 2:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(row, column, item)
        self._fit_height()

    def _fit_height(self) -> None:
        self.resizeRowsToContents()
        # The cells' padding (the style sheet above) is not in the items' size hints, so a long
        # cell wrapped to one line more than its row had room for and lost its last words.
        for row in range(self.rowCount()):
            needed = self.rowHeight(row)
            for column in range(self.columnCount()):
                item = self.item(row, column)
                if item is None:
                    continue
                width = self.text_width(column)
                # The table's own font (the style sheet's size, large text included) in the
                # item's weight: the item's font alone is the application's default size, and
                # with large text a row came out a line short ("in English and" …).
                font = QFont(self.font())
                font.setBold(item.font().bold())
                box = QFontMetrics(font).boundingRect(
                    0, 0, max(20, width), 10_000,
                    int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), item.text())
                needed = max(needed, box.height() + 2 * CELL_PADDING_Y + 4)
            self.setRowHeight(row, needed)
        height = self.horizontalHeader().height() + 2 * self.frameWidth() + 2
        height += self.verticalHeader().length()
        if height != self.height():
            self.setFixedHeight(height)

    def text_width(self, column: int) -> int:
        """The width a cell's words wrap in: the column less the padding, the style's text margin
        on each side (its focus frame margin and one pixel) and the grid line. Counting less made
        "…in English and French." wrap to three lines in a row sized for two."""
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        return self.columnWidth(column) - 2 * CELL_PADDING_X - 2 * margin - 1

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            # Once the columns have their new widths, the wrapped rows know their heights.
            QTimer.singleShot(0, self, self._fit_height)

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row (tests and screen-reader checks)."""
        return [
            tuple(self.item(r, c).text() for c in range(self.columnCount()))  # type: ignore[union-attr]
            for r in range(self.rowCount())
        ]


def crisis_block(resources: CrisisResources) -> tuple[QWidget, CrisisTable, QLabel]:
    """The intro, the "cannot contact anyone" statement and the table, stacked."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(8)
    layout.addWidget(text_label(resources.intro, selectable=True, name="Crisis resources intro"))
    # Said before the table: the statement points at "the numbers below".
    cannot = text_label(resources.cannot_contact, selectable=True, name="The app cannot contact anyone")
    font = cannot.font()
    font.setBold(True)
    cannot.setFont(font)
    layout.addWidget(cannot)
    table = CrisisTable(resources)
    layout.addWidget(table)
    layout.addStretch(1)  # in a taller scrolling area the spare room goes below, not between
    return box, table, cannot


class SafetyDialog(QDialog):
    """Shown when a safety rule fired; stays open (not modal) while Ground me plays."""

    ground_requested = Signal()

    def __init__(
        self,
        fired: Sequence[Trigger],
        resources: CrisisResources,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("safety")
        self.setWindowTitle(SAFETY_TITLE)
        self.setModal(False)
        self.fired = tuple(fired)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(22, 18, 22, 12)
        layout.setSpacing(12)
        layout.addWidget(text_label(SAFETY_TITLE, "title"))
        normalising, ground_text, *suggestions = SAFETY_FLOW_TEXT
        self.paragraphs: list[QLabel] = [text_label(normalising, selectable=True)]
        layout.addWidget(self.paragraphs[0])

        ground_line = QHBoxLayout()
        ground_label = text_label(ground_text, selectable=True)
        self.paragraphs.append(ground_label)
        self.ground = named(QPushButton("Ground me"), "Ground me",
                            "Play the short eyes-open grounding practice now.")
        self.ground.setProperty("role", "ground")
        self.ground.setAutoDefault(False)
        ground_line.addWidget(ground_label, 1)
        ground_line.addWidget(self.ground, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(ground_line)
        for text in suggestions:
            label = text_label(text, selectable=True)
            self.paragraphs.append(label)
            layout.addWidget(label)

        block, self.crisis_table, self.cannot_contact = crisis_block(resources)
        layout.addWidget(block)
        reasons = " ".join(TRIGGER_REASONS[t] for t in self.fired)
        self.reason = text_label(f"Why this appeared: {reasons}", "muted", selectable=True,
                                 name="Why this appeared")
        layout.addWidget(self.reason)
        layout.addStretch(1)

        scroll = scrolling(content)

        self.close_button = named(QPushButton("Close"), "Close",
                                  "Close this window. The numbers are also under Help.")
        self.close_button.setDefault(True)
        footer = QHBoxLayout()
        footer.setContentsMargins(22, 0, 22, 16)
        footer.addStretch(1)
        footer.addWidget(self.close_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        outer.addLayout(footer)

        self.ground.clicked.connect(self.ground_requested)
        self.close_button.clicked.connect(self.accept)
        metrics = QFontMetrics(self.font())
        width = max(900, metrics.averageCharWidth() * 112)
        # Measured at that width, then free to be narrower: on a small screen (or with large
        # text) the words wrap inside the dialog instead of running off its right edge.
        content.setMinimumWidth(width - 24)
        height = content.heightForWidth(width - 24) if content.hasHeightForWidth() else 0
        height = max(height, content.sizeHint().height()) + footer.sizeHint().height() + 24
        content.setMinimumWidth(0)
        self.resize(width, height)  # the screen rule (common.screen_fit) keeps it inside

    def text(self) -> str:
        """Everything the dialog says, as plain text (tests; copying)."""
        parts = [label.text() for label in self.paragraphs]
        parts += [" | ".join(row) for row in self.crisis_table.rows()]
        parts += [self.cannot_contact.text(), self.reason.text()]
        return "\n".join(parts)


class CrisisDialog(QDialog):
    """Help → Crisis resources: the table on its own, any time."""

    def __init__(self, resources: CrisisResources, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crisis-resources")
        self.setWindowTitle("Crisis resources")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(text_label("Crisis resources", "title"))
        block, self.crisis_table, self.cannot_contact = crisis_block(resources)
        # The table is as tall as all its rows; on a small screen (or with large text) the
        # dialog scrolls rather than push its Close button off the screen.
        scroll = scrolling(block)
        layout.addWidget(scroll, 1)
        close = named(QPushButton("Close"), "Close", "Close this window.")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        metrics = QFontMetrics(self.font())
        width = max(900, metrics.averageCharWidth() * 112)
        block.setMinimumWidth(width - 64)
        wanted = block.sizeHint().height() + layout.sizeHint().height() - scroll.sizeHint().height()
        block.setMinimumWidth(0)
        self.resize(width, wanted + 8)
