"""View menu: the practice list and the side panel can be hidden from the keyboard, giving the pacer
their room (USERS.md: "no larger pacer"), and the window can fill the screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import MakeWindow


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def test_hiding_both_side_parts_gives_the_pacer_their_room(qtbot: object,
                                                            make_window: MakeWindow) -> None:
    window = make_window()
    window.resize(1220, 780)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    window.library_view.list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.library_view.list)  # type: ignore[attr-defined]
    _settle()
    pacer = window.player_view.pacer
    width_before = pacer.width()

    QTest.keyClick(window.library_view.list, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    _settle()
    assert not window.library_view.isVisible()
    assert not window.library_action.isChecked()
    # The focus was in the list: it moves to the player, so the keyboard keeps working.
    assert QApplication.focusWidget() is window.player_view.play

    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    _settle()
    assert not window.side_panel.isVisible()
    assert window.player_view.ground.isVisible()  # the way out is never hidden
    assert pacer.width() > width_before + 500

    # And back, from the keyboard too.
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    _settle()
    assert window.library_view.isVisible() and window.side_panel.isVisible()
    assert abs(pacer.width() - width_before) <= 2


def test_full_screen_follows_its_menu_tick(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    window.full_screen_action.trigger()
    qtbot.waitUntil(window.isFullScreen)  # type: ignore[attr-defined]
    assert window.menuBar().isVisible()  # the View menu, the way back, stays in sight
    window.full_screen_action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen())  # type: ignore[attr-defined]
    # Left by the desktop rather than the menu: the tick follows.
    window.showFullScreen()
    qtbot.waitUntil(window.full_screen_action.isChecked)  # type: ignore[attr-defined]
    window.showNormal()
    qtbot.waitUntil(lambda: not window.full_screen_action.isChecked())  # type: ignore[attr-defined]


def test_the_view_menu_is_named_for_keyboard_and_screen_reader(make_window: MakeWindow) -> None:
    window = make_window()
    titles = [action.text() for action in window.menuBar().actions()]
    assert "&View" in titles
    assert [a.text() for a in window.view_menu.actions() if not a.isSeparator()] == [
        "Practice &list", "All &settings", "&Full screen", "&Dark theme", "&Large text",
        "&Reduce motion"]
    assert all(a.toolTip() for a in window.view_menu.actions() if not a.isSeparator())


def test_hidden_parts_stay_hidden_next_time(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    window.library_action.trigger()
    assert not window.library_view.isVisible()
    window.close()
    again = make_window()
    assert not again.library_view.isVisible() and not again.library_action.isChecked()
    assert again.side_panel.isVisible() and again.panel_action.isChecked()
    again.activateWindow()
    qtbot.waitUntil(again.isActiveWindow)  # type: ignore[attr-defined]
    assert QApplication.focusWidget() is again.player_view.play
