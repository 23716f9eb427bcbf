"""The practice library: built-in scripts plus the user's own, each parsed or listed with its error.

Owns finding scripts by id or path and the suggested order. A file that fails to parse is listed
with its `file:line` error instead of breaking the list; so is a user script whose id a shipped
script (or an earlier user file) already has: ids are unique, so the practice is listed once and the
clash is stated on the file's ``id:`` line. Only regular files of a bounded size are read (see
`core.script.read_script_bytes`). Pure Python; runs on the GUI thread or the
CLI's main thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cft_desktop import paths
from cft_desktop.core.script import Script, parse_bytes, parse_file, read_script_bytes
from cft_desktop.errors import CftError, ScriptError, ScriptErrors


@dataclass(frozen=True)
class Entry:
    """One library entry: a script, or the errors that stopped it parsing."""

    path: Path
    builtin: bool
    script: Script | None = None
    errors: tuple[ScriptError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.script is not None

    @property
    def id(self) -> str:
        return self.script.id if self.script else self.path.stem


def _sort_key(entry: Entry) -> tuple[int, int, str]:
    script = entry.script
    if script is None:
        return (1, 10_000, entry.path.name)
    order = script.order if script.order is not None else 10_000
    return (0, order, script.title.lower())


def _read_entry(path: Path, builtin: bool, owners: dict[str, Entry]) -> Entry:
    try:
        raw = read_script_bytes(path)
        script = parse_bytes(raw, path)
    except ScriptErrors as exc:
        return Entry(path, builtin, errors=tuple(exc.errors))
    owner = owners.get(script.id)
    if owner is None:
        return Entry(path, builtin, script=script)
    assert owner.script is not None
    what = "the shipped practice" if owner.builtin else "your practice"
    message = (
        f"'id': '{script.id}' is already used by {what} '{owner.script.title}' "
        f"({owner.path.name}), so this file is not listed as a practice; give it another id"
    )
    line = _id_line(raw.decode("utf-8"))  # it parsed, so it is UTF-8
    return Entry(path, builtin, errors=(ScriptError(path, line, message),))


def _id_line(text: str) -> int:
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if re.match(r"^id\s*:", line):
            return number
    return 1


class Library:
    def __init__(self, builtin_dir: Path | None = None, user_dir: Path | None = None) -> None:
        self.builtin_dir = builtin_dir or paths.scripts_dir()
        self.user_dir = user_dir
        self.entries: list[Entry] = []
        self.reload()

    def reload(self) -> None:
        entries: list[Entry] = []
        folders: list[tuple[Path, bool]] = [(self.builtin_dir, True)]
        if self.user_dir is not None:
            folders.append((self.user_dir, False))
        # Shipped scripts are read first, so a user file never hides one: the user file is the one
        # listed as a problem (its text stays on disk, untouched, to be given another id).
        owners: dict[str, Entry] = {}
        for folder, builtin in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.md")):
                if path.name.lower() == "readme.md":
                    continue
                entry = _read_entry(path, builtin, owners)
                if entry.script is not None:
                    owners[entry.script.id] = entry
                entries.append(entry)
        self.entries = sorted(entries, key=_sort_key)

    def scripts(self) -> list[Script]:
        return [e.script for e in self.entries if e.script is not None]

    def find(self, id_or_path: str) -> Script:
        """A script by id (user scripts shadow nothing: ids must be unique) or by file path."""
        candidate = Path(id_or_path)
        if candidate.suffix == ".md" or candidate.exists():
            return parse_file(candidate)
        for entry in self.entries:
            if entry.id == id_or_path:
                if entry.script is None:
                    raise ScriptErrors(list(entry.errors))
                return entry.script
        known = ", ".join(e.id for e in self.entries if e.ok) or "none"
        raise CftError(f"no practice called '{id_or_path}' (known: {known})")
