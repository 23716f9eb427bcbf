"""Passphrase encryption of the ratings file at rest: key derivation and the file envelope.

Owns the encrypted file format and nothing else; `storage.AtomicJSONStorage` decides when to seal
and open, and writes the result through its atomic write and backup path.

Envelope (one file, bytes)::

    b"CFTDENC1"  header-json  b"\\n"  ciphertext-with-tag

The header holds the format version, the KDF and its parameters (scrypt n, r, p and a random
16-byte salt), a short key check and the AES-256-GCM nonce. The magic and the header line are the
GCM associated data, so editing any of them makes the file fail authentication. The passphrase is
never stored; the key lives only in memory while the store is open.

The key check (an HMAC under a second key derived alongside the encryption key) lets us tell a
wrong passphrase from a damaged file: a wrong passphrase must change nothing on disk, while a
damaged file is recovered from another copy. It gives a guesser nothing the ciphertext's own tag
would not. AES-GCM's tag fails alike for a wrong key and for damage, so the tag alone cannot tell
them apart; the key check can only if the header itself is intact, hence (format 2) the header
carries its own checksum (``hsum``, SHA-256 of its other fields): a header that fails it is damage,
never a wrong passphrase. Format 2 also carries the save's sequence number (``seq``), so the
storage can tell which copy is newest without decrypting it. Format 1 files (no ``hsum``) still
open; for them a failed key check is ambiguous, and the storage tries the other copies with the
same passphrase before calling it wrong.

Passphrases are normalised to Unicode NFC before the key is derived, so the same passphrase typed
on another keyboard (a precomposed "é" or "e" plus a combining accent) derives the same key. A
format 1 file sealed from a non-NFC passphrase still opens: if the NFC form fails the key check,
the passphrase exactly as typed is tried once (`Vault.legacy_form` then says so, and the storage
re-seals everything under the NFC form). A passphrase that cannot be encoded (a lone surrogate a
terminal let through) is refused with a plain message.

Runs on whichever thread owns the store (the GUI thread or the CLI's main thread). Deriving a key
takes about 0.1 s, so a `Vault` keeps its key and derives once per open.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from cft_desktop.errors import StoreError, WrongPassphraseError

MAGIC = b"CFTDENC1"
FORMAT_VERSION = 2
_READABLE_FORMATS = (1, 2)
SCRYPT_N = 2**15  # about 0.1 s and 32 MiB here: slow for a guesser, quick enough to unlock
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
NONCE_BYTES = 12
_MAX_HEADER_BYTES = 4096
_CHECK_LABEL = b"cft-desktop passphrase check v1"


class EnvelopeDamagedError(Exception):
    """The envelope is unreadable or fails authentication: treat the file as damaged.

    Internal to the store (the storage turns it into recovery), hence not a CftError.
    """


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


@dataclass(frozen=True)
class KdfParams:
    n: int
    r: int
    p: int
    salt: bytes

    def check_bounds(self) -> None:
        # The header is read from disk: refuse parameters that would take minutes or gigabytes.
        power_of_two = self.n > 1 and self.n & (self.n - 1) == 0
        if not (power_of_two and 2**10 <= self.n <= 2**20):
            raise EnvelopeDamagedError(f"unsupported scrypt n={self.n}")
        if not (1 <= self.r <= 32 and 1 <= self.p <= 16 and 128 * self.n * self.r <= 2**30):
            raise EnvelopeDamagedError("unsupported scrypt parameters")
        if len(self.salt) < 16:
            raise EnvelopeDamagedError("salt too short")


@dataclass(frozen=True)
class _Header:
    kdf: KdfParams
    check: bytes
    nonce: bytes
    raw: bytes  # magic + header line, the associated data
    body_start: int
    format: int
    seq: int | None  # the save's sequence number (format 2)


def _header_sum(fields: dict[str, Any]) -> str:
    import hashlib

    canonical = json.dumps(
        {k: v for k, v in fields.items() if k != "hsum"}, separators=(",", ":"), sort_keys=True
    ).encode("ascii")
    return hashlib.sha256(MAGIC + canonical).hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise EnvelopeDamagedError("header field is not text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise EnvelopeDamagedError("header field is not base64") from exc


def _read_header(blob: bytes) -> _Header:
    if not is_encrypted(blob):
        raise EnvelopeDamagedError("not an encrypted ratings file")
    end = blob.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER_BYTES)
    if end < 0:
        raise EnvelopeDamagedError("header is cut off")
    try:
        header = json.loads(blob[len(MAGIC) : end])
        if not isinstance(header, dict):
            raise EnvelopeDamagedError("header is unreadable")
        if header.get("format") == 2 and header.get("hsum") != _header_sum(header):
            # Checked before anything else in it is believed: a damaged salt or key check must
            # read as damage, never as a wrong passphrase.
            raise EnvelopeDamagedError("the encryption header fails its checksum")
        if header["format"] not in _READABLE_FORMATS or header["kdf"] != "scrypt":
            raise EnvelopeDamagedError("unknown envelope format")
        if header["cipher"] != "AES-256-GCM":
            raise EnvelopeDamagedError("unknown cipher")
        kdf = KdfParams(
            n=int(header["n"]), r=int(header["r"]), p=int(header["p"]), salt=_unb64(header["salt"])
        )
        check = _unb64(header["check"])
        nonce = _unb64(header["nonce"])
        seq = header.get("seq")
        if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int) or seq < 0):
            raise EnvelopeDamagedError("bad sequence number")
    except (ValueError, KeyError, TypeError) as exc:
        raise EnvelopeDamagedError("header is unreadable") from exc
    kdf.check_bounds()
    if len(nonce) != NONCE_BYTES:
        raise EnvelopeDamagedError("bad nonce")
    return _Header(
        kdf=kdf,
        check=check,
        nonce=nonce,
        raw=blob[: end + 1],
        body_start=end + 1,
        format=int(header["format"]),
        seq=seq,
    )


def header_seq(blob: bytes) -> int | None:
    """The sequence number in an encrypted file's header; None if absent or unreadable."""
    try:
        return _read_header(blob).seq
    except EnvelopeDamagedError:
        return None


