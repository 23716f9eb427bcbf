"""Encryption at rest: round trip, wrong passphrase (nothing on disk changes), changing,
adding and removing the passphrase, and recovery of an encrypted file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_helpers import data_files, folder_snapshot, rated_session

from cft_desktop.errors import PassphraseRequiredError, StoreError, WrongPassphraseError
from cft_desktop.store import crypto, db
from cft_desktop.store.crypto import MAGIC, EnvelopeDamagedError, Vault
from cft_desktop.store.records import Records

SECRET = "correct horse battery staple"
NEW_SECRET = "a different, longer passphrase"


def header_of(blob: bytes) -> dict[str, object]:
    end = blob.index(b"\n")
    header: dict[str, object] = json.loads(blob[len(MAGIC) : end])
    return header


def encrypted_store(path: Path, sessions: int = 3) -> tuple[str, list[str]]:
    store = Records.open(path, passphrase=SECRET)
    client = store.create_client("Rowan-Marker").client_id
    ids = [rated_session(store, client, script_id="marker-script") for _ in range(sessions)]
    store.close()
    return client, ids


def every_file(folder: Path) -> list[Path]:
    return data_files(folder)


def test_vault_round_trip_and_refusals() -> None:
    vault = Vault.create(SECRET)
    blob = vault.seal(b'{"a":1}')
    assert blob.startswith(MAGIC)
    assert vault.open(blob) == b'{"a":1}'
    assert Vault.unlock(SECRET, blob).open(blob) == b'{"a":1}'
    with pytest.raises(WrongPassphraseError):
        Vault.unlock("not it", blob)
    with pytest.raises(EnvelopeDamagedError):
        vault.open(blob[:-1])
    tampered = blob.replace(b'"n":32768', b'"n":16384')
    with pytest.raises((EnvelopeDamagedError, WrongPassphraseError)):
        Vault.unlock(SECRET, tampered).open(tampered)
    with pytest.raises(StoreError):
        Vault.create("")
    assert vault.verifies(SECRET) and not vault.verifies(NEW_SECRET)


def test_header_records_scrypt_parameters_and_a_fresh_nonce_each_time() -> None:
    vault = Vault.create(SECRET)
    first, second = vault.seal(b"{}"), vault.seal(b"{}")
    header = header_of(first)
    assert header["kdf"] == "scrypt"
    assert (header["n"], header["r"], header["p"]) == (crypto.SCRYPT_N, 8, 1)
    assert header["n"] >= 2**15  # type: ignore[operator]
    assert len(crypto._unb64(header["salt"])) == 16
    assert header["cipher"] == "AES-256-GCM"
    assert header["nonce"] != header_of(second)["nonce"]
    assert header["salt"] == header_of(second)["salt"]


def test_an_encrypted_store_round_trips_and_hides_everything_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    client, ids = encrypted_store(path)
    assert path.read_bytes().startswith(MAGIC)
    for file in every_file(tmp_path):
        raw = file.read_bytes()
        assert raw.startswith(MAGIC), file
        for needle in ("Rowan-Marker", "marker-script", ids[0], client, SECRET):
            assert needle.encode() not in raw, (file, needle)
    store = Records.open(path, passphrase=SECRET)
    assert store.encrypted
    assert {s.session_id for s in store.sessions(client)} == set(ids)
    assert store.client(client).pseudonym == "Rowan-Marker"


def test_no_passphrase_is_asked_for_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    encrypted_store(path)
    before = folder_snapshot(tmp_path)
    with pytest.raises(PassphraseRequiredError):
        Records.open(path)
    assert folder_snapshot(tmp_path) == before


def test_a_wrong_passphrase_raises_and_leaves_every_byte_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    encrypted_store(path)
    (tmp_path / ".ratings.json.left-by-a-crash.tmp").write_bytes(b"partial")
    before = folder_snapshot(tmp_path)
    with pytest.raises(WrongPassphraseError) as caught:
        Records.open(path, passphrase="Correct horse battery staple")
    assert "does not unlock" in str(caught.value)
    assert "Nothing has been changed" in str(caught.value)
    assert folder_snapshot(tmp_path) == before


def test_a_wrong_passphrase_on_a_damaged_file_does_not_start_a_recovery(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    encrypted_store(path)
    path.write_bytes(path.read_bytes()[:40])  # header cut off: cannot tell key from damage
    before = folder_snapshot(tmp_path)
    with pytest.raises(WrongPassphraseError):
        Records.open(path, passphrase="wrong")
    assert folder_snapshot(tmp_path) == before
    recovered = Records.open(path, passphrase=SECRET)  # the right one recovers as usual
    assert recovered.recovery_message is not None
    assert len(recovered.sessions()) >= 2


def test_damaged_ciphertext_is_recovered_from_an_encrypted_backup(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    client, ids = encrypted_store(path)
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0xFF  # one flipped bit fails authentication
    path.write_bytes(bytes(blob))
    store = Records.open(path, passphrase=SECRET)
    assert store.recovery_message is not None
    assert path.read_bytes().startswith(MAGIC)
    assert set(ids[:2]) <= {s.session_id for s in store.sessions(client)}


def test_change_passphrase_reencrypts_the_file_and_every_backup(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    client, ids = encrypted_store(path)
    old_salt = header_of(path.read_bytes())["salt"]
    store = Records.open(path, passphrase=SECRET)
    with pytest.raises(WrongPassphraseError):
        store.change_passphrase("guess", NEW_SECRET)
    store.change_passphrase(SECRET, NEW_SECRET)
    rated_session(store, client)  # the store keeps working under the new key
    store.close()

    files = every_file(tmp_path)
    assert len(files) > 3  # the file and its backups
    main = path.read_bytes()
    with pytest.raises(WrongPassphraseError):
        Vault.unlock(SECRET, main)
    new_vault = Vault.unlock(NEW_SECRET, main)
    for file in files:
        blob = file.read_bytes()
        # Same new salt and key check everywhere, so the old passphrase opens no copy ...
        assert header_of(blob)["salt"] == header_of(main)["salt"] != old_salt, file
        assert header_of(blob)["check"] == header_of(main)["check"], file
        assert json.loads(new_vault.open(blob))  # ... and the new one opens every copy
    with pytest.raises(WrongPassphraseError):
        Records.open(path, passphrase=SECRET)
    reopened = Records.open(path, passphrase=NEW_SECRET)
    assert set(ids) <= {s.session_id for s in reopened.sessions(client)}


def test_a_plain_store_can_be_locked_and_unlocked_again(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path)
    client = store.create_client("Plain-Marker").client_id
    for _ in range(3):
        rated_session(store, client)
    assert b"Plain-Marker" in path.read_bytes()
    store.change_passphrase(None, SECRET)
    assert store.encrypted
    for file in every_file(tmp_path):
        assert b"Plain-Marker" not in file.read_bytes(), file
    store.close()

    store = Records.open(path, passphrase=SECRET)
    assert store.client(client).pseudonym == "Plain-Marker"
    with pytest.raises(WrongPassphraseError):
        store.change_passphrase(None, None)  # the current passphrase is required
    store.change_passphrase(SECRET, None)
    assert not store.encrypted
    for file in every_file(tmp_path):
        assert json.loads(file.read_bytes()), file
    store.close()
    assert Records.open(path).client(client).pseudonym == "Plain-Marker"


def test_a_new_store_with_a_passphrase_is_encrypted_from_the_first_byte(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    assert not db.needs_passphrase(path)
    store = Records.open(path, passphrase=SECRET)
    assert store.encrypted and path.read_bytes().startswith(MAGIC)
    assert db.needs_passphrase(path)
