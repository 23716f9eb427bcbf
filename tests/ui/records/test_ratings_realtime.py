"""The whole rating flow around a practice that really plays (real-time sink, real engine):
Space → consent → before form by keyboard → the practice sounds → Esc → after form → saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cft_desktop.core.ratings import Phase
from cft_desktop.ui.records.views.ratings_dialog import RatingDialog
from tests.ui.conftest import BREATH_SCRIPT, MakeWindow, UserDirs, write_script
from tests.ui.records.ratings_support import (
    answer_consent,
    controller_of,
    fill_form,
    read_store,
    wait_for_dialog,
)

pytestmark = pytest.mark.realtime

START_TIMEOUT_MS = 20_000


def test_rated_practice_plays_for_real_and_stopping_early_is_recorded(
    qtbot: object, sound_output: Path, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    window = make_window()
    controller = controller_of(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    assert window.library_view.select("test-breath")
    window.library_view.list.setFocus()
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Space)
    answer_consent(qtbot, controller)
    before = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(before, RatingDialog)
    assert window.playback.state == "idle"  # nothing sounds before the form is done
    before.activateWindow()
    qtbot.waitUntil(before.isActiveWindow)  # type: ignore[attr-defined]
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Tab, Qt.Key.Key_Tab, Qt.Key.Key_Home, Qt.Key.Key_Tab,
                Qt.Key.Key_Tab, Qt.Key.Key_End, Qt.Key.Key_Tab, Qt.Key.Key_Tab, Qt.Key.Key_Left):
        QTest.keyClick(QApplication.focusWidget(), key)
    assert before.continue_.isEnabled()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: window.playback.state == "playing", timeout=START_TIMEOUT_MS)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.playback.position_frame() > 24_000, timeout=START_TIMEOUT_MS)  # type: ignore[attr-defined]
    with read_store() as store:
        (session,) = store.sessions()
        # Right and Left place a slider at the end they point to; Home and End as named.
        assert [a.value for a in session.before or ()] == [100, 0, 100, 0]
        assert session.voice == "test-tone:tone-330" and session.script_id == "test-breath"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    QTest.keyClick(window.library_view.list, Qt.Key.Key_Escape)
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(after, RatingDialog) and after.phase is Phase.AFTER
    after.skip_all.click()
    with read_store() as store:
        (session,) = store.sessions()
        assert session.fraction_completed is not None and 0 < session.fraction_completed < 1
        assert session.after is not None and all(a.skipped for a in session.after)


def test_ground_me_for_real_then_the_after_form_for_the_interrupted_practice(
    qtbot: object, sound_output: Path, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    window = make_window()
    controller = controller_of(window)
    assert window.library_view.select("test-breath")
    window.practice.play()
    answer_consent(qtbot, controller)
    before = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(before, RatingDialog)
    fill_form(before, {"distress": 35})
    before.continue_.click()
    qtbot.waitUntil(lambda: window.playback.state == "playing", timeout=START_TIMEOUT_MS)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.playback.position_frame() > 12_000, timeout=START_TIMEOUT_MS)  # type: ignore[attr-defined]
    window.player_view.ground.click()
    qtbot.waitUntil(lambda: window.playback.practice_id == "ground-me"  # type: ignore[attr-defined]
                    and window.playback.state == "playing", timeout=START_TIMEOUT_MS)
    qtbot.wait(300)  # type: ignore[attr-defined]
    assert controller.dialog is None  # nothing over the grounding
    window.practice.stop()
    qtbot.waitUntil(lambda: window.playback.state == "idle")  # type: ignore[attr-defined]
    # The grounding is over: now the after form of the practice it interrupted.
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(after, RatingDialog) and after.phase is Phase.AFTER
    assert "stopped part-way" in after.intro.text()
    fill_form(after, {"distress": 30})
    after.continue_.click()
    with read_store() as store:
        (session,) = store.sessions()
        assert session.script_id == "test-breath"
        assert session.value(Phase.AFTER, "distress") == 30
        assert session.fraction_completed is not None and 0 < session.fraction_completed < 1
