"""The main window's frame: title, remembered size, the three parts laid out, the View menu.

Owns the layout (the practice list, the player and the side panel side by side in a splitter),
the tab order, the calm sound-output banner, showing and hiding the list and the panel, full
screen, and remembering the size and what is shown. It imports no feature: `ui.app` builds the
features and hands the window the parts it lays out (`place`) and the actions it shows
(`actions`, one registry for every feature). Two signals tell features about the frame's life:

* ``shown()`` — the built window is on screen for the first time (background loading may start).
* ``closing()`` — the window is closing for good (features save what they remember).

GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

# `QtCore.Qt.…` rather than importing `Qt`: importing it builds all of the namespace's enums
# (18 ms), which would come before the first frame; this way `build` pays it, after the frame.
from PySide6 import QtCore
from PySide6.QtCore import QEvent, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.ui.common.actions import Actions
from cft_desktop.ui.common.conventions import key_text
from cft_desktop.ui.common.messages import WINDOW_TITLE
from cft_desktop.ui.common.screen_fit import (
    FRAME_MARGIN_PX,
    available_area,
    fit_to_screen,
    fitting_size,
    keep_inside_screen,
)
from cft_desktop.ui.common.settings import Settings

__all__ = ["DEFAULT_SIZE", "WINDOW_TITLE", "MainWindow", "SidePanel", "SoundBanner", "WindowParts"]

DEFAULT_SIZE = (1220, 780)
LIST_WIDTH_PX = 330  # the practice list's width at first, with the usual text size


def first_size(window: QWidget) -> QSize:
    """The size of a window opened for the first time on this computer account: DEFAULT_SIZE on
    a screen with room for it, else the whole available area (a 1366×768 laptop has about 728 px
    of height to give, less than the 780 asked for; there a window that fills it is what fits)."""
    wanted = QSize(*DEFAULT_SIZE)
    room = available_area(window).size() - FRAME_MARGIN_PX
    if wanted.width() <= room.width() and wanted.height() <= room.height():
        return wanted
    return room
VIEW_MENU = "&View"


class SidePanel(QScrollArea):
    """Scrolls up and down, never sideways: always at least as wide as its content needs.

    Reported through the size hints (not a fixed minimum) so it follows text size and style
    changes by itself, and the splitter keeps the room for it.
    """

    def minimumSizeHint(self) -> QSize:
        inner = self.widget()
        width = inner.minimumSizeHint().width() if inner is not None else 0
        return QSize(width + self.verticalScrollBar().sizeHint().width() + 2, 160)

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint().expandedTo(QSize(0, 600))


class SoundBanner(QFrame):
    """A calm notice at the top of the window: no sound output, and what to check."""

    check_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Sound output notice")
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setToolTip("About sound output. You can select and copy this text.")
        self.check = QPushButton("Check again")
        self.check.setAccessibleName("Check for sound output again")
        self.check.setToolTip("Look again for speakers or headphones, e.g. after plugging them in.")
        self.dismiss = QPushButton("Hide")
        self.dismiss.setAccessibleName("Hide this notice")
        self.dismiss.setToolTip("Hide this notice. Everything else keeps working.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.check, 0, QtCore.Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.dismiss, 0, QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.check.clicked.connect(self.check_requested)
        self.dismiss.clicked.connect(self.hide)
        self.hide()

    def show_message(self, message: str) -> None:
        self.label.setText(message)
        self.setAccessibleDescription(message)
        self.show()

    def text(self) -> str:
        return self.label.text()


@dataclass
class WindowParts:
    """What `ui.app` built for one window, kept so every feature can be reached from it.

    Typed loosely on purpose: the window imports no feature, it only holds them.
    """

    library: Any
    library_view: Any
    player_view: Any
    pacing_panel: Any
    playback: Any
    practice: Any
    script_editing: Any = None
    records: Any = None
    simple_view: Any = None
    help: Any = None


class MainWindow(QMainWindow):
    """The frame. Made empty (title, theme, remembered size), then `build` has it filled.

    `build_window` builds at once (tests, scripted use). `cft-desktop` shows the frame first and
    builds right after its first frame is painted (`app.open_window`), so the person sees the
    window in less than half the time it takes to build everything.
    """

    shown = Signal()
    closing = Signal()

    def __init__(
        self,
        settings: Settings,
        builder: Callable[[MainWindow], WindowParts],
        parent: QWidget | None = None,
        *,
        build_now: bool = True,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._builder = builder
        self._first_show_done = False
        self._closed = False
        self.built = False
        self.parts: WindowParts | None = None
        self._when_built: list[Callable[[], None]] = []
        self._list_made_way = False  # hidden by `_keep_on_screen`, not by the person
        self._list_kept = False  # shown again by the person while the panel was up
        self.actions = Actions(self)
        self.setWindowTitle(WINDOW_TITLE)
        # The frame opens at its remembered size, so filling it later moves nothing.
        geometry = settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(first_size(self))
        # Remembered on a larger screen, or the screen is smaller now: never cut off.
        fit_to_screen(self, self.size())
        if build_now:
            self.build()

    # -- the parts, as `ui.app` handed them ------------------------------------------------------

    def _part(self, name: str) -> Any:
        if self.parts is None:
            raise AttributeError(f"the window is not built yet (no {name})")
        return getattr(self.parts, name)

    library = property(lambda self: self._part("library"))
    library_view = property(lambda self: self._part("library_view"))
    player_view = property(lambda self: self._part("player_view"))
    pacing_panel = property(lambda self: self._part("pacing_panel"))
    playback = property(lambda self: self._part("playback"))
    practice = property(lambda self: self._part("practice"))
    script_editing = property(lambda self: self._part("script_editing"))
    records = property(lambda self: self._part("records"))

    # -- construction ---------------------------------------------------------------------------

    def build(self) -> None:
        """Everything inside the frame, made by the builder `ui.app` gave (once)."""
        if self.built or self._closed:
            return
        self.parts = self._builder(self)
        self.built = True
        for callback in self._when_built:
            callback()
        self._when_built.clear()
        if self.isVisible():
            self._announce_shown()

    def when_built(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the window is built: now if it is, else straight after `build`."""
        if self.built:
            callback()
        else:
            self._when_built.append(callback)

    def when_shown(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the built window is on screen: at once if it already is."""
        if self._first_show_done:
            QTimer.singleShot(0, callback)
        else:
            self.shown.connect(callback)

    def place(self, left: QWidget, centre: QWidget, side: QWidget,
              focus_chain: Sequence[QWidget], fallback_focus: Callable[[], QWidget]) -> None:
        """Lay out the three parts: `left` and `side` can be hidden from the View menu, `centre`
        never. `focus_chain` is the Tab order through them; `fallback_focus` says where focus goes
        when the part holding it is hidden."""
        self.banner = SoundBanner()
        self.left_part = left
        self._fallback_focus = fallback_focus
        scroller = SidePanel()
        scroller.setWidget(side)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.side_panel = scroller

        splitter = QSplitter(QtCore.Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(centre)
        splitter.addWidget(scroller)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([LIST_WIDTH_PX, 560, 330])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        chain = [*focus_chain, self.banner.check, self.banner.dismiss]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def add_view_menu(self) -> None:
        """View: hide the practice list or the side panel, or go full screen, for a larger pacer.

        Ground me and the player are never hidden; the menu bar stays in full screen, so the way
        back is always in sight.
        """
        actions = self.actions
        self.view_menu = actions.menu(VIEW_MENU)
        self.library_action = actions.add(
            "view.library", "Practice &list",
            f"Show or hide the list of practices ({key_text('Ctrl+1')}). Hidden, the pacer gets its "
            "room.", lambda: self._show_part(self.left_part, self.library_action.isChecked()),
            menu=VIEW_MENU, keys="Ctrl+1", checkable=True)
        self.panel_action = actions.add(
            "view.panel", "All &settings",
            f"Show or hide the pacing and sound settings ({key_text('Ctrl+2')}). Hidden, the pacer "
            "gets its room.", lambda: self._show_part(self.side_panel, self.panel_action.isChecked()),
            menu=VIEW_MENU, keys="Ctrl+2", checkable=True)
        actions.separator(VIEW_MENU)
        self.full_screen_action = actions.add(
            "view.full_screen", "&Full screen",
            f"Fill the screen with CFT Desktop ({key_text(QKeySequence.StandardKey.FullScreen)}); "
            "the same again to go back.",
            lambda: self._set_full_screen(self.full_screen_action.isChecked()),
            menu=VIEW_MENU, keys=QKeySequence.StandardKey.FullScreen, checkable=True)
        library_shown, panel_shown = self.settings.shown_parts()
        for action, shown in ((self.library_action, library_shown),
                              (self.panel_action, panel_shown)):
            action.blockSignals(True)
            action.setChecked(shown)
            action.blockSignals(False)
        self.left_part.setVisible(library_shown)
        self.side_panel.setVisible(panel_shown)

    def _show_part(self, part: QWidget, shown: bool) -> None:
        if part is self.left_part:
            # Shown by the person while the panel is up: theirs to keep, even if it is tight.
            self._list_kept = shown and self.side_panel.isVisible()
            self._list_made_way = False
        elif part is self.side_panel and not shown:
            self._list_kept = False
            if self._list_made_way:
                self._list_made_way = False
                self.library_action.setChecked(True)  # it made way for the panel: back it comes
        focus = QApplication.focusWidget()
        had_focus = focus is not None and (focus is part or part.isAncestorOf(focus))
        part.setVisible(shown)
        if had_focus and not shown:
            # Focus must not stay on a hidden widget, or the keyboard seems to stop working.
            self._fallback_focus().setFocus()

    @Slot(bool)
    def _set_full_screen(self, full: bool) -> None:
        if full:
            self.showFullScreen()
        else:
            self.showNormal()

    def refit_side_panel(self, list_px: int | None = None) -> None:
        """After a text size or style change: give width the side panel no longer needs back to
        the player, once the new sizes are known, and give the practice list `list_px` (None:
        LIST_WIDTH_PX; less with large text, so the player keeps the width its text needs)."""
        self.side_panel.updateGeometry()
        QTimer.singleShot(0, self, lambda: self._fit_side_panel(list_px or LIST_WIDTH_PX))

    def _fit_side_panel(self, list_px: int = LIST_WIDTH_PX) -> None:
        needed = self.side_panel.minimumSizeHint().width()
        library, player, side = self.splitter.sizes()
        wanted_library = max(self.left_part.minimumSizeHint().width(), list_px)
        if (side != needed or library != wanted_library) and player > 0:
            self.splitter.setSizes([wanted_library,
                                    max(0, player + side - needed + library - wanted_library),
                                    needed])
        self._keep_on_screen()

    def _keep_on_screen(self) -> None:
        """A part shown or a larger text can make the window grow past the screen's edge; bring
        it back inside as far as its content allows (never while it fills the screen)."""
        if self.isFullScreen() or self.isMaximized() or not self.isVisible():
            return
        wanted = fitting_size(self.size(), self)
        if wanted != self.size():
            self.resize(wanted)
            keep_inside_screen(self)
        room = available_area(self).size() - FRAME_MARGIN_PX
        if (self.height() > room.height() and hasattr(self, "library_action")
                and self.left_part.isVisible() and self.side_panel.isVisible()
                and not self._list_kept):
            # Still too tall: with the side panel beside it the player is so narrow that its
            # wrapped text needs more height than the screen has (1024×600 with large text).
            # The practice list makes way, ticked off in the View menu, and comes back when the
            # panel is hidden; showing it again (Ctrl+1) keeps it.
            self.library_action.setChecked(False)
            self._list_made_way = True

    # -- Qt events ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.built:
            self._announce_shown()

    def _announce_shown(self) -> None:
        if not self._first_show_done:
            self._first_show_done = True
            self.shown.emit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest and self.built:
            # The layout has settled on a new minimum (a part shown or hidden, another text
            # size): a window it pushed past the screen's edge comes back once it can.
            QTimer.singleShot(0, self, self._keep_on_screen)
        return handled

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange and hasattr(self, "full_screen_action"):
            # The desktop can leave full screen by itself (a window manager key): keep the tick true.
            self.full_screen_action.blockSignals(True)
            self.full_screen_action.setChecked(self.isFullScreen())
            self.full_screen_action.blockSignals(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set_geometry(self.saveGeometry())
        if not self.built:  # closed before it was filled: nothing else has changed
            self._closed = True
            self.settings.sync()
            super().closeEvent(event)
            return
        if hasattr(self, "library_action"):
            self.settings.set_shown_parts(self.library_action.isChecked() or self._list_made_way,
                                          self.panel_action.isChecked())
        self.closing.emit()
        self.settings.sync()
        super().closeEvent(event)
