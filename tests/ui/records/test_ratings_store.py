"""Opening the ratings file from the window: recovery, a passphrase (wrong, then right), a file
that cannot be used (practices still play), setting the passphrase, and the idle lock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cft_desktop.store import db
from cft_desktop.store.records import Mode, Records
from cft_desktop.ui.records.controller import LOCKED_NOTE, UNAVAILABLE_MESSAGE, UNAVAILABLE_NOTE
from cft_desktop.ui.records.views.passphrase import WRONG_PASSPHRASE, UnlockDialog
from cft_desktop.ui.records.views.ratings_dialog import RatingDialog
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import (
    PRACTICE,
    answer_consent,
    calm_messages,
    controller_of,
    fill_form,
    press_play,
    sound_starts_at_once,
    wait_for_dialog,
)

PASSPHRASE = "green tea at dawn"


def _folder(path: Path) -> dict[str, bytes]:
    """The ratings file and every copy beside it, with their bytes.

    The lock file is left out: it names whoever holds the store and when
    they took it, so opening the window rewrites it by design.  It holds
    no ratings."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and p.relative_to(path).as_posix().startswith(db.FILE_NAME)
            and not p.name.endswith(".lock")}


def _store_with_backups() -> Path:
    with Records.open() as store:
        for name in ("A", "B", "C"):
            store.create_client(name)
    return db.default_path()


def test_damaged_file_with_a_backup_opens_and_says_so_once(
    qtbot: object, make_window: MakeWindow
) -> None:
    path = _store_with_backups()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    window = make_window()
    controller = controller_of(window)
    assert controller.records is not None
    qtbot.waitUntil(lambda: bool(calm_messages()))  # type: ignore[attr-defined]
    (box,) = calm_messages()
    assert "damaged" in box.text() and "restored" in box.text()
    assert {c.pseudonym for c in controller.records.clients()} >= {"A", "B"}
    box.accept()
    qtbot.wait(30)  # type: ignore[attr-defined]
    assert not calm_messages()  # once


def test_passphrase_prompt_wrong_then_right(qtbot: object, make_window: MakeWindow) -> None:
    with Records.open() as store:
        store.create_client("Kim")
        store.change_passphrase(None, PASSPHRASE)
    folder = db.default_path().parent
    before = _folder(folder)
    window = make_window()
    controller = controller_of(window)
    assert controller.records is None
    dialog = wait_for_dialog(qtbot, controller, UnlockDialog)
    assert isinstance(dialog, UnlockDialog)
    assert controller.note_label.text() == LOCKED_NOTE and controller.note_label.isVisible()
    dialog.passphrase.setText("not it")
    dialog.unlock.click()
    assert dialog.isVisible() and dialog.message.text() == WRONG_PASSPHRASE
    assert len(before) >= 2 and _folder(folder) == before  # not a byte changed
    assert controller.records is None
    dialog.passphrase.setText(PASSPHRASE)
    dialog.unlock.click()
    assert not dialog.isVisible()
    assert controller.records is not None and controller.records.encrypted
    assert controller.records.find_client("Kim") is not None
    assert not controller.note_label.isVisible()


def test_not_now_keeps_ratings_locked_and_practices_play(
    qtbot: object, make_window: MakeWindow
) -> None:
    with Records.open() as store:
        store.change_passphrase(None, PASSPHRASE)
    window = make_window()
    started = sound_starts_at_once(window)
    controller = controller_of(window)
    dialog = wait_for_dialog(qtbot, controller, UnlockDialog)
    dialog.reject()
    press_play(qtbot, window)
    assert started == [PRACTICE]
    assert controller.dialog is None
    assert controller.note_button.isVisible() and controller.note_button.text() == "Unlock…"


def test_unusable_store_says_so_calmly_and_practices_still_play(
    qtbot: object, make_window: MakeWindow
) -> None:
    path = db.default_path()
    path.write_bytes(b"\x00 not a ratings file \xff")  # damaged, and no backup to restore
    window = make_window()
    started = sound_starts_at_once(window)
    controller = controller_of(window)
    assert controller.records is None
    qtbot.waitUntil(lambda: bool(calm_messages()))  # type: ignore[attr-defined]
    (box,) = calm_messages()
    assert box.text() == UNAVAILABLE_MESSAGE and "Traceback" not in box.informativeText()
    box.accept()
    assert controller.note_label.text() == UNAVAILABLE_NOTE and controller.note_label.isVisible()
    press_play(qtbot, window)
    assert started == [PRACTICE]
    assert not controller.actions["history"].isEnabled()


