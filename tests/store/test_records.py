"""Records: profiles, sessions, answers and settings, on MemoryStorage and on disk."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from store_helpers import T0, make_form, rated_session, stored_document, write_store_file

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import Pattern
from cft_desktop.core.ratings import (
    CONSENT_TOPIC_IDS,
    CONSENT_VERSION,
    DEFAULT_CRISIS_RESOURCES,
    DEFAULT_SAFETY_TRIGGERS,
    Answer,
    ConsentRecord,
    CrisisResource,
    ItemSet,
    Phase,
    SafetyTriggers,
)
from cft_desktop.errors import RatingError, StoreError, UnknownRecordError
from cft_desktop.store.records import Mode, Records

PACING = {"bpm": 5.5, "ratio": "1:2", "pause_scale": 1.25, "ramp": {"from_bpm": 8, "minutes": 2}}


def raw_document(records: Records) -> dict[str, dict[str, dict[str, object]]]:
    """What is really stored: the files on disk (the index and the clients' files), or
    MemoryStorage's document."""
    if records.path is not None:
        document: dict[str, dict[str, dict[str, object]]] = stored_document(records.path)
        return document
    return json.loads(json.dumps(records._storage.read()))


def stored_sessions(records: Records) -> dict[str, dict[str, object]]:
    return {
        str(doc["session_id"]): doc
        for name, table in raw_document(records).items()
        if name.startswith("sessions/")
        for doc in table.values()
    }


# ---------------------------------------------------------------- profiles


def test_a_fresh_store_has_one_default_profile_in_personal_mode(records: Records) -> None:
    (me,) = records.clients()
    assert me.is_default and me.pseudonym == "Me"
    assert len(me.client_id) == 32
    assert records.default_client() == me == records.active_client()
    assert records.mode() is Mode.PERSONAL
    assert me.created_at.utcoffset() is not None


def test_therapist_mode_create_list_rename_and_switch(records: Records) -> None:
    records.set_mode(Mode.THERAPIST)
    assert records.mode() is Mode.THERAPIST
    b = records.create_client("  Client   B ")
    a = records.create_client("Client A")
    assert b.pseudonym == "Client B"
    assert [c.pseudonym for c in records.clients()] == ["Me", "Client A", "Client B"]
    renamed = records.rename_client(b.client_id, "Kestrel")
    assert renamed.client_id == b.client_id
    assert records.client(b.client_id).pseudonym == "Kestrel"
    assert records.switch_client(a.client_id) == a
    assert records.active_client() == a
    assert records.find_client("client a") == a


def test_pseudonyms_are_unique_ignoring_case(records: Records) -> None:
    first = records.create_client("Wren")
    with pytest.raises(StoreError, match="already a client called 'Wren'"):
        records.create_client("wren")
    other = records.create_client("Finch")
    with pytest.raises(StoreError):
        records.rename_client(other.client_id, "WREN")
    records.rename_client(first.client_id, "wren")  # a client may change its own case
    with pytest.raises(StoreError):
        records.create_client("   ")
    with pytest.raises(StoreError):
        records.create_client("tab\x00null")


def test_unknown_ids_are_reported(records: Records) -> None:
    with pytest.raises(UnknownRecordError):
        records.client("0" * 32)
    with pytest.raises(UnknownRecordError):
        records.start_session("0" * 32, "srb", "1", {}, "joe", T0)
    with pytest.raises(UnknownRecordError):
        records.save_before("f" * 32, [])


# ---------------------------------------------------------------- sessions


def test_a_session_is_stored_with_its_before_and_after_answers(records: Records) -> None:
    client = records.default_client().client_id
    started = datetime(2026, 5, 1, 20, 15, 30, 123456, tzinfo=timezone(timedelta(hours=2)))
    session_id = records.start_session(client, "compassionate-self", "3", PACING, "joe", started)
    assert len(session_id) == 32 and int(session_id, 16) >= 0
    items = records.item_set(client)
    before = make_form(items, Phase.BEFORE, distress=62, relaxed=None, soothed=15, self_criticism=70)
    records.save_before(session_id, before)
    after = make_form(
        items, Phase.AFTER, distress=35, relaxed=55, soothed=45, self_criticism=40, ease=80,
        upset="a little",
    )
    ended = started + timedelta(minutes=11)
    records.save_after(session_id, after, ended, 0.97)

    session = records.session(session_id)
    assert session.client_id == client
    assert (session.script_id, session.script_version, session.voice) == (
        "compassionate-self",
        "3",
        "joe",
    )
    assert session.pacing == {"bpm": 5.5, "ratio": "1:2", "pause_scale": 1.25,
                              "ramp": {"from_bpm": 8, "minutes": 2}}
    assert session.started_at == started and session.started_at.utcoffset() == timedelta(hours=2)
    assert session.ended_at == ended
    assert session.fraction_completed == 0.97
    assert session.before == tuple(before)
    assert session.value(Phase.BEFORE, "relaxed") is None
    assert session.value(Phase.AFTER, "upset") == "a little"

    # The rows really stored: item id, wording version, value or skipped; ISO times with offset.
    raw = stored_sessions(records)[session_id]
    assert raw["started_at"] == "2026-05-01T20:15:30.123456+02:00"
    assert raw["ended_at"] == "2026-05-01T20:26:30.123456+02:00"
    assert raw["before"] == [
        {"item": "distress", "wording_version": 1, "value": 62},
        {"item": "relaxed", "wording_version": 1, "skipped": True},
        {"item": "soothed", "wording_version": 1, "value": 15},
        {"item": "self_criticism", "wording_version": 1, "value": 70},
    ]
    assert raw["after"][-1] == {"item": "upset", "wording_version": 1, "value": "a little"}  # type: ignore[index]


def test_whole_number_pacing_is_stored_as_the_numbers_exports_write(records: Records) -> None:
    client = records.default_client().client_id
    session_id = records.start_session(
        client, "srb", "1", {"bpm": 6, "pause_scale": 1, "ratio": "1:1", "cycles": 3}, "joe", T0
    )
    raw = stored_sessions(records)[session_id]["pacing"]
    assert raw == {"bpm": 6.0, "pause_scale": 1.0, "ratio": "1:1", "cycles": 3}
    assert isinstance(raw["bpm"], float) and isinstance(raw["cycles"], int)  # type: ignore[index]


def test_an_incomplete_form_is_refused_and_nothing_is_stored(records: Records) -> None:
    client = records.default_client().client_id
    session_id = records.start_session(client, "srb", "1", {}, "joe", T0)
    items = records.item_set(client)
    partial = make_form(items, Phase.BEFORE)[:3]
    with pytest.raises(RatingError, match="Harsh with myself: needs a value or an explicit skip"):
        records.save_before(session_id, partial)
    assert records.session(session_id).before is None
    assert stored_sessions(records)[session_id]["before"] is None


def test_session_arguments_are_checked(records: Records) -> None:
    client = records.default_client().client_id
    with pytest.raises(StoreError, match="UTC offset"):
        records.start_session(client, "srb", "1", {}, "joe", datetime(2026, 1, 1, 9, 0))
    with pytest.raises(StoreError):
        records.start_session(client, "srb", "1", {"bpm": float("nan")}, "joe", T0)
    with pytest.raises(StoreError):
        records.start_session(client, "", "1", {}, "joe", T0)
    session_id = records.start_session(client, "srb", "1", {}, "joe", T0)
    after = make_form(records.item_set(client), Phase.AFTER)
    with pytest.raises(StoreError):
        records.save_after(session_id, after, T0, 1.5)
    with pytest.raises(StoreError):
        records.save_after(session_id, after, datetime(2026, 1, 1), 1.0)


def test_sessions_are_listed_per_client_oldest_first(records: Records) -> None:
    me = records.default_client().client_id
    other = records.create_client("Heron").client_id
    times = [
        datetime(2026, 2, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5))),  # 2 Feb 04:30 UTC
        datetime(2026, 2, 2, 4, 0, tzinfo=UTC),
        datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 2, 2, 9, 0, tzinfo=timezone(timedelta(hours=5))),  # 04:00 UTC
    ]
    mine = [rated_session(records, me, t) for t in times]
    theirs = rated_session(records, other, T0)
    listed = records.sessions(me)
    assert [s.started_at for s in listed] == sorted(times)
    assert {s.session_id for s in listed} == set(mine)
    assert [s.session_id for s in records.sessions(other)] == [theirs]
    assert len(records.sessions()) == 5


