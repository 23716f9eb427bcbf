"""Keeping windows and dialogs inside the screen a person actually has.

Owns the one rule every top-level window follows: its size is what it would like, but never more
than the screen's available area (the screen less the task bar, the dock and the menu bar) minus a
small margin, and a dialog opens inside that area. A 1366×768 laptop has about 1366×728 to offer;
a 1024×600 netbook about 1024×560. GUI thread only.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QFrame, QMainWindow, QScrollArea, QWidget

log = logging.getLogger(__name__)

# Room left around a window for its frame (title bar and borders are outside Qt's geometry).
FRAME_MARGIN_PX = QSize(16, 40)


def available_area(widget: QWidget | None = None) -> QRect:
    """The available geometry of `widget`'s screen (or the primary one)."""
    screen = widget.screen() if widget is not None else None
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    if screen is None:  # no screen at all: a laptop-sized guess rather than nothing
        return QRect(0, 0, 1366, 728)
    return screen.availableGeometry()


def fitting_size(wanted: QSize, widget: QWidget | None = None) -> QSize:
    """`wanted`, shrunk to fit the available area with its frame; never below the widget's own
    minimum size, which the widget's layout needs."""
    area = available_area(widget).size() - FRAME_MARGIN_PX
    size = wanted.boundedTo(area)
    if widget is not None:
        size = size.expandedTo(widget.minimumSize())
    return size


def fit_to_screen(widget: QWidget, wanted: QSize | None = None) -> None:
    """Resize `widget` to `wanted` (default: its size hint) within the screen, and move it back
    inside the available area if any part of it lies outside."""
    widget.resize(fitting_size(wanted if wanted is not None else widget.sizeHint(), widget))
    keep_inside_screen(widget)


def keep_inside_screen(widget: QWidget) -> None:
    """Move `widget` so its frame lies inside the available area (as far as its size allows)."""
    area = available_area(widget)
    frame = widget.frameGeometry()
    x = min(max(frame.x(), area.left()), max(area.left(), area.right() + 1 - frame.width()))
    y = min(max(frame.y(), area.top()), max(area.top(), area.bottom() + 1 - frame.height()))
    if (x, y) != (frame.x(), frame.y()):
        QWidget.move(widget, x, y)


class KeepWindowsOnScreen(QObject):
    """Installed on the application once: every dialog (and any other window with a parent) that
    is shown is first fitted inside its screen's available area, whatever size it asked for. One rule
    in one place, so a dialog added later cannot open with its buttons below the task bar."""

    _installed: KeepWindowsOnScreen | None = None

    @classmethod
    def install(cls, app: QCoreApplication) -> None:
        if cls._installed is None:
            cls._installed = cls(app)
            app.installEventFilter(cls._installed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and watched.isWidgetType() and (
                isinstance(watched, QDialog) or (isinstance(watched, QMainWindow)
                                                 and watched.parentWidget() is not None)) and (
                watched.isWindow()):
            try:
                _fit_shown(watched)
            except Exception:  # an error escaping an application filter ends the process
                log.exception("could not fit %s inside the screen", type(watched).__name__)
        return False


def _fit_shown(window: QWidget) -> None:
    # QWidget's own resize and move: a window class may have a method of the same name.
    QWidget.resize(window, fitting_size(window.size(), window))
    parent = window.parentWidget()
    if parent is not None:
        # Centred on its window at the size it now has (Qt placed it for the size it asked
        # for, or not yet at all), then kept inside the screen.
        centre = parent.window().frameGeometry().center()
        frame = window.frameGeometry()
        QWidget.move(window, centre.x() - frame.width() // 2, centre.y() - frame.height() // 2)
    keep_inside_screen(window)


def scrolling(body: QWidget, *, sideways: bool = False) -> QScrollArea:
    """`body` in a frameless area that scrolls when the screen is too small for it: up and
    down only (its words wrap to the width), or sideways too for content that cannot wrap.
    Never a Tab stop of its own. How every dialog here stays usable inside the screen."""
    area = QScrollArea()
    area.setWidget(body)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not sideways:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return area
