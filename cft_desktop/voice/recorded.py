"""Voice packs: a person's own recorded takes of a script's phrases, kept on disk, moved as one file.

Owns the pack folder ``data_dir()/voices/<name>/``: a manifest (JSON, written atomically) and one
FLAC file per take, stored at the rate it was recorded. Takes are keyed by (script id, phrase
text), a sha256 of both, so editing one phrase in a script leaves every other take valid. The last
two takes of each phrase are kept (newest first), so a retake can be undone. Folders are 0700 and
files 0600: a therapist's voice is private to the person whose data folder it is in.

Also owns moving a pack: `export_pack` writes one zip (manifest, FLACs and a sha256 of each file)
and `import_pack` takes it all or nothing (every checksum and the manifest are checked in a temp
folder beside the packs, which is then renamed into place).

A phrase is what the session narrates: each distinct text of `Script.phrases()` (``[in]``/``[out]``
lines included), in the order first heard.

Runs on whichever thread calls it (the command line's main thread, the narrator worker reading
takes); a `VoicePack` is not shared between threads that write to it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from cft_desktop import atomic
from cft_desktop.errors import CftError
from cft_desktop.voice.pack_names import MANIFEST_NAME, list_packs, packs_dir
from cft_desktop.voice.pack_names import private_dir as _private_dir

if TYPE_CHECKING:
    from cft_desktop.core.script import Script

CHECKSUMS_NAME = "checksums.json"
TAKES_FOLDER = "takes"
FORMAT_VERSION = 1
TAKES_KEPT = 2
"""The newest take and the one before it, so "undo retake" has something to go back to."""
FLAC_SUBTYPE = "PCM_24"
"""FLAC holds integers; 24 bits keep a float take's detail far below any room's noise."""
MAX_PACK_NAME = 64
MAX_IMPORT_BYTES = 2 * 1024**3
"""A pack of a few hundred phrases is tens of MB; a zip claiming more than this is refused."""

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9 _.-]*$")

FloatArray = npt.NDArray[np.float32]


class VoicePackError(CftError):
    """A pack that cannot be made, opened, read, exported or imported; the message says why."""


def check_name(name: str) -> str:
    """`name` if it can name a pack folder on every system; else a VoicePackError saying why."""
    if not name or len(name) > MAX_PACK_NAME or not _NAME.match(name) or name[-1] in " .":
        raise VoicePackError(
            f"'{name}' cannot name a voice pack: use up to {MAX_PACK_NAME} letters, digits, "
            "spaces, '-', '_' or '.', starting with a letter, digit or '_'")
    return name


def phrase_key(script_id: str, text: str) -> str:
    return hashlib.sha256(f"{script_id}\x00{text}".encode()).hexdigest()


def recordable_phrases(script: Script) -> list[str]:
    """The texts to record for `script`: each distinct spoken text, in the order first heard."""
    seen: dict[str, None] = {}
    for phrase in script.phrases():
        seen.setdefault(phrase.text, None)
    return list(seen)



def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class StoredTake:
    file: str  # name inside the pack's takes/ folder
    sha256: str
    sample_rate: int
    frames: int


@dataclass
class PhraseTakes:
    script_id: str
    text: str
    takes: list[StoredTake]  # newest first, at most TAKES_KEPT


class VoicePack:
    """One pack on disk. `open` reads the manifest; every change rewrites it atomically."""

    def __init__(self, name: str, folder: Path, phrases: dict[str, PhraseTakes], serial: int) -> None:
        self.name = name
        self.folder = folder
        self._phrases = phrases
        self._serial = serial
        # Keys whose newest take was missing or damaged when read (those phrases fell back).
        self._fell_back: dict[str, PhraseTakes] = {}

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def create(cls, name: str) -> VoicePack:
        check_name(name)
        folder = packs_dir() / name
        if folder.exists():
            raise VoicePackError(f"a voice pack called '{name}' already exists")
        _private_dir(folder)
        _private_dir(folder / TAKES_FOLDER)
        pack = cls(name, folder, {}, 0)
        pack._save()
        return pack

    @classmethod
    def open(cls, name: str) -> VoicePack:
        check_name(name)
        folder = packs_dir() / name
        manifest = folder / MANIFEST_NAME
        if not manifest.is_file():
            known = ", ".join(list_packs()) or "none yet"
            raise VoicePackError(f"no voice pack called '{name}' (packs: {known})")
        try:
            data = manifest.read_bytes()
        except OSError as exc:
            raise VoicePackError(f"cannot read the voice pack '{name}': {exc.strerror}") from exc
        phrases, serial = _parse_manifest(data, f"the voice pack '{name}'")
        return cls(name, folder, phrases, serial)

    @classmethod
    def open_or_create(cls, name: str) -> VoicePack:
        check_name(name)
        return cls.open(name) if (packs_dir() / name / MANIFEST_NAME).is_file() else cls.create(name)

    # -- takes ---------------------------------------------------------------------------------

    def add_take(self, script_id: str, text: str, samples: npt.NDArray[np.floating],
                 rate: int) -> StoredTake:
        """Store a processed take as the newest of its phrase; the oldest beyond TAKES_KEPT goes."""
        return self.add_takes([(script_id, text, samples, rate)])[0]

    def add_takes(self, takes: Sequence[tuple[str, str, npt.NDArray[np.floating], int]]
                  ) -> list[StoredTake]:
        """Store several takes (script id, text, samples, rate) with one manifest write: all are
        kept, or (a full disk, say) none, and every earlier take stays as it was."""
        import soundfile

        folder = _private_dir(self.folder / TAKES_FOLDER)
        written: list[tuple[str, StoredTake]] = []
        serial = self._serial
        try:
            for script_id, text, samples, rate in takes:
                key = phrase_key(script_id, text)
                serial += 1
                name = f"{key}.{serial}.flac"
                mono = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
                buffer = io.BytesIO()
                soundfile.write(buffer, mono, rate, format="FLAC", subtype=FLAC_SUBTYPE)
                data = buffer.getvalue()
                atomic.write_bytes(folder / name, data)
                written.append((key, StoredTake(name, _sha256(data), rate, len(mono))))
            before = {key: list(entry.takes) for key, entry in self._phrases.items()}
            for (key, stored), (script_id, text, _, _) in zip(written, takes, strict=True):
                entry = self._phrases.setdefault(key, PhraseTakes(script_id, text, []))
                entry.takes.insert(0, stored)
            dropped = [t for entry in self._phrases.values() for t in entry.takes[TAKES_KEPT:]]
            for entry in self._phrases.values():
                del entry.takes[TAKES_KEPT:]
            try:
                self._serial, old_serial = serial, self._serial
                self._save()
            except BaseException:
                self._serial = old_serial
                for key, entry in list(self._phrases.items()):
                    if key in before:
                        entry.takes[:] = before[key]
                    else:
                        del self._phrases[key]
                raise
        except BaseException as exc:
            self._remove_files(stored.file for _, stored in written)
            if isinstance(exc, OSError):  # a full disk, a folder made read-only
                noun = "take" if len(takes) == 1 else f"{len(takes)} takes"
                raise VoicePackError(
                    f"cannot store the {noun} in the voice pack '{self.name}': "
                    f"{exc.strerror or exc}. Every earlier take is kept.") from exc
            raise
        for key, _ in written:
            self._fell_back.pop(key, None)
        self._remove_files(t.file for t in dropped)
        return [stored for _, stored in written]

    def undo_retake(self, script_id: str, text: str) -> bool:
        """Go back to the take before the newest (which is removed). False when there is none."""
        key = phrase_key(script_id, text)
        entry = self._phrases.get(key)
        if entry is None or len(entry.takes) < 2:
            return False
        newest = entry.takes.pop(0)
        self._save()
        self._remove_files([newest.file])
        self._fell_back.pop(key, None)
        return True

    def discard_newest(self, script_id: str, text: str) -> bool:
        """Remove the newest take of a phrase (the one before it, if kept, is heard again; with
        none the phrase goes back to the usual voice). False when there is no take."""
        key = phrase_key(script_id, text)
        entry = self._phrases.get(key)
        if entry is None or not entry.takes:
            return False
        newest = entry.takes.pop(0)
        if not entry.takes:
            del self._phrases[key]
        try:
            self._save()
        except BaseException:
            entry.takes.insert(0, newest)
            self._phrases[key] = entry
            raise
        self._remove_files([newest.file])
        self._fell_back.pop(key, None)
        return True

    def takes_of(self, script_id: str, text: str) -> list[StoredTake]:
        entry = self._phrases.get(phrase_key(script_id, text))
        return list(entry.takes) if entry else []

    def has_take(self, script_id: str, text: str) -> bool:
        return bool(self.takes_of(script_id, text))

    def recorded_rate(self, script_id: str, texts: Iterable[str]) -> int | None:
        """The highest rate the newest takes of these phrases were stored at (read from the
        manifest, no take decoded); None when none of them has a take."""
        rates = [takes[0].sample_rate for text in texts
                 if (takes := self.takes_of(script_id, text))]
        return max(rates) if rates else None

    def take(self, script_id: str, text: str) -> tuple[FloatArray, int] | None:
        """The newest take's samples (float32, mono) and rate; None when there is none, or when
        its file is missing or damaged (then the phrase is listed in `fell_back()`)."""
        import soundfile

        key = phrase_key(script_id, text)
        entry = self._phrases.get(key)
        if entry is None or not entry.takes:
            return None
        stored = entry.takes[0]
        try:
            data = (self.folder / TAKES_FOLDER / stored.file).read_bytes()
            if _sha256(data) != stored.sha256:
                raise ValueError("checksum")
            samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=False)
        except (OSError, ValueError, RuntimeError, soundfile.LibsndfileError):
            self._fell_back[key] = entry
            return None
        mono: FloatArray = np.asarray(samples, dtype=np.float32)
        if mono.ndim == 2:
            mono = mono.mean(axis=1).astype(np.float32)
        return mono, int(rate)

    def missing(self, script: Script) -> list[str]:
        """The phrases of `script` with no take in this pack, in the order first heard."""
        return [text for text in recordable_phrases(script) if not self.has_take(script.id, text)]

    def fell_back(self) -> list[str]:
        """Phrases whose take was recorded but found missing or damaged when read."""
        return [entry.text for entry in self._fell_back.values()]

    def fallback_message(self) -> str | None:
        """In words, which phrases fell back to the neural voice because their take was lost."""
        lost = self.fell_back()
        if not lost:
            return None
        noun = "phrase" if len(lost) == 1 else "phrases"
        quoted = "; ".join(f"'{_short(text)}'" for text in lost)
        return (f"voice pack '{self.name}': the recorded take of {len(lost)} {noun} is missing or "
                f"damaged, so the neural voice says {'it' if len(lost) == 1 else 'them'}: {quoted}")

    @property
    def phrase_count(self) -> int:
        return sum(1 for entry in self._phrases.values() if entry.takes)

    def script_ids(self) -> list[str]:
        return sorted({entry.script_id for entry in self._phrases.values() if entry.takes})

    def erase(self) -> None:
        """Remove every take and the pack itself."""
        shutil.rmtree(self.folder)
        atomic.fsync_dir(self.folder.parent)
        self._phrases.clear()
        self._fell_back.clear()

    # -- disk ------------------------------------------------------------------------------------

    def manifest_bytes(self) -> bytes:
        return _manifest_bytes(self.name, self._phrases, self._serial)

    def _save(self) -> None:
        atomic.write_bytes(self.folder / MANIFEST_NAME, self.manifest_bytes())

    def _remove_files(self, names: Iterable[str]) -> None:
        for name in names:
            with contextlib.suppress(OSError):
                (self.folder / TAKES_FOLDER / name).unlink()


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _manifest_bytes(name: str, phrases: dict[str, PhraseTakes], serial: int) -> bytes:
    document = {
        "format": FORMAT_VERSION,
        "name": name,
        "serial": serial,
        "phrases": {
            key: {"script_id": entry.script_id, "text": entry.text,
                  "takes": [{"file": t.file, "sha256": t.sha256, "sample_rate": t.sample_rate,
                             "frames": t.frames} for t in entry.takes]}
            for key, entry in sorted(phrases.items()) if entry.takes
        },
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


_TAKE_FILE = re.compile(r"^[0-9a-f]{64}\.[0-9]+\.flac$")


def _parse_manifest(data: bytes, where: str) -> tuple[dict[str, PhraseTakes], int]:
    """The phrases and serial of a manifest; VoicePackError naming `where` when it is not one."""
    bad = VoicePackError(f"{where}: the manifest is damaged or not a voice pack's")
    try:
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
            raise bad
        serial = document["serial"]
        phrases: dict[str, PhraseTakes] = {}
        for key, entry in document["phrases"].items():
            script_id, text = entry["script_id"], entry["text"]
            if not (isinstance(script_id, str) and isinstance(text, str)
                    and phrase_key(script_id, text) == key and isinstance(serial, int)):
                raise bad
            stored = []
            for take in entry["takes"][:TAKES_KEPT]:
                file, digest = take["file"], take["sha256"]
                rate, frames = take["sample_rate"], take["frames"]
                if not (isinstance(file, str) and _TAKE_FILE.match(file) and file.startswith(key)
                        and isinstance(digest, str) and isinstance(rate, int) and rate > 0
                        and isinstance(frames, int)):
                    raise bad
                stored.append(StoredTake(file, digest, rate, frames))
            phrases[key] = PhraseTakes(script_id, text, stored)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise bad from exc
    return phrases, serial


# -- moving a pack ---------------------------------------------------------------------------------

def export_pack(name: str, out: Path) -> int:
    """Write pack `name` to one zip file `out` (atomically); returns the number of takes in it.

    The zip holds the manifest, every kept take (``takes/…``) and ``checksums.json``: a sha256 of
    each of those files, which an import checks before anything is changed."""
    pack = VoicePack.open(name)
    members: dict[str, bytes] = {MANIFEST_NAME: pack.manifest_bytes()}
    for entry in pack._phrases.values():
        for stored in entry.takes:
            path = pack.folder / TAKES_FOLDER / stored.file
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise VoicePackError(f"cannot export '{name}': the take file {stored.file} "
                                     f"('{_short(entry.text)}') cannot be read ({exc.strerror})") from exc
            if _sha256(data) != stored.sha256:
                raise VoicePackError(f"cannot export '{name}': the take file {stored.file} "
                                     f"('{_short(entry.text)}') is damaged; record it again")
            members[f"{TAKES_FOLDER}/{stored.file}"] = data
    checksums = {member: _sha256(data) for member, data in members.items()}
    members[CHECKSUMS_NAME] = (json.dumps(checksums, indent=1, sort_keys=True) + "\n").encode()
    # Stored, not deflated: FLAC is compressed already. The zip closes before the rename.
    with atomic.replacing(out) as tmp, \
            zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return len(members) - 2


def _read_members(source: Path) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise VoicePackError(f"{source}: not a voice pack file (it is not a readable zip)") from exc
    members: dict[str, bytes] = {}
    with archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_IMPORT_BYTES:
            raise VoicePackError(f"{source}: larger than a voice pack can be, so it is not read")
        for info in infos:
            try:
                members[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
                raise VoicePackError(f"{source}: the file {info.filename} inside it is damaged "
                                     "(nothing was imported)") from exc
    return members


def verify_pack_file(source: Path) -> tuple[str, dict[str, bytes]]:
    """The pack's name and its members, after checking every checksum and the manifest.

    Raises VoicePackError naming the first damaged or missing file; nothing is written."""
    members = _read_members(source)
    damaged = f"{source}: the file {{}} inside it is damaged (nothing was imported)"
    if CHECKSUMS_NAME not in members:
        raise VoicePackError(f"{source}: not a voice pack file ({CHECKSUMS_NAME} is missing)")
    try:
        checksums = json.loads(members[CHECKSUMS_NAME].decode("utf-8"))
        if not isinstance(checksums, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError) as exc:
        raise VoicePackError(damaged.format(CHECKSUMS_NAME)) from exc
    for member in members:
        if member != CHECKSUMS_NAME and member not in checksums:
            raise VoicePackError(f"{source}: the file {member} inside it is not listed in "
                                 f"{CHECKSUMS_NAME} (nothing was imported)")
    for member, digest in sorted(checksums.items()):
        if member not in members:
            raise VoicePackError(f"{source}: the file {member} is missing from it "
                                 "(nothing was imported)")
        if _sha256(members[member]) != digest:
            raise VoicePackError(damaged.format(member))
    if MANIFEST_NAME not in members:
        raise VoicePackError(f"{source}: not a voice pack file ({MANIFEST_NAME} is missing)")
    phrases, _ = _parse_manifest(members[MANIFEST_NAME], str(source))
    try:
        name = check_name(json.loads(members[MANIFEST_NAME])["name"])
    except (TypeError, KeyError) as exc:
        raise VoicePackError(damaged.format(MANIFEST_NAME)) from exc
    wanted = {f"{TAKES_FOLDER}/{t.file}": t for e in phrases.values() for t in e.takes}
    for member, stored in sorted(wanted.items()):
        data = members.get(member)
        if data is None:
            raise VoicePackError(f"{source}: the file {member} is missing from it "
                                 "(nothing was imported)")
        if _sha256(data) != stored.sha256:
            raise VoicePackError(damaged.format(member))
    extra = set(members) - set(wanted) - {MANIFEST_NAME, CHECKSUMS_NAME}
    if extra:
        raise VoicePackError(f"{source}: the file {sorted(extra)[0]} inside it is not part of "
                             "a voice pack (nothing was imported)")
    return name, members


def import_pack(source: Path, *, name: str | None = None, replace: bool = False) -> VoicePack:
    """Add the pack in `source` (made by `export_pack`), all or nothing.

    Every file is checked first; the takes are written to a temp folder beside the packs, which
    is renamed into place only when all are there. An existing pack of the same name is refused
    unless `replace`."""
    packed_name, members = verify_pack_file(source)
    target_name = check_name(name) if name is not None else packed_name
    folder = packs_dir()
    target = folder / target_name
    if target.exists() and not replace:
        raise VoicePackError(f"a voice pack called '{target_name}' already exists: remove it "
                             "first, or import it under another name (nothing was imported)")
    staging = folder / f".import-{secrets.token_hex(6)}"
    try:
        _private_dir(staging)  # before its sub-folder: parents=True would make it 0755
        _private_dir(staging / TAKES_FOLDER)
        manifest = members[MANIFEST_NAME]
        if target_name != packed_name:
            phrases, serial = _parse_manifest(manifest, str(source))
            manifest = _manifest_bytes(target_name, phrases, serial)
        for member, data in members.items():
            if member.startswith(f"{TAKES_FOLDER}/"):
                atomic.write_bytes(staging / member, data)
        atomic.write_bytes(staging / MANIFEST_NAME, manifest)
        old: Path | None = None
        if target.exists():
            old = folder / f".replaced-{secrets.token_hex(6)}"
            os.replace(target, old)
        try:
            os.replace(staging, target)
        except BaseException:
            if old is not None:
                os.replace(old, target)
            raise
        atomic.fsync_dir(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise VoicePackError(f"cannot import {source}: {exc.strerror or exc} "
                             "(nothing was imported)") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return VoicePack.open(target_name)


def remove_pack(name: str) -> None:
    VoicePack.open(name).erase()


def describe(names: Sequence[str]) -> list[tuple[str, int, list[str]]]:
    """(name, phrases recorded, script ids) for each pack in `names`."""
    out = []
    for name in names:
        pack = VoicePack.open(name)
        out.append((name, pack.phrase_count, pack.script_ids()))
    return out
