"""Export and import from the window's Ratings menu (the file chooser is the only stand-in)."""

from __future__ import annotations

import csv
from pathlib import Path

from cft_desktop.store.export import COLUMNS
from cft_desktop.ui.records.views.import_report import NOTHING_IMPORTED, ImportProblemsDialog
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import calm_messages, controller_of, make_sessions

ROWS = [({"distress": 40}, {"distress": 30}), ({"distress": 55}, {"distress": 60})]


def _window_with_sessions(make_window: MakeWindow) -> object:
    window = make_window()
    controller = controller_of(window)
    store = controller.records
    assert store is not None
    store.add_sessions(make_sessions(store.active_client().client_id, ROWS, store))
    return window


def test_export_csv_and_pdf_from_the_menu(make_window: MakeWindow, tmp_path: Path) -> None:
    window = _window_with_sessions(make_window)
    controller = controller_of(window)  # type: ignore[arg-type]
    target = tmp_path / "out" / "ratings.csv"
    target.parent.mkdir()
    controller.transfer.ask_export_path = lambda: target
    controller.actions["export"].trigger()
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 3
    assert rows[1][COLUMNS.index("distress_before")] == "40"
    assert rows[2][COLUMNS.index("distress_after")] == "60"
    (box,) = calm_messages()
    assert "2 practices" in box.text() and str(target) in box.text()
    assert "not locked" in box.informativeText()
    box.accept()

    pdf = tmp_path / "out" / "summary.pdf"
    controller.transfer.ask_export_path = lambda: pdf
    controller.actions["export"].trigger()
    assert pdf.read_bytes().startswith(b"%PDF")
    (box,) = calm_messages()
    assert "summary of 2 practices" in box.text()
    box.accept()

    # Cancelling the file chooser does nothing.
    controller.transfer.ask_export_path = lambda: None
    controller.actions["export"].trigger()
    assert not calm_messages()


def test_import_bad_csv_lists_every_problem_and_imports_nothing(
    make_window: MakeWindow, tmp_path: Path
) -> None:
    window = _window_with_sessions(make_window)
    controller = controller_of(window)  # type: ignore[arg-type]
    good = tmp_path / "good.csv"
    controller.transfer.ask_export_path = lambda: good
    controller.actions["export"].trigger()
    for box in calm_messages():
        box.accept()
    rows = list(csv.reader(good.open(encoding="utf-8-sig", newline="")))
    rows[1][COLUMNS.index("session_id")] = "f" * 32
    rows[1][COLUMNS.index("distress_before")] = "140"
    rows[2][COLUMNS.index("session_id")] = "e" * 32
    rows[2][COLUMNS.index("started_at")] = "last tuesday"
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    store = controller.records
    assert store is not None
    before = len(store.sessions())

    controller.transfer.ask_import_path = lambda: bad
    controller.actions["import"].trigger()
    report = controller.side_dialog
    assert isinstance(report, ImportProblemsDialog) and report.isVisible()
    text = report.text()
    assert NOTHING_IMPORTED in text
    assert f"{bad}:2: distress_before:" in text and "140" in text
    assert f"{bad}:3: started_at:" in text
    assert len(report.problems) == 2
    assert len(store.sessions()) == before
    report.accept()

    # The good file again: everything is already there.
    controller.transfer.ask_import_path = lambda: good
    controller.actions["import"].trigger()
    (box,) = calm_messages()
    assert "Imported 0 practices" in box.text() and "2 were already here" in box.text()
    box.accept()


def test_a_client_with_nothing_rated_is_told_so_and_no_file_is_written(
    make_window: MakeWindow, tmp_path: Path
) -> None:
    """Issue 17 §5: exporting a client with no sessions wrote a header-only CSV and said "The
    ratings of 0 practices … was saved"."""
    window = make_window()
    controller = controller_of(window)  # type: ignore[arg-type]
    asked: list[bool] = []
    controller.transfer.ask_export_path = lambda: asked.append(True) or tmp_path / "x.csv"
    controller.actions["export"].trigger()
    (box,) = calm_messages()
    assert box.text().startswith("There is nothing to export yet")
    assert asked == [] and not (tmp_path / "x.csv").exists()
    box.accept()


def test_the_export_says_were_for_ratings_and_suggests_whose_and_when(
    make_window: MakeWindow, tmp_path: Path
) -> None:
    from datetime import date

    from cft_desktop.ui.records.transfer import suggested_name

    window = _window_with_sessions(make_window)
    controller = controller_of(window)  # type: ignore[arg-type]
    target = tmp_path / "r.csv"
    controller.transfer.ask_export_path = lambda: target
    controller.actions["export"].trigger()
    (box,) = calm_messages()
    assert " practices (" in box.text() and ") were saved to " in box.text()
    box.accept()
    today = date.today().isoformat()
    assert controller.transfer.suggested_name.endswith(f" {today}.csv")
    assert suggested_name("Client A", date(2026, 12, 3)) == "cft-ratings Client A 2026-12-03.csv"
    assert suggested_name('a/b:c?"', date(2026, 12, 3)) == "cft-ratings a b c 2026-12-03.csv"
