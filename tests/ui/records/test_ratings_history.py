"""The history view: the right numbers and words per session, worsening labelled as plainly as
improvement, the rule-of-thumb and engagement notes on screen, and 10,000 sessions at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage
from PySide6.QtWidgets import QApplication

from cft_desktop.core.ratings import DEFAULT_ITEM_SET, ENGAGEMENT_NOTE, RULE_OF_THUMB_NOTE, Direction
from cft_desktop.ui.records.views.common import active_theme, change_colour
from cft_desktop.ui.records.views.history import MIN_PIXELS_PER_MARK, HistoryDialog, marks_for, summary_text
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import controller_of, make_sessions

ROWS = [
    # before, after
    ({"distress": 40, "relaxed": 50}, {"distress": 65, "relaxed": 62, "ease": 70, "upset": "a little"}),
    ({"distress": 60, "relaxed": 30}, {"distress": 48, "relaxed": 30, "ease": 55}),
    ({"distress": 70, "relaxed": 20, "soothed": None}, {"distress": 42, "relaxed": 45}),
]


def _history(make_window: MakeWindow, rows: list = ROWS) -> HistoryDialog:  # type: ignore[type-arg]
    window = make_window()
    controller = controller_of(window)
    store = controller.records
    assert store is not None
    client = store.active_client().client_id
    store.add_sessions(make_sessions(client, rows, store))
    dialog = controller.show_history()
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_history_table_numbers_labels_and_notes(make_window: MakeWindow) -> None:
    dialog = _history(make_window)
    model = dialog.model
    titles = model.column_titles()
    assert titles[:3] == ["Date", "Practice", "Played"]
    assert titles[3:7] == ["Distress", "Calm", "Safe and warm", "Harsh with myself"]
    assert titles[7:] == ["Ease", "Upset"]
    assert model.rowCount() == 3
    distress, relaxed, soothed = titles.index("Distress"), titles.index("Calm"), titles.index("Safe and warm")
    # Newest first.
    # Two lines a cell (the numbers over the change in words), so the table fits the window.
    assert model.cell_text(0, 0) == "04 Mar 2026\n09:00"
    assert model.cell_text(0, 1) == "Soothing rhythm\nbreathing"
    assert model.cell_text(0, 2) == "100%"
    assert model.cell_text(0, distress) == "70 → 42\n−28, marked, better"
    assert model.cell_text(0, relaxed) == "20 → 45\n+25, marked, better"
    assert model.cell_text(0, soothed) == "– → 40"  # skipped before: no change claimed
    assert model.cell_text(1, distress) == "60 → 48\n−12, noticeable, better"
    assert model.cell_text(1, relaxed) == "30 → 30\nno change"
    # A worsening is labelled as one, in words, with its size.
    assert model.cell_text(2, distress) == "40 → 65\n+25, marked, worse"
    assert model.cell_text(2, relaxed) == "50 → 62\n+12, noticeable, better"
    assert model.cell_text(2, titles.index("Ease")) == "70"
    assert model.cell_text(2, titles.index("Upset")) == "a little"
    worse = model.index(2, distress)
    better = model.index(0, distress)
    assert worse.data(9).color().name() == change_colour(Direction.WORSE)  # ForegroundRole
    assert better.data(9).color().name() == change_colour(Direction.BETTER)
    assert "marked, worse" in worse.data(3)  # ToolTipRole
    # A screen reader hears each cell as one line.
    assert model.index(0, 1).data(Qt.ItemDataRole.AccessibleTextRole) == "Soothing rhythm breathing"
    assert worse.data(Qt.ItemDataRole.AccessibleTextRole) == "40 → 65, +25, marked, worse"
    assert model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole) == "04 Mar 2026, 09:00"
    # The chart's summary says how many went which way; the notes are on screen.
    assert dialog.chart.item is not None and dialog.chart.item.item_id == "distress"
    assert len(dialog.chart.pairs) == 3
    assert "1 worse" in dialog.summary.text() and "2 better" in dialog.summary.text()
    assert dialog.rule_note.text() == RULE_OF_THUMB_NOTE and dialog.rule_note.isVisible()
    assert dialog.engagement_note.text() == ENGAGEMENT_NOTE and dialog.engagement_note.isVisible()
    dialog.choose_item("relaxed")
    assert dialog.chart.item.item_id == "relaxed"
    assert "Calm, over 3 sessions" in dialog.summary.text()
    assert dialog.averaging.text() == ""


def test_ten_thousand_sessions_open_without_freezing(make_window: MakeWindow) -> None:
    rows = [({"distress": (n * 7) % 101}, {"distress": (n * 13) % 101}) for n in range(10_000)]
    window = make_window()
    controller = controller_of(window)
    store = controller.records
    assert store is not None
    client = store.active_client().client_id
    store.add_sessions(make_sessions(client, rows, store))
    # How long this takes is measured by benchmarks/bench_store.py ("open + draw history").
    dialog = controller.show_history()
    assert dialog is not None
    for _ in range(3):
        QApplication.processEvents()
    grab = dialog.grab()
    assert not grab.isNull()
    assert dialog.model.rowCount() == 10_000
    marks = dialog.chart.marks()
    assert 0 < len(marks) <= dialog.chart.width() // MIN_PIXELS_PER_MARK
    assert sum(m.count for m in marks) == 10_000
    assert "average of up to" in dialog.averaging.text()
    # The summary counts every session, not just the ones the chart has room for.
    assert "over 10000 sessions rated before and after" in dialog.summary.text()


def test_columns_fit_their_text_as_qt_would_size_them(make_window: MakeWindow) -> None:
    rows = [*ROWS, ({"distress": 100}, {"distress": 9, "upset": "a lot"})]
    dialog = _history(make_window, rows)
    header = dialog.table.horizontalHeader()
    columns = dialog.model.columnCount()
    fitted = [header.sectionSize(c) for c in range(columns)]
    metrics = QFontMetricsF(dialog.table.font())
    for column in range(columns):
        for row in range(dialog.model.rowCount()):
            text = dialog.model.cell_text(row, column)
            for line in text.split("\n"):
                assert metrics.horizontalAdvance(line) < fitted[column], (row, column, line)
    distress = dialog.model.column_titles().index("Distress")
    assert dialog.model.cell_text(0, distress) == "100 → 9\n−91, marked, better"
    # Qt's own sizing (which asks the model for every role of every sampled cell) agrees. (The
    # table now fits the dialog, so the last column is stretched over the room left: it is at
    # least as wide as Qt would make it.)
    assert fitted[-1] >= dialog.table.sizeHintForColumn(columns - 1)
    dialog.table.resizeColumnsToContents()
    assert [header.sectionSize(c) for c in range(columns - 1)] == fitted[:-1]


def test_summary_counts_every_session_when_pairs_repeat() -> None:
    distress = DEFAULT_ITEM_SET.item("distress")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    pairs = ([(moment, 40, 65)] * 3 + [(moment, 60, 48)] * 2 + [(moment, 50, 52)] * 4
             + [(moment, 30, 30)])
    text = summary_text(distress, pairs)
    assert text.startswith("Distress, over 10 sessions rated before and after: on average ")
    assert "Noticeable or marked change: 2 better, 3 worse; 5 small or none." in text


def test_marks_average_equal_runs_of_neighbours() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    pairs = [(start + timedelta(days=n), n * 10, 100 - n * 10) for n in range(10)]
    marks = marks_for(pairs, 3)
    assert [m.count for m in marks] == [4, 4, 2]
    assert [(m.before, m.after) for m in marks] == [(15.0, 85.0), (55.0, 45.0), (85.0, 15.0)]
    assert marks[0].first == start and marks[-1].last == start + timedelta(days=9)
    assert len(marks_for(pairs, 50)) == 10


def _pixel(image: QImage, x: int, y: int) -> str:
    return image.pixelColor(x, y).name()


def test_chart_redraws_for_a_new_question_theme_and_focus(make_window: MakeWindow) -> None:
    dialog = _history(make_window)
    chart = dialog.chart
    for _ in range(3):
        QApplication.processEvents()
    distress = chart.grab().toImage()
    dialog.choose_item("relaxed")
    relaxed = chart.grab().toImage()
    assert distress != relaxed
    assert _pixel(relaxed, chart.width() // 2, 6) == QColor(active_theme().surface).name()
    # Focus: the ring appears around the same marks.
    chart.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    assert chart.hasFocus()
    focused = chart.grab().toImage()
    middle = QPoint(chart.width() // 2, chart.height() // 3)
    assert _pixel(focused, 1, chart.height() // 2) == QColor(active_theme().focus).name()
    assert _pixel(focused, middle.x(), middle.y()) == _pixel(relaxed, middle.x(), middle.y())
    # A theme change repaints the chart in the new colours.
    window = dialog.parent()
    window.actions["view.dark"].setChecked(True)  # type: ignore[union-attr]
    QApplication.processEvents()
    dark = chart.grab().toImage()
    assert active_theme().name != "light"
    assert _pixel(dark, chart.width() // 2, 6) == QColor(active_theme().surface).name()
    window.actions["view.dark"].setChecked(False)  # type: ignore[union-attr]


def test_the_legend_names_every_mark_and_wraps_instead_of_cutting_worse_off(
    make_window: MakeWindow,
) -> None:
    from PySide6.QtGui import QFontMetrics

    from cft_desktop.ui.records.views.history import LEGEND_ENTRIES

    dialog = _history(make_window)
    chart = dialog.chart
    metrics = QFontMetrics(chart.font())
    wide = chart._legend_rows(40, 1100)
    assert len(wide) == 1
    assert [words for _, words, _ in wide[0]] == [words for _, words in LEGEND_ENTRIES]
    assert "no change (one dot)" in [words for _, words in LEGEND_ENTRIES]
    for right in (600, 420, 250):
        rows = chart._legend_rows(40, right)
        entries = [entry for row in rows for entry in row]
        assert [words for _, words, _ in entries] == [words for _, words in LEGEND_ENTRIES]
        for kind, words, x in entries:
            mark = 16 if kind in ("hollow", "filled", "same") else 28
            # Each entry fits, except one alone on its row that is wider than the whole space.
            alone = any(row == [(kind, words, x)] for row in rows)
            assert alone or x + mark + metrics.horizontalAdvance(words) <= right
    assert len(chart._legend_rows(40, 420)) > 1


def _noted_history(make_window: MakeWindow) -> HistoryDialog:
    """A client whose after-form asks for a note too, with one long note among short ones."""
    window = make_window()
    controller = controller_of(window)
    store = controller.records
    assert store is not None
    client = store.active_client().client_id
    store.set_item_set(client, store.item_set(client).with_enabled("note"))
    rows = [*ROWS * 4, ({"distress": 100}, {"distress": 9, "upset": "a lot", "note": LONG_NOTE})]
    rows = [(before, {"note": "Felt calmer.", **after}) for before, after in rows]
    store.add_sessions(make_sessions(client, rows, store))
    dialog = controller.show_history()
    assert dialog is not None and dialog.isVisible()
    return dialog


LONG_NOTE = ("My shoulders dropped and the breath slowed down by itself, which surprised me; "
             "the critic came back near the end but it was quieter than last week.")


@pytest.mark.parametrize(("notes", "width"), [(True, 1326), (True, 1210), (False, 1110)])
def test_the_table_fits_a_laptop_screen_without_scrolling_sideways(
        make_window: MakeWindow, notes: bool, width: int) -> None:
    """A 1366 px screen less 40 for the window frame; and narrower still (the note column, when
    the form asks for one, gives up room down to a tenth of its heading's width or so)."""
    rows = [*ROWS * 4, ({"distress": 100}, {"distress": 9, "upset": "a lot"})]
    dialog = _noted_history(make_window) if notes else _history(make_window, rows)
    dialog.resize(width, 700)
    for _ in range(3):
        QApplication.processEvents()
    table, model = dialog.table, dialog.model
    header = table.horizontalHeader()
    assert table.verticalScrollBar().isVisible()  # more sessions than room: it takes its width
    assert table.horizontalScrollBar().maximum() == 0
    assert not table.horizontalScrollBar().isVisible()
    assert header.length() <= table.viewport().width()
    titles = model.column_titles()
    if notes:
        assert titles[-1] == "Note" and model.note_column == len(titles) - 1
    else:
        assert "Note" not in titles and model.note_column is None
    metrics = QFontMetricsF(header.font())
    for column in range(model.columnCount()):
        size = header.sectionSize(column)
        heading = str(model.headerData(column, Qt.Orientation.Horizontal))
        # Every heading reads whole, line by line.
        assert all(metrics.horizontalAdvance(line) < size for line in heading.split("\n")), (
            heading, size)
        assert size >= header.sectionSizeHint(column), heading
        if column != model.note_column:
            # Every other cell as wide as Qt would make it: nothing elided.
            assert size >= table.sizeHintForColumn(column), (heading, size)
    if model.note_column is not None:
        # The long note is cut on screen and read whole in its tooltip.
        note = model.index(0, model.note_column)
        assert note.data(Qt.ItemDataRole.ToolTipRole) == LONG_NOTE
        assert header.sectionSize(model.note_column) < QFontMetricsF(
            table.font()).horizontalAdvance(LONG_NOTE)
    # The rows hold the two lines of each cell.
    lines = QFontMetricsF(table.font()).lineSpacing() * 2
    assert table.rowHeight(0) >= lines
