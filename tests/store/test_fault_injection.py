"""Fault injection over the ratings store (issue 15), each family counting the cases it tried and
the sessions it lost, which must be 0:

* a crash at every single file-system step of a run of saves, plain and encrypted (in process:
  the step raises and the storage is abandoned, as a killed process would leave it);
* kill -9 of a real writer process at random moments, plain and encrypted;
* every file of the store (live, mirror, each backup) damaged in turn, in each way the issue
  names (cut short, emptied, garbage, blank, wrong shape, a bare ``{}``, one flipped bit, one
  changed key, a damaged encryption header, deleted);
* two processes writing the same store at once;
* a crash at every step of setting, changing and removing the passphrase;
* for the split store (an index and a file per client, `store.split`): a crash at every step of
  an import across clients (all or nothing), of splitting an old single file on first open, and
  of erasing a client. "Every file" above includes the index and each client's file with their
  mirrors and backups, and the kill -9 writers save to two clients in turn.

Run with ``-s`` to see the counts. tests/soak/soak_store.py runs the same families for longer.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from store_helpers import T0, data_files, mirror_of, rated_session, shard_files, shard_of

from cft_desktop import atomic as atomic_module
from cft_desktop.errors import StoreError, WrongPassphraseError
from cft_desktop.store import storage as storage_module
from cft_desktop.store.crypto import MAGIC, Vault
from cft_desktop.store.records import Records

REPO = Path(__file__).resolve().parents[2]
SECRET = "fault injection passphrase"
NEW_SECRET = "another passphrase entirely"


@pytest.fixture(autouse=True)
def quick_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests are about files, not about the key's strength: a cheap scrypt (n = 2**10, the
    # smallest a header may ask for) keeps hundreds of encrypted opens within CI's minute.
    from cft_desktop.store import crypto

    monkeypatch.setattr(crypto, "SCRYPT_N", 2**10)


def report(family: str, tried: int, lost: int) -> None:
    print(f"\nFAULT {family}: {tried} cases tried, {lost} sessions lost")
    assert tried > 0
    assert lost == 0, f"{family}: {lost} sessions lost"


class SimulatedCrash(BaseException):
    """Raised at a chosen step: not an Exception, so nothing on the way handles it."""


@contextmanager
def crash_at(monkeypatch: pytest.MonkeyPatch, step: int | None) -> Iterator[list[str]]:
    """Count file-system steps in the storage (temp writes, renames, folder syncs, links,
    deletions) and crash at number `step` (None: count only). Yields the steps seen."""
    seen: list[str] = []

    def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def step_then_call(*args: Any, **kwargs: Any) -> Any:
            seen.append(name)
            if step is not None and len(seen) == step:
                raise SimulatedCrash(name)
            return real(*args, **kwargs)

        return step_then_call

    with monkeypatch.context() as patch:
        for name in ("write_temp", "replace", "fsync_dir"):
            patch.setattr(atomic_module, name, wrap(name, getattr(atomic_module, name)))
        patch.setattr(storage_module.os, "link", wrap("link", os.link))
        patch.setattr(storage_module.shutil, "rmtree", wrap("rmtree", shutil.rmtree))
        patch.setattr(Path, "unlink", wrap("unlink", Path.unlink))
        yield seen


def session_ids(path: Path, passphrase: str | None = None) -> set[str]:
    with Records.open(path, passphrase=passphrase) as store:
        return {s.session_id for s in store.sessions()}


Prepared = tuple[Callable[[], object], Callable[[], None]]


def every_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: Path,
                prepare: Callable[[Path], Prepared]) -> tuple[list[str], Iterator[tuple[int, Path]]]:
    """Crash an action at each of its file-system steps in turn, each time on a fresh copy of
    `seed`. `prepare(folder)` readies it there outside the crash (opening the store, say) and
    returns the action and what to do after it (what a killed process leaves: only the files).
    Returns the steps one uncrashed run takes, and the crashed copies one by one as (step, folder)
    to be checked; each is removed once the next is asked for."""
    counted = tmp_path / "count"
    shutil.copytree(seed, counted)
    run, after = prepare(counted)
    with crash_at(monkeypatch, None) as seen:
        run()
    after()

    def crashed() -> Iterator[tuple[int, Path]]:
        for step in range(1, len(seen) + 1):
            work = tmp_path / f"crash-{step}"
            shutil.copytree(seed, work)
            run, after = prepare(work)
            with crash_at(monkeypatch, step), pytest.raises(SimulatedCrash):
                run()
            after()
            yield step, work
            shutil.rmtree(work)

    return seen, crashed()


# ------------------------------------------------------------------------------ crash at each step


@pytest.mark.parametrize("passphrase", [None, SECRET], ids=["plain", "encrypted"])
def test_a_crash_at_every_step_of_saving_loses_no_returned_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str | None
) -> None:
    seed = tmp_path / "seed"
    store = Records.open(seed / "ratings.json", passphrase=passphrase)
    client = store.default_client().client_id
    committed = {rated_session(store, client, T0 + timedelta(days=d)) for d in range(6)}
    store.close()
    returned: list[str] = []  # the saves of the last run that returned before its crash

    def prepare(work: Path) -> Prepared:
        returned.clear()
        store = Records.open(work / "ratings.json", passphrase=passphrase)
        return (lambda: rated_session(store, client, T0 + timedelta(days=40),
                                      on_save=returned.append)), store.close

    seen, crashed = every_crash(tmp_path, monkeypatch, seed, prepare)
    steps = len(seen)
    assert steps >= 3 * 5  # one more rated session: three saves
    lost = 0
    for _step, work in crashed:
        with Records.open(work / "ratings.json", passphrase=passphrase) as reopened:
            found = {s.session_id: s for s in reopened.sessions()}
        lost += len(committed - set(found))
        if returned:  # the new session was saved, and so was every step that returned
            lost += returned[0] not in found
            session = found.get(returned[0])
            lost += "before" in returned and (session is None or session.before is None)
    report(f"crash at each save step ({'encrypted' if passphrase else 'plain'})", steps, lost)


# ------------------------------------------------------------------------------ kill -9

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from cft_desktop.core.ratings import Phase
    from cft_desktop.store.records import Records

    path, round_number, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    passphrase = sys.argv[4] or None
    store = Records.open(path, passphrase=passphrase, lock_wait_s=30)
    # Two clients, saved in turn: each save goes to the other client's file (store.split).
    second = store.find_client("Second") or store.create_client("Second")
    clients = [store.default_client().client_id, second.client_id]
    items = store.item_set(clients[0]).for_phase(Phase.BEFORE)
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=40 * round_number)
    for n in range(count):
        session_id = store.start_session(
            clients[n % 2], "srb", "1", {"bpm": 6.0}, "joe", start + timedelta(hours=7 * n)
        )
        store.save_before(session_id, [item.answer((n * 7) % 101) for item in items])
        print(session_id, n, flush=True)
    print("done", flush=True)
    """
)


