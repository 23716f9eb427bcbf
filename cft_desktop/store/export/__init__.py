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

Runs on the thread that owns the store (the GUI thread or the CLI's main thread); a 10,000-row
export takes well under a second.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cft_desktop import atomic
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.ratings import (
    DEFAULT_ITEM_SET,
    ENGAGEMENT_NOTE,
    RULE_OF_THUMB_NOTE,
    SCALE_MAX,
    SCALE_MIN,
    UPSET_CHOICES,
    Answer,
    ChangeSize,
    ItemChange,
    ItemKind,
    ItemSet,
    Phase,
    item_change,
    problem_with_text,
    problem_with_value,
)
from cft_desktop.errors import CsvImportError, PacingError, StoreError
from cft_desktop.store.records import (
    Client,
    Records,
    SessionRecord,
    _check_label,  # the label rule saving applies (records.py keeps its limit private)
    check_fraction,
)

# fpdf (with fontTools) takes ~0.4 s to import: only a PDF export pays for it, not start-up.
if TYPE_CHECKING:
    from fpdf import FPDF

PAIRED_ITEMS: tuple[str, ...] = (
    "distress",
    "relaxed",
    "soothed",
    "self_criticism",
    "energised",
    "self_kindness",
)
AFTER_ONLY_ITEMS: tuple[str, ...] = ("ease", "upset", "note")
SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "client",
    "script_id",
    "script_version",
    "started_at",
    "ended_at",
    "completed",
    "bpm",
    "ratio",
    "pause_scale",
    "voice",
)
COLUMNS: tuple[str, ...] = (
    SESSION_COLUMNS
    + tuple(f"{item}_{phase}" for item in PAIRED_ITEMS for phase in ("before", "after"))
    + AFTER_ONLY_ITEMS
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_SESSION_ID = re.compile(r"[0-9a-f]{32}")


def _protect(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unprotect(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _protect(str(value))
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return _protect(str(value))


def _answer_cell(value: int | str | None) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else _protect(value)


def _row(session: SessionRecord, pseudonym: str) -> list[str]:
    row = [
        session.session_id,
        _protect(pseudonym),
        _protect(session.script_id),
        _protect(session.script_version),
        session.started_at.isoformat(),
        "" if session.ended_at is None else session.ended_at.isoformat(),
        _number(session.fraction_completed),
        _number(session.pacing.get("bpm")),
        _number(session.pacing.get("ratio")),
        _number(session.pacing.get("pause_scale")),
        _protect(session.voice),
    ]
    for item in PAIRED_ITEMS:
        row.append(_answer_cell(session.value(Phase.BEFORE, item)))
        row.append(_answer_cell(session.value(Phase.AFTER, item)))
    row.extend(_answer_cell(session.value(Phase.AFTER, item)) for item in AFTER_ONLY_ITEMS)
    return row


def export_csv(records: Records, out_path: Path, client: str | None = None) -> int:
    """Write one row per session (of `client`, or of everyone) to `out_path`; return the count.

    The file appears whole or not at all (written like the store: temp file, then replace).
    """
    names = {c.client_id: c.pseudonym for c in records.clients()}
    if client is not None:
        records.client(client)
    sessions = records.sessions(client)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for session in sessions:
        writer.writerow(_row(session, names.get(session.client_id, session.client_id)))
    try:
        atomic.write_bytes(Path(out_path), buffer.getvalue().encode("utf-8-sig"))
    except OSError as exc:
        raise StoreError(f"Could not write {out_path}: {exc.strerror or exc}") from exc
    return len(sessions)


@dataclass(frozen=True)
class ImportResult:
    imported: int
    duplicates: int  # rows identical to a session already stored (or earlier in the file)
    new_clients: tuple[str, ...] = ()  # pseudonyms of profiles the import created


class _RowProblems(Exception):
    def __init__(self, messages: list[str]) -> None:
        self.messages = messages


# Python's int(), float() and datetime.fromisoformat() accept digits of every script ("５０",
# "٥٠"), and float() also "inf", "nan" and "1e308"; a cell is matched against ASCII first.
_SCALE_CELL = re.compile(r" *[0-9]{1,3} *", re.ASCII)
_NUMBER_CELL = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?", re.ASCII)
_RATIO_CELL = re.compile(r"([0-9]+(?:\.[0-9]+)?):([0-9]+(?:\.[0-9]+)?)", re.ASCII)
_TIME_CELL = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[-+][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?",
    re.ASCII,
)
# No session of this app can be older than the app or centuries ahead. Years near 1 and 9999 also
# overflow when moved to UTC (the store files sessions by their UTC month).
_YEARS = range(2000, 2101)


def _parse_time(text: str, column: str, problems: list[str]) -> datetime | None:
    moment = None
    if _TIME_CELL.fullmatch(text):
        with contextlib.suppress(ValueError):  # e.g. month 13: reported just below
            moment = datetime.fromisoformat(text)
    if moment is None:
        problems.append(f"{column}: {text!r} is not an ISO 8601 date and time")
        return None
    if moment.utcoffset() is None:
        problems.append(f"{column}: {text!r} has no UTC offset")
        return None
    if moment.year not in _YEARS:
        problems.append(
            f"{column}: {text!r} is not a plausible date (years {_YEARS[0]}–{_YEARS[-1]})"
        )
        return None
    return moment


def _parse_number(text: str, column: str, problems: list[str]) -> float | None:
    value = float(text) if _NUMBER_CELL.fullmatch(text) else math.nan
    if not math.isfinite(value):  # also "1e999", which reads as infinity
        problems.append(f"{column}: {text!r} is not a number")
        return None
    return value


@functools.lru_cache(maxsize=1024)
def _pacing_cell(column: str, text: str) -> tuple[float | str | None, str | None]:
    """(value, problem) of one non-empty pacing cell, checked by the `Pacing` rules every saved
    session met. Cached: a history repeats a few pacings thousands of times, and building a
    `Pacing` for each row was most of an import's own time."""
    problems: list[str] = []
    if column == "ratio":
        parts = _RATIO_CELL.fullmatch(text)
        try:
            if parts is None:
                raise PacingError(f"{text!r} is not an inhale:exhale ratio; write it like 2:3")
            Pacing(inhale_parts=float(parts[1]), exhale_parts=float(parts[2]))
        except PacingError as exc:
            return None, f"ratio: {exc}"
        return text, None  # as the app saves it: the text shown, e.g. "1:1.5"
    value = _parse_number(text, column, problems)
    if value is None:
        return None, problems[0]
    try:
        Pacing(bpm=value) if column == "bpm" else Pacing(pause_scale=value)
    except PacingError as exc:
        return None, f"{column}: {exc}"
    return value, None


def _parse_pacing(cells: dict[str, str], problems: list[str]) -> dict[str, Any]:
    """The exported pacing keys that are filled in, each checked."""
    pacing: dict[str, Any] = {}
    for column in ("bpm", "ratio", "pause_scale"):
        if cells[column]:
            value, problem = _pacing_cell(column, cells[column])
            if problem is not None:
                problems.append(problem)
            else:
                pacing[column] = value
    return pacing


def _parse_answer(
    items: ItemSet, item_id: str, cell: str, column: str, problems: list[str]
) -> Answer:
    item = items.item(item_id)
    value: int | str
    if item.kind is ItemKind.SCALE:
        if not _SCALE_CELL.fullmatch(cell):
            problems.append(f"{column}: {cell!r} is not a whole number from {SCALE_MIN} to {SCALE_MAX}")
            return item.skip()
        value = int(cell)
    else:
        # Spreadsheets save line breaks inside a cell as CR LF; the store keeps LF.
        value = _unprotect(cell).replace("\r\n", "\n")
    problem = problem_with_value(item, value)
    if problem:
        problems.append(f"{column}: {problem}")
        return item.skip()  # a placeholder: the row is rejected because `problems` is not empty
    return item.answer(value)


def _parse_row(
    cells: dict[str, str], items: ItemSet, client_id: str
) -> SessionRecord:
    problems: list[str] = []
    session_id = cells["session_id"].strip(" ")
    if not _SESSION_ID.fullmatch(session_id):
        problems.append("session_id: expected 32 lower-case hex digits")
    texts: dict[str, str] = {}
    for column in ("script_id", "script_version", "voice"):
        texts[column] = _unprotect(cells[column])
        try:
            # The very check `Records.start_session` makes: length and control characters.
            _check_label(texts[column], column)
        except StoreError as exc:
            problems.append(str(exc))
    started = _parse_time(cells["started_at"], "started_at", problems)
    ended = _parse_time(cells["ended_at"], "ended_at", problems) if cells["ended_at"] else None
    if started is not None and ended is not None and ended < started:
        problems.append(
            f"ended_at: {cells['ended_at']!r} is before started_at {cells['started_at']!r}"
        )
    fraction = None
    if cells["completed"]:
        fraction = _parse_number(cells["completed"], "completed", problems)
        try:
            check_fraction(fraction)
        except StoreError as exc:
            problems.append(f"completed: {exc}")
            fraction = None
    pacing = _parse_pacing(cells, problems)
    before: list[Answer] = []
    after: list[Answer] = []
    for item_id in PAIRED_ITEMS:
        for phase, bucket in (("before", before), ("after", after)):
            column = f"{item_id}_{phase}"
            if cells[column]:
                bucket.append(_parse_answer(items, item_id, cells[column], column, problems))
    for item_id in AFTER_ONLY_ITEMS:
        if cells[item_id]:
            after.append(_parse_answer(items, item_id, cells[item_id], item_id, problems))
    if problems or started is None:
        raise _RowProblems(problems)
    return SessionRecord(
        session_id=session_id,
        client_id=client_id,
        script_id=texts["script_id"],
        script_version=texts["script_version"],
        pacing=pacing,
        voice=texts["voice"],
        started_at=started,
        ended_at=ended,
        fraction_completed=fraction,
        before=tuple(before) or None,
        after=tuple(after) or None,
    )


def _carried(session: SessionRecord) -> tuple[str, ...]:
    """What a CSV row holds of `session`, owner aside, as export writes it (so 6 and 6.0 agree)."""
    cells = _row(session, "")
    return (session.client_id, cells[0], *cells[2:])


def _differences(one: SessionRecord, other: SessionRecord) -> str:
    columns = ("client", *COLUMNS[:1], *COLUMNS[2:])
    return ", ".join(
        name for name, a, b in zip(columns, _carried(one), _carried(other), strict=True) if a != b
    )


def _pseudonym(cell: str) -> tuple[str, str | None]:
    """The pseudonym a ``client`` cell names (spaces tidied as saving does), or why it cannot."""
    raw = _unprotect(cell)
    cleaned = " ".join(raw.split())
    # Saving folds runs of whitespace into one space; control characters that Python counts as
    # whitespace (U+001C–U+001F, U+0085, …) must not disappear in that fold, so the raw cell is
    # checked for them (its length is checked after tidying, by `Client.new`).
    problem = problem_with_text(raw, limit=max(len(raw), 1), what="client")
    return cleaned, problem


def import_csv(records: Records, path: Path, client: str | None = None) -> ImportResult:
    """Import a CSV written by `export_csv`: every row, or none.

    With `client`, every row goes to that profile; otherwise to the profile named in the
    ``client`` column, created if there is none. A session already stored with the same contents
    is skipped and counted; one stored with different contents is a conflict. Any bad row or
    conflict raises `CsvImportError` listing every problem as ``file:line: message``, and nothing
    is imported: the whole file is checked with the rules saving uses before anything is written.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise StoreError(f"Could not read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CsvImportError([f"{path}:1: not UTF-8 text ({exc.reason})"]) from exc
    target = None if client is None else records.client(client)
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CsvImportError([f"{path}:1: {exc}"]) from exc
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise CsvImportError(
            [f"{path}:1: the header must be exactly: {', '.join(COLUMNS)}"]
        )

    by_name = {c.pseudonym.casefold(): c for c in records.clients()}
    item_sets: dict[str, ItemSet] = {}
    new_clients: dict[str, Client] = {}
    new_ids: set[str] = set()
    seen: dict[str, tuple[int, SessionRecord]] = {}  # session id -> (line, row) in this file
    sessions: list[SessionRecord] = []
    duplicates = 0
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{path}:{start}: {exc}")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            problems.append(f"{path}:{start}: expected {len(COLUMNS)} cells, found {len(row)}")
            continue
        cells = dict(zip(COLUMNS, row, strict=True))
        owner = target
        if owner is None:
            pseudonym, problem = _pseudonym(cells["client"])
            if problem:
                problems.append(f"{path}:{start}: {problem}")
                continue
            owner = by_name.get(pseudonym.casefold()) or new_clients.get(pseudonym.casefold())
            if owner is None:
                try:
                    owner = Client.new(pseudonym)
                except StoreError as exc:
                    problems.append(f"{path}:{start}: client: {exc}")
                    continue
                new_clients[pseudonym.casefold()] = owner
                new_ids.add(owner.client_id)
        items = item_sets.get(owner.client_id)
        if items is None:
            is_new = owner.client_id in new_ids
            items = DEFAULT_ITEM_SET if is_new else records.item_set(owner.client_id)
            item_sets[owner.client_id] = items
        try:
            session = _parse_row(cells, items, owner.client_id)
        except _RowProblems as exc:
            problems.extend(f"{path}:{start}: {message}" for message in exc.messages)
            continue
        earlier = seen.get(session.session_id)
        if earlier is not None:
            earlier_line, earlier_session = earlier
            if _carried(earlier_session) == _carried(session):
                duplicates += 1
            else:
                problems.append(
                    f"{path}:{start}: conflict: session {session.session_id} is also on line "
                    f"{earlier_line} with different {_differences(earlier_session, session)}"
                )
            continue
        seen[session.session_id] = (start, session)
        if records.has_session(session.session_id):
            stored = records.session(session.session_id)
            if _carried(stored) == _carried(session):
                duplicates += 1
            else:
                problems.append(
                    f"{path}:{start}: conflict: session {session.session_id} is already stored "
                    f"with different {_differences(stored, session)}; the stored one is kept"
                )
            continue
        sessions.append(session)
    if problems:
        raise CsvImportError(problems)
    needed = {s.client_id for s in sessions}
    created = [c for c in new_clients.values() if c.client_id in needed]
    if sessions:
        records.add_sessions(sessions, created)
    return ImportResult(len(sessions), duplicates, tuple(c.pseudonym for c in created))


# ------------------------------------------------------------------------------ PDF summary


@dataclass(frozen=True)
class ItemSummary:
    item_id: str
    label: str
    pairs: int  # sessions with this item answered both before and after
    change: ItemChange | None  # mean before → mean after over those sessions


@dataclass(frozen=True)
class Summary:
    pseudonym: str
    sessions: int
    first: datetime | None
    last: datetime | None
    items: tuple[ItemSummary, ...]
    mean_ease: float | None
    ease_answers: int
    upset_counts: tuple[tuple[str, int], ...]


def summarise(
    pseudonym: str, sessions: Sequence[SessionRecord], items: ItemSet = DEFAULT_ITEM_SET
) -> Summary:
    """Per-item means before and after (over sessions rated both times) and their change."""
    rows: list[ItemSummary] = []
    for item_id in PAIRED_ITEMS:
        item = items.item(item_id)
        pairs = [
            (b, a)
            for s in sessions
            if isinstance(b := s.value(Phase.BEFORE, item_id), int)
            and isinstance(a := s.value(Phase.AFTER, item_id), int)
        ]
        change = None
        if pairs:
            mean_before = sum(b for b, _ in pairs) / len(pairs)
            mean_after = sum(a for _, a in pairs) / len(pairs)
            change = item_change(item, mean_before, mean_after)
        rows.append(ItemSummary(item_id, item.label, len(pairs), change))
    ease = [v for s in sessions if isinstance(v := s.value(Phase.AFTER, "ease"), int)]
    upset = [s.value(Phase.AFTER, "upset") for s in sessions]
    starts = [s.started_at for s in sessions]
    return Summary(
        pseudonym=pseudonym,
        sessions=len(sessions),
        first=min(starts) if starts else None,
        last=max(starts) if starts else None,
        items=tuple(rows),
        mean_ease=sum(ease) / len(ease) if ease else None,
        ease_answers=len(ease),
        upset_counts=tuple((choice, upset.count(choice)) for choice in UPSET_CHOICES),
    )


# The PDF's fonts ship inside the package (fonts/ beside this file, with their licences), so any
# pseudonym prints the same on Linux, Windows, macOS and in the frozen bundle. DejaVu Sans covers
# Latin, Greek, Cyrillic and more; Droid Sans Fallback adds CJK glyph by glyph. The built-in
# Helvetica knew Latin-1 only: "Zoë 山田" printed as "Zoë ??".
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
FALLBACK_FONT = "DroidSansFallback"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_FALLBACK_FILE = "DroidSansFallbackFull.ttf"


def _add_fonts(pdf: FPDF, texts: Sequence[str]) -> None:
    """Embed DejaVu Sans (only the glyphs used), and the CJK fallback only when `texts` needs it:
    reading its 4 MB costs a third of a second."""
    for style, name in _FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONTS_DIR / name))
    # fpdf keys fonts as family (lower case) + style; a font without a cmap counts as covering
    # nothing, so the fallback is loaded rather than a name printed as boxes.
    covered = [getattr(pdf.fonts[f"{FONT.lower()}{style}"], "cmap", {}) for style in _FONT_FILES]
    needed = {ord(char) for text in texts for char in text if not char.isspace()}
    if any(code not in cmap for cmap in covered for code in needed):
        pdf.add_font(FALLBACK_FONT, "", str(FONTS_DIR / _FALLBACK_FILE))
        # It has no bold: a bold line borrows its regular glyphs rather than printing boxes.
        pdf.set_fallback_fonts([FALLBACK_FONT], exact_match=False)


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def _label(change: ItemChange) -> str:
    if change.size is ChangeSize.SMALL:
        return f"under 10 points ({change.direction.value})"
    return f"{change.size.value}, {change.direction.value}"


def _lines_of_text(pdf: FPDF, text: str, width: float, height: float) -> None:
    pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")


def export_pdf(
    records: Records,
    out_path: Path,
    client: str | None = None,
    *,
    compress: bool = True,
    generated_at: datetime | None = None,
) -> Summary:
    """A one-page summary for clinical notes of `client` (the active profile if None).

    Returns the numbers it printed. ``compress=False`` leaves the page text readable in the
    file (tests use it to check what was printed).
    """
    owner = records.active_client() if client is None else records.client(client)
    summary = summarise(
        owner.pseudonym, records.sessions(owner.client_id), records.item_set(owner.client_id)
    )
    pdf = _render(summary, generated_at or datetime.now().astimezone())
    pdf.set_compression(compress)
    try:
        atomic.write_bytes(Path(out_path), bytes(pdf.output()))
    except OSError as exc:
        raise StoreError(f"Could not write {out_path}: {exc.strerror or exc}") from exc
    return summary


def _render(summary: Summary, generated_at: datetime) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    pdf.set_title("Practice ratings summary")
    pdf.set_creator("CFT Desktop")
    _add_fonts(pdf, [summary.pseudonym, *(row.label for row in summary.items)])
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font(FONT, "B", 16)
    pdf.cell(width, 9, "Practice ratings summary", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    if summary.first is not None and summary.last is not None:
        span = f"{summary.first:%d %b %Y} to {summary.last:%d %b %Y}"
    else:
        span = "no sessions yet"
    _lines_of_text(pdf, f"Client (pseudonym): {summary.pseudonym}", width, 5.5)
    _lines_of_text(pdf, f"Sessions: {summary.sessions}    Dates: {span}", width, 5.5)
    _lines_of_text(pdf, f"Generated {generated_at:%d %b %Y %H:%M} by CFT Desktop", width, 5.5)
    pdf.ln(3)

    columns = (("Item", 38.0), ("Before", 22.0), ("After", 22.0), ("Change", 22.0))
    label_width = width - sum(w for _, w in columns) - 16
    pdf.set_font(FONT, "B", 10)
    for title, w in columns:
        pdf.cell(w, 6.5, title, border="B")
    pdf.cell(label_width, 6.5, "Rule-of-thumb label", border="B")
    pdf.cell(16, 6.5, "Pairs", border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    for row in summary.items:
        pdf.cell(columns[0][1], 6.5, row.label)
        if row.change is None:
            pdf.cell(width - columns[0][1] - 16, 6.5, "no paired ratings")
        else:
            pdf.cell(columns[1][1], 6.5, f"{row.change.before:.1f}")
            pdf.cell(columns[2][1], 6.5, f"{row.change.after:.1f}")
            pdf.cell(columns[3][1], 6.5, _signed(row.change.delta))
            # Worsening is printed exactly as prominently as improvement.
            pdf.cell(label_width, 6.5, _label(row.change))
        pdf.cell(16, 6.5, str(row.pairs), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    ease = "not rated" if summary.mean_ease is None else f"{summary.mean_ease:.1f}"
    _lines_of_text(
        pdf,
        f"Ease of getting a sense of the practice (after, mean): {ease} "
        f"({summary.ease_answers} answer{'' if summary.ease_answers == 1 else 's'})",
        width,
        5.5,
    )
    upset = ", ".join(f"{choice}: {count}" for choice, count in summary.upset_counts)
    _lines_of_text(pdf, f"Did anything upsetting come up? {upset}", width, 5.5)
    pdf.ln(3)
    _chart(pdf, summary, width)
    pdf.ln(4)
    pdf.set_font(FONT, "", 9)
    _lines_of_text(
        pdf,
        "Means are over sessions rated both before and after. Higher is worse for distress and "
        "self-criticism; higher is better for the others.",
        width,
        4.6,
    )
    _lines_of_text(pdf, RULE_OF_THUMB_NOTE, width, 4.6)
    pdf.set_font(FONT, "B", 9)
    _lines_of_text(pdf, ENGAGEMENT_NOTE, width, 4.6)
    return pdf


def _chart(pdf: FPDF, summary: Summary, width: float) -> None:
    """Paired horizontal bars (before light, after dark) on a 0–100 axis, drawn with rects."""
    rows = [row for row in summary.items if row.change is not None]
    pdf.set_font(FONT, "B", 10)
    pdf.cell(width, 6, "Mean before and after (0-100)", new_x="LMARGIN", new_y="NEXT")
    if not rows:
        pdf.set_font(FONT, "", 10)
        pdf.cell(width, 6, "No paired ratings to chart yet.", new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(FONT, "", 8)
    label_w = 34.0
    axis_x = pdf.l_margin + label_w
    axis_w = width - label_w - 14
    top = pdf.get_y() + 2
    bar_h = 3.6
    row_h = 2 * bar_h + 3.5
    bottom = top + row_h * len(rows)
    pdf.set_draw_color(190, 190, 190)
    for tick in (0, 25, 50, 75, 100):
        x = axis_x + axis_w * tick / 100
        pdf.line(x, top - 1, x, bottom)
        pdf.set_xy(x - 5, bottom + 0.5)
        pdf.cell(10, 4, str(tick), align="C")
    for n, row in enumerate(rows):
        assert row.change is not None
        y = top + n * row_h
        pdf.set_xy(pdf.l_margin, y + bar_h - 2)
        pdf.cell(label_w - 2, 4, row.label, align="R")
        for k, (value, shade) in enumerate(((row.change.before, 185), (row.change.after, 70))):
            pdf.set_fill_color(shade, shade, shade)
            pdf.rect(axis_x, y + k * bar_h, max(axis_w * value / 100, 0.3), bar_h - 0.4, style="F")
        pdf.set_xy(axis_x + axis_w + 1, y + bar_h - 2)
        pdf.cell(13, 4, _signed(row.change.delta))
    legend_y = bottom + 6
    for k, (name, shade) in enumerate((("before", 185), ("after", 70))):
        x = axis_x + k * 30
        pdf.set_fill_color(shade, shade, shade)
        pdf.rect(x, legend_y, 5, 3, style="F")
        pdf.set_xy(x + 6, legend_y - 0.5)
        pdf.cell(20, 4, name)
    pdf.set_xy(pdf.l_margin, legend_y + 5)

