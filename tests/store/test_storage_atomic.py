"""AtomicJSONStorage: whole-file atomic writes, rotated backups, and exact TinyDB behaviour."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query, TinyDB
from tinydb.storages import JSONStorage, MemoryStorage

from cft_desktop.errors import StoreError
from cft_desktop.store import storage as storage_module
from cft_desktop.store.storage import AtomicJSONStorage


def open_db(path: Path, **kwargs: Any) -> TinyDB:
    storage = AtomicJSONStorage(path, **kwargs)
    return TinyDB(storage=lambda: storage)


def on_disk(path: Path) -> Any:
    """The document in the file, without the integrity member the storage adds (checked in
    test_integrity.py)."""
    document = json.loads(path.read_bytes())
    document.pop("_integrity")
    return document


def tables_text(blob: bytes) -> bytes:
    """The file's bytes after its integrity member (whose sequence number changes each save)."""
    prefix = b'{"_integrity":'
    assert blob.startswith(prefix)
    _, end = json.JSONDecoder().raw_decode(blob.decode(), len(prefix))
    return blob[end:]


def test_a_missing_file_is_a_new_empty_store_and_nothing_is_written_until_a_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new" / "ratings.json"
    storage = AtomicJSONStorage(path)
    assert storage.read() is None
    assert not path.exists()
    storage.write({"t": {"1": {"a": 1}}})
    assert on_disk(path) == {"t": {"1": {"a": 1}}}
    assert storage.backup_paths() == []  # nothing to back up on the first write


def test_writes_land_whole_and_leave_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    db = open_db(path)
    table = db.table("notes")
    for n in range(20):
        table.insert({"n": n, "text": "ünïcødé ✓"})
    assert sorted(d["n"] for d in on_disk(path)["notes"].values()) == list(range(20))
    assert "ünïcødé ✓" in path.read_text("utf-8")
    assert not list(tmp_path.glob(".*.tmp"))
    if sys.platform != "win32":  # Windows keeps files private by the profile folder's ACL
        assert path.stat().st_mode & 0o077 == 0  # health data: readable by the owner only


def test_each_write_keeps_the_previous_versions_as_rotated_backups(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    storage = AtomicJSONStorage(path, keep_backups=3)
    versions = []
    for n in range(6):
        storage.write({"t": {"1": {"version": n}}})
        versions.append(path.read_bytes())
    backups = storage.backup_paths()
    assert [p.name for p in backups] == ["ratings.json.bak1", "ratings.json.bak2", "ratings.json.bak3"]
    # bak1 is the version just before the live one, bak3 the oldest kept.
    assert [b.read_bytes() for b in backups] == [versions[4], versions[3], versions[2]]
    assert on_disk(path)["t"]["1"]["version"] == 5


def test_backups_can_be_turned_off(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / "ratings.json", keep_backups=0)
    for n in range(3):
        storage.write({"t": {"1": {"v": n}}})
    assert storage.backup_paths() == []
    with pytest.raises(ValueError):
        AtomicJSONStorage(tmp_path / "other.json", keep_backups=-1)


def test_a_backup_is_never_changed_by_later_writes(tmp_path: Path) -> None:
    # Backups are hard links to the outgoing file; writes must replace, never edit in place.
    path = tmp_path / "ratings.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"1": {"v": "first"}}})
    storage.write({"t": {"1": {"v": "second"}}})
    first = storage.backup_paths()[0].read_bytes()
    storage.write({"t": {"1": {"v": "third"}}})
    assert storage.backup_paths()[1].read_bytes() == first
    assert b"first" in first


def test_leftover_temp_files_from_a_crash_are_removed_on_open(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    AtomicJSONStorage(path).write({"t": {"1": {"v": 1}}})
    stale = tmp_path / ".ratings.json.abc123.tmp"
    stale.write_bytes(b'{"t": {"1": {"v": 2')
    storage = AtomicJSONStorage(path)
    assert not stale.exists()
    assert storage.read() == {"t": {"1": {"v": 1}}}


def test_a_failed_write_leaves_the_old_file_and_reports_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ratings.json"
    db = open_db(path)
    db.table("t").insert({"v": "kept"})
    before = path.read_bytes()

    def refuse(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage_module.os, "replace", refuse)
    with pytest.raises(StoreError, match="No space left on device"):
        db.table("t").insert({"v": "lost"})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))
    # The in-memory copy TinyDB had already changed is dropped: we see what is on disk.
    assert [d["v"] for d in db.table("t").all()] == ["kept"]
    db.table("t").insert({"v": "later"})
    assert sorted(d["v"] for d in on_disk(path)["t"].values()) == ["kept", "later"]


def test_a_value_json_cannot_hold_is_refused_without_touching_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    db = open_db(path)
    db.table("t").insert({"v": 1})
    before = path.read_bytes()
    with pytest.raises(StoreError):
        db.table("t").insert({"v": float("nan")})
    assert path.read_bytes() == before
    assert [d["v"] for d in db.table("t").all()] == [1]