def run_writer(
    script: Path, path: Path, round_number: int, count: int, passphrase: str | None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, str(script), str(path), str(round_number), str(count), passphrase or ""],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("passphrase", [None, SECRET], ids=["plain", "encrypted"])
def test_kill_9_at_random_moments_loses_no_printed_save(
    tmp_path: Path, passphrase: str | None
) -> None:
    path = tmp_path / "data" / "ratings.json"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = random.Random(15_2026 + (passphrase is not None))
    committed: set[str] = set()
    rounds = 4
    for round_number in range(rounds):
        child = run_writer(script, path, round_number, 200, passphrase)
        assert child.stdout is not None
        lines = [child.stdout.readline() for _ in range(rng.randint(5, 40))]
        assert all(lines), child.stderr.read().decode() if child.stderr else ""
        time.sleep(rng.uniform(0, 0.05))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        for line in lines + rest.splitlines(keepends=True):
            if line.endswith(b"\n") and b" " in line:
                committed.add(line.split()[0].decode())
        with Records.open(path, passphrase=passphrase) as store:
            found = {s.session_id for s in store.sessions()}
    report(
        f"kill -9 while saving ({'encrypted' if passphrase else 'plain'})",
        rounds,
        len(committed - found),
    )


# ------------------------------------------------------------------------------ two writers


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ratings.json"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    Records.open(path).close()
    children = [run_writer(script, path, n, 25, None) for n in range(2)]
    committed: set[str] = set()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
        lines = out.splitlines()
        assert lines[-1] == b"done"
        committed |= {line.split()[0].decode() for line in lines[:-1]}
    assert len(committed) == 50
    found = session_ids(path)
    report("two processes writing at once", 2, len(committed - found))


