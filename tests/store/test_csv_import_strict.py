"""CSV import refuses, with ``file:line``, every value saving would refuse, and imports nothing then.

Covers issue 15 item 6: control characters, over-long fields, numbers Python reads but the app
never writes ('1e308', 'inf', digits of other scripts), pacing outside its ranges, implausible years
and an end before the start, and a row that contradicts a session already stored.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from store_helpers import folder_snapshot, rated_session

from cft_desktop.core.pacing import BPM_RANGE, PAUSE_SCALE_RANGE
from cft_desktop.core.ratings import TEXT_MAX_CHARS, ItemSet, Phase
from cft_desktop.errors import CsvImportError
from cft_desktop.store.export import COLUMNS, export_csv, import_csv
from cft_desktop.store.records import PSEUDONYM_MAX_CHARS, Records


def _write(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([list(COLUMNS), *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _row(number: int, **changes: str) -> list[str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        session_id=f"{number:032x}",
        client="Ibis",
        script_id="safe-place",
        script_version="1",
        started_at="2026-02-01T10:00:00+00:00",
        ended_at="2026-02-01T10:12:00+00:00",
        completed="1.0",
        bpm="6.0",
        ratio="2:3",
        pause_scale="1.0",
        voice="joe",
        distress_before="50",
    )
    row.update(changes)
    return [row[c] for c in COLUMNS]


def _refused(records: Records, path: Path, rows: list[list[str]]) -> list[str]:
    """Import `rows` after one good row; return the problems, having checked nothing changed."""
    _write(path, [_row(1), *rows])
    sessions, clients = records.sessions(), records.clients()
    with pytest.raises(CsvImportError) as caught:
        import_csv(records, path)
    assert records.sessions() == sessions
    assert records.clients() == clients
    return caught.value.problems


def test_control_characters_are_refused_on_their_line(records: Records, tmp_path: Path) -> None:
    path = tmp_path / "controls.csv"
    problems = _refused(records, path, [
        _row(2, script_id="safe\x1b[31mplace"),
        _row(3, voice="jo\x00e"),
        _row(4, client="Ibis\x1f"),  # str.split() counts U+001F as a space: it must not vanish
        _row(5, note="fine\rthen not"),
    ])
    assert problems == [
        f"{path}:3: script_id: contains a control character (U+001B)",
        f"{path}:4: voice: contains a control character (U+0000)",
        f"{path}:5: client: contains a control character (U+001F)",
        f"{path}:6: note: Note: contains a control character (U+000D)",
    ]


def test_fields_longer_than_saving_allows_are_refused(records: Records, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    problems = _refused(records, path, [
        _row(2, note="a" * (TEXT_MAX_CHARS + 1)),
        _row(3, client="b" * (PSEUDONYM_MAX_CHARS + 1)),
        _row(4, script_version="9" * 10_000),
    ])
    assert problems == [
        f"{path}:3: note: Note: longer than {TEXT_MAX_CHARS} characters",
        f"{path}:4: client: Pseudonym: longer than {PSEUDONYM_MAX_CHARS} characters",
        f"{path}:5: script_version: longer than 200 characters",
    ]


def test_numbers_python_reads_but_the_app_never_writes(records: Records, tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    problems = _refused(records, path, [
        _row(2, bpm="1e308"),
        _row(3, bpm="inf", pause_scale="nan"),
        _row(4, pause_scale="0"),
        _row(5, completed="1e999"),
        _row(6, ratio="inf:1"),
        _row(7, ratio="1.5"),
    ])
    low, high = BPM_RANGE
    assert problems == [
        f"{path}:3: bpm: breaths per minute 1e+308 is outside the allowed range {low:g}–{high:g}",
        f"{path}:4: bpm: 'inf' is not a number",
        f"{path}:4: pause_scale: 'nan' is not a number",
        f"{path}:5: pause_scale: pause scale 0.0 is outside the allowed range "
        f"{PAUSE_SCALE_RANGE[0]:g}–{PAUSE_SCALE_RANGE[1]:g}",
        f"{path}:6: completed: '1e999' is not a number",
        f"{path}:7: ratio: 'inf:1' is not an inhale:exhale ratio; write it like 2:3",
        f"{path}:8: ratio: '1.5' is not an inhale:exhale ratio; write it like 2:3",
    ]


def test_digits_of_other_scripts_are_not_read_as_numbers(records: Records, tmp_path: Path) -> None:
    path = tmp_path / "digits.csv"
    full_width, arabic_indic = "\uff15\uff10", "\u0665\u0660"  # both "50" to int()
    assert int(full_width) == int(arabic_indic) == 50
    problems = _refused(records, path, [
        _row(2, distress_before=full_width),
        _row(3, distress_before=arabic_indic),
        _row(4, bpm="\uff16"),
        _row(5, started_at="\uff12026-02-01T10:00:00+00:00"),
    ])
    assert problems == [
        f"{path}:3: distress_before: '{full_width}' is not a whole number from 0 to 100",
        f"{path}:4: distress_before: '{arabic_indic}' is not a whole number from 0 to 100",
        f"{path}:5: bpm: '\uff16' is not a number",
        f"{path}:6: started_at: '\uff12026-02-01T10:00:00+00:00' is not an ISO 8601 date and time",
    ]


def test_implausible_dates_and_an_end_before_the_start(records: Records, tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    # Year 1 east of UTC used to escape as an OverflowError traceback (the store files by UTC month).
    problems = _refused(records, path, [
        _row(2, started_at="0001-01-01T00:00:00+05:00", ended_at=""),
        _row(3, started_at="9999-12-31T23:00:00-05:00", ended_at=""),
        _row(4, ended_at="2026-02-01T09:59:59+00:00"),
    ])
    assert problems == [
        f"{path}:3: started_at: '0001-01-01T00:00:00+05:00' is not a plausible date (years 2000–2100)",
        f"{path}:4: started_at: '9999-12-31T23:00:00-05:00' is not a plausible date (years 2000–2100)",
        f"{path}:5: ended_at: '2026-02-01T09:59:59+00:00' is before started_at "
        "'2026-02-01T10:00:00+00:00'",
    ]


def test_the_edges_of_every_range_still_import(records: Records, tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    _write(path, [
        _row(1, bpm=f"{BPM_RANGE[0]:g}", pause_scale=f"{PAUSE_SCALE_RANGE[1]:g}", ratio="1:4",
             distress_before=" 0 ", completed="0"),
        _row(2, bpm=f"{BPM_RANGE[1]}", pause_scale=f"{PAUSE_SCALE_RANGE[0]}", ratio="2:1",
             distress_before="100", started_at="2026-02-01T10:00:00Z", ended_at=""),
    ])
    result = import_csv(records, path)
    assert (result.imported, result.duplicates, result.new_clients) == (2, 0, ("Ibis",))
    first, second = records.sessions()
    assert dict(first.pacing) == {"bpm": 3.0, "pause_scale": 3.0, "ratio": "1:4"}
    assert first.value(Phase.BEFORE, "distress") == 0
    assert first.fraction_completed == 0.0
    assert dict(second.pacing) == {"bpm": 12.0, "pause_scale": 0.5, "ratio": "2:1"}
    assert second.value(Phase.BEFORE, "distress") == 100


def test_a_changed_row_of_a_stored_session_is_a_conflict(disk_records: Records, tmp_path: Path) -> None:
    records = disk_records
    me = records.default_client().client_id
    kept = rated_session(records, me, before={"distress": 70})
    out = tmp_path / "mine.csv"
    export_csv(records, out)
    header, row = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    cells = dict(zip(header, row, strict=True))
    assert cells["distress_before"] == "70"
    changed = {**cells, "distress_before": "20", "voice": "amy"}
    other = {**cells, "session_id": "a" * 32}
    _write(out, [[other[c] for c in COLUMNS], [changed[c] for c in COLUMNS]])
    assert records.path is not None
    on_disk = folder_snapshot(records.path.parent)
    with pytest.raises(CsvImportError) as caught:
        import_csv(records, out)
    assert caught.value.problems == [
        f"{out}:3: conflict: session {kept} is already stored with different voice, "
        "distress_before; the stored one is kept",
    ]
    assert folder_snapshot(records.path.parent) == on_disk  # the good row 2 was not written either
    assert records.session(kept).value(Phase.BEFORE, "distress") == 70
    assert not records.has_session("a" * 32)


def test_identical_rows_are_skipped_and_counted(records: Records, tmp_path: Path) -> None:
    me = records.default_client().client_id
    items = ItemSet().with_enabled("note")
    records.set_item_set(me, items)
    rated_session(records, me, after={"note": "=calm\nthen warm"})
    out = tmp_path / "mine.csv"
    export_csv(records, out)
    text = out.read_bytes().decode("utf-8-sig")
    body = text.split("\r\n", 1)[1]  # the one session's row, its note's line break inside
    out.write_text(text + body, encoding="utf-8", newline="")
    result = import_csv(records, out)
    assert (result.imported, result.duplicates) == (0, 2)


def test_the_same_session_twice_in_a_file_with_different_contents(
    records: Records, tmp_path: Path
) -> None:
    path = tmp_path / "twice.csv"
    problems = _refused(records, path, [_row(1, distress_before="51")])
    assert problems == [
        f"{path}:3: conflict: session {1:032x} is also on line 2 with different distress_before",
    ]
