"""erase_client removes every trace of a client from the live file and from every copy beside
it, checked on the raw bytes of every file in the folder."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from store_helpers import T0, data_files, make_form, rated_session

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import Pattern
from cft_desktop.core.ratings import ItemSet, Phase, SafetyTriggers
from cft_desktop.store.crypto import Vault
from cft_desktop.store.records import Records

NOTE_MARKER = "Zephyrine-note-7731"
PATTERN_MARKER = "Quillon evenings"
PSEUDONYM = "Quillon-Erase"


def leave_traces(store: Records) -> tuple[str, list[str], str]:
    """A client with sessions, a note and settings; another client who must survive."""
    keep = store.create_client("Survivor-Keep").client_id
    gone = store.create_client(PSEUDONYM).client_id
    items = ItemSet().with_enabled("note")
    store.set_item_set(gone, items)
    store.set_safety_triggers(gone, SafetyTriggers(distress_after_at_least=55))
    store.set_patterns(gone, [Pattern.from_pacing(PATTERN_MARKER, Pacing(bpm=5.5))])
    store.switch_client(gone)
    ids = []
    for day in range(3):
        session_id = store.start_session(gone, "srb", "1", {}, "joe", T0 + timedelta(days=day * 20))
        store.save_before(session_id, make_form(items, Phase.BEFORE))
        after = make_form(items, Phase.AFTER, note=f"{NOTE_MARKER} day {day}")
        store.save_after(session_id, after, T0 + timedelta(days=day * 20, minutes=9), 1.0)
        ids.append(session_id)
        rated_session(store, keep, T0 + timedelta(days=day))
    return keep, ids, gone


def test_erase_scrubs_the_file_every_backup_and_damaged_copies(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path)
    keep, ids, gone = leave_traces(store)
    store.close()
    # A crash-damaged copy that mentions the client, kept aside by recovery.
    path.write_bytes(path.read_bytes()[:-200])
    store = Records.open(path)
    assert store.recovery_message is not None
    assert len(list(tmp_path.glob("ratings.json.corrupt-*"))) == 1
    needles = [gone, PSEUDONYM, NOTE_MARKER, PATTERN_MARKER, *ids]
    assert any(n.encode() in p.read_bytes() for p in data_files(tmp_path) for n in needles)

    report = store.erase_client(gone)

    assert report.client.pseudonym == PSEUDONYM
    assert report.sessions_removed == 3
    for file in data_files(tmp_path):
        raw = file.read_bytes()
        for needle in needles:
            assert needle.encode() not in raw, f"{needle} still in {file.name}"
    # The damaged copy could not be cleaned selectively, so it went; no backup had to.
    assert [".corrupt-" in p.name for p in report.files_removed] == [True]
    assert not list(tmp_path.glob("ratings.json.corrupt-*"))
    # Everyone else is intact, in the live file and in every backup.
    assert len(store.sessions(keep)) == 3
    assert store.active_client() == store.default_client()
    backups = sorted(tmp_path.glob("ratings.json.bak*"))
    assert len(backups) == 5
    for backup in backups:
        document = json.loads(backup.read_bytes())
        pseudonyms = [c["pseudonym"] for c in document["clients"].values()]
        assert "Survivor-Keep" in pseudonyms and PSEUDONYM not in pseudonyms
    store.close()
    reopened = Records.open(path)
    assert [c.pseudonym for c in reopened.clients()] == ["Me", "Survivor-Keep"]
    assert reopened.recovery_message is None


def test_erase_also_cleans_an_encrypted_store(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path, passphrase="erase me well")
    keep, ids, gone = leave_traces(store)
    store.erase_client(gone)
    store.close()
    main = path.read_bytes()
    vault = Vault.unlock("erase me well", main)
    for file in data_files(tmp_path):
        plaintext = vault.open(file.read_bytes()).decode()
        for needle in (gone, PSEUDONYM, NOTE_MARKER, *ids):
            assert needle not in plaintext, file.name
        # The index names the survivor; a client's file holds the survivor's sessions.
        assert ("Survivor-Keep" if file.parent == tmp_path else keep) in plaintext


def test_erase_works_on_either_storage_and_recreates_the_default_profile(
    records: Records,
) -> None:
    keep, ids, gone = leave_traces(records)
    records.erase_client(gone)
    assert gone not in [c.client_id for c in records.clients()]
    assert not any(records.has_session(i) for i in ids)
    assert len(records.sessions()) == 3
    assert records.item_set(gone) == ItemSet()  # nothing left for that id
    old_default = records.default_client()
    rated_session(records, old_default.client_id)
    records.erase_client(old_default.client_id)
    new_default = records.default_client()
    assert new_default.client_id != old_default.client_id
    assert records.sessions(new_default.client_id) == []
    assert [s.client_id for s in records.sessions()] == [keep] * 3