# ------------------------------------------------------------------------------ damage


def _flip_bit(blob: bytes, rng: random.Random, start: int) -> bytes:
    data = bytearray(blob)
    where = rng.randrange(start, len(data))
    data[where] ^= 1 << rng.randrange(8)
    return bytes(data)


def _body_start(blob: bytes) -> int:
    # Past the encryption header, or past the integrity member of a plain file.
    if blob.startswith(MAGIC):
        return blob.index(b"\n") + 1
    return blob.index(b'"}},') + 4 if b'"}},' in blob else 1


def _changed_key(blob: bytes, rng: random.Random) -> bytes:
    if blob.startswith(MAGIC):
        return _flip_bit(blob, rng, _body_start(blob))
    return blob.replace(b'"started_at"', b'"starteq_at"', 1)


def _header_field(name: str) -> Callable[[bytes, random.Random], bytes]:
    def damage(blob: bytes, rng: random.Random) -> bytes:
        if not blob.startswith(MAGIC):
            return _flip_bit(blob, rng, _body_start(blob))
        end = blob.index(b"\n")
        header = json.loads(blob[len(MAGIC) : end])
        raw = bytearray(base64.b64decode(header[name]))
        raw[0] ^= 0x01
        header[name] = base64.b64encode(bytes(raw)).decode()
        return MAGIC + json.dumps(header, separators=(",", ":")).encode() + blob[end:]

    return damage


