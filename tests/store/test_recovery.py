"""Recovery: a damaged ratings file is never opened as empty; the newest good backup is restored,
the damaged file kept aside and the person told in plain words; with no good backup, nothing is
touched."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from store_helpers import data_files, document_in, folder_snapshot, mirror_of, rated_session

from cft_desktop.errors import StoreError
from cft_desktop.store.records import Records
from cft_desktop.store.storage import AtomicJSONStorage


def build_history(path: Path, versions: int = 4, **kwargs: object) -> list[bytes]:
    """Write `versions` versions of a small store; return each version's bytes, oldest first."""
    storage = AtomicJSONStorage(path, **kwargs)  # type: ignore[arg-type]
    seen = []
    for n in range(versions):
        storage.write({"sessions": {str(k + 1): {"n": k} for k in range(n + 1)}})
        seen.append(path.read_bytes())
    storage.close()
    return seen


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(300))


def whitespace(path: Path) -> None:
    path.write_bytes(b"\n\n   \n")


def wrong_shape(path: Path) -> None:
    path.write_bytes(b'["not", "a", "database"]')


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": truncate,
    "empty": empty,
    "garbage": garbage,
    "whitespace": whitespace,
    "wrong shape": wrong_shape,
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=list(DAMAGE))
def test_a_damaged_file_is_replaced_by_the_newest_good_backup(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    path = tmp_path / "ratings.json"
    versions = build_history(path)
    damage(path)
    mirror_of(path).unlink()  # the second copy of the last save is lost too: backups must serve
    damaged_bytes = path.read_bytes()

    storage = AtomicJSONStorage(path)

    # The newest backup is the version before the last one written.
    assert path.read_bytes() == versions[-2]
    assert storage.read() == document_in(versions[-2])
    kept = list(tmp_path.glob("ratings.json.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_bytes() == damaged_bytes
    message = storage.recovery_message
    assert message is not None
    assert message.startswith("Your ratings file was damaged (probably by a crash or power cut).")
    assert "We restored the copy from" in message
    assert str(kept[0]) in message
    # The backups are all still there; the one restored from is untouched.
    assert [p.read_bytes() for p in storage.backup_paths()] == versions[-2::-1]


def test_damaged_backups_are_skipped_for_an_older_good_one(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    versions = build_history(path, versions=5)
    garbage(path)
    garbage(mirror_of(path))
    truncate(tmp_path / "ratings.json.bak1")
    empty(tmp_path / "ratings.json.bak2")
    storage = AtomicJSONStorage(path)
    assert path.read_bytes() == versions[-4]  # bak3
    assert storage.recovery_message is not None


def test_with_no_backup_a_damaged_file_raises_and_nothing_is_touched(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    build_history(path, versions=1)
    assert not list(tmp_path.glob("*.bak*"))
    truncate(path)
    empty(mirror_of(path))
    before = folder_snapshot(tmp_path)
    with pytest.raises(StoreError) as caught:
        AtomicJSONStorage(path)
    assert "damaged" in str(caught.value)
    assert "Nothing has been changed or deleted" in str(caught.value)
    assert folder_snapshot(tmp_path) == before


def test_when_every_backup_is_damaged_too_nothing_is_touched(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    build_history(path, versions=4)
    empty(path)
    garbage(mirror_of(path))
    for backup in tmp_path.glob("ratings.json.bak*"):
        garbage(backup)
    before = folder_snapshot(tmp_path)
    with pytest.raises(StoreError, match="none of its backup copies can be read"):
        AtomicJSONStorage(path)
    assert folder_snapshot(tmp_path) == before


def test_an_empty_file_with_no_backups_is_not_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    path.write_bytes(b"")
    with pytest.raises(StoreError):
        Records.open(path)
    assert path.read_bytes() == b""
    assert [p.name for p in data_files(tmp_path)] == ["ratings.json"]


def test_a_missing_file_with_backups_is_restored_not_started_afresh(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    versions = build_history(path)
    path.unlink()
    mirror_of(path).unlink()
    storage = AtomicJSONStorage(path)
    assert path.read_bytes() == versions[-2]
    assert storage.recovery_message is not None
    assert storage.recovery_message.startswith("Your ratings file was missing.")


def test_records_open_recovers_and_keeps_every_saved_session(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path)
    client = store.default_client().client_id
    kept_ids = [rated_session(store, client) for _ in range(3)]
    store.rename_client(client, "Sam")  # one more write: bak1 now holds all three sessions
    store.close()
    truncate(path)

    reopened = Records.open(path)
    assert reopened.recovery_message is not None
    assert "damaged" in reopened.recovery_message
    assert [s.session_id for s in reopened.sessions(client)] == sorted(
        kept_ids, key=lambda sid: (reopened.session(sid).started_at, sid)
    )
    assert all(s.after is not None for s in reopened.sessions(client))
    # Nothing is lost: the last save (the rename) is read from the mirror. (Before the mirror,
    # the change made after the last backup was lost.)
    assert reopened.client(client).pseudonym == "Sam"
    # The store works normally afterwards.
    rated_session(reopened, client)
    assert len(reopened.sessions(client)) == 4
    reopened.close()
    assert Records.open(path).recovery_message is None
