"""The integrity member and the mirror: every save is in two files with a sequence number and
checksums; the newest intact copy wins; old files without the member keep opening; documents
are salvaged from a damaged old file; records set aside are erased with their client."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import timedelta
from pathlib import Path

from store_helpers import (
    T0,
    document_in,
    mirror_of,
    rated_session,
    shard_of,
    stored_document,
    write_store_file,
)

from cft_desktop.store.records import Records, SessionRecord
from cft_desktop.store.storage import AtomicJSONStorage


def integrity_of(path: Path) -> dict[str, object]:
    member: dict[str, object] = json.loads(path.read_bytes())["_integrity"]
    return member


def test_every_save_lands_in_the_live_file_and_its_mirror_with_a_rising_sequence(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ratings.json"
    storage = AtomicJSONStorage(path)
    seqs = []
    for n in range(4):
        storage.write({"t": {"1": {"v": n}}, "u": {"1": {"w": "ü"}}})
        assert mirror_of(path).read_bytes() == path.read_bytes()
        member = integrity_of(path)
        seqs.append(member["seq"])
        tables = member["tables"]
        assert isinstance(tables, dict)
        text = path.read_text("utf-8")
        assert tables["u"] == hashlib.sha256('{"1":{"w":"ü"}}'.encode()).hexdigest()
        assert member["sha256"] == hashlib.sha256(
            json.dumps(tables, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        assert text.startswith('{"_integrity":')  # first, so a file cut short still names it
    assert seqs == [1, 2, 3, 4]
    assert storage.read() == {"t": {"1": {"v": 3}}, "u": {"1": {"w": "ü"}}}  # never shown


def test_a_mirror_newer_than_the_live_file_wins_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path)
    client = store.default_client().client_id
    first = rated_session(store, client)
    shard = shard_of(path, client)  # the file that holds the client's sessions
    old = shard.read_bytes()
    second = rated_session(store, client, T0 + timedelta(days=1))
    store.close()
    shard.write_bytes(old)  # e.g. a sync tool put an older copy back
    with Records.open(path) as reopened:
        assert {first, second} <= {s.session_id for s in reopened.sessions()}
        assert reopened.recovery_message is not None
    assert shard.read_bytes() == mirror_of(shard).read_bytes()


def test_an_old_file_without_integrity_keeps_opening_and_gains_it_on_the_next_save(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path)
    client = store.default_client().client_id
    session = rated_session(store, client)
    store.close()
    # As the old release wrote it: one file, every table in it, no integrity, no mirror.
    whole = stored_document(path)
    del whole["_files"]  # the split store's list of clients' files, which it never had
    shutil.rmtree(shard_of(path, client).parent)
    path.write_text(json.dumps(whole))
    mirror_of(path).unlink()
    for backup in tmp_path.glob("ratings.json.bak*"):
        backup.write_text(json.dumps(document_in(backup.read_bytes())))
    with Records.open(path) as reopened:
        assert reopened.recovery_message is None
        assert reopened.has_session(session)
        rated_session(reopened, reopened.default_client().client_id)
    assert "_integrity" in json.loads(path.read_bytes())
    assert mirror_of(path).read_bytes() == path.read_bytes()
    shard = shard_of(path, client)  # split out of the old file
    assert "_integrity" in json.loads(shard.read_bytes())
    assert mirror_of(shard).read_bytes() == shard.read_bytes()


def test_every_readable_session_is_salvaged_from_a_cut_old_file(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path)
    client = store.default_client().client_id
    store.add_sessions([
        SessionRecord(f"{n:032x}", client, "srb", "1", {}, "joe", T0 + timedelta(hours=n))
        for n in range(10)
    ])
    backup_time = len(store.sessions())
    store.add_sessions([
        SessionRecord(f"{n:032x}", client, "srb", "1", {}, "joe", T0 + timedelta(hours=n))
        for n in range(10, 40)
    ])
    store.close()
    # As the old release left them: no integrity, no mirror; then the live file is cut (the
    # client's file, which holds the sessions).
    shard = shard_of(path, client)
    for file in [shard, *shard.parent.glob(f"{shard.name}.bak*")]:
        file.write_text(json.dumps(document_in(file.read_bytes())))
    mirror_of(shard).unlink()
    text = shard.read_bytes()
    shard.write_bytes(text[: len(text) * 2 // 3])
    with Records.open(path) as reopened:
        found = len(reopened.sessions())
        message = reopened.recovery_message or ""
    assert backup_time == 10
    assert 10 < found < 40  # more than the backup held: what the cut file still had
    assert "rebuilt it from the readable parts" in message
    assert f"Recovered {found} sessions" in message and "could not read 1 record" in message
    assert "whatever followed position" in message


def test_a_set_aside_record_goes_when_its_client_is_erased(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path, keep_backups=0)
    gone = store.create_client("Set-Aside-Gone").client_id
    rated_session(store, gone)
    store.close()
    shard = shard_of(path, gone)
    document = document_in(shard.read_bytes())
    for name, table in document.items():
        if name.startswith("sessions/"):
            for doc in table.values():
                doc["before"] = "damaged"
    write_store_file(shard, document)
    with Records.open(path) as reopened:
        assert reopened.sessions() == []
        assert "set aside" in (reopened.recovery_message or "")
        assert gone.encode() in path.read_bytes()
        assert gone.encode() in shard.read_bytes()
        reopened.erase_client(gone)
    assert gone.encode() not in path.read_bytes()
    assert json.loads(path.read_bytes()).get("_set_aside", {}) == {}
    assert not list(shard.parent.iterdir())  # the client's file, mirror and backups are gone
