"""CSV export and import: exact columns, atomic file, all-or-nothing import with file:line
errors, duplicates skipped, and a lossless export -> import -> export round trip."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import T0, make_form, rated_session
from tinydb.storages import MemoryStorage

from cft_desktop.core.ratings import DEFAULT_ITEM_SET, ItemKind, ItemSet, Phase
from cft_desktop.errors import CsvImportError
from cft_desktop.store.export import COLUMNS, export_csv, import_csv
from cft_desktop.store.records import Records, SessionRecord

EXPECTED_HEADER = (
    "session_id,client,script_id,script_version,started_at,ended_at,completed,bpm,ratio,"
    "pause_scale,voice,distress_before,distress_after,relaxed_before,relaxed_after,"
    "soothed_before,soothed_after,self_criticism_before,self_criticism_after,energised_before,"
    "energised_after,self_kindness_before,self_kindness_after,ease,upset,note"
)


def read_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_columns_are_exactly_the_documented_ones(records: Records, tmp_path: Path) -> None:
    assert ",".join(COLUMNS) == EXPECTED_HEADER
    out = tmp_path / "export.csv"
    assert export_csv(records, out) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so spreadsheets read UTF-8
    assert raw.decode("utf-8-sig").splitlines() == [EXPECTED_HEADER]


def test_one_row_per_session_with_values_and_empty_cells(records: Records, tmp_path: Path) -> None:
    me = records.default_client().client_id
    items = ItemSet().with_enabled("self_kindness").with_enabled("note")
    records.set_item_set(me, items)
    started = datetime(2026, 4, 2, 19, 5, tzinfo=timezone(timedelta(hours=1)))
    session_id = records.start_session(
        me, "safe-place", "2", {"bpm": 5.5, "ratio": "1:1.5", "pause_scale": 0.8}, "joe", started
    )
    records.save_before(session_id, make_form(items, Phase.BEFORE, distress=70, relaxed=None,
                                              self_kindness=10))
    records.save_after(
        session_id,
        make_form(items, Phase.AFTER, distress=45, upset="a little", ease=65,
                  note='Warm, then "sad", = memories\nof Gran'),
        started + timedelta(minutes=9),
        0.85,
    )
    unfinished = records.start_session(me, "srb", "1", {}, "joe", started + timedelta(days=1))
    other = records.create_client("Tern").client_id
    rated_session(records, other, T0)

    out = tmp_path / "all.csv"
    assert export_csv(records, out) == 3
    rows = read_rows(out)
    assert [r["session_id"] for r in rows] == [
        s.session_id for s in sorted(records.sessions(), key=lambda s: (s.started_at, s.session_id))
    ]
    row = next(r for r in rows if r["session_id"] == session_id)
    assert row == {
        "session_id": session_id,
        "client": "Me",
        "script_id": "safe-place",
        "script_version": "2",
        "started_at": "2026-04-02T19:05:00+01:00",
        "ended_at": "2026-04-02T19:14:00+01:00",
        "completed": "0.85",
        "bpm": "5.5",
        "ratio": "1:1.5",
        "pause_scale": "0.8",
        "voice": "joe",
        "distress_before": "70",
        "distress_after": "45",
        "relaxed_before": "",  # skipped
        "relaxed_after": "40",
        "soothed_before": "40",
        "soothed_after": "40",
        "self_criticism_before": "40",
        "self_criticism_after": "40",
        "energised_before": "",  # not asked
        "energised_after": "",
        "self_kindness_before": "10",
        "self_kindness_after": "40",
        "ease": "65",
        "upset": "a little",
        "note": 'Warm, then "sad", = memories\nof Gran',
    }
    empty = next(r for r in rows if r["session_id"] == unfinished)
    assert empty["ended_at"] == empty["completed"] == empty["distress_before"] == ""
    only_tern = tmp_path / "tern.csv"
    assert export_csv(records, only_tern, client=other) == 1
    assert read_rows(only_tern)[0]["client"] == "Tern"
    assert not list(tmp_path.glob(".*.tmp"))


def test_cells_that_a_spreadsheet_would_run_are_defused_and_restored(tmp_path: Path) -> None:
    source = Records(MemoryStorage())
    client = source.create_client("=HYPERLINK(1)").client_id
    items = ItemSet().with_enabled("note")
    source.set_item_set(client, items)
    session_id = source.start_session(client, "+srb", "'1", {}, "@joe", T0)
    source.save_before(session_id, make_form(items, Phase.BEFORE))
    source.save_after(session_id, make_form(items, Phase.AFTER, note="-2 then better"),
                      T0 + timedelta(minutes=3), 1.0)
    out = tmp_path / "x.csv"
    export_csv(source, out)
    row = read_rows(out)[0]
    assert row["client"] == "'=HYPERLINK(1)"
    assert (row["script_id"], row["script_version"], row["voice"]) == ("'+srb", "''1", "'@joe")
    assert row["note"] == "'-2 then better"
    target = Records(MemoryStorage())
    import_csv(target, out)
    (copy,) = target.sessions()
    assert target.client(copy.client_id).pseudonym == "=HYPERLINK(1)"
    assert (copy.script_id, copy.script_version, copy.voice) == ("+srb", "'1", "@joe")
    assert copy.value(Phase.AFTER, "note") == "-2 then better"


def test_import_skips_and_counts_sessions_already_stored(records: Records, tmp_path: Path) -> None:
    me = records.default_client().client_id
    for day in range(4):
        rated_session(records, me, T0 + timedelta(days=day))
    out = tmp_path / "mine.csv"
    export_csv(records, out)
    result = import_csv(records, out)
    assert (result.imported, result.duplicates) == (0, 4)
    assert len(records.sessions()) == 4


def test_import_into_a_named_profile(records: Records, tmp_path: Path) -> None:
    home = Records(MemoryStorage())
    rated_session(home, home.default_client().client_id, before={"distress": 81})
    out = tmp_path / "from-home.csv"
    export_csv(home, out)
    sparrow = records.create_client("Sparrow").client_id
    result = import_csv(records, out, client=sparrow)
    assert (result.imported, result.duplicates, result.new_clients) == (1, 0, ())
    (session,) = records.sessions(sparrow)
    assert session.value(Phase.BEFORE, "distress") == 81


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([list(COLUMNS), *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _good_row(**changes: str) -> list[str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        session_id="1" * 32,
        client="Ibis",
        script_id="srb",
        script_version="1",
        started_at="2026-02-01T10:00:00+00:00",
        voice="joe",
        distress_before="50",
    )
    row.update(changes)
    return [row[c] for c in COLUMNS]


def test_a_bad_row_anywhere_means_nothing_is_imported(records: Records, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    _write_csv(
        path,
        [
            _good_row(),
            _good_row(session_id="2" * 32, note="line one\nline two\nline three"),
            _good_row(session_id="3" * 32, distress_before="150", upset="lots"),
            _good_row(session_id="nothex", started_at="yesterday"),
            _good_row(session_id="5" * 32, started_at="2026-02-01T10:00:00", completed="2"),
            _good_row(session_id="6" * 32)[:5],
        ],
    )
    before = records.sessions()
    with pytest.raises(CsvImportError) as caught:
        import_csv(records, path)
    problems = caught.value.problems
    # Lines: header 1, good 2, the multi-line note 3-5, then 6, 7, 8, 9.
    assert problems == [
        f"{path}:6: distress_before: Distress: 150 is outside 0–100",
        f"{path}:6: upset: Upset: expected one of no / a little / a lot, got 'lots'",
        f"{path}:7: session_id: expected 32 lower-case hex digits",
        f"{path}:7: started_at: 'yesterday' is not an ISO 8601 date and time",
        f"{path}:8: started_at: '2026-02-01T10:00:00' has no UTC offset",
        f"{path}:8: completed: fraction completed 2.0 is outside 0–1",
        f"{path}:9: expected {len(COLUMNS)} cells, found 5",
    ]
    assert records.sessions() == before
    assert records.find_client("Ibis") is None
    assert str(caught.value).startswith(f"{path}:6: ")


def test_a_wrong_header_is_reported_on_line_one(records: Records, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("date,mood\n2026-01-01,5\n")
    with pytest.raises(CsvImportError) as caught:
        import_csv(records, path)
    assert caught.value.problems[0].startswith(f"{path}:1: the header must be exactly")


# ---------------------------------------------------------------- lossless round trip

OFFSETS = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
MOMENTS = st.builds(
    lambda dt, tz: dt.replace(tzinfo=tz),
    st.datetimes(datetime(2020, 1, 1), datetime(2035, 12, 31)),
    OFFSETS,
)
TEXT = st.text(
    st.characters(exclude_categories=("Cc", "Cs")),
    min_size=1,
    max_size=30,
).filter(lambda t: t.strip() != "")
NOTE = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), include_characters="\n\t"),
    min_size=1,
    max_size=60,
)


@st.composite
def answers(draw: st.DrawFn, phase: Phase) -> tuple[Any, ...] | None:
    items = ItemSet().with_enabled("energised").with_enabled("self_kindness").with_enabled("note")
    chosen = []
    for item in items.for_phase(phase):
        choice = draw(st.sampled_from(["absent", "skipped", "value"]))
        if choice == "absent":
            continue
        if choice == "skipped":
            chosen.append(item.skip())
        elif item.kind is ItemKind.SCALE:
            chosen.append(item.answer(draw(st.integers(0, 100))))
        elif item.kind is ItemKind.CHOICE:
            chosen.append(item.answer(draw(st.sampled_from(item.choices))))
        else:
            note = item.answer(draw(NOTE))
            if not note.skipped:
                chosen.append(note)
    return tuple(chosen) if chosen else draw(st.sampled_from([None, ()]))


@st.composite
def sessions(draw: st.DrawFn) -> list[tuple[str, SessionRecord]]:
    count = draw(st.integers(1, 6))
    pseudonyms = draw(st.lists(TEXT.map(lambda t: "P " + " ".join(t.split())), min_size=1,
                               max_size=3, unique_by=str.casefold))
    ids = draw(st.lists(st.uuids(version=4).map(lambda u: u.hex), min_size=count,
                        max_size=count, unique=True))
    out = []
    for session_id in ids:
        started = draw(MOMENTS)
        pacing: dict[str, Any] = {}
        if draw(st.booleans()):
            pacing["bpm"] = draw(st.floats(3, 12))
        if draw(st.booleans()):
            pacing["ratio"] = draw(st.sampled_from(["1:1", "1:1.5", "1:2", "2:3", "2:1"]))
        if draw(st.booleans()):
            pacing["pause_scale"] = draw(st.floats(0.5, 3))
        ended = draw(st.none() | st.timedeltas(timedelta(0), timedelta(hours=2)))
        record = SessionRecord(
            session_id=session_id,
            client_id="",
            script_id=draw(TEXT),
            script_version=draw(TEXT),
            pacing=pacing,
            voice=draw(TEXT),
            started_at=started,
            ended_at=None if ended is None else started + ended,
            fraction_completed=draw(st.none() | st.floats(0, 1)),
            before=draw(answers(Phase.BEFORE)),
            after=draw(answers(Phase.AFTER)),
        )
        out.append((draw(st.sampled_from(pseudonyms)), record))
    return out


def carried(session: SessionRecord, pseudonym: str) -> tuple[Any, ...]:
    """Everything the CSV carries: answers as values (a skip and no answer both read empty)."""
    def values(phase: Phase) -> dict[str, Any]:
        return {a.item_id: a.value for a in session.answers(phase) if a.value is not None}

    return (
        session.session_id,
        pseudonym,
        session.script_id,
        session.script_version,
        dict(session.pacing),
        session.voice,
        session.started_at.isoformat(),
        None if session.ended_at is None else session.ended_at.isoformat(),
        session.fraction_completed,
        values(Phase.BEFORE),
        values(Phase.AFTER),
    )


@settings(max_examples=40, deadline=None)
@given(generated=sessions())
def test_export_import_round_trip_is_lossless(generated: list[Any]) -> None:
    source = Records(MemoryStorage())
    by_name = {}
    for pseudonym, _ in generated:
        if pseudonym not in by_name:
            by_name[pseudonym] = source.create_client(pseudonym)
    originals = [
        SessionRecord(**{**record.__dict__, "client_id": by_name[pseudonym].client_id})
        for pseudonym, record in generated
    ]
    source.add_sessions(originals)

    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "first.csv", Path(folder) / "second.csv"
        export_csv(source, first)
        target = Records.open(Path(folder) / "fresh" / "ratings.json")
        result = import_csv(target, first)
        assert (result.imported, result.duplicates) == (len(originals), 0)
        assert sorted(result.new_clients) == sorted({p for p, _ in generated})
        export_csv(target, second)

        assert second.read_bytes() == first.read_bytes()
        names = {c.client_id: c.pseudonym for c in target.clients()}
        restored = {s.session_id: carried(s, names[s.client_id]) for s in target.sessions()}
        names = {c.client_id: c.pseudonym for c in source.clients()}
        assert restored == {s.session_id: carried(s, names[s.client_id]) for s in originals}
        for session in target.sessions():  # imported answers get the receiving wording version
            for answer in session.answers(Phase.BEFORE) + session.answers(Phase.AFTER):
                item = DEFAULT_ITEM_SET.item(answer.item_id)
                assert answer.wording_version == item.wording_version
        # Importing the same file again changes nothing.
        assert import_csv(target, first).duplicates == len(originals)
        assert len(target.sessions()) == len(originals)
        target.close()
