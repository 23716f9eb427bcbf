"""With no sound device at all, the window opens, says so calmly, and everything else works."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.conftest import MakeWindow


def test_no_device_banner_and_browsing_keeps_working(
    qtbot: object, no_sound_device: None, make_window: MakeWindow
) -> None:
    window = make_window(check_sound=True, ratings=False)  # no before-rating form in the way
    with qtbot.waitSignal(window.playback.device_checked, timeout=10_000) as blocker:  # type: ignore[attr-defined]
        pass
    assert blocker.args == [False]
    banner = window.banner
    assert banner.isVisible()
    assert "no sound output was found" in banner.text().lower()
    assert "check" in banner.text().lower()
    banner.dismiss.click()
    assert not banner.isVisible()

    # Pressing Space (Play) says it again, plainly, with no technical details and no modal dialog.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    window.library_view.list.setFocus()
    assert window.library_view.select("soothing-rhythm-breathing")
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Space)
    qtbot.waitUntil(banner.isVisible, timeout=10_000)  # type: ignore[attr-defined]
    assert "no sound output was found" in banner.text().lower()
    assert "Details" not in banner.text() and "PortAudio" not in banner.text()
    assert window.playback.state == "idle"
    assert QApplication.activeModalWidget() is None
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()]

    # Browsing and the panels keep working.
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Down)
    chosen = window.library_view.current_entry()
    assert chosen is not None and chosen.id != "soothing-rhythm-breathing"
    assert window.player_view.title.text() == chosen.script.title  # type: ignore[union-attr]
    window.pacing_panel.bpm.setValue(8.0)
    assert window.pacing_panel.pacing().bpm == 8.0
    assert window.player_view.play.isEnabled()


def test_check_again_looks_afresh(qtbot: object, no_sound_device: None,
                                  make_window: MakeWindow) -> None:
    window = make_window()
    window.banner.show_message("No sound output was found.")
    with qtbot.waitSignal(window.playback.device_checked, timeout=10_000):  # type: ignore[attr-defined]
        window.banner.check.click()
    assert window.banner.isVisible()
