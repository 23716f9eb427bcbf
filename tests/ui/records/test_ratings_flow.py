"""Before and after ratings around a practice, consent, skipping, Ground me, and the safety flow,
through the real window, real dialogs and the real ratings file in the test's data folder."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from cft_desktop.core.ratings import (
    CANNOT_CONTACT_STATEMENT,
    CONSENT_TOPIC_IDS,
    CONSENT_VERSION,
    SAFETY_FLOW_TEXT,
    Phase,
)
from cft_desktop.store.records import Mode
from cft_desktop.ui.records.controller import DECLINED_NOTE
from cft_desktop.ui.records.flow import Step
from cft_desktop.ui.records.views.consent import ConsentDialog
from cft_desktop.ui.records.views.ratings_dialog import NOT_PLACED, RatingDialog, ScaleRow
from cft_desktop.ui.records.views.safety import SafetyDialog
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import (
    PRACTICE,
    answer_consent,
    controller_of,
    data_file,
    fill_form,
    press_play,
    read_store,
    sound_starts_at_once,
    wait_for_dialog,
)

BEFORE_ITEMS = ["distress", "relaxed", "soothed", "self_criticism"]


def _before_dialog(qtbot: object, window: object, consent: bool = True) -> RatingDialog:
    controller = controller_of(window)  # type: ignore[arg-type]
    press_play(qtbot, window)  # type: ignore[arg-type]
    if consent:
        answer_consent(qtbot, controller)
    dialog = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(dialog, RatingDialog) and dialog.phase is Phase.BEFORE
    return dialog


def _rate_a_practice(qtbot: object, window: object, before: dict, after: dict,
                     heard: float = 1.0, consent: bool = True) -> RatingDialog:
    controller = controller_of(window)  # type: ignore[arg-type]
    dialog = _before_dialog(qtbot, window, consent)
    fill_form(dialog, before)
    dialog.continue_.click()
    window.practice.practice_finished.emit(PRACTICE, heard)  # type: ignore[attr-defined]
    after_dialog = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(after_dialog, RatingDialog) and after_dialog.phase is Phase.AFTER
    fill_form(after_dialog, after)
    after_dialog.continue_.click()
    return after_dialog


def test_before_form_by_keyboard_then_the_session_is_in_the_file(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    started = sound_starts_at_once(window)
    dialog = _before_dialog(qtbot, window)
    assert started == []  # nothing plays until the form is done
    assert [row.item.item_id for row in dialog.rows] == BEFORE_ITEMS
    # Wording from the item set, and every slider starts with no position.
    assert dialog.slider("distress").accessibleName() == "How upset or on edge do you feel right now?"
    for row in dialog.rows:
        assert isinstance(row, ScaleRow)
        assert not row.slider.placed() and row.value.text() == NOT_PLACED
    assert not dialog.continue_.isEnabled()

    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # type: ignore[attr-defined]
    assert QApplication.focusWidget() is dialog.slider("distress")
    # Distress: the first arrow places it at the end it points to (never a middle the person
    # did not choose, issue 17 §4); the next arrows move it from there.
    QTest.keyClick(dialog.slider("distress"), Qt.Key.Key_Left)
    assert dialog.slider("distress").placed() and dialog.slider("distress").value() == 0
    assert dialog.row("distress").value.text() == "0"  # type: ignore[attr-defined]
    for _ in range(53):
        QTest.keyClick(dialog.slider("distress"), Qt.Key.Key_Right)
    assert dialog.slider("distress").value() == 53
    assert not dialog.continue_.isEnabled()
    # Tab → its Skip box → Relaxed: End places it at 100, Page Down moves it 10.
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.row("distress").skip
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.slider("relaxed")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_End)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown)
    assert dialog.slider("relaxed").value() == 90
    # Soothed: Home places it at 0.
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Home)
    assert dialog.slider("soothed").placed() and dialog.slider("soothed").value() == 0
    assert "1 left" in dialog.status.text()
    # Self-criticism: skipped with Space on its Skip box.
    for _ in range(3):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.row("self_criticism").skip
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert not dialog.slider("self_criticism").isEnabled()
    assert dialog.continue_.isEnabled()
    # Enter continues; the practice starts.
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert started == [PRACTICE]
    assert not dialog.isVisible()

    # The session is in the client's own file, beside the index (store.split).
    (shard,) = data_file().with_name(data_file().name + ".clients").glob("*.json")
    raw = json.loads(shard.read_text(encoding="utf-8"))
    assert any(name.startswith("sessions/") for name in raw)
    with read_store() as store:
        (session,) = store.sessions()
        assert session.client_id == store.active_client().client_id
        played = next(s for s in window.library.scripts() if s.id == PRACTICE)
        assert session.script_id == PRACTICE and session.script_version == str(played.version)
        assert played.version >= 2  # the stored label is the script's, not a default
        assert session.voice == window.playback.narrator.voice_name
        assert session.pacing["bpm"] == window.pacing_panel.pacing().bpm
        assert session.pacing["ratio"] == window.pacing_panel.pacing().ratio_text
        assert session.started_at.utcoffset() is not None
        assert session.before is not None
        assert [(a.item_id, a.wording_version, a.value) for a in session.before] == [
            ("distress", 1, 53), ("relaxed", 1, 90), ("soothed", 1, 0), ("self_criticism", 1, None)]
        assert session.after is None and session.ended_at is None


def test_after_form_has_ease_and_upset_and_stopping_early_keeps_the_fraction(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    sound_starts_at_once(window)
    dialog = _before_dialog(qtbot, window)
    fill_form(dialog, {"distress": 40})
    dialog.continue_.click()
    window.practice.practice_finished.emit(PRACTICE, 0.42)
    after = wait_for_dialog(qtbot, controller_of(window), RatingDialog)
    assert isinstance(after, RatingDialog) and after.phase is Phase.AFTER
    assert [r.item.item_id for r in after.rows] == [*BEFORE_ITEMS, "ease", "upset"]
    assert after.row("ease").item.wording == "How easy was it to get a sense of the practice?"
    assert "stopped part-way" in after.intro.text()
    assert not after.continue_.isEnabled()
    fill_form(after, {"distress": 30, "ease": 70, "upset": "a little"})
    assert after.continue_.isEnabled()
    after.continue_.click()
    with read_store() as store:
        (session,) = store.sessions()
        assert session.fraction_completed == pytest.approx(0.42)
        assert session.ended_at is not None and session.ended_at >= session.started_at
        assert session.value(Phase.AFTER, "ease") == 70
        assert session.value(Phase.AFTER, "upset") == "a little"
        assert session.value(Phase.AFTER, "distress") == 30
    assert controller_of(window).flow.safety_dialog is None


def test_optional_items_appear_only_when_a_therapist_turns_them_on(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    _rate_a_practice(qtbot, window, {}, {})
    controller.actions["therapist"].trigger()
    settings = controller.therapist.show_rating_settings()
    assert settings is not None
    for box in settings.optional.values():
        box.setChecked(True)
    settings.save.click()

    dialog = _before_dialog(qtbot, window, consent=False)
    assert [r.item.item_id for r in dialog.rows] == [*BEFORE_ITEMS, "energised", "self_kindness"]
    fill_form(dialog, {})
    dialog.continue_.click()
    window.practice.practice_finished.emit(PRACTICE, 1.0)
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(after, RatingDialog)
    assert [r.item.item_id for r in after.rows] == [
        *BEFORE_ITEMS, "energised", "self_kindness", "ease", "upset", "note"]
    fill_form(after, {"energised": 61, "self_kindness": 72, "note": "Warmer than last time."})
    after.continue_.click()
    with read_store() as store:
        latest = store.sessions()[-1]
        assert latest.value(Phase.AFTER, "self_kindness") == 72
        assert latest.value(Phase.AFTER, "note") == "Warmer than last time."
        assert store.mode() is Mode.THERAPIST


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        ({"distress": 30}, {"distress": 30, "upset": "a lot"}, "very upsetting"),
        ({"distress": 65}, {"distress": 75}, "Distress was high"),
        ({"distress": 20}, {"distress": 45}, "Distress rose"),
    ],
    ids=["upset-a-lot", "distress-after-70", "rose-20"],
)
def test_safety_flow_opens_with_crisis_table_and_cannot_contact(
    qtbot: object, make_window: MakeWindow, before: dict, after: dict, reason: str
) -> None:
    window = make_window()
    started = sound_starts_at_once(window)
    controller = controller_of(window)
    _rate_a_practice(qtbot, window, before, after)
    qtbot.waitUntil(lambda: controller.flow.safety_dialog is not None  # type: ignore[attr-defined]
                    and controller.flow.safety_dialog.isVisible())
    dialog = controller.flow.safety_dialog
    assert isinstance(dialog, SafetyDialog)
    text = dialog.text()
    assert reason in text
    assert CANNOT_CONTACT_STATEMENT in text and dialog.cannot_contact.isVisible()
    for paragraph in SAFETY_FLOW_TEXT:
        assert paragraph in text
    rows = dialog.crisis_table.rows()
    assert len(rows) == 4  # US 988, Canada 988, Samaritans, emergency numbers
    assert any("988" in row[2] for row in rows) and any("116 123" in row[2] for row in rows)
    assert all(row[4] == "26 Nov 2026" for row in rows)  # each with its last-verified date
    # Ground me plays the grounding practice; the numbers stay on screen.
    dialog.ground.click()
    assert started[-1] == "ground-me"
    assert dialog.isVisible()


def test_no_trigger_no_safety_dialog(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    _rate_a_practice(qtbot, window, {"distress": 50}, {"distress": 60, "upset": "a little"})
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert controller.flow.safety_dialog is None


def test_ground_me_holds_the_after_form_until_grounding_ends(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    started = sound_starts_at_once(window)
    controller = controller_of(window)
    dialog = _before_dialog(qtbot, window)
    fill_form(dialog, {})
    dialog.continue_.click()
    window.practice.grounding_started.emit(PRACTICE, 0.3)
    window.practice.practice_started.emit("ground-me")
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert controller.dialog is None  # nothing pops up over the grounding
    window.practice.practice_finished.emit("ground-me", 1.0)
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(after, RatingDialog) and after.phase is Phase.AFTER
    assert "stopped part-way" in after.intro.text()
    fill_form(after, {})
    after.continue_.click()
    with read_store() as store:
        (session,) = store.sessions()
        assert session.fraction_completed == pytest.approx(0.3)
        assert session.script_id == PRACTICE
    assert started == [PRACTICE]


def test_the_grounding_practice_itself_is_never_rated(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    started = sound_starts_at_once(window)
    press_play(qtbot, window, "ground-me")
    assert started == ["ground-me"]
    assert controller_of(window).dialog is None


def test_skip_rating_this_time_records_the_practice_with_every_answer_skipped(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    started = sound_starts_at_once(window)
    controller = controller_of(window)
    dialog = _before_dialog(qtbot, window)
    dialog.skip_all.click()
    assert started == [PRACTICE]
    window.practice.practice_finished.emit(PRACTICE, 1.0)
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert controller.dialog is None  # not asked afterwards either
    with read_store() as store:
        (session,) = store.sessions()
        assert session.before is not None and all(a.skipped for a in session.before)
        assert session.after is not None and all(a.skipped for a in session.after)
        assert session.fraction_completed == 1.0


def test_escape_on_the_before_form_plays_nothing(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    started = sound_starts_at_once(window)
    dialog = _before_dialog(qtbot, window)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # type: ignore[attr-defined]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert started == []
    with read_store() as store:
        assert store.sessions() == []


def test_consent_is_asked_once_recorded_and_can_be_reviewed(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    _rate_a_practice(qtbot, window, {}, {})
    with read_store() as store:
        record = store.consent(store.active_client().client_id)
        assert record is not None and record.complete
        assert record.version == CONSENT_VERSION and record.accepted_topics == CONSENT_TOPIC_IDS
    # Second practice: straight to the before form.
    press_play(qtbot, window)
    dialog = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(dialog, RatingDialog)
    dialog.reject()
    # Reviewing shows the current choices.
    controller.actions["consent"].trigger()
    review = wait_for_dialog(qtbot, controller, ConsentDialog)
    assert isinstance(review, ConsentDialog)
    assert all(box.isChecked() for box in review.boxes.values())
    shown = " ".join(label.text() for label in review.findChildren(QLabel))
    assert str(data_file().parent) in shown  # "what is stored and where" names the real folder
    review.boxes["what_is_stored"].setChecked(False)
    review.save.click()
    assert controller.note_label.text() == DECLINED_NOTE and controller.note_label.isVisible()


def test_declining_ratings_consent_plays_without_asking_or_storing(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    started = sound_starts_at_once(window)
    controller = controller_of(window)
    press_play(qtbot, window)
    answer_consent(qtbot, controller, CONSENT_TOPIC_IDS - {"what_is_stored"})
    assert started == [PRACTICE]
    assert controller.dialog is None
    window.practice.practice_finished.emit(PRACTICE, 1.0)
    press_play(qtbot, window)
    assert started == [PRACTICE, PRACTICE]  # not asked again
    assert controller.dialog is None
    assert controller.note_label.isVisible() and controller.note_button.isVisible()
    with read_store() as store:
        assert store.sessions() == []
        record = store.consent(store.active_client().client_id)
        assert record is not None and "what_is_stored" not in record.accepted_topics


def test_after_form_by_keyboard_alone(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    before = _before_dialog(qtbot, window)
    fill_form(before, {})
    before.continue_.click()
    window.practice.practice_finished.emit(PRACTICE, 1.0)
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(after, RatingDialog)
    after.activateWindow()
    qtbot.waitUntil(after.isActiveWindow)  # type: ignore[attr-defined]
    # Five sliders: an arrow key places each, Tab Tab moves to the next.
    for _ in range(5):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert "1 left" in after.status.text()
    # The upset question: arrows move between the answers, Space chooses.
    assert QApplication.focusWidget().accessibleName() == "Did anything upsetting come up? No"
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert after.continue_.isEnabled()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Enter)
    with read_store() as store:
        (session,) = store.sessions()
        assert session.value(Phase.AFTER, "upset") == "a little"
        assert session.value(Phase.AFTER, "ease") == 100  # Up places it at the top


def test_the_flow_moves_consent_before_play_after_safety_check_and_back(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    sound_starts_at_once(window)
    flow = controller_of(window).flow
    steps: list[str] = []
    flow.step_changed.connect(steps.append)
    _rate_a_practice(qtbot, window, {"distress": 50}, {"distress": 60, "upset": "a little"})
    qtbot.waitUntil(lambda: flow.step is Step.IDLE)  # type: ignore[attr-defined]
    assert steps == ["consent", "before", "starting", "playing", "after", "safety check", "idle"]


def test_ground_me_takes_the_flow_through_grounding_and_escape_plays_nothing(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    started = sound_starts_at_once(window)
    flow = controller_of(window).flow
    steps: list[str] = []
    flow.step_changed.connect(steps.append)
    dialog = _before_dialog(qtbot, window)
    fill_form(dialog, {})
    dialog.continue_.click()
    window.practice.grounding_started.emit(PRACTICE, 0.3)
    window.practice.practice_finished.emit("ground-me", 1.0)
    after = wait_for_dialog(qtbot, controller_of(window), RatingDialog)
    assert isinstance(after, RatingDialog)
    fill_form(after, {})
    after.continue_.click()
    qtbot.waitUntil(lambda: flow.step is Step.IDLE)  # type: ignore[attr-defined]
    assert steps[2:] == ["starting", "playing", "grounding", "after", "safety check", "idle"]

    steps.clear()
    again = _before_dialog(qtbot, window, consent=False)
    again.reject()  # Escape
    assert steps == ["before", "idle"] and flow.step is Step.IDLE
    assert started == [PRACTICE]
