"""The Help menu and the first-run welcome.

Owns the Help menu's Welcome…, A short guide…, Keyboard shortcuts… and About CFT Desktop items
(Crisis resources… is the records feature's, in the same menu), and showing the welcome once: the
first time the window is on screen on a computer account (`Settings.welcome_seen`). Anything that
should wait for the welcome (the first-run consent) asks `after_welcome`. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMainWindow

from cft_desktop.ui.common.actions import Actions
from cft_desktop.ui.common.conventions import key_text
from cft_desktop.ui.common.settings import Settings
from cft_desktop.ui.help.dialogs import AboutDialog, GuideDialog, ShortcutsDialog, WelcomeDialog

HELP_MENU = "&Help"
WELCOME_VERSION = 1  # bump when the welcome says something new that everyone should read


class HelpMenu:
    def __init__(self, window: QMainWindow, actions: Actions, settings: Settings,
                 extra_keys: list[tuple[str, str]]) -> None:
        """`extra_keys`: (keys, what they do) of keys no action holds (Ground me's Alt+G)."""
        self._window = window
        self._actions = actions
        self._settings = settings
        self._extra_keys = extra_keys
        self._waiting: list[Callable[[], None]] = []
        self.dialog: QDialog | None = None

    def add_items(self) -> None:
        """The Help menu's items, after Crisis resources… (the records feature adds it first, so
        it is the top item: the one a person in distress should not have to look for)."""
        actions = self._actions
        if actions.menu(HELP_MENU).actions():
            actions.separator(HELP_MENU)
        actions.add("help.welcome", "&Welcome…", "What a practice is like, how to change the "
                    "pace, and where Ground me is.", self.show_welcome, menu=HELP_MENU)
        actions.add("help.guide", "A short &guide…", "How to choose, play and pace a practice, "
                    "ratings, take-home audio and therapist mode.", self.show_guide,
                    menu=HELP_MENU, keys="F1")
        actions.add("help.shortcuts", "&Keyboard shortcuts…", "Every key that does something in "
                    "this window.", self.show_shortcuts, menu=HELP_MENU)
        actions.separator(HELP_MENU)
        about = actions.add("help.about", "&About CFT Desktop", "The version, and the licences "
                            "of CFT Desktop and the parts it is built from.", self.show_about,
                            menu=HELP_MENU)
        about.setMenuRole(QAction.MenuRole.AboutRole)

    # -- the welcome, once ----------------------------------------------------------------------

    def welcome_pending(self) -> bool:
        return self._settings.welcome_seen() < WELCOME_VERSION or self._is_open(WelcomeDialog)

    def after_welcome(self, call: Callable[[], None]) -> None:
        """Run `call` once the first-run welcome is over: now if it was seen before."""
        if self.welcome_pending():
            self._waiting.append(call)
        else:
            call()

    def welcome_if_new(self) -> None:
        """The welcome, if this computer account has not seen it (the window is on screen)."""
        if self._settings.welcome_seen() < WELCOME_VERSION and not self._is_open(WelcomeDialog):
            self.show_welcome()

    def show_welcome(self) -> None:
        dialog = self._open(WelcomeDialog(self._window))
        dialog.finished.connect(lambda _result: self._welcome_closed())

    def _welcome_closed(self) -> None:
        self._settings.set_welcome_seen(WELCOME_VERSION)
        waiting, self._waiting = self._waiting, []
        for call in waiting:
            call()

    # -- the other items ------------------------------------------------------------------------

    def show_guide(self) -> None:
        self._open(GuideDialog(self._window))

    def show_shortcuts(self) -> None:
        self._open(ShortcutsDialog(self.shortcuts(), self._window))

    def show_about(self) -> None:
        self._open(AboutDialog(self._window))

    def shortcuts(self) -> list[tuple[str, str]]:
        """(keys, what they do) of every action with a shortcut, and the extra keys."""
        rows = list(self._extra_keys)
        for name in self._actions.names():
            action = self._actions[name]
            keys = [key_text(k) for k in action.shortcuts() if not k.isEmpty()]
            if keys:
                rows.append((" or ".join(keys), action.text().replace("&", "").rstrip("…")))
        return rows

    def _is_open(self, kind: type[QDialog]) -> bool:
        return isinstance(self.dialog, kind) and self.dialog.isVisible()

    def _open(self, dialog: QDialog) -> QDialog:
        """One help dialog at a time: a new one replaces the one open."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
