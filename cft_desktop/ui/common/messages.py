"""Calm, non-blocking notices in plain words, shared by every window. GUI thread only."""

from __future__ import annotations

from PySide6 import QtCore  # not `Qt` itself: see main_window on its import cost
from PySide6.QtWidgets import QMessageBox, QWidget

WINDOW_TITLE = "CFT Desktop"


def show_calm_message(
    parent: QWidget | None, text: str, detail: str = "", full: str = ""
) -> QMessageBox:
    """A quiet dialog (no traceback, no alarming icon); `full` goes under "Show Details…"."""
    box = QMessageBox(parent)
    box.setWindowTitle(WINDOW_TITLE)
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
    if full:
        box.setDetailedText(full)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
