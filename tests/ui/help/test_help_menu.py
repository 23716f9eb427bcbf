"""The Help menu and the first-run welcome (issue 17 §1): the welcome comes once, before the
consent; Help holds Crisis resources, the welcome again, a short guide, the keyboard shortcuts
and About (the version and every part's licence); each fits inside the screen."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog, QGroupBox, QLabel, QWidget

from cft_desktop import __version__
from cft_desktop.ui.common.settings import Settings
from cft_desktop.ui.help.dialogs import RUNTIME_PACKAGES, WelcomeDialog
from cft_desktop.ui.help.menu import WELCOME_VERSION
from cft_desktop.ui.records.views.consent import ConsentDialog
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import controller_of, wait_for_dialog


def _words(dialog: QWidget) -> str:
    return " ".join([*(label.text() for label in dialog.findChildren(QLabel)),
                     *(box.title() for box in dialog.findChildren(QGroupBox))])


def _inside_screen(dialog: QWidget) -> bool:
    area = dialog.screen().availableGeometry()
    return area.contains(dialog.frameGeometry())


def test_the_welcome_comes_once_and_before_the_consent(qtbot: object,
                                                       make_window: MakeWindow) -> None:
    window = make_window(first_run=True, full_panel=False)
    help_menu = window.parts.help
    qtbot.waitUntil(lambda: isinstance(help_menu.dialog, WelcomeDialog))  # type: ignore[attr-defined]
    welcome = help_menu.dialog
    assert QApplication.activeModalWidget() is welcome
    text = _words(welcome)
    for words in ("What a practice is like", "The pace is yours", "If it gets too much",
                  "Slower and Faster", "Ground me", "Alt+G", "Crisis resources",
                  "Help → Welcome…"):
        assert words in text, words
    assert _inside_screen(welcome)
    controller = controller_of(window)
    qtbot.wait(100)  # type: ignore[attr-defined]
    assert controller.dialog is None  # the consent waits for the welcome
    welcome.button.click()
    assert isinstance(wait_for_dialog(qtbot, controller, ConsentDialog), ConsentDialog)
    assert Settings().welcome_seen() == WELCOME_VERSION
    controller.dialog.close_silently()
    window.close()
    again = make_window(first_run=True, full_panel=False)
    qtbot.wait(100)  # type: ignore[attr-defined]
    assert again.parts.help.dialog is None
    # And it can be read again at any time.
    again.actions["help.welcome"].trigger()
    assert isinstance(again.parts.help.dialog, WelcomeDialog)


def test_help_lists_what_a_client_needs(make_window: MakeWindow) -> None:
    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    items = [a.text() for a in help_menu.actions() if not a.isSeparator()]
    assert items == ["&Crisis resources…", "&Welcome…", "A short &guide…",
                     "&Keyboard shortcuts…", "&About CFT Desktop"]
    assert all(a.toolTip() for a in help_menu.actions() if not a.isSeparator())


def test_the_keyboard_shortcuts_are_read_from_the_window_itself(make_window: MakeWindow) -> None:
    window = make_window()
    window.actions["help.shortcuts"].trigger()
    dialog = window.parts.help.dialog
    table = dialog.table
    rows = {table.item(r, 1).text(): table.item(r, 0).text() for r in range(table.rowCount())}
    assert rows["Play or pause"] == "Space"
    assert rows["Stop"] == "Esc"
    assert rows["Ground me"] == "Alt+G"
    assert rows["All settings"] == "Ctrl+2"
    assert rows["Large text"] == "Ctrl++ or Ctrl+="
    assert rows["Save as audio"] == "Ctrl+Shift+A"
    assert rows["A short guide"] == "F1"
    # Every action that has keys is listed, none twice.
    with_keys = [n for n in window.actions.names() if not window.actions[n].shortcut().isEmpty()]
    assert table.rowCount() == len(with_keys) + 1  # + Ground me, a button's own key
    assert _inside_screen(dialog)


def test_about_names_the_version_and_every_parts_licence(make_window: MakeWindow) -> None:
    window = make_window()
    window.actions["help.about"].trigger()
    dialog = window.parts.help.dialog
    assert f"CFT Desktop {__version__}" in _words(dialog)
    assert "GPL-3.0-or-later" in _words(dialog)
    table = dialog.table
    parts = {table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
             for r in range(table.rowCount())}
    assert list(parts) == list(RUNTIME_PACKAGES)
    for name, (version, licence) in parts.items():
        assert version and licence and licence != "not installed", name
    assert "MIT" in parts["tinydb"][1]
    assert _inside_screen(dialog)


def test_the_guide_opens_with_f1_and_one_help_window_at_a_time(qtbot: object,
                                                               make_window: MakeWindow) -> None:
    window = make_window()
    window.actions["help.guide"].trigger()
    guide = window.parts.help.dialog
    assert isinstance(guide, QDialog) and guide.objectName() == "guide"
    for words in ("Choosing a practice", "Pace and settings", "Ratings", "For therapists",
                  "not a crisis service"):
        assert words in _words(guide), words
    assert _inside_screen(guide)
    window.actions["help.about"].trigger()
    qtbot.waitUntil(lambda: not guide.isVisible())  # type: ignore[attr-defined]
    assert window.parts.help.dialog.objectName() == "about"
