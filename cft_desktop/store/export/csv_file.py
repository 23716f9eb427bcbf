"""The ratings as CSV: export (for spreadsheets and moving data) and the strict import of such a file.

Owns the CSV's cells: formula protection, how numbers, answers and times are written and read
back, and the checks an imported row must pass (the rules saving applies) before anything is
stored. The columns themselves are in `common`; the package docstring describes the file.

Runs on the thread that owns the store (the GUI thread or the CLI's main thread).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.ratings import (
    DEFAULT_ITEM_SET,
    SCALE_MAX,
    SCALE_MIN,
    Answer,
    ItemKind,
    ItemSet,
    Phase,
    problem_with_text,
    problem_with_value,
)
from cft_desktop.errors import CsvImportError, PacingError, StoreError
from cft_desktop.store.export.common import AFTER_ONLY_ITEMS, COLUMNS, PAIRED_ITEMS, write_export
from cft_desktop.store.records import (
    Client,
    Records,
    SessionRecord,
    _check_label,  # the label rule saving applies (records.py keeps its limit private)
    check_fraction,
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
    write_export(out_path, buffer.getvalue().encode("utf-8-sig"))
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
