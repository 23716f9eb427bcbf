"""Schema version in the document, and migrations of old layouts (v0, v1) to the current one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from store_helpers import data_files, stored_document
from tinydb.storages import MemoryStorage

from cft_desktop.core.ratings import Answer, Phase
from cft_desktop.errors import StoreError
from cft_desktop.store import db
from cft_desktop.store.records import Records

V0_DOCUMENT: dict[str, Any] = {
    # The prototype's layout: no _meta, client by pseudonym, answers as {item: number | null}.
    "sessions": {
        "1": {
            "session_id": "a" * 32,
            "client": "Robin",
            "script_id": "srb",
            "script_version": "1",
            "pacing": {"bpm": 6.0, "ratio": "1:1.5", "pause_scale": 1.0},
            "voice": "joe",
            "started_at": "2025-12-30T21:00:00+00:00",
            "ended_at": "2025-12-30T21:10:00+00:00",
            "completed": True,
            "before": {"distress": 60, "relaxed": 20.0, "soothed": None, "self_criticism": 55},
            "after": {"distress": 35, "relaxed": 50, "soothed": 40, "self_criticism": 30,
                      "ease": 70, "upset": "a little"},
        },
        "2": {
            "session_id": "b" * 32,
            "client": "Robin",
            "script_id": "safe-place",
            "script_version": "2",
            "pacing": {"bpm": 5.5},
            "voice": "joe",
            "started_at": "2026-01-02T08:00:00-05:00",
            "ended_at": None,
            "completed": False,
            "before": {"distress": 40, "relaxed": 30, "soothed": 30, "self_criticism": 20},
            "after": None,
        },
    }
}


def v1_document() -> dict[str, Any]:
    return db.MIGRATIONS[0](copy.deepcopy(V0_DOCUMENT))


def test_a_new_store_records_the_current_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    Records.open(path).close()
    on_disk = json.loads(path.read_bytes())
    assert on_disk["_meta"] == {"1": {"schema_version": db.SCHEMA_VERSION}}
    assert db.schema_version(on_disk) == db.SCHEMA_VERSION == len(db.MIGRATIONS)


def test_migrating_v0_to_v1_adds_clients_and_wording_versions() -> None:
    v1 = v1_document()
    assert db.schema_version(v1) == 1
    (client,) = v1["clients"].values()
    assert client["pseudonym"] == "Robin" and client["is_default"] is True
    first = v1["sessions"]["1"]
    assert first["client"] == client["client_id"]
    assert first["before"][:3] == [
        {"item": "distress", "wording_version": 1, "value": 60},
        {"item": "relaxed", "wording_version": 1, "value": 20},
        {"item": "soothed", "wording_version": 1, "skipped": True},
    ]
    assert first["completed"] is True


@pytest.mark.parametrize("start", ["v0", "v1"])
def test_an_old_file_is_upgraded_on_open_and_its_sessions_read(tmp_path: Path, start: str) -> None:
    path = tmp_path / "ratings.json"
    old = V0_DOCUMENT if start == "v0" else v1_document()
    old_bytes = json.dumps(old).encode()
    path.write_bytes(old_bytes)

    store = Records.open(path)

    index = json.loads(path.read_bytes())
    on_disk = stored_document(path)  # the index and the clients' files
    assert db.schema_version(index) == db.SCHEMA_VERSION
    assert "sessions" not in on_disk
    assert not any(name.startswith("sessions") for name in index)  # split into clients' files
    robin = store.find_client("Robin")
    assert robin is not None and robin.is_default
    tables = sorted(name for name in on_disk if name.startswith("sessions/"))
    assert tables == [f"sessions/{robin.client_id}/2025-12", f"sessions/{robin.client_id}/2026-01"]
    first, second = store.sessions(robin.client_id)
    assert first.session_id == "a" * 32
    assert first.before is not None and first.before[2] == Answer("soothed", 1, None)
    assert first.value(Phase.BEFORE, "relaxed") == 20
    assert first.value(Phase.AFTER, "upset") == "a little"
    assert first.fraction_completed == 1.0
    assert second.fraction_completed is None and second.after is None
    assert second.started_at.utcoffset() is not None
    assert second.started_at.isoformat() == "2026-01-02T08:00:00-05:00"
    # The pre-upgrade file is kept as the newest backup.
    assert (tmp_path / "ratings.json.bak1").read_bytes() == old_bytes
    # And the upgraded store is fully usable.
    sid = store.start_session(robin.client_id, "srb", "1", {}, "joe", first.started_at)
    assert store.has_session(sid)


def test_migrate_leaves_its_input_alone() -> None:
    original = copy.deepcopy(V0_DOCUMENT)
    db.migrate(original)
    assert original == V0_DOCUMENT


def test_a_file_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    newer = {"_meta": {"1": {"schema_version": db.SCHEMA_VERSION + 1}}, "clients": {}}
    path.write_text(json.dumps(newer))
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer version"):
        Records.open(path)
    assert path.read_bytes() == before
    assert [p.name for p in data_files(tmp_path)] == ["ratings.json"]


def test_migrations_also_run_on_memory_storage() -> None:
    storage = MemoryStorage()
    storage.write(copy.deepcopy(V0_DOCUMENT))
    store = Records(storage)
    assert [s.session_id for s in store.sessions()] == ["a" * 32, "b" * 32]


def test_default_path_is_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CFT_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    assert db.default_path() == tmp_path / "data" / "ratings.json"
    store = Records.open()
    assert store.path == tmp_path / "data" / "ratings.json"
    assert store.path.exists()