def test_answers_keep_the_wording_version_they_answered(records: Records) -> None:
    client = records.default_client().client_id
    first = rated_session(records, client)
    items = records.item_set(client).with_wording("distress", "How stirred up do you feel?")
    records.set_item_set(client, items)
    second = rated_session(records, client, T0 + timedelta(days=1))
    assert records.session(first).before[0] == Answer("distress", 1, 40)  # type: ignore[index]
    assert records.session(second).before[0] == Answer("distress", 2, 40)  # type: ignore[index]
    assert records.wording_of(client, "distress", 1) == "How upset or on edge do you feel right now?"
    assert records.wording_of(client, "distress", 2) == "How stirred up do you feel?"
    assert records.wording_of(client, "distress", 9) is None


# ---------------------------------------------------------------- settings


def test_item_set_is_per_client_and_persists(records: Records) -> None:
    me = records.default_client().client_id
    other = records.create_client("Otter").client_id
    custom = ItemSet().with_enabled("energised").with_enabled("note")
    records.set_item_set(me, custom)
    assert records.item_set(me) == custom
    assert records.item_set(other) == ItemSet()
    session_id = records.start_session(me, "srb", "1", {}, "joe", T0)
    with pytest.raises(RatingError, match="Energised"):
        records.save_before(session_id, make_form(ItemSet(), Phase.BEFORE))
    records.save_before(session_id, make_form(custom, Phase.BEFORE, energised=33))
    after = make_form(custom, Phase.AFTER, note="Felt the warmth, then drifted")
    records.save_after(session_id, after, T0 + timedelta(minutes=5), 1.0)
    assert records.session(session_id).value(Phase.AFTER, "note") == "Felt the warmth, then drifted"


