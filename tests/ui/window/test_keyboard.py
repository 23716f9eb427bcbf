"""The whole flow works from the keyboard: tab order, and shortcuts that respect focused controls.

Space actually starting and Esc actually stopping real sound is in test_playing.py (it needs the
real-time sound device); here the shortcuts are checked for where they go.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from cft_desktop.ui.window.main_window import MainWindow
from tests.ui.conftest import MakeWindow


def _activate(qtbot: object, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    window.library_view.list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.library_view.list)  # type: ignore[attr-defined]


def _focus_name() -> str:
    widget = QApplication.focusWidget()
    return widget.accessibleName() if isinstance(widget, QWidget) else ""


def test_tab_order_goes_library_then_play_then_the_pacing_controls(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    _activate(qtbot, window)
    order = [_focus_name()]
    for _ in range(25):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(_focus_name())
    assert order[:3] == ["Library", "Play", "Ground me"]
    for earlier, later in [("Play", "Breaths per minute"),
                           ("Breaths per minute", "Inhale to exhale ratio"),
                           ("Inhale to exhale ratio", "Pause length"),
                           ("Pause length", "Speech rate"),
                           ("Speech rate", "Voice volume"),
                           ("Voice volume", "Background sound")]:
        assert order.index(earlier) < order.index(later), order
    # Disabled buttons are skipped until they mean something.
    assert "Pause" not in order[:4] and "Stop" not in order[:4]


def test_shortcuts_work_from_the_library_list(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    _activate(qtbot, window)
    calls: list[str] = []
    window.practice.toggle_play = lambda: calls.append("space")  # type: ignore[method-assign]
    window.playback.step_phrase = lambda forward: calls.append("next" if forward else "back")  # type: ignore[method-assign]
    window.playback.stop = lambda emit_finished=True: calls.append("stop")  # type: ignore[method-assign]
    before = window.library_view.current_entry()
    focus = window.library_view.list
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Escape):
        QTest.keyClick(focus, key)
    assert calls == ["space", "next", "back", "stop"]
    assert window.library_view.current_entry() is before


def test_space_on_a_focused_control_is_that_controls_own(qtbot: object,
                                                         make_window: MakeWindow) -> None:
    window = make_window()
    _activate(qtbot, window)
    calls: list[str] = []
    window.practice.toggle_play = lambda: calls.append("space")  # type: ignore[method-assign]
    large = window.pacing_panel.show_caption
    large.setFocus()
    qtbot.waitUntil(large.hasFocus)  # type: ignore[attr-defined]
    QTest.keyClick(large, Qt.Key.Key_Space)
    assert not large.isChecked() and calls == []
    QTest.keyClick(large, Qt.Key.Key_Space)
    assert large.isChecked() and calls == []


def test_space_in_a_number_field_still_plays_and_pauses(qtbot: object,
                                                        make_window: MakeWindow) -> None:
    window = make_window()
    _activate(qtbot, window)
    calls: list[str] = []
    window.practice.toggle_play = lambda: calls.append("space")  # type: ignore[method-assign]
    bpm = window.pacing_panel.bpm
    bpm.setFocus()
    qtbot.waitUntil(bpm.hasFocus)  # type: ignore[attr-defined]
    QTest.keyClick(bpm, Qt.Key.Key_Space)
    assert calls == ["space"]
    assert bpm.value() == 6.0
    # The arrow keys stay with the field (they move the text cursor / step the value there).
    QTest.keyClick(bpm, Qt.Key.Key_Up)
    assert bpm.value() == 6.5


def test_enter_in_the_library_plays_the_practice(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    _activate(qtbot, window)
    calls: list[str] = []
    window.practice.play = lambda: calls.append("play")  # type: ignore[method-assign]
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Down)
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Return)
    assert calls == ["play"]


def test_alt_g_grounds_from_wherever_the_focus_is(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    _activate(qtbot, window)
    for focus in (window.library_view.list, window.pacing_panel.bpm):
        focus.setFocus()
        qtbot.waitUntil(lambda focus=focus: QApplication.focusWidget() is focus)  # type: ignore[attr-defined]
        with qtbot.waitSignal(window.player_view.ground_requested, timeout=2000):  # type: ignore[attr-defined]
            QTest.keyClick(focus, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert window.player_view.ground.text().replace("&", "") == "Ground me"
    assert window.player_view.ground.accessibleName() == "Ground me"


def test_space_in_a_drop_down_plays_and_its_arrows_change_nothing(qtbot: object,
                                                                   make_window: MakeWindow) -> None:
    """Issue 17 §4: with focus in the Pattern box, Space opened it and an arrow changed the
    pattern. Now Space plays or pauses there and a closed drop-down keeps its choice."""
    window = make_window()
    _activate(qtbot, window)
    calls: list[str] = []
    window.practice.toggle_play = lambda: calls.append("space")  # type: ignore[method-assign]
    panel = window.pacing_panel
    for combo in (panel.pattern, panel.ratio, panel.background, panel.voice):
        combo.setFocus()
        qtbot.waitUntil(combo.hasFocus)  # type: ignore[attr-defined]
        before = combo.currentIndex()
        pacing = panel.pacing()
        for key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_End):
            QTest.keyClick(combo, key)
        assert combo.currentIndex() == before and panel.pacing() == pacing, combo.accessibleName()
        QTest.keyClick(combo, Qt.Key.Key_Space)
        assert not combo.view().isVisible()
    assert calls == ["space"] * 4
    # It still opens on purpose, from the keyboard.
    panel.ratio.setFocus()
    QTest.keyClick(panel.ratio, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(panel.ratio.view().isVisible)  # type: ignore[attr-defined]
    panel.ratio.hidePopup()