DAMAGE: dict[str, Callable[[bytes, random.Random], bytes | None]] = {
    "cut short": lambda blob, rng: blob[: len(blob) // 2],
    "emptied": lambda blob, rng: b"",
    "garbage": lambda blob, rng: rng.randbytes(300),
    "blank": lambda blob, rng: b"\n  \n",
    "wrong shape": lambda blob, rng: b'["not", "a", "store"]',
    "bare {}": lambda blob, rng: b"{}",
    "one flipped bit": lambda blob, rng: _flip_bit(blob, rng, _body_start(blob)),
    "one changed key": _changed_key,
    "damaged salt": _header_field("salt"),
    "damaged key check": _header_field("check"),
    "deleted": lambda blob, rng: None,
}


def _build(folder: Path, passphrase: str | None) -> set[str]:
    store = Records.open(folder / "ratings.json", passphrase=passphrase)
    client = store.create_client("Damage-Test").client_id
    ids = {rated_session(store, client, T0 + timedelta(days=d * 9)) for d in range(8)}
    # A second client's file, so every family meets several of them (store.split).
    me = store.default_client().client_id
    ids |= {rated_session(store, me, T0 + timedelta(days=100 + d)) for d in range(2)}
    store.close()
    return ids


@pytest.mark.parametrize("passphrase", [None, SECRET], ids=["plain", "encrypted"])
def test_each_file_damaged_in_each_way_loses_nothing(
    tmp_path: Path, passphrase: str | None
) -> None:
    seed = tmp_path / "seed"
    ids = _build(seed, passphrase)
    # The index and the client's file, each with its mirror and backups.
    names = [p.relative_to(seed).as_posix() for p in data_files(seed)]
    shards = [p.relative_to(seed).as_posix() for p in shard_files(seed / "ratings.json")]
    assert len(shards) == 2
    assert {"ratings.json", "ratings.json.mirror", "ratings.json.bak1"} <= set(names)
    for shard_name in shards:
        assert {shard_name, f"{shard_name}.mirror", f"{shard_name}.bak5"} <= set(names)
    rng = random.Random(1515)
    tried = lost = 0
    for name in names:
        for how, damage in DAMAGE.items():
            work = tmp_path / "work"
            shutil.copytree(seed, work)
            target = work / name
            damaged = damage(target.read_bytes(), rng)
            if damaged is None:
                target.unlink()
            else:
                target.write_bytes(damaged)
            changed = damaged is None or damaged != (seed / name).read_bytes()
            with Records.open(work / "ratings.json", passphrase=passphrase) as store:
                found = {s.session_id for s in store.sessions()}  # every record converts
                assert store.clients()
                if (name == "ratings.json" or name in shards) and changed:
                    # Recovery of a live file is always said, with what came from where.
                    assert store.recovery_message, (name, how)
                    assert "Recovered" in store.recovery_message, store.recovery_message
            tried += 1
            lost += len(ids - found)
            # The next open needs no recovery: the damage is dealt with, once.
            with Records.open(work / "ratings.json", passphrase=passphrase) as again:
                assert {s.session_id for s in again.sessions()} == found
            shutil.rmtree(work)
    report(f"each file damaged in each way ({'encrypted' if passphrase else 'plain'})", tried, lost)


def test_a_damaged_header_is_not_a_wrong_passphrase_and_a_wrong_one_changes_nothing(
    tmp_path: Path,
) -> None:
    ids = _build(tmp_path, SECRET)
    path = tmp_path / "ratings.json"
    path.write_bytes(_header_field("salt")(path.read_bytes(), random.Random(1)))
    before = {p.name: p.read_bytes() for p in data_files(tmp_path)}
    with pytest.raises(WrongPassphraseError):
        Records.open(path, passphrase="not the passphrase")
    assert {p.name: p.read_bytes() for p in data_files(tmp_path)} == before
    with Records.open(path, passphrase=SECRET) as store:
        assert store.recovery_message and "damaged" in store.recovery_message
        assert {s.session_id for s in store.sessions()} == ids


def test_a_record_that_passes_the_checksums_but_not_validation_is_replaced_or_set_aside(
    tmp_path: Path,
) -> None:
    from store_helpers import document_in, write_store_file

    path = tmp_path / "ratings.json"
    store = Records.open(path)
    client = store.default_client().client_id
    old = rated_session(store, client, T0)
    new = rated_session(store, client, T0 + timedelta(days=60))
    store.close()
    path = shard_of(path, client)  # the file holding the client's sessions
    document = document_in(path.read_bytes())
    for table in document.values():
        for doc in table.values():
            if doc.get("session_id") in (old, new):
                doc["starteq_at"] = doc.pop("started_at")  # what a buggy writer could leave
    # Wipe the backups that hold the new session so only the old one has an intact copy.
    for backup in sorted(path.parent.glob(f"{path.name}.bak*"))[:3]:
        backup.unlink()
    write_store_file(path, document)
    with Records.open(tmp_path / "ratings.json") as reopened:
        message = reopened.recovery_message or ""
        found = {s.session_id for s in reopened.sessions()}  # history works for the rest
    assert old in found and f"session {old}" in message and "restored from an intact copy" in message
    assert new not in found and f"session {new}" in message and "set aside" in message
    on_disk = document_in(path.read_bytes())
    assert [d["record"]["session_id"] for d in on_disk["_set_aside"].values()] == [new]


def test_a_store_of_50_imported_sessions_survives_its_live_file_being_cut(tmp_path: Path) -> None:
    from cft_desktop.store.records import SessionRecord

    path = tmp_path / "ratings.json"
    store = Records.open(path)
    client = store.default_client().client_id
    sessions = [
        SessionRecord(f"{n:032x}", client, "srb", "1", {"bpm": 6.0}, "joe", T0 + timedelta(days=n))
        for n in range(50)
    ]
    store.add_sessions(sessions)
    store.close()
    shard = shard_of(path, client)  # the file holding the sessions
    shard.write_bytes(shard.read_bytes()[:1000])
    with Records.open(path) as reopened:
        assert len(reopened.sessions()) == 50
        message = reopened.recovery_message or ""
    assert "Recovered 50 sessions" in message and message.endswith("; every record was read.")


def test_both_copies_cut_short_still_salvage_every_readable_session(tmp_path: Path) -> None:
    from cft_desktop.store.records import SessionRecord

    path = tmp_path / "ratings.json"
    store = Records.open(path, keep_backups=0)
    client = store.default_client().client_id
    store.add_sessions([
        SessionRecord(f"{n:032x}", client, "srb", "1", {}, "joe", T0 + timedelta(hours=n))
        for n in range(50)
    ])
    store.close()
    shard = shard_of(path, client)  # the file holding the sessions
    blob = shard.read_bytes()
    shard.write_bytes(blob[: len(blob) * 3 // 4])
    mirror_of(shard).write_bytes(blob[: len(blob) // 2])
    with Records.open(path) as reopened:
        found = len(reopened.sessions())
        message = reopened.recovery_message or ""
    assert 30 <= found < 50  # everything before the cut of the longer copy
    assert f"Recovered {found} sessions" in message and "could not read" in message


# ------------------------------------------------------------------------------ passphrase change

CHANGES = {
    "set": (None, SECRET),
    "change": (SECRET, NEW_SECRET),
    "remove": (SECRET, None),
}


def _key_state(folder: Path) -> set[str]:
    """'plain' or the salt of every copy that may hold ratings."""
    states = set()
    for path in data_files(folder):
        blob = path.read_bytes()
        states.add(blob[len(MAGIC) : blob.index(b"\n")].decode() if blob.startswith(MAGIC)
                   else "plain")
    return {json.loads(s)["salt"] if s != "plain" else s for s in states}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_crash_at_every_step_of_a_passphrase_change_leaves_one_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    old, new = CHANGES[change]
    seed = tmp_path / "seed"
    ids = _build(seed, old)

    def prepare(work: Path) -> Prepared:
        store = Records.open(work / "ratings.json", passphrase=old)
        return (lambda: store.change_passphrase(old, new)), store.close

    seen, crashed = every_crash(tmp_path, monkeypatch, seed, prepare)
    steps = len(seen)
    lost = 0
    for step, work in crashed:
        opened = None
        for attempt in (old, new):
            try:
                opened = Records.open(work / "ratings.json", passphrase=attempt)
            except (WrongPassphraseError, StoreError):
                continue
            break
        assert opened is not None, f"step {step} ({seen[step - 1]}): no passphrase opens it"
        with opened:
            lost += len(ids - {s.session_id for s in opened.sessions()})
            if step > 1:
                assert opened.recovery_message is None or "passphrase change" in (
                    opened.recovery_message
                )
        # One key for every copy: never plaintext backups beside an encrypted file, never
        # backups under a key the live file does not use.
        assert len(_key_state(work)) == 1, (step, seen[step - 1], _key_state(work))
        assert not (work / "ratings.json.rekey").exists()
    report(f"crash at each step of a passphrase {change}", steps, lost)


def test_the_vault_helper_reads_every_copy_after_a_change(tmp_path: Path) -> None:
    _build(tmp_path, SECRET)
    with Records.open(tmp_path / "ratings.json", passphrase=SECRET) as store:
        store.change_passphrase(SECRET, NEW_SECRET)
    main = (tmp_path / "ratings.json").read_bytes()
    vault = Vault.unlock(NEW_SECRET, main)
    for path in data_files(tmp_path):
        assert json.loads(vault.open(path.read_bytes()))


# ------------------------------------------------------------------------------ the split store
# (store.split: an index and a file per client; a save spanning several files is one transaction)


def _clients_store(folder: Path, passphrase: str | None) -> tuple[set[str], list[str]]:
    store = Records.open(folder / "ratings.json", passphrase=passphrase)
    clients = [store.default_client().client_id]
    clients += [store.create_client(f"Split-{k}").client_id for k in range(2)]
    ids = {rated_session(store, c, T0 + timedelta(days=d)) for c in clients for d in range(2)}
    store.close()
    return ids, clients


@pytest.mark.parametrize("passphrase", [None, SECRET], ids=["plain", "encrypted"])
def test_a_crash_at_every_step_of_an_import_across_clients_is_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str | None
) -> None:
    from cft_desktop.store.records import Client, SessionRecord

    seed = tmp_path / "seed"
    ids, clients = _clients_store(seed, passphrase)
    newcomer = Client.new("Split-New")
    batch = [
        SessionRecord(f"{n:032x}", clients[n % 3], "srb", "1", {}, "joe",
                      T0 + timedelta(days=50 + n))
        for n in range(6)
    ] + [SessionRecord(f"{99:032x}", newcomer.client_id, "srb", "1", {}, "joe", T0)]
    imported = {s.session_id for s in batch}

    def prepare(work: Path) -> Prepared:
        store = Records.open(work / "ratings.json", passphrase=passphrase)
        return (lambda: store.add_sessions(batch, [newcomer])), store.close

    seen, crashed = every_crash(tmp_path, monkeypatch, seed, prepare)
    steps = len(seen)
    assert seen.count("write_temp") >= 2 * 5  # the index and four clients' files, with mirrors
    lost = 0
    for step, work in crashed:
        with Records.open(work / "ratings.json", passphrase=passphrase) as reopened:
            found = {s.session_id for s in reopened.sessions()}
            has_newcomer = reopened.find_client("Split-New") is not None
        lost += len(ids - found)
        # All or nothing, across every file: the clients, their sessions, the new client.
        assert imported & found in (set(), imported), (step, seen[step - 1])
        assert has_newcomer == (imported <= found), (step, seen[step - 1])
        assert not (work / "ratings.json.commit").exists()
    report(f"crash at each step of an import ({'encrypted' if passphrase else 'plain'})",
           steps, lost)


def _old_single_file(tmp_path: Path, folder: Path, passphrase: str | None) -> set[str]:
    """A store as the release before the split left it: every table in one file (schema 2),
    with a backup."""
    ids, _ = _clients_store(tmp_path / "source", passphrase)
    with Records.open(tmp_path / "source" / "ratings.json", passphrase=passphrase) as store:
        store.sessions()  # every client's file loaded
        document = dict(store._storage.read() or {})
    document["_meta"] = {"1": {"schema_version": 2}}
    old = storage_module.AtomicJSONStorage(folder / "ratings.json", passphrase=passphrase)
    old.write(document)
    old.write(document)
    old.close()
    return ids


@pytest.mark.parametrize("passphrase", [None, SECRET], ids=["plain", "encrypted"])
def test_a_crash_at_every_step_of_splitting_an_old_file_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str | None
) -> None:
    seed = tmp_path / "seed"
    ids = _old_single_file(tmp_path, seed, passphrase)

    def prepare(work: Path) -> Prepared:
        return (lambda: Records.open(work / "ratings.json", passphrase=passphrase).close()), (
            lambda: None)

    seen, crashed = every_crash(tmp_path, monkeypatch, seed, prepare)
    steps = len(seen)
    assert seen.count("write_temp") >= 2 * 4  # the index and three clients' files, with mirrors
    lost = 0
    for _step, work in crashed:
        # Before the commit the old file is untouched and opens; after it the split is finished.
        with Records.open(work / "ratings.json", passphrase=passphrase) as reopened:
            lost += len(ids - {s.session_id for s in reopened.sessions()})
            assert not reopened._storage.has_inline_sessions()  # type: ignore[attr-defined]
        assert len(shard_files(work / "ratings.json")) == 3
        assert not (work / "ratings.json.commit").exists()
    report(f"crash at each step of splitting an old file ({'encrypted' if passphrase else 'plain'})",
           steps, lost)


def test_a_crash_at_every_step_of_erasing_a_client_keeps_the_others_and_can_be_repeated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = tmp_path / "seed"
    ids, clients = _clients_store(seed, SECRET)
    gone = clients[1]
    with Records.open(seed / "ratings.json", passphrase=SECRET) as store:
        theirs = {s.session_id for s in store.sessions(gone)}
    kept = ids - theirs

    def prepare(work: Path) -> Prepared:
        store = Records.open(work / "ratings.json", passphrase=SECRET)
        return (lambda: store.erase_client(gone)), store.close

    seen, crashed = every_crash(tmp_path, monkeypatch, seed, prepare)
    steps = len(seen)
    lost = 0
    for _step, work in crashed:
        with Records.open(work / "ratings.json", passphrase=SECRET) as reopened:
            lost += len(kept - {s.session_id for s in reopened.sessions()})
            if gone in {c.client_id for c in reopened.clients()}:
                reopened.erase_client(gone)  # a crash part-way leaves them listed: erase again
            assert gone not in {c.client_id for c in reopened.clients()}
            assert not {s.session_id for s in reopened.sessions()} & theirs
        assert not list((work / "ratings.json.clients").glob(f"*{gone}*"))
    report("crash at each step of erasing a client", steps, lost)