def test_set_change_and_remove_the_passphrase(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    controller = controller_of(window)
    dialog = controller.locking.show_privacy()
    assert dialog is not None and not dialog.current.isVisibleTo(dialog)
    dialog.new.setText(PASSPHRASE)
    dialog.repeat.setText("typo")
    dialog.set_button.click()
    assert "not the same" in dialog.message.text()
    assert not db.needs_passphrase()
    # Typed as a person would: Return in the first field moves on, Return in the second sets it.
    dialog.new.clear()
    dialog.repeat.clear()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # type: ignore[attr-defined]
    dialog.new.setFocus()
    QTest.keyClicks(dialog.new, PASSPHRASE)
    QTest.keyClick(dialog.new, Qt.Key.Key_Return)
    assert dialog.focusWidget() is dialog.repeat
    QTest.keyClicks(dialog.repeat, PASSPHRASE)
    QTest.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert db.needs_passphrase()
    assert controller.actions["lock"].isEnabled()
    for box in calm_messages():
        box.accept()

    change = controller.locking.show_privacy()
    assert change is not None and change.current.isVisibleTo(change)
    change.current.setText("wrong")
    change.remove.click()
    assert "not right" in change.message.text() and db.needs_passphrase()
    change.current.setText(PASSPHRASE)
    change.remove.click()
    assert not db.needs_passphrase()


def _key_or_mouse(window: QApplication) -> None:
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


def test_idle_lock_waits_for_the_practice_and_its_rating(
    qtbot: object, make_window: MakeWindow
) -> None:
    with Records.open() as store:
        store.change_passphrase(None, PASSPHRASE)
        store.set_idle_lock_minutes(1)
    window = make_window()
    started = sound_starts_at_once(window)
    controller = controller_of(window)
    unlock = wait_for_dialog(qtbot, controller, UnlockDialog)
    assert isinstance(unlock, UnlockDialog)
    unlock.passphrase.setText(PASSPHRASE)
    unlock.unlock.click()
    assert controller.locking.idle_timer.isActive() and controller.locking.idle_timer.interval() == 60_000
    # Input restarts the countdown.
    qtbot.wait(120)  # type: ignore[attr-defined]
    assert controller.locking.idle_timer.remainingTime() < 59_950
    _key_or_mouse(window)  # type: ignore[arg-type]
    assert controller.locking.idle_timer.remainingTime() > 59_900

    press_play(qtbot, window)
    answer_consent(qtbot, controller)
    before = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(before, RatingDialog)
    fill_form(before, {})
    before.continue_.click()
    assert started == [PRACTICE]
    # Time is up while the practice plays: nothing locks yet.
    controller.locking.on_idle_timeout()
    assert controller.records is not None
    window.practice.practice_finished.emit(PRACTICE, 1.0)
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    assert controller.records is not None  # the after-rating still comes first
    assert isinstance(after, RatingDialog)
    fill_form(after, {})
    after.continue_.click()
    # Then it locks, and asks for the passphrase again.
    unlock_again = wait_for_dialog(qtbot, controller, UnlockDialog)
    assert controller.records is None and controller.note_label.text() == LOCKED_NOTE
    assert "Locked after a while" in " ".join(
        label.text() for label in unlock_again.findChildren(type(controller.note_label)))
    with Records.open(passphrase=PASSPHRASE) as store:
        (session,) = store.sessions()
        assert session.after is not None


def test_lock_now_closes_the_history(qtbot: object, make_window: MakeWindow) -> None:
    with Records.open() as store:
        store.change_passphrase(None, PASSPHRASE)
    window = make_window()
    controller = controller_of(window)
    unlock = wait_for_dialog(qtbot, controller, UnlockDialog)
    assert isinstance(unlock, UnlockDialog)
    unlock.passphrase.setText(PASSPHRASE)
    unlock.unlock.click()
    history = controller.show_history()
    assert history is not None and history.isVisible()
    controller.actions["lock"].trigger()
    assert not history.isVisible()
    assert controller.records is None
    wait_for_dialog(qtbot, controller, UnlockDialog)


def test_a_clients_damaged_file_is_told_when_the_therapist_switches_to_them(
    qtbot: object, make_window: MakeWindow
) -> None:
    from datetime import UTC, datetime

    with Records.open() as store:
        store.set_mode(Mode.THERAPIST)
        ana = store.create_client("Ana").client_id
        store.start_session(ana, "srb", "1", {}, "joe", datetime(2026, 3, 1, tzinfo=UTC))
    path = db.default_path()
    shard = path.with_name(path.name + ".clients") / f"{ana}.json"
    shard.write_bytes(shard.read_bytes()[:40])  # its mirror still holds the save
    window = make_window()
    controller = controller_of(window)
    assert controller.records is not None
    qtbot.wait(30)  # type: ignore[attr-defined]
    assert not calm_messages()  # Ana's file is not read at opening
    controller.therapist.switch_client(ana)
    qtbot.waitUntil(lambda: bool(calm_messages()))  # type: ignore[attr-defined]
    (box,) = calm_messages()
    assert "In the ratings of Ana" in box.text() and "nothing was lost" in box.text()
    box.accept()
    assert len(controller.records.sessions(ana)) == 1
