"""The main window's actions, declared once: every menu item and window shortcut of every feature.

Owns making each `QAction` the same way (text, shortcut, tooltip and status tip, checkable or
not, window-wide shortcut context), putting it in its menu (menus are made on first use, in the
order features ask for them, so the menu bar reads Scripts, View, Ratings, Help) and finding it
again by name. A feature declares its actions here instead of building its own; tests and other
features look one up with `actions["view.full_screen"]`. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


class Actions:
    """Every action of one main window, by name, and the menus they sit in."""

    def __init__(self, window: QMainWindow) -> None:
        self._window = window
        self._actions: dict[str, QAction] = {}
        self._menus: dict[str, QMenu] = {}

    def menu(self, title: str) -> QMenu:
        """The window's menu called `title` ("&Help"), made at the end of the bar if it is new.

        Matched without the mnemonic's "&" and case, so two features naming "Help" share one.
        """
        key = title.replace("&", "").lower()
        found = self._menus.get(key)
        if found is None:
            bar = self._window.menuBar()
            bar.setAccessibleName("Menu bar")
            found = QMenu(title, bar)
            found.setToolTipsVisible(True)
            bar.addMenu(found)
            self._menus[key] = found
        return found

    def add(
        self,
        name: str,
        text: str,
        tip: str,
        slot: Callable[[], object],
        *,
        menu: str | None = None,
        keys: QKeySequence | QKeySequence.StandardKey | QtCore.Qt.Key | str | None = None,
        checkable: bool = False,
    ) -> QAction:
        """Declare the action `name` (unique in this window) and put it at the end of `menu`.

        `slot` is called with no argument: on every trigger, or for a checkable action on every
        change of its tick (read the new state from the action). Without a menu the action still
        answers its shortcut anywhere in the window.
        """
        if name in self._actions:
            raise ValueError(f"the action {name!r} is declared twice")
        action = QAction(text, self._window)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        if checkable:
            action.toggled.connect(lambda _on: slot())
        else:
            action.triggered.connect(lambda _checked=False: slot())
        if menu is not None:
            self.menu(menu).addAction(action)
        else:
            self._window.addAction(action)
        self._actions[name] = action
        return action

    def separator(self, menu: str) -> None:
        self.menu(menu).addSeparator()

    def __getitem__(self, name: str) -> QAction:
        return self._actions[name]

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def names(self) -> list[str]:
        return list(self._actions)
