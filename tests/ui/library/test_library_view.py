"""The library lists every practice grouped by kind; a broken script shows its file:line error."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from cft_desktop import paths
from cft_desktop.core.library import Library
from cft_desktop.core.script import parse_file
from cft_desktop.errors import ScriptErrors
from cft_desktop.ui.library.library_view import (
    BROKEN_HEADING,
    KIND_HEADINGS,
    minutes_text,
    viewport_width,
)
from tests.ui.conftest import BROKEN_USER_SCRIPT, MakeWindow, UserDirs, write_script


def test_every_shipped_practice_is_listed_under_its_kind_in_suggested_order(
    make_window: MakeWindow,
) -> None:
    window = make_window()
    shipped = Library(builtin_dir=paths.scripts_dir()).entries
    assert len(shipped) >= 13 and all(e.ok for e in shipped)
    rows = window.library_view.rows()
    listed = [row_id for kind, row_id, _ in rows if kind == "practice"]
    assert sorted(listed) == sorted(e.id for e in shipped)

    # Headings in the order kinds first appear in the suggested order, each practice under its own.
    kinds_in_order = list(dict.fromkeys(e.script.kind for e in shipped if e.script))
    assert window.library_view.headings() == [KIND_HEADINGS[k] for k in kinds_in_order]
    by_id = {e.id: e for e in shipped}
    heading = None
    for kind, row_id, text in rows:
        if kind == "heading":
            heading = text
            continue
        script = by_id[row_id].script
        assert script is not None
        assert heading == KIND_HEADINGS[script.kind]
        assert script.title in text and minutes_text(script.minutes) in text
        assert script.summary in text
    # Within a kind the library's own (suggested) order is kept.
    for kind in kinds_in_order:
        expected = [e.id for e in shipped if e.script and e.script.kind == kind]
        assert [i for i in listed if by_id[i].script.kind == kind] == expected  # type: ignore[union-attr]


def test_caution_is_shown_with_its_practice(make_window: MakeWindow) -> None:
    window = make_window()
    view = window.library_view
    assert view.select("soothing-rhythm-breathing")
    item = view.list.currentItem()
    script = view.current_entry().script  # type: ignore[union-attr]
    assert script.caution
    assert item.data(Qt.ItemDataRole.AccessibleDescriptionRole) == script.caution
    assert script.caution in item.toolTip()


def test_broken_user_script_is_listed_with_file_and_line(
    make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    bad = write_script(user_dirs.scripts, "my-bad-practice.md", BROKEN_USER_SCRIPT)
    try:
        parse_file(bad)
    except ScriptErrors as exc:
        line = exc.errors[0].line
    assert line == 10
    window = make_window()
    view = window.library_view
    rows = view.rows()
    assert BROKEN_HEADING in view.headings()
    broken = [(row_id, text) for kind, row_id, text in rows if kind == "broken"]
    assert len(broken) == 1
    assert f"my-bad-practice.md:{line}:" in broken[0][1]
    # The rest of the list is intact.
    assert len([r for r in rows if r[0] == "practice"]) == len(Library().entries)

    # Choosing it explains the problem and offers nothing to play.
    assert view.select(broken[0][0])
    assert f"my-bad-practice.md:{line}:" in window.player_view.meta.text()
    assert not window.player_view.play.isEnabled()
    window.practice.play()
    assert window.playback.state == "idle"


def test_choosing_a_practice_shows_it_in_the_player(make_window: MakeWindow) -> None:
    window = make_window()
    assert window.library_view.select("safe-place")
    assert window.player_view.title.text() == window.library_view.current_entry().script.title  # type: ignore[union-attr]
    assert window.player_view.play.isEnabled()


def test_the_measured_text_width_follows_the_real_viewport(make_window: MakeWindow) -> None:
    """Rows are wrapped to a width worked out without `viewport()`; it must be the viewport's."""
    window = make_window()
    view = window.library_view.list
    app = QApplication.instance()
    assert app is not None
    seen = []
    # The window never grows past the screen, so "no scroll bar" comes from a short list:
    # every row but the first three hidden (as short as a list of three practices).
    for width, height, large, rows in ((1220, 780, False, None), (900, 600, False, None),
                                       (1400, 860, False, 3), (1220, 780, True, None),
                                       (800, 500, True, None)):
        for row in range(view.count()):
            view.setRowHidden(row, rows is not None and row >= rows)
        window.practice.apply_display(replace(window.pacing_panel.display(), large_text=large))
        window.resize(width, height)
        window.splitter.setSizes([width // 3, width // 3, width // 3])
        app.processEvents()
        seen.append(view.verticalScrollBar().isVisibleTo(view))
        assert viewport_width(view) == view.viewport().width()
    assert True in seen and False in seen  # with and without the scroll bar


GERMAN_SCRIPT = """---
id: mitgefuehl
title: Mitgefühl
kind: imagery
minutes: 3
summary: Eine kurze Übung auf Deutsch.
language: de
---
Willkommen.
"""


def test_a_practice_in_another_language_is_listed_as_needing_a_recording(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    write_script(user_dirs.scripts, "mitgefuehl.md", GERMAN_SCRIPT)
    window = make_window()
    rows = {row_id: text for kind, row_id, text in window.library_view.rows() if kind == "practice"}
    assert "3 minutes · de · needs a recording" in rows["mitgefuehl"]
    assert "needs a recording" not in rows["safe-place"]
    failed: list[str] = []
    window.playback.failed.connect(failed.append)
    assert window.library_view.select("mitgefuehl")
    window.practice.start_practice(window.library_view.current_entry().script)
    assert failed and "does not speak (de)" in failed[0]
    assert window.playback.state == "idle"
    # Saving it as audio is refused the same way, and writes nothing.
    from cft_desktop.ui.scripts.take_home import Failed

    home = window.script_editing.take_home
    target = user_dirs.data / "mitgefuehl.wav"
    entry = window.library_view.current_entry()
    assert entry is not None and home.start(entry, target)
    qtbot.waitUntil(lambda: home.last_outcome is not None, timeout=20_000)  # type: ignore[attr-defined]
    outcome = home.last_outcome
    assert isinstance(outcome, Failed) and "does not speak (de)" in outcome.detail
    assert not target.exists()
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox):
            box.close()