def test_a_file_changed_behind_our_back_is_kept_aside_if_damaged(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    db = open_db(path)
    db.table("t").insert({"v": 1})
    path.write_bytes(b'{"t": {"1": {"v"')  # e.g. a sync tool wrote half a file
    db.table("t").insert({"v": 2})
    damaged = list(tmp_path.glob("ratings.json.corrupt-*"))
    assert len(damaged) == 1 and damaged[0].read_bytes() == b'{"t": {"1": {"v"'
    assert sorted(d["v"] for d in on_disk(path)["t"].values()) == [1, 2]


def test_close_forgets_everything(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / "ratings.json")
    storage.write({"t": {"1": {"v": 1}}})
    storage.close()
    with pytest.raises(StoreError, match="locked or closed"):
        storage.read()


def test_stock_jsonstorage_opens_an_empty_file_as_an_empty_database_and_ours_does_not(
    tmp_path: Path,
) -> None:
    # Why this module exists (ARCHITECTURE.md §5).
    stock_path = tmp_path / "stock.json"
    stock_path.write_bytes(b"")
    assert TinyDB(stock_path).all() == []
    ours = tmp_path / "ratings.json"
    ours.write_bytes(b"")
    with pytest.raises(StoreError, match="damaged"):
        AtomicJSONStorage(ours)
    assert ours.read_bytes() == b""


def _random_operation(rng: random.Random, db: TinyDB, step: int) -> None:
    table = db.table(rng.choice(["a", "b", "sessions/x/2026-01", "sessions/x/2026-02"]))
    ids = [doc.doc_id for doc in table.all()]
    kind = rng.choice(["insert", "insert", "many", "update", "update_fn", "remove", "upsert"])
    if kind == "truncate" or (kind == "remove" and rng.random() < 0.05):
        table.truncate()
    elif kind == "insert" or not ids:
        table.insert({"step": step, "nested": {"list": [step, "x"]}})
    elif kind == "many":
        table.insert_multiple({"step": step, "k": k} for k in range(rng.randint(1, 3)))
    elif kind == "update":
        table.update({"changed": step}, doc_ids=[rng.choice(ids)])
    elif kind == "update_fn":

        def bump(doc: Any) -> None:
            doc["bumped"] = doc.get("bumped", 0) + 1

        table.update(bump, Query().step.exists())
    elif kind == "remove":
        table.remove(doc_ids=[rng.choice(ids)])
    else:
        table.upsert({"step": step, "upserted": True}, Query().step == step - 1)
    if rng.random() < 0.02:
        db.drop_table("b")


@pytest.mark.parametrize("seed", range(4))
def test_every_tinydb_operation_reaches_the_disk_exactly(tmp_path: Path, seed: int) -> None:
    """Random TinyDB operations on our storage and on MemoryStorage give the same document, and
    the file re-read from disk equals it after every single operation (this guards the per-table
    text cache that keeps saves fast)."""
    path = tmp_path / "ratings.json"
    ours = open_db(path)
    memory_storage = MemoryStorage()
    reference = TinyDB(storage=lambda: memory_storage)
    rng_ours, rng_ref = random.Random(seed), random.Random(seed)
    for step in range(100):
        _random_operation(rng_ours, ours, step)
        _random_operation(rng_ref, reference, step)
        expected = json.loads(json.dumps(memory_storage.read()))
        assert on_disk(path) == expected, f"step {step}"
    fresh = AtomicJSONStorage(path)
    assert fresh.read() == expected


def test_reading_back_gives_the_same_bytes_after_a_no_op_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    db = open_db(path)
    db.table("x").insert({"text": "naïve — “quotes” \\ backslash \n newline"})
    first = path.read_bytes()
    reopened = AtomicJSONStorage(path)
    reopened.write(reopened.read() or {})  # fragments reused from the parsed text
    assert tables_text(path.read_bytes()) == tables_text(first)


def test_stock_storage_rewrites_in_place_which_is_what_a_crash_can_corrupt(
    tmp_path: Path,
) -> None:
    # Documents the contrast: JSONStorage keeps one inode; ours replaces the file every write.
    stock = tmp_path / "stock.json"
    db = TinyDB(stock, storage=JSONStorage)
    db.insert({"v": 1})
    inode = os.stat(stock).st_ino
    db.insert({"v": 2})
    assert os.stat(stock).st_ino == inode
    ours = tmp_path / "ratings.json"
    storage = AtomicJSONStorage(ours, keep_backups=0)
    storage.write({"t": {"1": {"v": 1}}})
    inode = os.stat(ours).st_ino
    storage.write({"t": {"1": {"v": 2}}})
    assert os.stat(ours).st_ino != inode
