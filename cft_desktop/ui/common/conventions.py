"""What differs between Windows, macOS and Linux in how a window talks to a person: how shortcuts
are written, and which menu items a Mac moves into its application menu.

Qt binds "Ctrl" to the Command key on macOS by itself, so a shortcut written "Ctrl+1" is ⌘1 there;
only the words shown to a person need the platform's own spelling, or a Mac user is told to press a
Ctrl+1 that does something else. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

Key = str | QKeySequence | QKeySequence.StandardKey


def key_text(*keys: Key) -> str:
    """`keys` as this platform spells them ("Ctrl+Shift+A" here, "⇧⌘A" on macOS), joined by "or"."""
    native = QKeySequence.SequenceFormat.NativeText
    return " or ".join(QKeySequence(key).toString(native) for key in keys)


def settle_menu_roles(bar: QMenuBar) -> None:
    """Only items given a role on purpose may move into the macOS application menu.

    Qt guesses roles from the words by default: "Rating settings…" would leave the Ratings menu
    to become the Mac's Preferences item, and any "About…" would become About CFT Desktop. Items
    meant for those places set their role themselves (About, Preferences, Quit); every other item
    keeps its place in its own menu. Elsewhere roles change nothing.
    """

    def settle(menu: QMenu) -> None:
        for action in menu.actions():
            if action.menuRole() == QAction.MenuRole.TextHeuristicRole:
                action.setMenuRole(QAction.MenuRole.NoRole)
            sub = action.menu()
            if isinstance(sub, QMenu):
                settle(sub)

    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            settle(menu)
