"""Passphrases: normalised to NFC (the same passphrase from another keyboard opens the store),
old stores sealed from another form still open and are re-sealed, an unencodable passphrase gets
a plain message, and an old-format file whose header is damaged is told from a wrong passphrase
by trying its other copies with the same one."""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from pathlib import Path

import pytest
from store_helpers import data_files, folder_snapshot, rated_session, stored_document

from cft_desktop.errors import StoreError, WrongPassphraseError
from cft_desktop.store import crypto
from cft_desktop.store.crypto import MAGIC, UNUSABLE_PASSPHRASE, KdfParams, Vault
from cft_desktop.store.records import Records

COMPOSED = "Caf\u00e9 au lait, s'il vous pla\u00eet"
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)
assert COMPOSED != DECOMPOSED


@pytest.fixture(autouse=True)
def quick_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**10)


def seal_format_1(passphrase: str, plaintext: bytes, salt: bytes | None = None) -> bytes:
    """A file as the first encrypted release wrote it: the key from the passphrase as typed, a
    header with no checksum and no sequence number."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kdf = KdfParams(n=2**10, r=8, p=1, salt=salt or os.urandom(16))
    key, mac_key = crypto._derive(passphrase, kdf)
    nonce = os.urandom(12)
    header = {
        "format": 1, "kdf": "scrypt", "n": kdf.n, "r": kdf.r, "p": kdf.p,
        "salt": base64.b64encode(kdf.salt).decode(),
        "check": base64.b64encode(crypto._key_check(mac_key)).decode(),
        "cipher": "AES-256-GCM", "nonce": base64.b64encode(nonce).decode(),
    }
    head = MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n"
    return head + AESGCM(key).encrypt(nonce, plaintext, head)


def old_plaintexts(tmp_path: Path, versions: int) -> tuple[list[bytes], set[str]]:
    """`versions` successive plain documents of a small store, as the old release wrote them
    (no integrity member)."""
    source = tmp_path / "source" / "ratings.json"
    store = Records.open(source)
    client = store.default_client().client_id
    texts, ids = [], set()
    for _ in range(versions):
        ids.add(rated_session(store, client))
        # One file holding every table, as the old release wrote it (before the split).
        texts.append(json.dumps(stored_document(source)).encode())
    store.close()
    return texts, ids


def test_the_same_passphrase_typed_another_way_opens_the_store(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path, passphrase=COMPOSED)
    session = rated_session(store, store.default_client().client_id)
    store.close()
    with Records.open(path, passphrase=DECOMPOSED) as reopened:
        assert reopened.has_session(session)
        assert reopened.change_passphrase(COMPOSED, DECOMPOSED) == []
    with Records.open(path, passphrase=COMPOSED) as again:
        assert again.has_session(session)


def test_an_old_store_sealed_from_another_form_opens_and_is_resealed_in_nfc(
    tmp_path: Path,
) -> None:
    texts, ids = old_plaintexts(tmp_path, 1)
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "ratings.json"
    path.write_bytes(seal_format_1(DECOMPOSED, texts[0]))
    with pytest.raises(WrongPassphraseError):
        Records.open(path, passphrase="something else")
    with Records.open(path, passphrase=DECOMPOSED) as store:  # typed as it was typed then
        assert {s.session_id for s in store.sessions()} == ids
    for file in data_files(folder):
        header = json.loads(file.read_bytes()[len(MAGIC) :].split(b"\n", 1)[0])
        assert header["format"] == 2, file
    # From now on either form opens it.
    for typed in (COMPOSED, DECOMPOSED):
        with Records.open(path, passphrase=typed) as store:
            assert {s.session_id for s in store.sessions()} == ids


def test_an_unencodable_passphrase_gets_a_plain_message_and_changes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ratings.json"
    store = Records.open(path, passphrase="fine")
    rated_session(store, store.default_client().client_id)
    with pytest.raises(StoreError) as caught:
        store.change_passphrase("fine", "bad \udcff byte")  # a lone surrogate from a terminal
    assert str(caught.value) == UNUSABLE_PASSPHRASE
    store.close()
    before = folder_snapshot(tmp_path)
    with pytest.raises(StoreError) as caught:
        Records.open(path, passphrase="bad \udcff byte")
    assert str(caught.value) == UNUSABLE_PASSPHRASE
    assert folder_snapshot(tmp_path) == before
    with pytest.raises(StoreError, match="cannot be used"):
        Records.open(tmp_path / "new" / "ratings.json", passphrase="\ud800")
    with Records.open(path, passphrase="fine") as again:
        assert len(again.sessions()) == 1


def test_an_old_format_file_with_a_damaged_salt_is_recovered_with_the_right_passphrase(
    tmp_path: Path,
) -> None:
    texts, ids = old_plaintexts(tmp_path, 3)
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "ratings.json"
    salt = os.urandom(16)
    # Live file and two backups, as the old release left them (one salt for all).
    for name, text in zip(("ratings.json.bak2", "ratings.json.bak1", "ratings.json"), texts,
                          strict=True):
        (folder / name).write_bytes(seal_format_1("right one", text, salt))
    blob = path.read_bytes()
    end = blob.index(b"\n")
    header = json.loads(blob[len(MAGIC) : end])
    damaged_salt = bytearray(base64.b64decode(header["salt"]))
    damaged_salt[3] ^= 0x10
    header["salt"] = base64.b64encode(bytes(damaged_salt)).decode()
    path.write_bytes(MAGIC + json.dumps(header, separators=(",", ":")).encode() + blob[end:])

    before = folder_snapshot(folder)
    with pytest.raises(WrongPassphraseError):
        Records.open(path, passphrase="wrong one")
    assert folder_snapshot(folder) == before  # a wrong passphrase changes nothing
    with Records.open(path, passphrase="right one") as store:
        message = store.recovery_message or ""
        # The newest backup is one save older than the damaged file: that save is named lost.
        assert "damaged" in message and "ratings.json.bak1" in message
        assert "could not read 1 record" in message
        assert len(store.sessions()) == 2
    assert Vault.unlock("right one", path.read_bytes())
    assert ids


def test_a_plain_leftover_backup_never_makes_a_wrong_passphrase_look_like_damage(
    tmp_path: Path,
) -> None:
    texts, _ = old_plaintexts(tmp_path, 1)
    folder = tmp_path / "data"
    store = Records.open(folder / "ratings.json", passphrase="right one")
    rated_session(store, store.default_client().client_id)
    store.close()
    # What a crash while removing a passphrase used to leave: plain text beside encrypted files.
    (folder / "ratings.json.bak5").write_bytes(texts[0])
    before = folder_snapshot(folder)
    with pytest.raises(WrongPassphraseError):
        Records.open(folder / "ratings.json", passphrase="wrong one")
    assert folder_snapshot(folder) == before
