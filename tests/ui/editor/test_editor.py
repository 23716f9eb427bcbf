"""The script editor with the real window: copies, validation as you type, length, save, drafts,
import/export, undo/redo, the question before closing, keyboard and screen-reader names.

Playing from the cursor through a real sound device is in test_editor_play.py (real-time sink).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from cft_desktop import paths
from cft_desktop.core import user_scripts as us
from cft_desktop.core.script import parse_file
from cft_desktop.ui.common.theme import (
    DARK,
    LIGHT,
    MIN_NON_TEXT_CONTRAST,
    MIN_TEXT_CONTRAST,
    contrast_ratio,
)
from cft_desktop.ui.editor import editor as editor_module
from cft_desktop.ui.editor.editor import ScriptEditor
from cft_desktop.ui.editor.highlighter import problem_mark
from cft_desktop.ui.window.main_window import MainWindow
from tests.ui.conftest import MakeWindow, UserDirs
from tests.ui.window.test_accessibility import _focusable

PRACTICE = "soothing-rhythm-breathing-3"
WAIT_MS = 3000


@pytest.fixture
def make_window(make_window: MakeWindow) -> Iterator[MakeWindow]:
    """The shared fixture, but editors left with changes (a failed test) are closed without the
    question first, so the window's own teardown is never stopped by a modal dialog."""
    yield make_window
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ScriptEditor):
            widget._closing_confirmed = True
            widget.close()


class Answers:
    """Stands in for `editor.ask`: records each question and gives the next scripted answer."""

    def __init__(self, *labels: str) -> None:
        self.labels = list(labels)
        self.questions: list[tuple[str, list[str]]] = []

    def __call__(self, parent: QWidget | None, text: str, choices: Sequence[str],
                 detail: str = "", default: int = 0, cancel: int | None = None) -> int:
        self.questions.append((text, list(choices)))
        label = self.labels.pop(0)
        return list(choices).index(label)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Answers]:
    def install(*labels: str) -> Answers:
        fake = Answers(*labels)
        monkeypatch.setattr(editor_module, "ask", fake)
        return fake
    return install


def _open_copy(window: MainWindow, practice: str = PRACTICE) -> ScriptEditor:
    assert window.library_view.select(practice)
    editor = window.script_editing.edit_copy()
    assert editor is not None and editor.isVisible()
    return editor


def _go_to_line(editor: ScriptEditor, line: int) -> None:
    editor.text_edit.go_to_line(line)


def _line_of(editor: ScriptEditor, text: str) -> int:
    for number, line in enumerate(editor.text().split("\n"), start=1):
        if line.startswith(text):
            return number
    raise AssertionError(text)


def _type_at_end_of_line(editor: ScriptEditor, line: int, keys: str) -> None:
    _go_to_line(editor, line)
    cursor = editor.text_edit.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    editor.text_edit.setTextCursor(cursor)
    type_keys(editor, keys)


def type_keys(editor: ScriptEditor, keys: str) -> None:
    """Real key presses; a newline is the Return key (QTest aborts on '\\n' and on '')."""
    for number, part in enumerate(keys.split("\n")):
        if number:
            QTest.keyClick(editor.text_edit, Qt.Key.Key_Return)
        if part.isascii() and part:
            QTest.keyClicks(editor.text_edit, part)
        elif part:
            editor.text_edit.insertPlainText(part)


def _close_clean(editor: ScriptEditor) -> None:
    """Close without the question about unsaved changes (in the text or in the form)."""
    if editor.is_modified():
        editor._closing_confirmed = True
    editor.close()


