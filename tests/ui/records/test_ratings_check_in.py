"""The safety check reaches everyone (issue 16 §1): after an imagery practice that is not rated,
a check-in asks about upset and distress, stores nothing, and "a lot" opens the safety flow.

One test a path: ratings declined, "Skip rating this time", the store locked, no usable store.
The sound's start and end are given as `Playback` gives them (see ratings_support).
"""

from __future__ import annotations

from pathlib import Path

from cft_desktop.core.ratings import CONSENT_TOPIC_IDS, Phase
from cft_desktop.core.ratings.safety import CHECK_IN_INTRO, CHECK_IN_TITLE
from cft_desktop.store import db
from cft_desktop.store.records import Records
from cft_desktop.ui.records.flow import Step
from cft_desktop.ui.records.views.check_in import CheckInDialog
from cft_desktop.ui.records.views.passphrase import UnlockDialog
from cft_desktop.ui.records.views.ratings_dialog import RatingDialog
from cft_desktop.ui.records.views.safety import SafetyDialog
from cft_desktop.ui.window.main_window import MainWindow
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import (
    answer_consent,
    calm_messages,
    controller_of,
    fill_form,
    press_play,
    read_store,
    sound_starts_at_once,
    wait_for_dialog,
)

IMAGERY = "compassionate-colour"
BREATHING = "soothing-rhythm-breathing"
PASSPHRASE = "green tea at dawn"


def _ratings_files() -> dict[str, bytes]:
    folder = db.default_path().parent
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix().startswith(db.FILE_NAME)
            and not p.name.endswith(".lock")}


def _play_to_the_end(qtbot: object, window: MainWindow, practice: str = IMAGERY) -> None:
    started = sound_starts_at_once(window)
    press_play(qtbot, window, practice)
    qtbot.waitUntil(lambda: practice in started)  # type: ignore[attr-defined]
    window.practice.practice_finished.emit(practice, 1.0)


def _answer_check_in(qtbot: object, window: MainWindow, upset: str) -> CheckInDialog:
    controller = controller_of(window)
    dialog = wait_for_dialog(qtbot, controller, CheckInDialog)
    assert isinstance(dialog, CheckInDialog)
    assert dialog.title.text() == CHECK_IN_TITLE
    assert "not saved" in dialog.intro.text() and dialog.intro.text().endswith(CHECK_IN_INTRO)
    assert [row.item.item_id for row in dialog.rows] == ["upset", "distress"]
    fill_form(dialog, {"upset": upset, "distress": None})  # distress only if wanted: skipped
    assert dialog.continue_.isEnabled() and dialog.continue_.text() == "Done"
    dialog.continue_.click()
    return dialog


def _safety_opened(qtbot: object, window: MainWindow) -> SafetyDialog:
    flow = controller_of(window).flow
    qtbot.waitUntil(lambda: flow.safety_dialog is not None  # type: ignore[attr-defined]
                    and flow.safety_dialog.isVisible())
    assert flow.safety_dialog is not None and flow.step is Step.IDLE
    return flow.safety_dialog


