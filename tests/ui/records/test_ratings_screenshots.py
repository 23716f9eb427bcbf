"""Pictures of the ratings dialogs, the safety window and the history, to look at as a client
would (saved to $CFT_DESKTOP_SHOTS, else the test's temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from cft_desktop.core.ratings import Trigger
from cft_desktop.ui.records.views.ratings_dialog import RatingDialog
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import (
    PRACTICE,
    answer_consent,
    controller_of,
    fill_form,
    make_sessions,
    press_play,
    sound_starts_at_once,
    wait_for_dialog,
)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CFT_DESKTOP_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save(widget: QWidget, folder: Path, name: str) -> Path:
    for _ in range(3):
        QApplication.processEvents()
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path))
    assert path.stat().st_size > 10_000
    return path


def _history_rows() -> list:  # type: ignore[type-arg]
    pattern = [(62, 48), (55, 50), (70, 74), (58, 40), (45, 47), (66, 30), (50, 72), (48, 38),
               (52, 41), (60, 45), (44, 43), (57, 35)]
    return [({"distress": b, "relaxed": 100 - b, "soothed": 30 + n * 3, "self_criticism": b - 5},
             {"distress": a, "relaxed": 100 - a + 4, "soothed": 36 + n * 3, "self_criticism": a - 8,
              "ease": 60 + n, "upset": "a little" if a > b else "no"})
            for n, (b, a) in enumerate(pattern)]


def test_screenshots_of_the_ratings_dialogs(qtbot: object, make_window: MakeWindow,
                                            shots: Path) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    press_play(qtbot, window)
    consent = answer_consent(qtbot, controller, ())
    # (The consent form was answered with nothing ticked; tick ratings on again for the forms.)
    del consent
    controller.flow.review_consent()
    review = wait_for_dialog(qtbot, controller, QWidget)
    _save(review, shots, "ratings-consent")
    for box in review.boxes.values():  # type: ignore[attr-defined]
        box.setChecked(True)
    review.save.click()  # type: ignore[attr-defined]

    press_play(qtbot, window)
    before = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(before, RatingDialog)
    before.slider("distress").place(62)
    before.slider("relaxed").place(35)
    before.row("self_criticism").skip.setChecked(True)
    assert before.row("soothed").value.text() == "Not placed yet"  # type: ignore[attr-defined]
    before.slider("soothed").setFocus()
    _save(before, shots, "ratings-before")
    fill_form(before, {"distress": 62, "relaxed": 35, "soothed": 40, "self_criticism": None})
    before.continue_.click()

    window.practice.practice_finished.emit(PRACTICE, 0.64)
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(after, RatingDialog)
    fill_form(after, {"distress": 38, "relaxed": 58, "soothed": 61, "ease": 72, "upset": "a little"})
    _save(after, shots, "ratings-after")
    after.reject()

    safety = controller.flow.show_safety([Trigger.UPSET_A_LOT])
    _save(safety, shots, "ratings-safety")
    safety.close()

    store = controller.records
    assert store is not None
    store.add_sessions(make_sessions(store.active_client().client_id, _history_rows(), store))
    history = controller.show_history()
    assert history is not None
    _save(history, shots, "ratings-history")

    window.actions["view.dark"].setChecked(True)
    history.update()
    _save(history, shots, "ratings-history-dark")
    safety = controller.flow.show_safety([Trigger.DISTRESS_HIGH])
    _save(safety, shots, "ratings-safety-dark")
    safety.close()
    history.close()
    window.actions["view.dark"].setChecked(False)

    # Large text: the after form (the longest) still reads without clipping.
    window.actions["view.large_text"].setChecked(True)
    press_play(qtbot, window)
    large = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(large, RatingDialog)
    fill_form(large, {})
    large.continue_.click()
    window.practice.practice_finished.emit(PRACTICE, 1.0)
    large_after = wait_for_dialog(qtbot, controller, RatingDialog)
    _save(large_after, shots, "ratings-after-large")
    large_after.reject()
    window.actions["view.large_text"].setChecked(False)
