"""Export and import of the active client's ratings: CSV for spreadsheets, a one-page PDF for
clinical notes, and strict CSV import (every row or none, each problem named by file and line).

Owns asking for the file (`ask_export_path` / `ask_import_path`, which tests replace), calling
`store.export`, and the plain message after, which says an exported file is not locked with the
passphrase. A CSV's own client column is not followed on import: rows go to the client in use.
GUI thread only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from cft_desktop.errors import CftError, CsvImportError

if TYPE_CHECKING:
    from cft_desktop.ui.records.controller import RecordsController

EXPORT_FILTERS = "CSV for spreadsheets (*.csv);;PDF summary for clinical notes (*.pdf)"
IMPORT_FILTERS = "CSV files (*.csv);;All files (*)"


def _today() -> date:
    return date.today()


def suggested_name(pseudonym: str, day: date) -> str:
    """"cft-ratings Client A 2026-12-03.csv": whose and when, with nothing a file system refuses."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", pseudonym).strip(" .") or "ratings"
    return f"cft-ratings {safe[:60]} {day.isoformat()}.csv"


class Transfer:
    """Export and import for one window's ratings."""

    def __init__(self, hub: RecordsController) -> None:
        self.hub = hub
        # Replaced by tests (and could be by a packaging with its own file chooser).
        self.ask_export_path: Callable[[], Path | None] = self._ask_export_path
        self.ask_import_path: Callable[[], Path | None] = self._ask_import_path
        self.suggested_name = "cft-ratings.csv"

    def _ask_export_path(self) -> Path | None:
        chosen, selected = QFileDialog.getSaveFileName(
            self.hub.window, "Export ratings", str(Path.home() / self.suggested_name),
            EXPORT_FILTERS)
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() not in (".csv", ".pdf"):
            path = path.with_suffix(".pdf" if "pdf" in selected.lower() else ".csv")
        return path

    def _ask_import_path(self) -> Path | None:
        chosen, _selected = QFileDialog.getOpenFileName(
            self.hub.window, "Import ratings", str(Path.home()), IMPORT_FILTERS)
        return Path(chosen) if chosen else None

    def export_ratings(self) -> Path | None:
        from cft_desktop.store.export import export_csv, export_pdf

        records = self.hub.records
        if records is None:
            return None
        try:
            client = records.active_client()
            recorded = len(records.sessions(client.client_id))
        except CftError as exc:
            self.hub.store_failed(exc)
            return None
        if recorded == 0:
            # No file at all: a header-only CSV would look like lost ratings.
            self.hub.calm(f"There is nothing to export yet: no practice of {client.pseudonym} has "
                          "been rated on this computer.")
            return None
        self.suggested_name = suggested_name(client.pseudonym, _today())
        path = self.ask_export_path()
        if path is None:
            return None
        try:
            if path.suffix.lower() == ".pdf":
                summary = export_pdf(records, path, client.client_id)
                count = summary.sessions
                what = "A one-page summary of"
            else:
                count = export_csv(records, path, client.client_id)
                what = "The ratings of"
        except CftError as exc:
            self.hub.calm(f"The ratings could not be exported. {exc}")
            return None
        plural = "practice" if count == 1 else "practices"
        verb = "was" if what.startswith("A ") else "were"
        self.hub.calm(f"{what} {count} {plural} ({client.pseudonym}) {verb} saved to {path}.",
                   "This file is not locked with your passphrase. Keep it somewhere private.")
        return path

    def import_ratings(self) -> None:
        from cft_desktop.store.export import import_csv
        from cft_desktop.ui.records.views.import_report import ImportProblemsDialog

        records = self.hub.records
        if records is None:
            return
        path = self.ask_import_path()
        if path is None:
            return
        try:
            client = records.active_client()
            result = import_csv(records, path, client.client_id)
        except CsvImportError as exc:
            self.hub.open_side(ImportProblemsDialog(exc.problems, self.hub.window))
            return
        except CftError as exc:
            self.hub.calm(f"Nothing was imported. {exc}")
            return
        imported = "1 practice" if result.imported == 1 else f"{result.imported} practices"
        text = f"Imported {imported} into {client.pseudonym}'s history."
        if result.duplicates:
            already = "1 was" if result.duplicates == 1 else f"{result.duplicates} were"
            text += f" {already} already here and skipped as duplicates."
        self.hub.calm(text)
        self.hub.store_changed.emit()
        self.hub.refresh_history()
        # An import reads every client's file (an id stored anywhere is not imported twice).
        self.hub.tell_late_recovery()

