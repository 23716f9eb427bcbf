"""Exports of the ratings (CSV for spreadsheets and moving data, a one-page PDF for clinical
notes) and CSV import. Only on explicit request from the person using the app.

The CSV has exactly these columns, one row per session::

    session_id, client, script_id, script_version, started_at, ended_at, completed,
    bpm, ratio, pause_scale, voice,
    distress_before, distress_after, relaxed_before, relaxed_after, soothed_before, soothed_after,
    self_criticism_before, self_criticism_after, energised_before, energised_after,
    self_kindness_before, self_kindness_after, ease, upset, note

``client`` is the pseudonym; ``completed`` the fraction of the practice that played (0–1);
``bpm``, ``ratio``, ``pause_scale`` come from the session's pacing. A skipped or unasked item is
an empty cell. The file is UTF-8 with a byte-order mark so spreadsheet programs read accents
correctly; a text cell starting with ``= + - @`` (or ``'``) gets a leading ``'`` so no
spreadsheet runs it as a formula, and import removes that ``'`` again.

What the columns cannot carry, an import fills in: answers get the wording version in force for
the receiving profile; an empty cell is stored as "not answered" (skipped and not asked look the
same in a CSV); pacing keeps only the three exported keys. Everything the CSV does carry survives
export → import → export unchanged.

The PDF embeds the fonts shipped in ``fonts/`` beside this module (DejaVu Sans, and Droid Sans
Fallback for CJK letters when a page needs them), so a pseudonym in any script prints as written.

The package re-exports every name of its modules: `common` (the columns, writing a file whole),
`csv_file` (CSV export and import), `summary` (what the summary says, with no file format) and
`pdf` (the page that prints it).

Runs on the thread that owns the store (the GUI thread or the CLI's main thread); a 10,000-row
export takes well under a second.
"""

from cft_desktop.store.export.common import (
    AFTER_ONLY_ITEMS,
    COLUMNS,
    PAIRED_ITEMS,
    SESSION_COLUMNS,
)
from cft_desktop.store.export.csv_file import ImportResult, export_csv, import_csv
from cft_desktop.store.export.pdf import FALLBACK_FONT, FONT, FONTS_DIR, export_pdf
from cft_desktop.store.export.summary import ItemSummary, Summary, summarise

__all__ = [
    "AFTER_ONLY_ITEMS",
    "COLUMNS",
    "FALLBACK_FONT",
    "FONT",
    "FONTS_DIR",
    "PAIRED_ITEMS",
    "SESSION_COLUMNS",
    "ImportResult",
    "ItemSummary",
    "Summary",
    "export_csv",
    "export_pdf",
    "import_csv",
    "summarise",
]