def header_is_checked(blob: bytes) -> bool:
    """True if the file's header carries its own checksum (format 2) and passes it: then a failed
    key check really is another passphrase, never damage."""
    try:
        return _read_header(blob).format >= 2
    except EnvelopeDamagedError:
        return False


def salt_of(blob: bytes) -> bytes | None:
    """The KDF salt of an encrypted file, or None if the header cannot be read."""
    try:
        return _read_header(blob).kdf.salt
    except EnvelopeDamagedError:
        return None


UNUSABLE_PASSPHRASE = (
    "This passphrase contains a character that cannot be used (a terminal sometimes lets a broken "
    "character through). Nothing has been changed; please type the passphrase again."
)


def normalised(passphrase: str) -> str:
    """The form keys are derived from: Unicode NFC."""
    return unicodedata.normalize("NFC", passphrase)


def _encoded(passphrase: str) -> bytes:
    try:
        return passphrase.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a terminal's bad bytes
        raise StoreError(UNUSABLE_PASSPHRASE) from exc


def _derive(passphrase: str, kdf: KdfParams) -> tuple[bytes, bytes]:
    """Keys from `passphrase` exactly as given (callers normalise first)."""
    # cryptography is imported where it is used: an unencrypted store never loads it (start-up).
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    material = Scrypt(salt=kdf.salt, length=64, n=kdf.n, r=kdf.r, p=kdf.p).derive(
        _encoded(passphrase)
    )
    return material[:32], material[32:]


# hashlib and hmac load OpenSSL (3 ms); like cryptography, they are imported where they are used,
# so opening a store without a passphrase never pays for them.
def _key_check(mac_key: bytes) -> bytes:
    import hashlib
    import hmac

    return hmac.new(mac_key, _CHECK_LABEL, hashlib.sha256).digest()


