"""Soak test of the ratings store, outside CI: the fault-injection families of
tests/store/test_fault_injection.py, run for longer with random choices, counting for each family
the cases tried and the sessions lost (the answer must be 0; the exit status is 1 otherwise).

Families: kill -9 of a real writer at random moments (plain and encrypted); a crash at a random
file-system step of a save; a random file of the store damaged in a random way; several
processes writing at once; a crash at a random step of an import across clients (a save of several
files of the split store, which must be all or nothing); a crash at a random step of a passphrase
set, change or removal. "A file" is any file of the split store: the index, a client's file, their
mirrors and backups.

Run: .venv/bin/python tests/soak/soak_store.py [--minutes 10] [--seed 15]
(not collected by pytest: the name does not start with test_).
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "store")]

import test_fault_injection as fi  # noqa: E402
from store_helpers import T0, rated_session  # noqa: E402

from cft_desktop.errors import StoreError, WrongPassphraseError  # noqa: E402
from cft_desktop.store import crypto  # noqa: E402
from cft_desktop.store.records import Records  # noqa: E402

tried: Counter[str] = Counter()
lost: Counter[str] = Counter()


def kill_9(work: Path, rng: random.Random, passphrase: str | None) -> None:
    family = f"kill -9 while saving ({'encrypted' if passphrase else 'plain'})"
    path = work / "ratings.json"
    script = work / "writer.py"
    script.write_text(fi.WRITER)
    committed: set[str] = set()
    for round_number in range(rng.randint(3, 8)):
        child = fi.run_writer(script, path, round_number, 400, passphrase)
        assert child.stdout is not None
        lines = [child.stdout.readline() for _ in range(rng.randint(1, 60))]
        time.sleep(rng.uniform(0, 0.03))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        for line in lines + rest.splitlines(keepends=True):
            if line.endswith(b"\n") and b" " in line:
                committed.add(line.split()[0].decode())
        with Records.open(path, passphrase=passphrase) as store:
            found = {s.session_id for s in store.sessions()}
        tried[family] += 1
        lost[family] += len(committed - found)


def crash_in_save(work: Path, rng: random.Random, passphrase: str | None) -> None:
    family = f"crash at a save step ({'encrypted' if passphrase else 'plain'})"
    path = work / "ratings.json"
    store = Records.open(path, passphrase=passphrase)
    client = store.default_client().client_id
    committed = {rated_session(store, client, T0 + timedelta(days=d)) for d in range(3)}
    patch = pytest.MonkeyPatch()
    for n in range(rng.randint(5, 20)):
        returned: list[str] = []
        step = rng.randint(1, 40)
        try:
            with fi.crash_at(patch, step):
                rated_session(store, client, T0 + timedelta(days=30 + n), on_save=returned.append)
        except fi.SimulatedCrash:
            store.close()
            store = Records.open(path, passphrase=passphrase)
        if returned:
            committed.add(returned[0])
        found = {s.session_id for s in store.sessions()}
        tried[family] += 1
        lost[family] += len(committed - found)
    store.close()


def damage_one_file(work: Path, rng: random.Random, passphrase: str | None) -> None:
    family = f"a file damaged ({'encrypted' if passphrase else 'plain'})"
    ids = fi._build(work, passphrase)
    for _ in range(rng.randint(3, 10)):
        # The store's own copies (not the damaged ones already kept aside).
        copies = [p for p in fi.data_files(work) if ".corrupt-" not in p.name]
        target = rng.choice(copies)
        how = rng.choice(list(fi.DAMAGE))
        blob = target.read_bytes()
        damaged = fi.DAMAGE[how](blob, rng) if len(blob) > 64 else None
        if damaged is None:
            target.unlink()
        else:
            target.write_bytes(damaged)
        with Records.open(work / "ratings.json", passphrase=passphrase) as store:
            found = {s.session_id for s in store.sessions()}
            tried[family] += 1
            lost[family] += len(ids - found)
            # A save after each recovery, so the next damage meets a freshly written store.
            ids.add(rated_session(store, store.default_client().client_id))


def writers_at_once(work: Path, rng: random.Random) -> None:
    family = "several processes writing at once"
    path = work / "ratings.json"
    script = work / "writer.py"
    script.write_text(fi.WRITER)
    Records.open(path).close()
    children = [fi.run_writer(script, path, n, rng.randint(5, 30), None)
                for n in range(rng.randint(2, 4))]
    committed: set[str] = set()
    for child in children:
        out, _ = child.communicate(timeout=300)
        committed |= {line.split()[0].decode() for line in out.splitlines() if b" " in line}
    with Records.open(path) as store:
        found = {s.session_id for s in store.sessions()}
    tried[family] += 1
    lost[family] += len(committed - found)


def crash_in_passphrase_change(work: Path, rng: random.Random) -> None:
    change = rng.choice(list(fi.CHANGES))
    family = f"crash at a step of a passphrase {change}"
    old, new = fi.CHANGES[change]
    ids = fi._build(work, old)
    store = Records.open(work / "ratings.json", passphrase=old)
    patch = pytest.MonkeyPatch()
    try:
        with fi.crash_at(patch, rng.randint(1, 40)):
            store.change_passphrase(old, new)
    except fi.SimulatedCrash:
        pass
    store.close()
    found: set[str] | None = None
    for attempt in (old, new):
        try:
            with Records.open(work / "ratings.json", passphrase=attempt) as opened:
                found = {s.session_id for s in opened.sessions()}
            break
        except (WrongPassphraseError, StoreError):
            continue
    tried[family] += 1
    lost[family] += len(ids) if found is None else len(ids - found)
    if len(fi._key_state(work)) != 1:
        lost[family] += len(ids)  # copies under two keys: counted as losing everything


def crash_in_import(work: Path, rng: random.Random, passphrase: str | None) -> None:
    """A crash at a random step of an import across clients (a save of several files, one
    transaction in the split store): nothing earlier lost, and the import all there or absent."""
    from cft_desktop.store.records import Client, SessionRecord

    family = f"crash at a step of an import across clients ({'encrypted' if passphrase else 'plain'})"
    ids, clients = fi._clients_store(work, passphrase)
    newcomer = Client.new("Soak-New")
    batch = [
        SessionRecord(f"{n:032x}", rng.choice(clients), "srb", "1", {}, "joe",
                      T0 + timedelta(days=50 + n))
        for n in range(rng.randint(2, 40))
    ] + [SessionRecord(f"{9999:032x}", newcomer.client_id, "srb", "1", {}, "joe", T0)]
    store = Records.open(work / "ratings.json", passphrase=passphrase)
    patch = pytest.MonkeyPatch()
    try:
        with fi.crash_at(patch, rng.randint(1, 90)):
            store.add_sessions(batch, [newcomer])
    except fi.SimulatedCrash:
        pass
    store.close()
    with Records.open(work / "ratings.json", passphrase=passphrase) as reopened:
        found = {s.session_id for s in reopened.sessions()}
    imported = {s.session_id for s in batch}
    tried[family] += 1
    lost[family] += len(ids - found)
    if imported & found not in (set(), imported):
        lost[family] += len(imported - found)  # half an import: its missing part counts as lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    crypto.SCRYPT_N = 2**10  # files, not key strength, are under test (see test_fault_injection)
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.minutes * 60
    runs = 0
    with tempfile.TemporaryDirectory(prefix="cft-soak-store-") as tmp:
        while time.monotonic() < deadline:
            work = Path(tmp) / f"run-{runs}"
            work.mkdir()
            passphrase = rng.choice([None, fi.SECRET])
            family = rng.randrange(6)
            if family == 0:
                kill_9(work, rng, passphrase)
            elif family == 1:
                crash_in_save(work, rng, passphrase)
            elif family == 2:
                damage_one_file(work, rng, passphrase)
            elif family == 3:
                writers_at_once(work, rng)
            elif family == 4:
                crash_in_import(work, rng, passphrase)
            else:
                crash_in_passphrase_change(work, rng)
            shutil.rmtree(work)
            runs += 1
    for family in sorted(tried):
        print(f"{family}: {tried[family]} cases tried, {lost[family]} sessions lost")
    return 1 if sum(lost.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
