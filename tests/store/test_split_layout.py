"""The split store (`store.split`): which file holds what, what opening reads, what a save
writes, and erasing a client's file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from store_helpers import T0, document_in, mirror_of, rated_session, shard_files, shard_of

from cft_desktop.store.records import Records
from cft_desktop.store.split import SplitStorage


def _three_clients(path: Path) -> tuple[str, str, str]:
    with Records.open(path) as store:
        me = store.default_client().client_id
        ana = store.create_client("Ana").client_id
        bo = store.create_client("Bo").client_id
        for client in (me, ana, bo):
            for day in range(2):
                rated_session(store, client, T0 + timedelta(days=day))
    return me, ana, bo


def test_the_index_holds_no_sessions_and_each_client_has_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    me, ana, bo = _three_clients(path)
    index = document_in(path.read_bytes())
    assert set(index) == {"_meta", "clients", "settings", "_files"}
    assert index["_meta"] == {"1": {"schema_version": 3}}
    assert sorted(doc["client_id"] for doc in index["_files"].values()) == sorted([me, ana, bo])
    assert [p.name for p in shard_files(path)] == sorted(f"{c}.json" for c in (me, ana, bo))
    for client in (me, ana, bo):
        shard = shard_of(path, client)
        tables = document_in(shard.read_bytes())
        assert tables and all(name.startswith(f"sessions/{client}/") for name in tables)
        assert mirror_of(shard).read_bytes() == shard.read_bytes()


def test_opening_reads_the_active_clients_file_only_and_the_others_when_asked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ratings.json"
    me, ana, bo = _three_clients(path)
    with Records.open(path) as store:
        storage = store._storage
        assert isinstance(storage, SplitStorage)
        assert storage.loaded(me) and not storage.loaded(ana) and not storage.loaded(bo)
        assert len(store.sessions(ana)) == 2
        assert storage.loaded(ana) and not storage.loaded(bo)
        assert len(store.sessions()) == 6
        assert storage.loaded(bo)


def test_saving_a_rating_rewrites_only_that_clients_file(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    me, ana, bo = _three_clients(path)
    with Records.open(path) as store:
        store.sessions()
        untouched = {p: p.read_bytes() for p in (path, shard_of(path, me), shard_of(path, bo))}
        session = rated_session(store, ana, T0 + timedelta(days=9))
        assert {p: p.read_bytes() for p in untouched} == untouched
        assert session.encode() in shard_of(path, ana).read_bytes()


def test_a_session_of_a_client_not_loaded_yet_is_found_by_its_id(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    with Records.open(path) as store:
        ana = store.create_client("Ana").client_id
        session = rated_session(store, ana)
    with Records.open(path) as store:
        assert store.has_session(session)
        assert store.session(session).client_id == ana


def test_erasing_a_client_removes_their_file_with_its_mirror_and_backups(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    me, ana, bo = _three_clients(path)
    shard = shard_of(path, ana)
    assert list(shard.parent.glob(f"{shard.name}.bak*"))
    with Records.open(path) as store:
        report = store.erase_client(ana)
        assert report.sessions_removed == 2
        assert len(store.sessions()) == 4
    assert not list(shard.parent.glob(f"{ana}*")) and not list(shard.parent.glob(f".{ana}*"))
    assert [p.name for p in shard_files(path)] == sorted(f"{c}.json" for c in (me, bo))
    for file in path.parent.glob("ratings.json*"):
        if file.is_file() and not file.name.endswith(".lock"):
            assert ana.encode() not in file.read_bytes(), file.name


def test_a_damaged_clients_file_is_recovered_and_the_message_names_the_client(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ratings.json"
    _, ana, _ = _three_clients(path)
    shard = shard_of(path, ana)
    shard.write_bytes(shard.read_bytes()[:200])
    with Records.open(path) as store:
        assert store.recovery_message is None  # Ana's file is not read yet
        assert len(store.sessions(ana)) == 2
        message = store.recovery_message or ""
    assert message.startswith("In the ratings of Ana: ") and "nothing was lost" in message
    with Records.open(path) as store:
        store.sessions()
        assert store.recovery_message is None  # dealt with, once


def test_an_old_single_file_is_split_on_first_open_and_kept_as_a_backup(tmp_path: Path) -> None:
    from cft_desktop.store.storage import AtomicJSONStorage

    source = tmp_path / "source" / "ratings.json"
    _three_clients(source)
    with Records.open(source) as store:
        store.sessions()
        whole = dict(store._storage.read() or {})
    whole["_meta"] = {"1": {"schema_version": 2}}
    path = tmp_path / "data" / "ratings.json"
    old = AtomicJSONStorage(path)
    old.write(whole)
    old.close()
    old_bytes = path.read_bytes()
    with Records.open(path) as store:
        assert len(store.sessions()) == 6
    assert (path.with_name("ratings.json.bak1")).read_bytes() == old_bytes
    assert not any(name.startswith("sessions/") for name in json.loads(path.read_bytes()))
    assert len(shard_files(path)) == 3


def test_switching_to_a_client_whose_file_was_recovered_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    _, ana, _ = _three_clients(path)
    shard = shard_of(path, ana)
    shard.unlink()  # its mirror still holds every save
    with Records.open(path) as store:
        assert store.recovery_message is None and store.new_recovery_message() is None
        store.switch_client(ana)
        message = store.new_recovery_message() or ""
        assert message.startswith("In the ratings of Ana: ") and "missing" in message
        assert store.new_recovery_message() is None  # once
        assert len(store.sessions(ana)) == 2


def test_a_damaged_index_is_recovered_and_the_message_does_not_speak_of_sessions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ratings.json"
    _three_clients(path)
    path.write_bytes(path.read_bytes()[:100])
    with Records.open(path) as store:
        message = store.recovery_message or ""
        assert {c.pseudonym for c in store.clients()} == {"Me", "Ana", "Bo"}
        assert len(store.sessions()) == 6
    assert "Recovered the list of clients and the settings" in message
    assert "nothing was lost" in message and "0 sessions" not in message


def test_a_clients_file_gone_with_all_its_copies_is_said_not_shown_as_an_empty_history(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ratings.json"
    _, ana, _ = _three_clients(path)
    shard = shard_of(path, ana)
    for file in shard.parent.glob(f"{shard.name}*"):
        file.unlink()  # live file, mirror and every backup: more than any one file's damage
    with Records.open(path) as store:
        assert store.sessions(ana) == []
        message = store.recovery_message or ""
        assert message.startswith("In the ratings of Ana: ") and "is missing" in message
        assert len(store.sessions()) == 4  # everyone else's history is there
        rated_session(store, ana, T0 + timedelta(days=30))  # Ana starts a new file
    with Records.open(path) as store:
        assert len(store.sessions(ana)) == 1 and store.recovery_message is None


def test_erasing_a_client_removes_them_from_the_list_of_files(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    _, ana, _ = _three_clients(path)
    with Records.open(path) as store:
        store.erase_client(ana)
    listed = document_in(path.read_bytes())["_files"].values()
    assert ana not in {doc["client_id"] for doc in listed} and len(listed) == 2


def test_every_folder_and_file_of_the_store_is_the_owners_only_whatever_the_umask(
        tmp_path: Path) -> None:
    import os
    import stat

    from cft_desktop.store import lock

    path = tmp_path / "data" / "ratings.json"
    old_umask = os.umask(0o022)
    try:
        _three_clients(path)  # the index, three clients' files, mirrors, backups, the lock
        with Records.open(path) as store:
            store.change_passphrase(None, "owner only")  # a staged change over every file
            lock.request_show(path)
    finally:
        os.umask(old_umask)
    found = [path.parent, *path.parent.rglob("*")]
    assert any(p.is_dir() and p.name.endswith(".clients") for p in found)
    assert any(p.name.endswith(".lock") for p in found)
    for item in found:
        mode = stat.S_IMODE(item.stat().st_mode)
        assert mode == (0o700 if item.is_dir() else 0o600), (item.relative_to(tmp_path), oct(mode))
