"""`AtomicJSONStorage`: the TinyDB storage for the ratings file, crash-safe and recoverable.

Owns the bytes of ``ratings.json`` and everything beside it in its folder:

* ``ratings.json`` — the live document, replaced whole on every write, never edited in place:
  write a temp file in the same folder, flush, fsync, ``os.replace`` it onto the target, fsync
  the folder. A crash at any moment leaves either the old or the new file, never a mix.
* ``ratings.json.bak1`` … ``.bakK`` — the last K good versions (bak1 newest). Taking a backup is
  a hard link to the outgoing file (no copy), falling back to a copy where links are not supported.
* ``ratings.json.corrupt-<UTC time>`` — a damaged file moved aside during recovery, kept for the
  user; never read again.
* ``.ratings.json….tmp`` — a write in progress; any left over belonged to a write that never
  committed and is removed when the store opens.

Reading never turns a damaged file into an empty database (TinyDB's own JSONStorage opens a 0-byte
file as empty): an empty, truncated or garbled file is moved aside and the newest backup that
reads is restored, with a plain message in `recovery_message`; if no backup reads, `StoreError` is
raised and nothing is moved or deleted. Only a missing file *with no backups* is a new store.

With a passphrase the file is sealed by `crypto.Vault` (scrypt + AES-256-GCM); backups share the
key, so recovery works the same way. `change_passphrase` re-encrypts every backup under the new key
(or removes one it cannot read) *before* replacing the live file, and removes damaged copies, so no
copy readable with the old passphrase remains in the folder; a crash part-way leaves the old
passphrase working. Blocks freed on disk may still hold old bytes until overwritten: full-disk
encryption covers that, and the app recommends it.

Speed: the parsed document is kept in memory, so TinyDB's frequent ``read()`` calls cost nothing,
and each table's JSON text is cached. TinyDB changes a table only by replacing its dict in the
document (``Table._update_table``), so a table whose dict is the very object we last wrote is
unchanged and its cached text is reused: saving one rating re-serialises one small table, not a
10,000-session history. Callers must never mutate documents returned by TinyDB in place.

Not thread-safe: one instance per file, used from one thread (the GUI thread or the CLI's main
thread). One process at a time should open a given file.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from cft_desktop.errors import PassphraseRequiredError, StoreError, WrongPassphraseError
from cft_desktop.store.crypto import EnvelopeDamagedError, Vault, is_encrypted, salt_of

Document = dict[str, dict[str, Any]]
Transform = Callable[[Document], Document]

DEFAULT_KEEP_BACKUPS = 5
_MAX_KEEP_BACKUPS = 50


class _DamagedError(Exception):
    """A file that cannot be read as a ratings document (empty, cut off, garbled, altered)."""


@dataclass
class _Decoded:
    document: Document
    fragments: dict[str, tuple[object, bytes]]
    payload: bytes  # the plaintext JSON bytes
    vault: Vault | None  # the key that opened it; None for a plain file


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


def _parse_document(payload: bytes) -> tuple[Document, dict[str, tuple[object, bytes]]]:
    """Parse a TinyDB document, also returning each table's exact JSON bytes.

    Keeping the text of every table as read lets the first save after opening reuse it, so even
    that save does not re-serialise the whole history.
    """
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _DamagedError("not UTF-8 text") from exc
    ascii_only = len(text) == len(payload)
    decoder = json.JSONDecoder()
    document: Document = {}
    fragments: dict[str, tuple[object, bytes]] = {}
    try:
        i = _skip_ws(text, 0)
        if text[i : i + 1] != "{":
            raise _DamagedError("not a JSON object")
        i = _skip_ws(text, i + 1)
        if text[i : i + 1] == "}":
            i += 1
        else:
            while True:
                name, i = decoder.raw_decode(text, i)
                i = _skip_ws(text, i)
                if not isinstance(name, str) or text[i : i + 1] != ":":
                    raise _DamagedError("malformed table name")
                start = _skip_ws(text, i + 1)
                table, i = decoder.raw_decode(text, start)
                _check_table(table)
                document[name] = table
                chunk = payload[start:i] if ascii_only else text[start:i].encode("utf-8")
                fragments[name] = (table, chunk)
                i = _skip_ws(text, i)
                if text[i : i + 1] == ",":
                    i = _skip_ws(text, i + 1)
                    continue
                if text[i : i + 1] == "}":
                    i += 1
                    break
                raise _DamagedError("malformed document")
    except (ValueError, RecursionError) as exc:  # json.JSONDecodeError is a ValueError
        raise _DamagedError(str(exc)) from exc
    if _skip_ws(text, i) != len(text):
        raise _DamagedError("text after the end of the document")
    return document, fragments


def _check_table(table: object) -> None:
    # TinyDB turns every key into an int document id and expects dict documents.
    if not isinstance(table, dict):
        raise _DamagedError("a table is not an object")
    for key, doc in table.items():
        if not (key.isdigit() and isinstance(doc, dict)):
            raise _DamagedError("a table holds something that is not a document")


def _dump_table(table: object) -> bytes:
    return json.dumps(table, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def dump_document(document: Document) -> bytes:
    """The compact JSON bytes of a whole document (as `AtomicJSONStorage` writes it)."""
    return b"".join(_pieces([(name, _dump_table(table)) for name, table in document.items()]))


@functools.lru_cache(maxsize=4096)
def _name_prefix(name: str) -> bytes:
    return json.dumps(name, ensure_ascii=False).encode("utf-8") + b":"


def _pieces(parts: Sequence[tuple[str, bytes]]) -> list[bytes]:
    """The document's bytes as a list of pieces, so a write need not copy 10 MB into one."""
    pieces = [b"{"]
    for n, (name, chunk) in enumerate(parts):
        if n:
            pieces.append(b",")
        pieces.append(_name_prefix(name))
        pieces.append(chunk)
    pieces.append(b"}")
    return pieces


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable. Windows has no directory handles to fsync; NTFS journals
    # the rename.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems (e.g. some FUSE mounts) refuse
            os.fsync(fd)
    finally:
        os.close(fd)