def test_copy_typing_validation_estimate_save_and_library(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    builtin = paths.scripts_dir() / f"{PRACTICE}.md"
    builtin_bytes = builtin.read_bytes()
    editor = _open_copy(window)
    assert editor.key == f"{PRACTICE}-copy"
    assert editor.script is not None and editor.script.title.endswith("(my version)")
    assert editor.problem_texts() == []
    assert editor.estimate_label.text().startswith("About ")
    assert editor.estimate_label.text().endswith(" at 6 breaths/min")

    # An unknown cue, typed for real: listed with its line after the debounce, and marked.
    line = _line_of(editor, "[pause 3]")
    _go_to_line(editor, line)
    cursor = editor.text_edit.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    editor.text_edit.setTextCursor(cursor)
    QTest.keyClicks(editor.text_edit, "[bel]")
    assert editor.problem_texts() == []  # debounced: not yet
    expected = f"{line}: unknown cue [bel]: did you mean [bell]?"
    qtbot.waitUntil(lambda: editor.problem_texts() == [expected], timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert editor.text_edit.problem_lines == {line}
    assert len(editor.text_edit.extraSelections()) == 2
    assert not editor.play_button.isEnabled()
    assert "No length estimate" in editor.estimate_label.text()

    # Activating the problem goes to its line.
    _go_to_line(editor, 1)
    item = editor.problems_list.item(0)
    editor.problems_list.setCurrentItem(item)
    editor.problems_list.setFocus()
    QTest.keyClick(editor.problems_list, Qt.Key.Key_Return)
    assert editor.text_edit.cursor_line() == line
    assert editor.text_edit.hasFocus() or not editor.isActiveWindow()

    # Saving now is refused (and the draft kept); nothing reaches the library.
    assert editor.save() is False
    assert editor.last_message is not None
    assert expected in editor.last_message.informativeText()
    editor.last_message.close()
    assert not (paths.user_scripts_dir() / f"{PRACTICE}-copy.md").exists()
    assert us.draft_path(paths.user_scripts_dir(), editor.key).exists()

    # Fix it: the list empties and the estimate comes back.
    _type_at_end_of_line(editor, line, "")
    QTest.keyClick(editor.text_edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(editor.text_edit, "l]")
    qtbot.waitUntil(lambda: editor.problem_texts() == [], timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert "[bell]" in editor.text().split("\n")[line - 1]
    before = editor.estimate_label.text()
    assert before.startswith("About ")

    # More text makes it longer.
    last = len(editor.text().split("\n"))
    _type_at_end_of_line(editor, last, "\n[pause 40]\n\nAnd one more phrase to close the practice.\n")
    qtbot.waitUntil(lambda: editor.estimate_label.text() != before, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert editor.problem_texts() == []

    # A different pacing in the window changes the estimate too.
    at_six = editor.estimate_label.text()
    window.pacing_panel.bpm.setValue(4.0)
    qtbot.waitUntil(lambda: editor.estimate_label.text() != at_six, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert editor.estimate_label.text().endswith(" at 4 breaths/min")

    # Save with the keyboard: a valid user script beside the built-ins, marked as the user's.
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)  # type: ignore[attr-defined]
    editor.text_edit.setFocus()
    QTest.keyClick(editor.text_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = paths.user_scripts_dir() / f"{PRACTICE}-copy.md"
    qtbot.waitUntil(saved.exists, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert saved.read_text(encoding="utf-8") == editor.text()
    script = parse_file(saved)
    assert script.id == f"{PRACTICE}-copy"
    assert builtin.read_bytes() == builtin_bytes
    assert not editor.is_modified()
    assert not us.draft_path(paths.user_scripts_dir(), editor.key).exists()
    rows = {row_id: text for kind, row_id, text in window.library_view.rows() if kind == "practice"}
    assert "Yours" in rows[script.id]
    assert "Yours" not in rows[PRACTICE]
    current = window.library_view.current_entry()
    assert current is not None and current.id == script.id and not current.builtin
    assert window.script_editing.edit_action.isEnabled()
    _close_clean(editor)


def test_one_cue_typo_is_one_problem_with_a_suggestion(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    editor = _open_copy(window)
    line = _line_of(editor, "[pause 3]")
    breaths = "\n[in] Breathing in.\n[out] And out." * 3
    _type_at_end_of_line(editor, line, f"\n\n[breath three]{breaths}\n")
    expected = [f"{line + 2}: unknown cue [breath three]: did you mean [breathe 3]?"]
    qtbot.waitUntil(lambda: editor.problem_texts() == expected, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert editor.problems_label.text().startswith("1 problem:")
    assert editor.text_edit.problem_lines == {line + 2}

    # A second, unrelated mistake is listed too, at its own line.
    last = len(editor.text().split("\n"))
    _type_at_end_of_line(editor, last, "\n[pause lots]\n")
    qtbot.waitUntil(lambda: len(editor.problem_texts()) == 2, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert editor.problem_texts() == [
        *expected, f"{last + 1}: bad number in [pause lots]: write [pause 3] (seconds)"]
    _close_clean(editor)


def test_play_from_here_asks_for_the_unsaved_text_at_the_cursor_line(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    editor = _open_copy(window)
    _type_at_end_of_line(editor, _line_of(editor, "[pause 3]"), "\n\nA phrase not yet saved.")
    line = _line_of(editor, "When you are ready, the breath can slow")
    editor.text_edit.go_to_line(line)
    asked: list[tuple[object, int]] = []
    editor.play_requested.connect(lambda script, at: asked.append((script, at)))
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)  # type: ignore[attr-defined]
    editor.text_edit.setFocus()
    QTest.keyClick(editor.text_edit, Qt.Key.Key_F5)
    assert len(asked) == 1
    script, at = asked[0]
    assert at == line
    assert "A phrase not yet saved." in [p.text for p in script.phrases()]  # type: ignore[attr-defined]
    # The editor shows that its text is playing, and from which line, until it stops.
    assert editor.play_status.isVisible()
    assert editor.play_status.text() in (f"Getting ready to play from line {line}…",
                                         f"Playing from line {line}…")
    assert editor.stop_button.isEnabled()
    window.practice.stop()
    qtbot.waitUntil(lambda: not editor.play_status.isVisible(), timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert not editor.stop_button.isEnabled()
    # Invalid text is not played; the problems are pointed out instead. (Line 1 is in the front
    # matter, which the form shows, so the mistake goes into the body.)
    _type_at_end_of_line(editor, _line_of(editor, "[pause 3]"), "x")
    editor.play_from_here()
    assert len(asked) == 1
    assert editor.last_message is not None
    editor.last_message.close()
    _close_clean(editor)


def test_undo_and_redo_by_shortcut_and_button(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    editor = _open_copy(window)
    original = editor.text()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)  # type: ignore[attr-defined]
    assert not editor.undo_button.isEnabled()
    _type_at_end_of_line(editor, _line_of(editor, "[pause 3]"), "0")
    changed = editor.text()
    assert changed != original and editor.undo_button.isEnabled()
    QTest.keyClick(editor.text_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.text() == original
    assert not editor.is_modified()
    QTest.keyClick(editor.text_edit, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert editor.text() == changed
    editor.undo_button.click()
    assert editor.text() == original
    QTest.keyClick(editor.text_edit, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert editor.text() == changed
    editor.undo_button.setFocus()  # from a button, the window's shortcuts still undo and redo
    QTest.keyClick(editor.undo_button, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.text() == original
    editor.redo_button.click()
    assert editor.text() == changed
    _close_clean(editor)


def _answer_next_message_box(label: str, seen: list[str]) -> None:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, answer)
            return
        seen.append(box.text())
        (button,) = [b for b in box.buttons() if b.text() == label]
        assert isinstance(button, QPushButton)
        button.click()
    QTimer.singleShot(50, answer)


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_it_open(
    qtbot: object, make_window: MakeWindow, answers: Callable[..., Answers]
) -> None:
    window = make_window()
    editor = _open_copy(window)
    _type_at_end_of_line(editor, 1, "")
    type_keys(editor, "\n")
    assert editor.is_modified()

    # The real question, answered Cancel: the editor and the text stay.
    seen: list[str] = []
    _answer_next_message_box("Cancel", seen)
    assert editor.close() is False
    assert seen and "before closing" in seen[0]
    assert editor.isVisible() and editor.is_modified()

    # Closing the main window asks the editor first; Cancel keeps both open.
    fake = answers("Cancel")
    window.close()
    assert window.isVisible() and editor.isVisible()
    assert len(fake.questions) == 1

    # Discard closes it and drops the draft; nothing was saved.
    us.write_draft(paths.user_scripts_dir(), editor.key, editor.text())
    answers("Discard")
    assert editor.close() is True
    assert not us.draft_path(paths.user_scripts_dir(), f"{PRACTICE}-copy").exists()
    assert not list(paths.user_scripts_dir().glob("*.md"))
    assert f"{PRACTICE}-copy" not in window.script_editing.editors


def test_close_with_save_saves(make_window: MakeWindow, answers: Callable[..., Answers]) -> None:
    window = make_window()
    editor = _open_copy(window)
    _type_at_end_of_line(editor, len(editor.text().split("\n")), "\nA last phrase.\n")
    answers("Save")
    assert editor.close() is True
    assert parse_file(paths.user_scripts_dir() / f"{PRACTICE}-copy.md").phrases()[-1].text == (
        "A last phrase.")


def test_draft_is_written_after_idle_and_offered_on_reopen(
    qtbot: object, make_window: MakeWindow, answers: Callable[..., Answers]
) -> None:
    window = make_window()
    editor = _open_copy(window)
    original = editor.text()
    draft = us.draft_path(paths.user_scripts_dir(), editor.key)
    assert editor.draft_timer.interval() == 5000
    _type_at_end_of_line(editor, len(original.split("\n")), "\nWords that must not be lost.\n")
    assert not draft.exists()
    qtbot.waitUntil(draft.exists, timeout=8000)  # type: ignore[attr-defined]
    assert draft.read_text(encoding="utf-8") == editor.text()
    assert not list(draft.parent.glob("*.tmp"))
    typed = editor.text()

    # As if the app were killed: the editor goes without a word, the draft stays.
    editor._closing_confirmed = True
    editor.close()
    assert draft.exists()

    fake = answers("Restore the changes")
    reopened = _open_copy(window)
    assert reopened is not editor
    assert len(fake.questions) == 1 and "from earlier" in fake.questions[0][0]
    assert reopened.text() == typed
    assert reopened.is_modified()
    reopened.text_edit.undo()  # the restore is one undoable step back to the saved copy
    assert reopened.text() == original
    reopened.text_edit.redo()
    answers("Discard")
    assert reopened.close()
    assert not draft.exists()

    # Without a draft, nothing is asked.
    answers()
    again = _open_copy(window)
    assert again.text() == original
    _close_clean(again)


def test_newer_draft_of_a_saved_script_is_offered(
    make_window: MakeWindow, answers: Callable[..., Answers]
) -> None:
    window = make_window()
    editor = _open_copy(window)
    assert editor.save()
    key, path = editor.key, editor.own_path
    assert path is not None
    _close_clean(editor)
    draft_text = path.read_text(encoding="utf-8") + "\nOne more phrase.\n"
    us.write_draft(paths.user_scripts_dir(), key, draft_text)
    assert window.library_view.select(key)
    fake = answers("Discard them")
    reopened = window.script_editing.edit_own()
    assert reopened is not None and reopened.own_path == path
    assert len(fake.questions) == 1
    assert reopened.text() == path.read_text(encoding="utf-8")
    assert not us.draft_path(paths.user_scripts_dir(), key).exists()
    _close_clean(reopened)


BAD_SCRIPT = """---
id: shared-bad
title: Shared but broken
kind: imagination
minutes: 3
summary: From another therapist.
---
Hello.

[bel]

[breathe lots]
"""

GOOD_SCRIPT = BAD_SCRIPT.replace("imagination", "imagery").replace("[bel]", "[bell]").replace(
    "[breathe lots]", "[breathe 3]").replace("shared-bad", "shared-good")


def test_import_refuses_a_bad_file_whole_and_takes_a_good_one(
    tmp_path: Path, make_window: MakeWindow, user_dirs: UserDirs, answers: Callable[..., Answers]
) -> None:
    window = make_window()
    bad = tmp_path / "incoming" / "bad.md"
    bad.parent.mkdir()
    bad.write_text(BAD_SCRIPT, encoding="utf-8")
    assert window.script_editing.import_file(bad) is None
    message = window.script_editing.last_message
    assert message is not None
    listed = message.informativeText()
    for expected in ("bad.md:4: 'kind': 'imagination' is not one of",
                     "bad.md:10: unknown cue [bel]: did you mean [bell]?",
                     "bad.md:12: bad number in [breathe lots]"):
        assert expected in listed
    assert "3 problems" in message.text()
    message.close()
    assert not list(user_dirs.scripts.iterdir())

    good = tmp_path / "incoming" / "good.md"
    good.write_text(GOOD_SCRIPT, encoding="utf-8")
    target = window.script_editing.import_file(good)
    assert target == user_dirs.scripts / "shared-good.md"
    assert target.read_bytes() == good.read_bytes()
    rows = {row_id: text for kind, row_id, text in window.library_view.rows() if kind == "practice"}
    assert "Yours" in rows["shared-good"]
    current = window.library_view.current_entry()
    assert current is not None and current.id == "shared-good"

    # The same id again: asked; keep both renames, replace overwrites the user's own.
    fake = answers("Keep both", "Replace mine", "Cancel")
    kept = window.script_editing.import_file(good)
    assert kept is not None and parse_file(kept).id == "shared-good-2"
    assert fake.questions[0][1] == ["Keep both", "Replace mine", "Cancel"]
    good.write_text(GOOD_SCRIPT.replace("Hello.", "Hello again."), encoding="utf-8")
    assert window.script_editing.import_file(good) == target
    assert "Hello again." in target.read_text(encoding="utf-8")
    assert window.script_editing.import_file(good) is None  # Cancel
    assert sorted(p.name for p in user_dirs.scripts.glob("*.md")) == [
        "shared-good-2.md", "shared-good.md"]


def test_import_clashing_with_a_builtin_never_offers_replace(
    tmp_path: Path, make_window: MakeWindow, user_dirs: UserDirs, answers: Callable[..., Answers]
) -> None:
    window = make_window()
    builtin = paths.scripts_dir() / f"{PRACTICE}.md"
    builtin_bytes = builtin.read_bytes()
    incoming = tmp_path / f"{PRACTICE}.md"
    incoming.write_bytes(builtin_bytes)
    fake = answers("Keep both")
    target = window.script_editing.import_file(incoming)
    assert fake.questions[0][1] == ["Keep both", "Cancel"]
    assert target is not None and parse_file(target).id == f"{PRACTICE}-2"
    assert builtin.read_bytes() == builtin_bytes


def test_export_writes_the_editor_text(tmp_path: Path, make_window: MakeWindow) -> None:
    window = make_window()
    editor = _open_copy(window)
    _type_at_end_of_line(editor, len(editor.text().split("\n")), "\nShared\u00a0words.\n")
    out = tmp_path / "to-share" / "mine"
    assert editor.export_to(out)
    assert (tmp_path / "to-share" / "mine.md").read_bytes() == editor.text().encode("utf-8")
    # The library's own export copies the chosen practice's file.
    entry = window.library_view.current_entry()
    assert entry is not None
    assert window.script_editing.export_entry(entry, tmp_path / "builtin-copy.md")
    assert (tmp_path / "builtin-copy.md").read_bytes() == entry.path.read_bytes()
    _close_clean(editor)


def test_new_practice_is_valid_and_saves(make_window: MakeWindow, user_dirs: UserDirs) -> None:
    window = make_window()
    editor = window.script_editing.new_practice()
    assert editor.problem_texts() == []
    assert editor.save()
    assert parse_file(user_dirs.scripts / "my-practice.md").title == "My practice"
    _close_clean(editor)


def test_a_broken_user_script_can_be_opened_fixed_and_saved(
    make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    broken = user_dirs.scripts / "shared-bad.md"
    broken.write_text(BAD_SCRIPT, encoding="utf-8")
    window = make_window()
    assert window.library_view.select(str(broken))
    assert window.script_editing.edit_action.isEnabled()
    assert not window.script_editing.edit_copy_action.isEnabled()
    editor = window.script_editing.edit_own()
    assert editor is not None and editor.own_path == broken
    assert editor.problem_texts() == [
        "4: 'kind': 'imagination' is not one of breathing, imagery, psychoeducation, grounding",
        "10: unknown cue [bel]: did you mean [bell]?",
        "12: bad number in [breathe lots]: breaths must be a whole number 1–500",
    ]
    editor.replace_text(GOOD_SCRIPT.replace("shared-good", "shared-bad"))
    assert editor.problem_texts() == []
    assert editor.save()
    assert parse_file(broken).id == "shared-bad"
    rows = {row_id: (kind, text) for kind, row_id, text in window.library_view.rows()}
    assert rows["shared-bad"][0] == "practice" and "Yours" in rows["shared-bad"][1]
    assert str(broken) not in rows
    _close_clean(editor)


def test_saving_under_a_builtin_id_is_a_problem_at_the_id_line(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    editor = _open_copy(window)
    editor.replace_text(us.set_front_matter_value(editor.text(), "id", PRACTICE))
    assert editor.problem_texts() == [
        f"2: 'id': '{PRACTICE}' is already used by a built-in practice; choose another id"]
    # The id has no field of its own: going to the problem leads to editing the header as text.
    editor.problems_list.setCurrentRow(0)
    QTest.keyClick(editor.problems_list, Qt.Key.Key_Return)
    assert "Edit the whole header as text" in editor.statusBar().currentMessage()
    assert editor.play_button.isEnabled()  # playing an unsaved version is still fine
    assert not editor.save()
    editor.last_message.close()  # type: ignore[union-attr]
    _close_clean(editor)


def test_editor_is_named_and_works_by_keyboard(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    assert window.script_editing.menu.title() == "&Scripts"
    editor = _open_copy(window)
    focusable = _focusable(editor)
    assert len(focusable) >= 9
    unnamed = [type(w).__name__ for w in focusable if not w.accessibleName()]
    assert not unnamed, unnamed
    untipped = [w.accessibleName() for w in focusable if not w.toolTip()]
    assert not untipped, untipped
    # Tab leaves the text (no tab characters) and walks the controls in order.
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)  # type: ignore[attr-defined]
    _type_at_end_of_line(editor, _line_of(editor, "[pause 3]"), "0")  # Undo now has work
    order = []
    for _ in range(13):
        order.append(QApplication.focusWidget().accessibleName())
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    # Redo has nothing to redo and Stop nothing to stop, so they are disabled and skipped; the
    # header's form comes first in the window, above the text.
    assert order == ["Script text", "Problems", "Save to my library", "Undo", "Play from here",
                     "Export script", "Close the editor", "Title", "Kind", "Minutes", "Summary",
                     "Edit the whole header as text", "Script text"]
    assert "\t" not in editor.text()
    # F8 jumps to the problems.
    editor.text_edit.setFocus()
    QTest.keyClick(editor.text_edit, Qt.Key.Key_F8)
    assert QApplication.focusWidget() is editor.problems_list
    # Ctrl+W closes it (with nothing unsaved, without a question).
    editor.text_edit.document().setModified(False)
    QTest.keyClick(editor.problems_list, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=WAIT_MS)  # type: ignore[attr-defined]


OWN_SCRIPT = """---
id: my-evening
title: My evening practice
kind: imagery
minutes: 4
summary: Something gentle before sleep.
# a note the therapist keeps in the header
language: en-GB
ending: sleep
caution: Stop whenever you like.
---
Settle into the chair.

[pause 3]

Let the day go.

[bel]
"""


def _key_tab(widget: QWidget) -> QWidget:
    QTest.keyClick(widget, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None
    return focused


def test_header_form_by_keyboard_saves_a_valid_script_and_keeps_other_keys(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    path = user_dirs.scripts / "my-evening.md"
    path.write_text(OWN_SCRIPT, encoding="utf-8")
    window = make_window()
    assert window.library_view.select("my-evening") or window.library_view.select(str(path))
    editor = window.script_editing.edit_own()
    assert editor is not None
    form = editor.header_form

    # The front matter is in the form, not in the text; lines still count as in the file.
    shown = editor.text_edit.toPlainText().split("\n")
    assert shown[0] == "Settle into the chair."
    assert "---" not in shown and not any(line.startswith(("id:", "title:")) for line in shown)
    assert editor.text() == OWN_SCRIPT
    assert (form.title.text(), form.kind.currentData(), form.minutes.value(), form.summary.text()) == (
        "My evening practice", "imagery", 4.0, "Something gentle before sleep.")
    assert editor.problem_texts() == ["18: unknown cue [bel]: did you mean [bell]?"]
    assert editor.text_edit.problem_lines == {18}
    assert editor.text_edit.document().findBlockByNumber(18 - 1 - 11).text() == "[bel]"
    kinds = [form.kind.itemData(i) for i in range(form.kind.count())]
    assert kinds == ["breathing", "imagery", "psychoeducation", "grounding"]
    assert (form.minutes.minimum(), form.minutes.maximum()) == (0.25, 240.0)
    assert [w.accessibleName() for w in form.fields().values()] == [
        "Title", "Kind", "Minutes", "Summary"]
    assert all(w.toolTip() for w in form.fields().values())

    # Filled by keyboard only: Tab from the Close button reaches the form, field by field.
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)  # type: ignore[attr-defined]
    editor.close_button.setFocus()
    focused = _key_tab(editor.close_button)
    assert focused is form.title
    QTest.keyClick(focused, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(focused, "Evening: letting the day go")
    focused = _key_tab(focused)
    assert focused is form.kind
    QTest.keyClick(focused, Qt.Key.Key_End)  # the last kind, Grounding
    focused = _key_tab(focused)
    assert focused is form.minutes
    QTest.keyClick(focused, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(focused, "12")
    focused = _key_tab(focused)
    assert focused is form.summary
    QTest.keyClick(focused, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(focused, "A quiet end to the day, with no need to stay awake.")
    assert editor.is_modified() and editor.isWindowModified()
    # The body's typo, fixed in the text; the lines below the header still count from the file.
    _type_at_end_of_line(editor, 18, "")
    QTest.keyClick(editor.text_edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(editor.text_edit, "l]")
    qtbot.waitUntil(lambda: editor.problem_texts() == [], timeout=WAIT_MS)  # type: ignore[attr-defined]
    QTest.keyClick(editor.text_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not editor.is_modified(), timeout=WAIT_MS)  # type: ignore[attr-defined]

    saved = parse_file(path)
    assert (saved.title, saved.kind, saved.minutes, saved.summary) == (
        "Evening: letting the day go", "grounding", 12.0,
        "A quiet end to the day, with no need to stay awake.")
    assert (saved.id, saved.language, saved.ending, saved.caution) == (
        "my-evening", "en-GB", "sleep", "Stop whenever you like.")
    written = path.read_text(encoding="utf-8")
    assert written == editor.text()
    for kept in ("# a note the therapist keeps in the header\n", "language: en-GB\n",
                 "ending: sleep\n", "caution: Stop whenever you like.\n"):
        assert kept in written
    assert written.split("---\n", 2)[2] == OWN_SCRIPT.split("---\n", 2)[2].replace("[bel]", "[bell]")
    assert editor.windowTitle().startswith("Evening: letting the day go")
    _close_clean(editor)


def test_header_problems_lead_to_the_form_and_a_new_header_refills_it(
    make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    window = make_window()
    editor = _open_copy(window)
    form = editor.header_form
    form.title.setFocus()
    form.title.selectAll()
    QTest.keyClick(form.title, Qt.Key.Key_Delete)
    editor.validate_now()
    assert editor.problem_texts() == ["1: front matter is missing 'title'"]
    assert form.title.property("problem") is True and not form.kind.property("problem")
    editor.text_edit.setFocus()
    editor.problems_list.setCurrentRow(0)
    QTest.keyClick(editor.problems_list, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is form.title or not editor.isActiveWindow()

    # A whole new text (an import, a restored draft) brings its own header to the form.
    editor.replace_text(GOOD_SCRIPT.replace("shared-good", "shared-new"))
    assert (form.title.text(), form.kind.currentData()) == ("Shared but broken", "imagery")
    assert editor.problem_texts() == []
    assert not form.title.property("problem")
    _close_clean(editor)


def test_the_whole_header_can_be_edited_as_text_and_goes_back_to_the_form(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    window = make_window()
    editor = _open_copy(window)
    form = editor.header_form
    original = editor.text()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)  # type: ignore[attr-defined]
    form.in_text.setFocus()
    QTest.keyClick(form.in_text, Qt.Key.Key_Space)
    assert form.in_text.isChecked()
    assert editor.text_edit.toPlainText() == original and editor.text_edit.line_offset == 0
    assert not form.title.isEnabled() and form.note.isVisibleTo(editor)
    assert not editor.is_modified()  # only shown differently
    # A key the fields do not show, typed by hand into the header.
    line = _line_of(editor, "summary:")
    _type_at_end_of_line(editor, line, "\nending: sleep")
    assert editor.is_modified()
    form.in_text.setFocus()
    QTest.keyClick(form.in_text, Qt.Key.Key_Space)
    assert not form.in_text.isChecked() and form.title.isEnabled()
    assert not editor.text_edit.toPlainText().startswith("---")
    assert "ending: sleep\n" in editor.header  # type: ignore[operator]
    assert editor.is_modified()
    assert editor.save()
    saved = parse_file(user_dirs.scripts / f"{PRACTICE}-copy.md")
    assert saved.ending == "sleep" and saved.title.endswith("(my version)")
    _close_clean(editor)


def test_a_header_that_cannot_be_read_stays_in_the_text_until_fixed(
    make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    broken = user_dirs.scripts / "shared-bad.md"
    text = GOOD_SCRIPT.replace("shared-good", "shared-bad").replace(
        "title: Shared but broken", "title: [Shared")
    broken.write_text(text, encoding="utf-8")
    window = make_window()
    assert window.library_view.select(str(broken))
    editor = window.script_editing.edit_own()
    assert editor is not None
    form = editor.header_form
    assert editor.text_edit.toPlainText().startswith("---\nid: shared-bad\n")
    assert editor.text() == text
    assert not form.title.isEnabled() and form.note.isVisibleTo(editor)
    assert editor.problem_texts() and editor.problem_texts()[0].startswith("4: front matter")
    # Fixed in the text and saved: the header moves to the form, the text keeps its cursor line.
    editor.replace_text(text.replace("title: [Shared", "title: Shared again"))
    _go_to_line(editor, _line_of(editor, "[bell]"))
    assert editor.save()
    assert form.title.isEnabled() and form.title.text() == "Shared again"
    assert not form.note.isVisibleTo(editor)
    assert not editor.text_edit.toPlainText().startswith("---")
    assert editor.text_edit.cursor_line() == _line_of(editor, "[bell]")
    assert editor.text() == broken.read_text(encoding="utf-8")
    assert not editor.is_modified()
    _close_clean(editor)


def test_window_shortcuts_open_editors(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    assert window.library_view.select(PRACTICE)
    window.library_view.list.setFocus()
    QTest.keyClick(window.library_view.list, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    editors = window.script_editing.editors
    assert list(editors) == [f"{PRACTICE}-copy"]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # type: ignore[attr-defined]
    QTest.keyClick(window.library_view.list, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert sorted(editors) == ["my-practice", f"{PRACTICE}-copy"]
    menu_texts = [a.text() for a in window.script_editing.menu.actions() if a.text()]
    assert menu_texts == ["Edit a &copy…", "&Edit…", "&New practice", "&Import script…",
                          "E&xport script…", "Save as &audio…", "&Record in your own voice…"]
    assert all(a.toolTip() for a in window.library_view.list.actions())
    for editor in list(editors.values()):
        _close_clean(editor)
    assert not editors


def test_highlighting_and_problem_mark_colours(make_window: MakeWindow) -> None:
    window = make_window()
    editor = _open_copy(window)
    document = editor.text_edit.document()

    def colours(line: int) -> set[str]:
        block = document.findBlockByNumber(line - 1 - editor.text_edit.line_offset)
        return {r.format.foreground().color().name() for r in block.layout().formats()}

    # The front matter is in the form above the text, not in the text to colour.
    assert editor.text_edit.line_offset == editor.text().split("\n")[1:].index("---") + 2
    assert not document.firstBlock().text().startswith("---")
    assert LIGHT.accent in colours(_line_of(editor, "[breathe 4]"))
    assert LIGHT.muted_text in colours(_line_of(editor, "<!--"))
    for palette in (LIGHT, DARK):
        # The mark also colours the problem line's text, on the surface or the banner tint.
        assert contrast_ratio(problem_mark(palette), palette.surface) >= MIN_TEXT_CONTRAST
        assert contrast_ratio(problem_mark(palette), palette.banner) >= MIN_TEXT_CONTRAST
        assert contrast_ratio(problem_mark(palette), palette.window) >= MIN_NON_TEXT_CONTRAST
        assert QColor(problem_mark(palette)).isValid()
    _close_clean(editor)


def test_screenshot_with_a_problem(tmp_path: Path, qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    editor = _open_copy(window)
    line = _line_of(editor, "[pause 3]")
    _go_to_line(editor, line)
    cursor = editor.text_edit.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    editor.text_edit.setTextCursor(cursor)
    QTest.keyClicks(editor.text_edit, "[bel]")
    qtbot.waitUntil(lambda: bool(editor.problem_texts()), timeout=WAIT_MS)  # type: ignore[attr-defined]
    _go_to_line(editor, line)
    for _ in range(3):
        QApplication.processEvents()
    folder = Path(os.environ.get("CFT_DESKTOP_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "editor-problem.png"
    assert editor.grab().save(str(path))
    # The dark theme reaches an open editor through the window's display setting.
    window.actions["view.dark"].setChecked(True)
    for _ in range(3):
        QApplication.processEvents()
    assert editor.highlighter.comment.foreground().color().name() == DARK.muted_text
    assert editor.grab().save(str(folder / "editor-problem-dark.png"))
    window.actions["view.dark"].setChecked(False)
    # Fixed and saved: the library lists it beside the built-ins, marked as the user's.
    editor.replace_text(editor.text().replace("[bel]", "[bell]"))
    assert editor.save()
    _close_clean(editor)
    for _ in range(3):
        QApplication.processEvents()
    assert window.grab().save(str(folder / "library-with-yours.png"))


def test_replacing_import_refreshes_an_open_editor_and_keeps_unsaved_work(
    tmp_path: Path, make_window: MakeWindow, user_dirs: UserDirs, answers: Callable[..., Answers]
) -> None:
    window = make_window()
    incoming = tmp_path / "incoming" / "good.md"
    incoming.parent.mkdir()
    incoming.write_text(GOOD_SCRIPT, encoding="utf-8")
    target = window.script_editing.import_file(incoming)
    assert target is not None
    assert window.library_view.select("shared-good")
    editor = window.script_editing.edit_own()
    assert editor is not None and not editor.is_modified()

    # Unchanged editor: it shows the imported text as the saved version, one undo away.
    incoming.write_text(GOOD_SCRIPT.replace("Hello.", "Hello from the new file."), encoding="utf-8")
    answers("Replace mine")
    assert window.script_editing.import_file(incoming) == target
    assert "Hello from the new file." in editor.text()
    assert editor.text() == target.read_text(encoding="utf-8")
    assert not editor.is_modified()
    assert not list(user_dirs.scripts.glob(".drafts/*"))

    # Unsaved edits stay on screen, with a plain note that the file underneath changed.
    editor.replace_text(editor.text().replace("Hello from the new file.", "My own words."))
    assert editor.is_modified()
    incoming.write_text(GOOD_SCRIPT.replace("Hello.", "Third version."), encoding="utf-8")
    answers("Replace mine")
    assert window.script_editing.import_file(incoming) == target
    assert "My own words." in editor.text()
    assert "Third version." in target.read_text(encoding="utf-8")
    message = window.script_editing.last_message
    assert message is not None
    assert "replaced by the imported file" in message.text()
    assert "unsaved changes" in message.informativeText()
    message.close()


def test_a_close_the_editor_refuses_leaves_the_ratings_open(
    make_window: MakeWindow, answers: Callable[..., Answers]
) -> None:
    """Cancel on "save before closing?" keeps the window, and its ratings, in use: the store is
    closed only by a close that happens."""
    window = make_window()
    records = window.records
    assert records is not None and records.records is not None
    editor = _open_copy(window)
    type_keys(editor, "\n")
    answers("Cancel")
    window.close()
    assert window.isVisible() and editor.isVisible()
    assert records.records is not None and records.actions["history"].isEnabled()
    records.records.set_mode(records.records.mode())  # still writable
    answers("Discard")
    window.close()
    assert not window.isVisible() and records.records is None
