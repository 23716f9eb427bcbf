"""Platform conventions: tool tips name the keys that are really bound, spelled the platform's way,
and no menu item moves into the macOS application menu by accident."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from cft_desktop.ui.common.conventions import key_text
from cft_desktop.ui.player import grounding
from cft_desktop.ui.window.main_window import MainWindow
from tests.ui.conftest import MakeWindow


def _menu_actions(window: MainWindow) -> list[QAction]:
    found: list[QAction] = []

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            found.append(action)
            if isinstance(action.menu(), QMenu):
                walk(action.menu())

    for action in window.menuBar().actions():
        if isinstance(action.menu(), QMenu):
            walk(action.menu())
    return found


def test_key_text_is_the_platforms_own_spelling() -> None:
    native = QKeySequence.SequenceFormat.NativeText
    assert key_text("Ctrl+1") == QKeySequence("Ctrl+1").toString(native)
    assert key_text("F5", "Ctrl+Enter") == (f"{QKeySequence('F5').toString(native)} or "
                                            f"{QKeySequence('Ctrl+Enter').toString(native)}")
    if sys.platform == "darwin":
        assert key_text("Ctrl+1") == "⌘1"
    else:
        assert key_text("Ctrl+1") == "Ctrl+1"


def test_every_menu_tip_that_names_a_key_names_the_bound_one(make_window: MakeWindow) -> None:
    window = make_window()
    with_keys = [a for a in _menu_actions(window) if not a.shortcut().isEmpty()]
    named = [a for a in with_keys if "(" in a.toolTip() and ")" in a.toolTip()
             and any(k in a.toolTip() for k in ("Ctrl", "⌘", "F11", "Alt", "⌥"))]
    assert len(named) >= 3  # the View menu's three at least
    for action in named:
        assert f"({key_text(action.shortcut())}" in action.toolTip(), action.text()


def test_no_menu_item_is_left_to_qt_guessing_its_mac_menu_role(make_window: MakeWindow) -> None:
    window = make_window()
    actions = _menu_actions(window)
    assert any("settings" in a.text().lower() for a in actions)  # what Qt would move on a Mac
    for action in actions:
        assert action.menuRole() != QAction.MenuRole.TextHeuristicRole, action.text()


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_ground_me_has_its_key_on_every_platform(
    qtbot: object, platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The & mnemonic gives Alt+G on Windows and Linux; macOS has no mnemonics, so it is bound.
    monkeypatch.setattr(sys, "platform", platform)
    button = grounding.GroundMeButton()
    qtbot.addWidget(button)  # type: ignore[attr-defined]
    assert button.shortcut() == QKeySequence("Alt+G")
    assert f"({key_text('Alt+G')})" in button.toolTip()
