"""The first run (issue 16 §2): before any practice, the consent with the practice, breathing,
crisis and privacy information; with no usable store, that information alone. Shown once per
computer account once answered; the consent is still recorded per client, with its version."""

from __future__ import annotations

from cft_desktop.core.ratings import CONSENT_TOPIC_IDS, CONSENT_VERSION
from cft_desktop.store import db
from cft_desktop.store.records import Records
from cft_desktop.ui.common.settings import Settings
from cft_desktop.ui.records.views.consent import ConsentDialog, FirstRunInfoDialog
from cft_desktop.ui.records.views.passphrase import UnlockDialog
from cft_desktop.ui.records.views.ratings_dialog import RatingDialog
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import (
    answer_consent,
    calm_messages,
    close_welcome,
    controller_of,
    press_play,
    read_store,
    sound_starts_at_once,
    wait_for_dialog,
)

PASSPHRASE = "green tea at dawn"


def _text_of(dialog: object) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in dialog.findChildren(QLabel))  # type: ignore[attr-defined]


def test_the_first_run_opens_the_consent_before_any_practice_and_records_it(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window(first_run=True)
    close_welcome(qtbot, window)
    controller = controller_of(window)
    dialog = wait_for_dialog(qtbot, controller, ConsentDialog)  # nothing was pressed
    text = _text_of(dialog)
    for words in ("backdraft", "dizzy, tingly or short of breath", "quicker at any time",
                  "not a crisis service", "cannot contact anyone", "still asked",
                  "therapist can see", "Before you begin"):
        assert words in text, words
    assert set(dialog.boxes) == CONSENT_TOPIC_IDS and len(CONSENT_TOPIC_IDS) == 6  # type: ignore[attr-defined]
    answer_consent(qtbot, controller)
    qtbot.waitUntil(lambda: controller.dialog is None)  # type: ignore[attr-defined]
    with read_store() as store:
        record = store.consent(store.active_client().client_id)
        assert record is not None and record.version == CONSENT_VERSION
        assert record.accepted_topics == CONSENT_TOPIC_IDS
    assert Settings().first_run_seen() == CONSENT_VERSION
    # Play goes straight to the before form now.
    sound_starts_at_once(window)
    press_play(qtbot, window)
    assert isinstance(wait_for_dialog(qtbot, controller, RatingDialog), RatingDialog)


def test_a_first_run_consent_closed_unanswered_comes_back_before_the_first_rating(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window(first_run=True)
    close_welcome(qtbot, window)
    controller = controller_of(window)
    wait_for_dialog(qtbot, controller, ConsentDialog).reject()  # Escape
    assert Settings().first_run_seen() == 0
    press_play(qtbot, window)
    assert isinstance(wait_for_dialog(qtbot, controller, ConsentDialog), ConsentDialog)


def test_with_no_usable_store_the_first_run_still_shows_the_safety_information(
    qtbot: object, make_window: MakeWindow
) -> None:
    db.default_path().write_bytes(b"\x00 not a ratings file \xff")
    window = make_window(first_run=True)
    close_welcome(qtbot, window)
    controller = controller_of(window)
    qtbot.waitUntil(lambda: bool(calm_messages()))  # type: ignore[attr-defined]
    for box in calm_messages():
        box.accept()
    info = wait_for_dialog(qtbot, controller, FirstRunInfoDialog)
    assert isinstance(info, FirstRunInfoDialog)
    text = _text_of(info)
    for words in ("backdraft", "dizzy, tingly or short of breath", "not a crisis service",
                  "nothing about your practices is stored", "still asked"):
        assert words in text, words
    info.done_button.click()
    qtbot.waitUntil(lambda: controller.dialog is None)  # type: ignore[attr-defined]
    assert Settings().first_run_seen() == CONSENT_VERSION
    started = sound_starts_at_once(window)
    press_play(qtbot, window)
    assert started and controller.dialog is None


def test_a_locked_store_asks_the_passphrase_first_then_the_information(
    qtbot: object, make_window: MakeWindow
) -> None:
    with Records.open() as store:
        store.change_passphrase(None, PASSPHRASE)
    window = make_window(first_run=True)
    close_welcome(qtbot, window)
    controller = controller_of(window)
    wait_for_dialog(qtbot, controller, UnlockDialog).reject()  # Not now
    info = wait_for_dialog(qtbot, controller, FirstRunInfoDialog)
    assert isinstance(info, FirstRunInfoDialog)
    info.done_button.click()
    assert Settings().first_run_seen() == CONSENT_VERSION


def test_once_answered_the_next_start_shows_nothing(qtbot: object, make_window: MakeWindow) -> None:
    first = make_window(first_run=True)
    close_welcome(qtbot, first)
    answer_consent(qtbot, controller_of(first))
    qtbot.waitUntil(lambda: controller_of(first).dialog is None)  # type: ignore[attr-defined]
    first.close()
    again = make_window(first_run=True)
    qtbot.wait(100)  # type: ignore[attr-defined]
    assert controller_of(again).dialog is None
