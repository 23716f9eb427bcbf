"""Every control of the ratings, records and safety dialogs has a name and a tooltip, and the
window with its Ratings furniture still passes the main accessibility walk."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from cft_desktop.core.ratings import Trigger
from cft_desktop.ui.records.controller import RecordsController
from cft_desktop.ui.records.views.import_report import ImportProblemsDialog
from cft_desktop.ui.records.views.passphrase import UnlockDialog
from cft_desktop.ui.records.views.ratings_dialog import RatingDialog
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import (
    PRACTICE,
    controller_of,
    fill_form,
    press_play,
    sound_starts_at_once,
    wait_for_dialog,
)
from tests.ui.window.test_accessibility import _focusable


def _walk(dialog: QWidget, at_least: int = 1) -> list[str]:
    assert dialog.isVisible(), dialog.objectName()
    focusable = _focusable(dialog)
    assert len(focusable) >= at_least, (dialog.objectName(), len(focusable))
    unnamed = [f"{type(w).__name__} {w.objectName()!r}" for w in focusable if not w.accessibleName()]
    assert not unnamed, (dialog.objectName(), unnamed)
    untipped = [w.accessibleName() for w in focusable if not w.toolTip()]
    assert not untipped, (dialog.objectName(), untipped)
    return [w.accessibleName() for w in focusable]


def _close(dialog: QDialog) -> None:
    dialog.done(0)


def test_every_ratings_dialog_is_named_and_tipped(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    walked: list[str] = []

    controller.actions["therapist"].trigger()
    settings = controller.therapist.show_rating_settings()
    assert settings is not None
    for tab in range(settings.tabs.count()):
        settings.tabs.setCurrentIndex(tab)
        _walk(settings, 3)
    for box in settings.optional.values():
        box.setChecked(True)
    settings.save.click()
    walked.append("rating-settings")

    press_play(qtbot, window)
    consent = wait_for_dialog(qtbot, controller, QDialog)
    names = _walk(consent, 5)
    assert "Yes, keep my before-and-after ratings on this computer" in names
    consent.save.click()  # type: ignore[attr-defined]  # nothing ticked: ratings off
    walked.append("consent")
    assert controller.dialog is None

    controller.flow.review_consent()
    review = wait_for_dialog(qtbot, controller, QDialog)
    for box in review.boxes.values():  # type: ignore[attr-defined]
        box.setChecked(True)
    review.save.click()  # type: ignore[attr-defined]

    press_play(qtbot, window)
    before = wait_for_dialog(qtbot, controller, RatingDialog)
    names = _walk(before, 14)
    assert "How upset or on edge do you feel right now?" in names
    assert "Skip: How upset or on edge do you feel right now?" in names
    assert {"Continue", "Skip rating this time"} <= set(names)
    fill_form(before, {})  # type: ignore[arg-type]
    before.continue_.click()  # type: ignore[attr-defined]
    walked.append("before-rating")

    window.practice.practice_finished.emit(PRACTICE, 0.5)
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    names = _walk(after, 20)
    assert "Did anything upsetting come up? A lot" in names
    assert "Is there anything you would like to write down about this practice?" in names
    fill_form(after, {})  # type: ignore[arg-type]
    after.continue_.click()  # type: ignore[attr-defined]
    walked.append("after-rating")

    safety = controller.flow.show_safety([Trigger.UPSET_A_LOT])
    names = _walk(safety, 3)
    assert {"Ground me", "Crisis resources", "Close"} <= set(names)
    safety.close()
    walked.append("safety")

    history = controller.show_history()
    assert history is not None
    names = _walk(history, 4)
    assert {"Sessions table", "Question shown in the chart"} <= set(names)
    assert "Change chart: Distress before and after" in names
    history.close()
    walked.append("history")

    profiles = controller.therapist.show_profiles()
    assert profiles is not None
    _walk(profiles, 7)
    erase = controller.therapist.ask_erase_client(profiles.chosen_id())
    assert erase is not None
    _walk(erase, 2)
    _close(erase)
    _close(profiles)
    walked += ["clients", "erase-client"]

    privacy = controller.locking.show_privacy()
    assert privacy is not None
    _walk(privacy, 4)
    _close(privacy)
    walked.append("passphrase")

    crisis = controller.flow.show_crisis_resources()
    _walk(crisis, 2)
    _close(crisis)
    walked.append("crisis-resources")

    report = ImportProblemsDialog(["x.csv:2: distress_before: '140' is outside 0–100"], window)
    report.show()
    _walk(report, 2)
    report.close()
    unlock = UnlockDialog(window)
    unlock.show()
    _walk(unlock, 3)
    unlock.close_silently()
    walked += ["import-problems", "unlock"]
    assert len(walked) == 12


def test_window_with_ratings_furniture_still_passes_the_walk(make_window: MakeWindow) -> None:
    window = make_window()
    controller = RecordsController.of(window)
    assert controller is not None
    controller.actions["therapist"].trigger()
    controller.off_reason = "Ratings are locked. Practices play as usual."
    controller.records, saved = None, controller.records
    controller.refresh_status()  # the status bar's note and its button are showing
    try:
        assert controller.note_button.isVisible()
        names = _walk(window, 20)
        assert "Unlock the ratings" in names
        assert window.menuBar().accessibleName() == "Menu bar"
        assert all(action.toolTip() for action in controller.actions.values())
    finally:
        controller.records = saved
