"""Helpers for the ratings tests: find the controller, answer consent and forms as a person would.

`sound_starts_at_once` stands in for the one thing these tests cannot have without the real-time
sink: the moment the sound begins. It replaces `window.practice.start_practice` with a function that
records the practice and emits the window's own `practice_started`, exactly as `Playback` does
when the engine starts (tests/ui/records/test_ratings_realtime.py checks the real path end to end).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from cft_desktop.core.ratings import CONSENT_TOPIC_IDS, Phase
from cft_desktop.core.script import Script
from cft_desktop.store import db
from cft_desktop.store.records import Records, SessionRecord
from cft_desktop.ui.records.controller import RecordsController
from cft_desktop.ui.records.views.consent import ConsentDialog
from cft_desktop.ui.records.views.ratings_dialog import ChoiceRow, NoteRow, RatingDialog, ScaleRow
from cft_desktop.ui.window.main_window import MainWindow

PRACTICE = "soothing-rhythm-breathing"


def controller_of(window: MainWindow) -> RecordsController:
    found = RecordsController.of(window)
    assert found is not None
    return found


def sound_starts_at_once(window: MainWindow) -> list[str]:
    started: list[str] = []

    def start(script: Script, from_line: int = 0) -> None:
        started.append(script.id)
        window.practice.practice_started.emit(script.id)

    window.practice.start_practice = start  # type: ignore[method-assign]
    return started


def wait_for_dialog(qtbot: object, controller: RecordsController, kind: type) -> QWidget:
    qtbot.waitUntil(lambda: isinstance(controller.dialog, kind)  # type: ignore[attr-defined]
                    and controller.dialog.isVisible())
    dialog = controller.dialog
    assert dialog is not None
    return dialog


def answer_consent(qtbot: object, controller: RecordsController,
                   topics: Iterable[str] = CONSENT_TOPIC_IDS) -> ConsentDialog:
    dialog = wait_for_dialog(qtbot, controller, ConsentDialog)
    assert isinstance(dialog, ConsentDialog)
    wanted = set(topics)
    for topic, box in dialog.boxes.items():
        box.setChecked(topic in wanted)
    dialog.save.click()
    return dialog


def press_play(qtbot: object, window: MainWindow, practice: str = PRACTICE) -> None:
    assert window.library_view.select(practice)
    window.practice.play()


def fill_form(dialog: RatingDialog, values: dict[str, int | str | None]) -> None:
    """Answer through the widgets: a slider is placed with the mouse at the value's position,
    a choice clicked, a note typed; None ticks Skip. Unlisted scales get 50, choices 'no'."""
    for row in dialog.rows:
        item_id = row.item.item_id
        value = values.get(item_id, 50 if isinstance(row, ScaleRow) else "no")
        if value is None and not isinstance(row, NoteRow):
            row.skip.setChecked(True)
        elif isinstance(row, ScaleRow):
            slider = row.slider
            assert isinstance(value, int)
            QTest.mouseClick(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             QPoint(round(slider.x_of(value)), slider.height() // 2))
            assert slider.value() == value, (item_id, slider.value(), value)
        elif isinstance(row, ChoiceRow):
            row.choose(str(value))
        elif isinstance(row, NoteRow) and isinstance(value, str):
            row.edit.setPlainText(value)


def read_store() -> Records:
    """The ratings file as a fresh reader sees it."""
    return Records.open(db.default_path())


def calm_messages() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def make_sessions(client: str, rows: list[tuple[dict[str, int | str | None], dict[str, int | str | None]]],
                  items_of: Records, start: datetime | None = None) -> list[SessionRecord]:
    """SessionRecords with complete forms (unlisted scales 40, upset 'no')."""
    items = items_of.item_set(client)
    first = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    made = []
    for n, (before, after) in enumerate(rows):
        forms = []
        for phase, values in ((Phase.BEFORE, before), (Phase.AFTER, after)):
            answers = []
            for item in items.for_phase(phase):
                value = values.get(item.item_id, 40 if item.kind.value == "scale" else "no")
                answers.append(item.skip() if value is None else item.answer(value))
            forms.append(tuple(answers))
        moment = first + timedelta(days=n)
        made.append(SessionRecord(
            session_id=f"{n:032x}", client_id=client, script_id=PRACTICE, script_version="1",
            pacing={"bpm": 6.0, "ratio": "2:3", "pause_scale": 1.0}, voice="test-tone:tone-330",
            started_at=moment, ended_at=moment + timedelta(minutes=8), fraction_completed=1.0,
            before=forms[0], after=forms[1]))
    return made


def data_file() -> Path:
    return db.default_path()


def close_welcome(qtbot: object, window: object) -> None:
    """Read the first-run welcome and press Begin (it comes before every other first-run form)."""
    from cft_desktop.ui.help.dialogs import WelcomeDialog

    help_menu = window.parts.help  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: isinstance(help_menu.dialog, WelcomeDialog)  # type: ignore[attr-defined]
                    and help_menu.dialog.isVisible())
    help_menu.dialog.button.click()