def test_breathing_patterns_are_kept_per_client(records: Records) -> None:
    me = records.default_client().client_id
    other = records.create_client("Otter").client_id
    slow = Pattern.from_pacing("Slow evening", Pacing(bpm=5.0, inhale_parts=1, exhale_parts=2))
    even = Pattern.from_pacing("Even", Pacing(bpm=8.0, inhale_parts=1, exhale_parts=1))
    records.set_patterns(other, [slow, even])
    assert records.patterns(other) == [slow, even]
    assert records.patterns(me) == []
    # What is stored is the plain values, under the client's own settings.
    (stored,) = [doc for doc in raw_document(records)["settings"].values()
                 if doc["key"] == "patterns"]
    assert stored["scope"] == other and stored["value"][0]["name"] == "Slow evening"
    records.set_patterns(other, [even])
    assert records.patterns(other) == [even]
    with pytest.raises(UnknownRecordError):
        records.set_patterns("no-such-client", [slow])


def test_a_damaged_saved_pattern_is_left_out_and_the_rest_load(records: Records) -> None:
    me = records.default_client().client_id
    even = Pattern.from_pacing("Even", Pacing(bpm=8.0, inhale_parts=1, exhale_parts=1))
    records._put_setting(me, "patterns", [{"name": "Broken", "bpm": "fast"}, even.to_dict()])
    assert records.patterns(me) == [even]