def _replace(src: Path, dst: Path) -> None:
    # On Windows a virus scanner or indexer briefly holding the target makes os.replace fail
    # with PermissionError; a short retry is the usual cure.
    attempts = 20 if os.name == "nt" else 1
    for attempt in range(attempts):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _write_temp(target: Path, blob: bytes | Sequence[bytes]) -> Path:
    """Write `blob` (or its pieces) to a new temp file beside `target`, durably; return its path."""
    fd, name = _mkstemp(target)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(blob, bytes):
                handle.write(blob)
            else:
                handle.writelines(blob)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _mkstemp(target: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)


def atomic_write_bytes(target: Path, blob: bytes, *, keep_mtime_of: float | None = None) -> None:
    """Replace `target` with `blob` atomically and durably (temp, fsync, replace, fsync folder).

    Also used by the exports, so a half-written CSV or PDF never appears under its real name.
    """
    tmp = _write_temp(target, blob)
    try:
        if keep_mtime_of is not None:
            os.utime(tmp, (keep_mtime_of, keep_mtime_of))
        _replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%d %B %Y at %H:%M")


class AtomicJSONStorage(Storage):
    """TinyDB storage: whole-document JSON, atomic writes, rotated backups, recovery, encryption.

    Opening reads (and if need be recovers) the file at once, so a wrong passphrase or an
    unrecoverable file raises here, not at the first query.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        keep_backups: int = DEFAULT_KEEP_BACKUPS,
        passphrase: str | None = None,
    ) -> None:
        super().__init__()
        if not 0 <= keep_backups <= _MAX_KEEP_BACKUPS:
            raise ValueError(f"keep_backups must be 0–{_MAX_KEEP_BACKUPS}")
        self.path = Path(path)
        self.keep_backups = keep_backups
        self.recovery_message: str | None = None
        self._vault: Vault | None = None
        self._document: Document | None = None
        self._fragments: dict[str, tuple[object, bytes]] = {}
        self._signature: tuple[int, int, int] | None = None
        self._loaded = False
        self._closed = False
        self._unlock_cache: dict[bytes, Vault | WrongPassphraseError] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder {self.path.parent}: {exc}") from exc
        self._load(passphrase)

    # ---------------------------------------------------------------- TinyDB's Storage API

    def read(self) -> Document | None:
        self._check_open()
        if not self._loaded:
            self._load(None)
        return self._document

    def write(self, data: Document, *, rotate_backups: bool = True) -> None:
        """Replace the file with `data`; ``rotate_backups=False`` keeps no copy of the old file.

        On any failure the in-memory copy is dropped (TinyDB has already changed it) so the next
        read comes from disk again, and `StoreError` says what went wrong.
        """
        self._check_open()
        try:
            fragments = self._fragments_for(data)
            pieces = _pieces([(name, chunk) for name, (_, chunk) in fragments.items()])
            blob = self._vault.seal_parts(b"".join(pieces)) if self._vault else pieces
            tmp = _write_temp(self.path, blob)
            try:
                if rotate_backups:
                    self._rotate_backups()
                _replace(tmp, self.path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _fsync_dir(self.path.parent)
        except (ValueError, TypeError) as exc:
            self._forget()
            raise StoreError(f"Could not save your ratings: a value cannot be stored ({exc}).") from exc
        except OSError as exc:
            self._forget()
            raise StoreError(
                f"Could not save your ratings to {self.path}: {exc.strerror or exc}. "
                "Your earlier ratings are untouched."
            ) from exc
        except BaseException:
            self._forget()
            raise
        self._document = data
        self._fragments = fragments
        self._signature = _signature(self.path)
        self._loaded = True

    def close(self) -> None:
        """Forget the document and the key (the auto-lock calls this); reopen to use again."""
        self._closed = True
        self._vault = None
        self._forget()

    # ---------------------------------------------------------------- state for the app

    @property
    def encrypted(self) -> bool:
        return self._vault is not None

    def verifies(self, passphrase: str) -> bool:
        """True if `passphrase` is the one the store is locked with (about 0.1 s)."""
        self._check_open()
        return self._vault is not None and self._vault.verifies(passphrase)

    def backup_paths(self) -> list[Path]:
        """Existing backups, newest first."""
        return [path for _, path in self._numbered_backups()]

    def damaged_copies(self) -> list[Path]:
        return sorted(self.path.parent.glob(f"{glob_escape(self.path.name)}.corrupt-*"))

    def _temp_files(self) -> list[Path]:
        return sorted(self.path.parent.glob(f".{glob_escape(self.path.name)}*.tmp"))

    # ---------------------------------------------------------------- passphrase and erasure

    def change_passphrase(self, new_passphrase: str | None) -> list[Path]:
        """Re-encrypt the file and its backups under `new_passphrase` (None: store as plain JSON).

        Returns the files removed: backups that could not be read, and damaged copies, which
        might hold data under the old key (or, when turning encryption on, in plain text).
        Backups are rewritten first and the live file last, so a crash part-way leaves the old
        passphrase working.
        """
        self._check_open()
        document = self.read()
        new_vault = Vault.create(new_passphrase) if new_passphrase is not None else None
        removed: list[Path] = []
        for path in self.damaged_copies() + self._temp_files():
            if new_vault is not None or is_encrypted(path.read_bytes()):
                path.unlink()
                removed.append(path)
        for backup in self.backup_paths():
            try:
                decoded = self._decode(backup.read_bytes(), None)
            except (_DamagedError, StoreError):
                backup.unlink()
                removed.append(backup)
                continue
            blob = new_vault.seal(decoded.payload) if new_vault else decoded.payload
            atomic_write_bytes(backup, blob, keep_mtime_of=backup.stat().st_mtime)
        old_vault, self._vault = self._vault, new_vault
        if document is not None and self.path.exists():
            try:
                self.write(document, rotate_backups=False)
            except BaseException:
                self._vault = old_vault
                raise
        return removed

    def rewrite_backups(self, transform: Transform) -> tuple[int, list[Path]]:
        """Apply `transform` to every backup (each under its own key).

        Returns how many backups were rewritten and the files removed: a backup that cannot be
        read cannot be cleaned, so it is removed, as are leftover temp files. Used to erase a
        client from every copy, not just the live file.
        """
        self._check_open()
        removed: list[Path] = []
        rewritten = 0
        for tmp in self._temp_files():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
        for backup in self.backup_paths():
            try:
                decoded = self._decode(backup.read_bytes(), None)
            except (_DamagedError, StoreError):
                backup.unlink()
                removed.append(backup)
                continue
            payload = dump_document(transform(decoded.document))
            blob = decoded.vault.seal(payload) if decoded.vault else payload
            atomic_write_bytes(backup, blob, keep_mtime_of=backup.stat().st_mtime)
            rewritten += 1
        return rewritten, removed

    def remove_damaged_copies_mentioning(self, needles: Sequence[str]) -> list[Path]:
        """Remove damaged copies that contain any of `needles`, or that are encrypted (and so
        cannot be searched). They cannot be parsed, so they cannot be cleaned selectively."""
        removed: list[Path] = []
        patterns = [json.dumps(n, ensure_ascii=False)[1:-1].encode("utf-8") for n in needles if n]
        for path in self.damaged_copies():
            raw = path.read_bytes()
            if is_encrypted(raw) or any(p in raw for p in patterns):
                path.unlink()
                removed.append(path)
        if removed:
            _fsync_dir(self.path.parent)
        return removed

    # ---------------------------------------------------------------- loading and recovery

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("The ratings store is locked or closed; open it again to continue.")

    def _forget(self) -> None:
        self._loaded = False
        self._document = None
        self._fragments = {}
        self._signature = None

    def _load(self, passphrase: str | None) -> None:
        try:
            self._load_once(passphrase)
        finally:
            self._unlock_cache.clear()
        # Only once the store is open: a wrong passphrase or an unreadable file changes nothing.
        # A temp file is a write that never reached os.replace, so nobody's committed data.
        for tmp in self._temp_files():
            tmp.unlink(missing_ok=True)

    def _load_once(self, passphrase: str | None) -> None:
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            if self.backup_paths():
                self._recover(passphrase, missing=True)
                return
            if passphrase is not None and self._vault is None:
                self._vault = Vault.create(passphrase)
            self._document, self._fragments, self._signature = None, {}, None
            self._loaded = True
            return
        except OSError as exc:
            raise StoreError(f"Cannot read your ratings file {self.path}: {exc}") from exc
        try:
            decoded = self._decode(blob, passphrase)
        except _DamagedError:
            self._recover(passphrase, missing=False)
            return
        self._adopt(decoded)
        self._signature = _signature(self.path)

    def _adopt(self, decoded: _Decoded) -> None:
        if decoded.vault is not None:
            self._vault = decoded.vault
        self._document = decoded.document
        self._fragments = decoded.fragments
        self._loaded = True

    def _decode(self, blob: bytes, passphrase: str | None) -> _Decoded:
        """Decrypt (if sealed) and parse one file's bytes.

        `_DamagedError` for a damaged file; `WrongPassphraseError` / `PassphraseRequiredError`
        when the key is the problem, which must never lead to moving or restoring anything.
        """
        if not blob.strip():
            raise _DamagedError("the file is empty")
        vault: Vault | None = None
        payload = blob
        if is_encrypted(blob):
            if salt_of(blob) is None:
                raise _DamagedError("the encryption header is damaged")
            vault = self._vault
            if vault is None or not vault.matches(blob):
                if passphrase is None:
                    if vault is None:
                        raise PassphraseRequiredError(
                            "Your ratings are locked with a passphrase. Please enter it."
                        )
                    raise WrongPassphraseError(
                        "This copy is locked with a different passphrase."
                    )
                vault = self._unlock(passphrase, blob)
            try:
                payload = vault.open(blob)
            except EnvelopeDamagedError as exc:
                raise _DamagedError(str(exc)) from exc
        document, fragments = _parse_document(payload)
        return _Decoded(document, fragments, payload, vault)

    def _unlock(self, passphrase: str, blob: bytes) -> Vault:
        # Backups share one salt, so while recovering, one key derivation (0.1 s) serves them
        # all; a wrong passphrase is also only tried once per salt.
        salt = salt_of(blob)
        outcome = self._unlock_cache.get(salt) if salt is not None else None
        if outcome is None:
            try:
                outcome = Vault.unlock(passphrase, blob)
            except EnvelopeDamagedError as exc:
                raise _DamagedError(str(exc)) from exc
            except WrongPassphraseError as exc:
                outcome = exc
            if salt is not None:
                self._unlock_cache[salt] = outcome
        if isinstance(outcome, WrongPassphraseError):
            raise outcome
        return outcome

    def _recover(self, passphrase: str | None, *, missing: bool) -> None:
        wrong_key: StoreError | None = None
        for backup in self.backup_paths():
            try:
                blob = backup.read_bytes()
                decoded = self._decode(blob, passphrase)
            except (_DamagedError, OSError):
                continue
            except (WrongPassphraseError, PassphraseRequiredError) as exc:
                wrong_key = exc
                continue
            break
        else:
            if wrong_key is not None:
                # Nothing has been moved: the key, not the file, may be the problem.
                raise wrong_key
            raise StoreError(
                f"Your ratings file {self.path} is damaged and none of its backup copies can be "
                "read. Nothing has been changed or deleted. Please keep the folder "
                f"{self.path.parent} as it is and ask for help recovering it."
            )
        restored_from = backup.stat().st_mtime
        kept: Path | None = None
        try:
            if not missing and self.path.exists():
                kept = self._aside_path()
                _replace(self.path, kept)
            # A copy, not a link, so later writes never touch the backup we restored from.
            atomic_write_bytes(self.path, blob, keep_mtime_of=restored_from)
        except OSError as exc:
            raise StoreError(f"Could not restore your ratings from {backup}: {exc}") from exc
        self._adopt(decoded)
        self._signature = _signature(self.path)
        if kept is not None:
            self.recovery_message = (
                "Your ratings file was damaged (probably by a crash or power cut). We restored "
                f"the copy from {_when(restored_from)}; the damaged file was kept at {kept}."
            )
        else:
            self.recovery_message = (
                "Your ratings file was missing. We restored the copy from "
                f"{_when(restored_from)}."
            )

    def _aside_path(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        candidate = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while candidate.exists():
            counter += 1
            candidate = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        return candidate

    # ---------------------------------------------------------------- writing

    def _fragments_for(self, data: Document) -> dict[str, tuple[object, bytes]]:
        fragments: dict[str, tuple[object, bytes]] = {}
        for name, table in data.items():
            cached = self._fragments.get(name)
            if cached is not None and cached[0] is table:
                fragments[name] = cached
            else:
                fragments[name] = (table, _dump_table(table))
        return fragments

    def _numbered_backups(self) -> list[tuple[int, Path]]:
        pattern = re.compile(re.escape(self.path.name) + r"\.bak(\d+)$")
        found: list[tuple[int, Path]] = []
        for path in self.path.parent.glob(f"{glob_escape(self.path.name)}.bak*"):
            match = pattern.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def _backup(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.bak{number}")

    def _rotate_backups(self) -> None:
        if self.keep_backups == 0 or not self._outgoing_file_is_good():
            return
        for number, path in self._numbered_backups():
            if number >= self.keep_backups:
                path.unlink()
        for number in range(self.keep_backups - 1, 0, -1):
            source = self._backup(number)
            if source.exists():
                _replace(source, self._backup(number + 1))
        newest = self._backup(1)
        try:
            # The outgoing file is never written again (writes replace it), so a hard link is
            # as good as a copy and costs nothing.
            os.link(self.path, newest)
        except OSError:
            shutil.copy2(self.path, newest)

    def _outgoing_file_is_good(self) -> bool:
        """Whether the file about to be replaced deserves to become a backup."""
        signature = _signature(self.path)
        if signature is None:
            return False
        if signature == self._signature:
            return True
        # Changed since we read or wrote it (another program, a sync tool, damage): keep it as a
        # backup only if it reads; otherwise keep it aside rather than losing it silently.
        try:
            self._decode(self.path.read_bytes(), None)
        except (_DamagedError, StoreError):
            _replace(self.path, self._aside_path())
            return False
        return True


def glob_escape(name: str) -> str:
    """`name` with glob metacharacters escaped (a data folder may contain brackets)."""
    return re.sub(r"([*?\[])", r"[\1]", name)