def _same(a: bytes, b: bytes) -> bool:
    """Constant-time equality (no timing hint about how much of a key check matched)."""
    import hmac

    return hmac.compare_digest(a, b)


def check_passphrase_text(passphrase: str) -> None:
    if not passphrase:
        raise StoreError("A passphrase cannot be empty.")
    _encoded(passphrase)


class Vault:
    """An unlocked key for one salt: seals and opens ratings files in the envelope format."""

    def __init__(
        self, key: bytes, kdf: KdfParams, check: bytes, *, legacy_form: bool = False
    ) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self.kdf = kdf
        self._check = check
        # True if the key came from the passphrase as typed, not its NFC form (an old file).
        self.legacy_form = legacy_form

    @classmethod
    def create(cls, passphrase: str) -> Vault:
        """A new key from `passphrase` with a fresh random salt (new store, changed passphrase)."""
        check_passphrase_text(passphrase)
        kdf = KdfParams(n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, salt=os.urandom(SALT_BYTES))
        key, mac_key = _derive(normalised(passphrase), kdf)
        return cls(key, kdf, _key_check(mac_key))

    @classmethod
    def unlock(cls, passphrase: str, blob: bytes) -> Vault:
        """The key for an existing file; `WrongPassphraseError` if the passphrase is not its own.

        Raises `EnvelopeDamagedError` when the header itself is unreadable.
        """
        header = _read_header(blob)
        nfc = normalised(passphrase)
        key, mac_key = _derive(nfc, header.kdf)
        check = _key_check(mac_key)
        if _same(check, header.check):
            return cls(key, header.kdf, check)
        if header.format == 1 and nfc != passphrase:
            # Sealed before passphrases were normalised: the form typed then is the key.
            key, mac_key = _derive(passphrase, header.kdf)
            check = _key_check(mac_key)
            if _same(check, header.check):
                return cls(key, header.kdf, check, legacy_form=True)
        raise WrongPassphraseError(
            "That passphrase does not unlock your ratings. Nothing has been changed; "
            "please try again."
        )

    def verifies(self, passphrase: str) -> bool:
        """True if `passphrase` derives this very key (about 0.1 s, like unlocking)."""
        _, mac_key = _derive(passphrase if self.legacy_form else normalised(passphrase), self.kdf)
        return _same(_key_check(mac_key), self._check)

    def matches(self, blob: bytes) -> bool:
        """True if `blob` was sealed with this very key (same salt and key check)."""
        try:
            header = _read_header(blob)
        except EnvelopeDamagedError:
            return False
        return header.kdf.salt == self.kdf.salt and _same(header.check, self._check)

    def seal(self, plaintext: bytes, seq: int = 0) -> bytes:
        return b"".join(self.seal_parts(plaintext, seq))

    def seal_parts(self, plaintext: bytes, seq: int = 0) -> tuple[bytes, bytes]:
        """The sealed file as (header, ciphertext), so a large file is not copied once more."""
        nonce = os.urandom(NONCE_BYTES)
        header: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "kdf": "scrypt",
            "n": self.kdf.n,
            "r": self.kdf.r,
            "p": self.kdf.p,
            "salt": _b64(self.kdf.salt),
            "check": _b64(self._check),
            "cipher": "AES-256-GCM",
            "nonce": _b64(nonce),
            "seq": seq,
        }
        header["hsum"] = _header_sum(header)
        head = MAGIC + json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n"
        return head, self._aead.encrypt(nonce, plaintext, head)

    def open(self, blob: bytes) -> bytes:
        """The plaintext of `blob`.

        `WrongPassphraseError` if it was sealed under another key; `EnvelopeDamagedError` if the
        header is unreadable or the ciphertext fails authentication (truncated, altered).
        """
        header = _read_header(blob)
        if header.kdf.salt != self.kdf.salt or not _same(header.check, self._check):
            raise WrongPassphraseError(
                "This file is locked with a different passphrase than your ratings."
            )
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(header.nonce, blob[header.body_start :], header.raw)
        except InvalidTag as exc:
            raise EnvelopeDamagedError("the encrypted data fails its integrity check") from exc
