"""The history view: the right numbers and words per session, worsening labelled as plainly as
improvement, the rule-of-thumb and engagement notes on screen, and 10,000 sessions at once."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication

from cft_desktop.core.ratings import ENGAGEMENT_NOTE, RULE_OF_THUMB_NOTE, Direction
from cft_desktop.ui.history import MIN_PIXELS_PER_MARK, HistoryDialog
from cft_desktop.ui.ratings_common import change_colour
from tests.ui.conftest import MakeWindow
from tests.ui.ratings_support import controller_of, make_sessions

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
    assert titles[3:7] == ["Distress", "Relaxed", "Soothed", "Self-criticism"]
    assert titles[7:] == ["Ease", "Upset"]
    assert model.rowCount() == 3
    distress, relaxed, soothed = titles.index("Distress"), titles.index("Relaxed"), titles.index("Soothed")
    # Newest first.
    assert model.cell_text(0, 0) == "04 Mar 2026 09:00"
    assert model.cell_text(0, 1) == "Soothing rhythm breathing"
    assert model.cell_text(0, 2) == "100%"
    assert model.cell_text(0, distress) == "70 → 42  (−28, marked, better)"
    assert model.cell_text(0, relaxed) == "20 → 45  (+25, marked, better)"
    assert model.cell_text(0, soothed) == "– → 40"  # skipped before: no change claimed
    assert model.cell_text(1, distress) == "60 → 48  (−12, noticeable, better)"
    assert model.cell_text(1, relaxed) == "30 → 30  (no change)"
    # A worsening is labelled as one, in words, with its size.
    assert model.cell_text(2, distress) == "40 → 65  (+25, marked, worse)"
    assert model.cell_text(2, relaxed) == "50 → 62  (+12, noticeable, better)"
    assert model.cell_text(2, titles.index("Ease")) == "70"
    assert model.cell_text(2, titles.index("Upset")) == "a little"
    worse = model.index(2, distress)
    better = model.index(0, distress)
    assert worse.data(9).color().name() == change_colour(Direction.WORSE)  # ForegroundRole
    assert better.data(9).color().name() == change_colour(Direction.BETTER)
    assert "marked, worse" in worse.data(3)  # ToolTipRole
    # The chart's summary says how many went which way; the notes are on screen.
    assert dialog.chart.item is not None and dialog.chart.item.item_id == "distress"
    assert len(dialog.chart.pairs) == 3
    assert "1 worse" in dialog.summary.text() and "2 better" in dialog.summary.text()
    assert dialog.rule_note.text() == RULE_OF_THUMB_NOTE and dialog.rule_note.isVisible()
    assert dialog.engagement_note.text() == ENGAGEMENT_NOTE and dialog.engagement_note.isVisible()
    dialog.choose_item("relaxed")
    assert dialog.chart.item.item_id == "relaxed"
    assert "Relaxed, over 3 sessions" in dialog.summary.text()
    assert dialog.averaging.text() == ""


def test_ten_thousand_sessions_open_without_freezing(make_window: MakeWindow) -> None:
    rows = [({"distress": (n * 7) % 101}, {"distress": (n * 13) % 101}) for n in range(10_000)]
    window = make_window()
    controller = controller_of(window)
    store = controller.records
    assert store is not None
    client = store.active_client().client_id
    store.add_sessions(make_sessions(client, rows, store))
    started = time.perf_counter()
    dialog = controller.show_history()
    assert dialog is not None
    for _ in range(3):
        QApplication.processEvents()
    grab = dialog.grab()
    elapsed = time.perf_counter() - started
    assert not grab.isNull()
    assert dialog.model.rowCount() == 10_000
    marks = dialog.chart.marks()
    assert 0 < len(marks) <= dialog.chart.width() // MIN_PIXELS_PER_MARK
    assert sum(m.count for m in marks) == 10_000
    assert "average of up to" in dialog.averaging.text()
    assert elapsed < 4.0, elapsed
    # Repainting the chart is quick once open.
    started = time.perf_counter()
    for _ in range(10):
        dialog.chart.repaint()
    assert (time.perf_counter() - started) / 10 < 0.1