def test_declined_ratings_still_get_the_check_in_and_a_lot_opens_the_safety_flow(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    controller = controller_of(window)
    started = sound_starts_at_once(window)
    press_play(qtbot, window, IMAGERY)
    answer_consent(qtbot, controller, topics=())  # nothing ticked: ratings declined
    qtbot.waitUntil(lambda: started == [IMAGERY])  # type: ignore[attr-defined]
    before = _ratings_files()
    window.practice.practice_finished.emit(IMAGERY, 0.8)
    dialog = _answer_check_in(qtbot, window, "a lot")
    assert "stopped part-way" in dialog.intro.text()
    _safety_opened(qtbot, window)
    assert _ratings_files() == before  # the answer went nowhere
    with read_store() as store:
        assert store.sessions() == []


def test_skip_rating_this_time_records_skips_and_the_check_in_stores_nothing(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    controller = controller_of(window)
    started = sound_starts_at_once(window)
    press_play(qtbot, window, IMAGERY)
    answer_consent(qtbot, controller, CONSENT_TOPIC_IDS)
    before_form = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(before_form, RatingDialog) and before_form.phase is Phase.BEFORE
    before_form.skip_all.click()
    qtbot.waitUntil(lambda: started == [IMAGERY])  # type: ignore[attr-defined]
    window.practice.practice_finished.emit(IMAGERY, 1.0)
    _answer_check_in(qtbot, window, "a lot")
    _safety_opened(qtbot, window)
    with read_store() as store:
        (session,) = store.sessions()
        assert session.script_id == IMAGERY
        assert all(answer.skipped for answer in session.answers(Phase.AFTER))
        assert session.value(Phase.AFTER, "upset") is None


def test_a_locked_store_still_gets_the_check_in_and_a_lot_opens_the_safety_flow(
    qtbot: object, make_window: MakeWindow
) -> None:
    with Records.open() as store:
        store.change_passphrase(None, PASSPHRASE)
    before = _ratings_files()
    window = make_window()
    controller = controller_of(window)
    wait_for_dialog(qtbot, controller, UnlockDialog).reject()  # "Not now": stays locked
    assert controller.records is None
    _play_to_the_end(qtbot, window)
    _answer_check_in(qtbot, window, "a lot")
    _safety_opened(qtbot, window)
    assert _ratings_files() == before


def test_no_usable_store_still_gets_the_check_in_and_a_lot_opens_the_safety_flow(
    qtbot: object, make_window: MakeWindow
) -> None:
    db.default_path().write_bytes(b"\x00 not a ratings file \xff")
    window = make_window()
    controller = controller_of(window)
    assert controller.records is None
    qtbot.waitUntil(lambda: bool(calm_messages()))  # type: ignore[attr-defined]
    for box in calm_messages():
        box.accept()
    _play_to_the_end(qtbot, window)
    _answer_check_in(qtbot, window, "a lot")
    safety = _safety_opened(qtbot, window)
    assert safety.isVisible()


def test_a_little_or_not_now_opens_nothing_and_a_breathing_practice_asks_nothing(
    qtbot: object, make_window: MakeWindow
) -> None:
    with Records.open() as store:
        store.change_passphrase(None, PASSPHRASE)
    window = make_window()
    controller = controller_of(window)
    wait_for_dialog(qtbot, controller, UnlockDialog).reject()
    _play_to_the_end(qtbot, window)
    _answer_check_in(qtbot, window, "a little")
    qtbot.waitUntil(lambda: controller.dialog is None)  # type: ignore[attr-defined]
    assert controller.flow.safety_dialog is None and controller.flow.step is Step.IDLE

    _play_to_the_end(qtbot, window)
    not_now = wait_for_dialog(qtbot, controller, CheckInDialog)
    assert isinstance(not_now, CheckInDialog)
    not_now.skip_all.click()
    qtbot.waitUntil(lambda: controller.dialog is None)  # type: ignore[attr-defined]
    assert controller.flow.safety_dialog is None and controller.flow.step is Step.IDLE

    _play_to_the_end(qtbot, window, BREATHING)
    qtbot.wait(100)  # type: ignore[attr-defined]
    assert controller.dialog is None and controller.flow.step is Step.IDLE


def test_ground_me_during_an_unrated_practice_holds_the_check_in_until_it_ends(
    qtbot: object, make_window: MakeWindow, tmp_path: Path
) -> None:
    with Records.open() as store:
        store.change_passphrase(None, PASSPHRASE)
    window = make_window()
    controller = controller_of(window)
    wait_for_dialog(qtbot, controller, UnlockDialog).reject()
    started = sound_starts_at_once(window)
    press_play(qtbot, window, IMAGERY)
    qtbot.waitUntil(lambda: started == [IMAGERY])  # type: ignore[attr-defined]
    window.practice.grounding_started.emit(IMAGERY, 0.4)
    window.practice.practice_started.emit("ground-me")
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert controller.dialog is None  # nothing over the grounding
    assert controller.flow.step is Step.GROUNDING
    window.practice.practice_finished.emit("ground-me", 1.0)
    dialog = _answer_check_in(qtbot, window, "a lot")
    assert "stopped part-way" in dialog.intro.text()
    _safety_opened(qtbot, window)
