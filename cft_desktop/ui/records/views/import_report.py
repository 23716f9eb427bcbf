"""The report shown when a CSV cannot be imported: every problem as ``file:line: message``.

Owns only that one read-only dialog; an import takes every row or none, so it says plainly that
nothing was imported. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from cft_desktop.ui.records.views.common import named, text_label

NOTHING_IMPORTED = (
    "Nothing was imported. The file has the problems listed below; your ratings are exactly as "
    "they were. Fix these lines (or export a fresh file) and import again."
)


class ImportProblemsDialog(QDialog):
    def __init__(self, problems: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import-problems")
        self.setWindowTitle("Import ratings")
        self.problems = list(problems)
        self.intro = text_label(NOTHING_IMPORTED, selectable=True, name="Nothing was imported")
        self.listing = named(QPlainTextEdit("\n".join(self.problems)), "Problems in the file",
                             "Every problem as file:line: message. You can select and copy them.")
        self.listing.setReadOnly(True)
        self.listing.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        close = named(QPushButton("Close"), "Close", "Close this report.")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        count = len(self.problems)
        layout.addWidget(text_label(f"{count} problem{'s' if count != 1 else ''} in the file",
                                    "title"))
        layout.addWidget(self.intro)
        layout.addWidget(self.listing, 1)
        layout.addLayout(row)
        metrics = QFontMetrics(self.font())
        self.resize(max(700, metrics.averageCharWidth() * 96), metrics.lineSpacing() * 24)

    def text(self) -> str:
        return self.intro.text() + "\n" + self.listing.toPlainText()
