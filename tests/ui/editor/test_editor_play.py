"""The editor's whole path with real sound: edit → validate → play from here → save → library.

Plays through the real-time PulseAudio null sink (the window, session, engine and PortAudio are all
real; only the voice is the quick stand-in tone), so "play from here" is checked where it matters:
the engine starts at the frame where the cursor's phrase begins in the session's own timeline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cft_desktop import paths
from cft_desktop.core.script import parse_file
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.ui.editor.editor import ScriptEditor
from tests.ui.conftest import MakeWindow
from tests.ui.editor.test_editor import PRACTICE, WAIT_MS, _line_of, _open_copy, _type_at_end_of_line

pytestmark = pytest.mark.realtime

START_TIMEOUT_MS = 20_000
NEW_PHRASE = "Notice, too, the small sounds of the room."


@pytest.fixture
def make_window(make_window: MakeWindow) -> Iterator[MakeWindow]:
    """The shared fixture, but editors left with changes (a failed test) are closed without the
    question first, so the window's own teardown is never stopped by a modal dialog."""
    yield make_window
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ScriptEditor):
            widget._closing_confirmed = True
            widget.close()


def test_edit_validate_play_from_here_save_and_list(
    qtbot: object, sound_output: Path, make_window: MakeWindow
) -> None:
    # (sound_output first: its teardown closes windows, after our editors are put away)
    window = make_window()
    builtin = paths.scripts_dir() / f"{PRACTICE}.md"
    builtin_bytes = builtin.read_bytes()
    editor = _open_copy(window)
    assert not editor.stop_button.isEnabled() and not editor.play_status.isVisible()

    # Edit: a typo'd cue is caught within the debounce, then fixed; a new phrase is added.
    line = _line_of(editor, "[pause 4]")
    _type_at_end_of_line(editor, line, "\n\n[bel]")
    typo = f"{line + 2}: unknown cue [bel]: did you mean [bell]?"
    qtbot.waitUntil(lambda: editor.problem_texts() == [typo], timeout=WAIT_MS)  # type: ignore[attr-defined]
    QTest.keyClick(editor.text_edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(editor.text_edit, "l]")
    _type_at_end_of_line(editor, line + 2, f"\n\n{NEW_PHRASE}")
    qtbot.waitUntil(lambda: editor.problem_texts() == [], timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert editor.is_modified()

    # Play from here, with the cursor inside a later phrase, unsaved.
    target_line = _line_of(editor, "Keep it gentle")
    editor.text_edit.go_to_line(target_line)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)  # type: ignore[attr-defined]
    editor.text_edit.setFocus()
    QTest.keyClick(editor.text_edit, Qt.Key.Key_F5)
    playback = window.playback
    # While it plays, the editor says so, and from which line; its Stop button is live.
    qtbot.waitUntil(lambda: playback.state == "playing", timeout=START_TIMEOUT_MS)  # type: ignore[attr-defined]
    assert editor.play_status.isVisible()
    assert editor.play_status.text() == f"Playing from line {target_line}…"
    assert editor.stop_button.isEnabled()
    session = playback.session
    assert session is not None
    assert session.script.id == f"{PRACTICE}-copy"
    assert NEW_PHRASE in [p.text for p in session.script.phrases()]  # the unsaved text plays
    (event,) = [e for e in session.timeline.phrase_events() if e.line == target_line]
    assert event.start_frame > 30 * SAMPLE_RATE
    assert playback.start_frame == event.start_frame
    qtbot.waitUntil(lambda: playback.position_frame() > event.start_frame + SAMPLE_RATE // 2,  # type: ignore[attr-defined]
                    timeout=START_TIMEOUT_MS)
    assert playback.position_frame() < event.start_frame + 10 * SAMPLE_RATE
    # What the listener sees follows: the caption is that phrase.
    assert window.player_view.caption_text().startswith("Keep it gentle")

    # Esc in the editor stops.
    QTest.keyClick(editor.text_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: playback.state == "idle", timeout=WAIT_MS)  # type: ignore[attr-defined]
    # Back as it was once nothing plays.
    assert not editor.play_status.isVisible() and editor.play_status.text() == ""
    assert not editor.stop_button.isEnabled()
    assert editor.play_button.text() == "Play from here" and editor.play_button.isEnabled()

    # Save: a valid user script beside the built-ins, marked as the user's; the original untouched.
    assert editor.save()
    saved = paths.user_scripts_dir() / f"{PRACTICE}-copy.md"
    assert NEW_PHRASE in [p.text for p in parse_file(saved).phrases()]
    assert saved.read_text(encoding="utf-8") == editor.text()
    assert builtin.read_bytes() == builtin_bytes
    rows = {row_id: text for kind, row_id, text in window.library_view.rows() if kind == "practice"}
    assert "Yours" in rows[f"{PRACTICE}-copy"]
    editor.close()