def test_safety_triggers_crisis_resources_lock_and_consent(records: Records) -> None:
    client = records.default_client().client_id
    assert records.safety_triggers(client) == DEFAULT_SAFETY_TRIGGERS
    stricter = SafetyTriggers(distress_after_at_least=60, distress_rise_at_least=None)
    records.set_safety_triggers(client, stricter)
    assert records.safety_triggers(client) == stricter

    assert records.crisis_resources() == DEFAULT_CRISIS_RESOURCES
    clinic = CrisisResource(
        "clinic", "Your clinic", "Duty psychologist", "Call 020 7946 0000", "Weekdays",
        date(2026, 11, 20), custom=True,
    )
    records.set_crisis_resources(DEFAULT_CRISIS_RESOURCES.with_entry(clinic))
    assert records.crisis_resources().entries[-1] == clinic

    assert records.idle_lock_minutes() == 10
    records.set_idle_lock_minutes(3)
    assert records.idle_lock_minutes() == 3
    with pytest.raises(StoreError):
        records.set_idle_lock_minutes(-1)

    assert records.consent(client) is None
    accepted = ConsentRecord(CONSENT_VERSION, CONSENT_TOPIC_IDS, datetime(2026, 11, 26, 10, tzinfo=UTC))
    records.record_consent(client, accepted)
    assert records.consent(client) == accepted
    assert accepted.complete

    settings = raw_document(records)["settings"]
    consent_rows = [d for d in settings.values() if d["key"] == "consent"]
    assert consent_rows == [
        {
            "scope": client,
            "key": "consent",
            "value": {
                "version": CONSENT_VERSION,
                "accepted_topics": sorted(CONSENT_TOPIC_IDS),
                "accepted_at": "2026-11-26T10:00:00+00:00",
            },
        }
    ]


def test_everything_survives_closing_and_reopening(disk_records: Records) -> None:
    path = disk_records.path
    assert path is not None
    client = disk_records.create_client("Lark").client_id
    session_id = rated_session(disk_records, client, before={"distress": 77})
    disk_records.set_idle_lock_minutes(25)
    disk_records.switch_client(client)
    expected = disk_records.session(session_id)
    disk_records.close()

    reopened = Records.open(path)
    assert reopened.session(session_id) == expected
    assert reopened.active_client().pseudonym == "Lark"
    assert reopened.idle_lock_minutes() == 25
    assert reopened.recovery_message is None


def test_a_closed_store_refuses_to_work(disk_records: Records) -> None:
    disk_records.close()
    with pytest.raises(StoreError, match="locked or closed"):
        disk_records.clients()


def test_bad_settings_in_the_file_give_a_plain_error(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path)
    client = store.default_client().client_id
    store.set_safety_triggers(client, SafetyTriggers())
    store.close()
    document = json.loads(path.read_bytes())
    for doc in document["settings"].values():
        if doc["key"] == "safety_triggers":
            doc["value"]["distress_after_at_least"] = "seventy"
    document.pop("_integrity")
    write_store_file(path, document)
    with pytest.raises(StoreError, match="saved safety rules could not be read"):
        Records.open(path).safety_triggers(client)


def test_importing_many_sessions_into_one_month_scans_each_table_once(
    records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each insert used to take the max over every id of its month's table: 32,000 rows in one
    # month took 37 s. The next id is now found once per table and counted up from there.
    from cft_desktop.store import records as records_module
    from cft_desktop.store.records import Client, SessionRecord

    client = records.default_client().client_id
    rated_session(records, client, T0)  # the month already holds a session: ids go on from it
    calls: list[int] = []
    real = records_module.next_doc_id

    def counting(table: dict[str, object]) -> int:
        calls.append(len(table))
        return real(table)

    monkeypatch.setattr(records_module, "next_doc_id", counting)
    newcomer = Client.new("Newcomer")
    sessions = [
        SessionRecord(f"{n:032x}", client, "srb", "1", {}, "joe", T0 + timedelta(minutes=n + 1))
        for n in range(2000)
    ] + [SessionRecord(f"{9999:032x}", newcomer.client_id, "srb", "1", {}, "joe", T0)]
    records.add_sessions(sessions, [newcomer])
    assert len(calls) == 3  # the clients table, the one month of `client`, the newcomer's month
    stored = raw_document(records)
    month = next(name for name in stored if name.startswith(f"sessions/{client}/"))
    assert sorted(int(key) for key in stored[month]) == list(range(1, 2002))
    assert [s.session_id for s in records.sessions(client)][1:] == [
        f"{n:032x}" for n in range(2000)
    ]
    assert [s.client_id for s in records.sessions(newcomer.client_id)] == [newcomer.client_id]
