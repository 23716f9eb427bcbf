"""A therapist's own scripts: copies, new practices, saving, drafts, import and export.

Owns the rules the script editor follows on disk, so they hold without Qt and can be tested alone:

* user scripts live in `paths.user_scripts_dir()` as ``<id>.md``; a built-in file is never written;
* every write is atomic (temp file, fsync, ``os.replace``), and a script is only written into the
  library when it parses *and* its id clashes with no other practice (ids are unique in a library);
* unsaved editor text is kept as a draft in ``<user dir>/.drafts/<key>.md`` (the library lists only
  ``*.md`` directly in the folder, so drafts never show up as practices);
* an import is checked first and refused whole, with every ``file:line: message``, if it is bad;
* an estimate of a script's length at a pacing (clip lengths estimated from the words), and the
  timeline frame where "play from here" starts for a given line.

Pure Python (no Qt); runs on whichever thread calls it — the GUI thread for the editor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from cft_desktop import atomic
from cft_desktop.core.frames import SAMPLE_RATE, estimate_frames
from cft_desktop.core.library import Entry, Library
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import ID_PATTERN, Breathe, Script, parse_bytes, parse_text, read_script_bytes
from cft_desktop.core.timeline import Timeline
from cft_desktop.errors import ScriptError, ScriptErrors

DRAFTS_FOLDER = ".drafts"
COPY_TITLE_SUFFIX = " (my version)"
IMPORTED_TITLE_SUFFIX = " (imported)"

NEW_SCRIPT_TEMPLATE = """---
id: {id}
title: {title}
kind: imagery
minutes: 5
summary: A short description that helps a client choose this practice.
---
<!-- Paragraphs separated by a blank line are phrases, spoken one after another.
Cues stand alone on their line:
  [pause 3]        three seconds of silence (stretched by the pause length setting)
  [breathe 4]      four paced breaths; [breathe 2 min] or [breathe 30 s] for about that long
  [in] words       right after a [breathe …] line: spoken at the start of an in-breath
  [out] words      likewise, at the start of an out-breath
  [bell]           a gentle bell
For anyone who chooses "No breath work", paced breaths become quiet time. A lead-in
that talks about the breath can have a breath-free version:
  [with breath work]
  words about the breath
  [without breath work]
  words about sounds, or the chair and the floor
  [end]
"ending: sleep" in the header above: no return to the room, and the screen dims.
Text between these comment marks is never spoken. -->

Welcome. If it feels right, you might close your eyes, or rest your gaze gently downwards.

[pause 2]

Your breathing can slow a little, gently, never deeper than feels natural.

[breathe 3]
[in] Breathing in.
[out] And breathing out.

Difficult feelings can come up in this kind of practice. That is common, and it is not a sign that \
you are doing it wrong. You can open your eyes, feel your feet on the floor, or stop at any time.

[pause 2]

When you are ready, open your eyes and notice the room around you.

[bell]
"""


# -- ids and front matter ------------------------------------------------------------------------


def unique_id(base: str, taken: Iterable[str]) -> str:
    """`base` if free, else `base-2`, `base-3`, …"""
    used = set(taken)
    if base not in used:
        return base
    number = 2
    while f"{base}-{number}" in used:
        number += 1
    return f"{base}-{number}"


def taken_ids(library: Library) -> set[str]:
    """Every id in the library (a broken file counts by its file name) and every user file stem."""
    ids = {entry.id for entry in library.entries}
    if library.user_dir is not None and library.user_dir.is_dir():
        ids.update(path.stem for path in library.user_dir.glob("*.md"))
    return ids


def _yaml_scalar(value: str) -> str:
    """`value` as a one-line YAML scalar: plain when that reads back the same, else quoted."""
    if "\n" not in value and value.strip() == value:
        try:
            if yaml.safe_load(f"key: {value}") == {"key": value}:
                return value
        except yaml.YAMLError:
            pass
    # A JSON string is a valid double-quoted YAML scalar.
    return json.dumps(value, ensure_ascii=False)


def front_matter_value(text: str, key: str) -> object:
    """The value of `key` in the front matter, or None (no front matter, bad YAML, no key)."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        loaded = yaml.safe_load("\n".join(lines[1:end]))
    except (StopIteration, yaml.YAMLError):
        return None
    return loaded.get(key) if isinstance(loaded, dict) else None


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(front matter, body) of a script's text, so that ``front matter + body == text``.

    The front matter runs from the opening ``---`` line to the closing one, its line break
    included. None when there is none to take apart safely: no opening or closing line, nothing
    after the closing line, or YAML that does not read as ``key: value`` lines (the editor then
    shows the whole text, so the problem can be fixed where it is).
    """
    lines = text.split("\n")
    if len(lines) < 3 or lines[0].lstrip("\ufeff").strip() != "---":
        return None
    end = next((i for i in range(1, len(lines) - 1) if lines[i].strip() == "---"), None)
    if end is None:
        return None
    block = "\n".join(lines[1:end])
    try:
        loaded = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError:
        return None
    if not isinstance(loaded, dict):
        return None
    header = "\n".join(lines[: end + 1]) + "\n"
    return header, text[len(header):]


def set_front_matter_value(text: str, key: str, value: str, raw: bool = False) -> str:
    """`text` with the front-matter line of `key` set to `value` (added before the closing '---').

    `value` is text, quoted if YAML would read it otherwise; with `raw`, it is written as it is
    (a number: ``minutes: 5``). Only that line changes (a value continued on the next lines is
    replaced whole); the rest of the file, comments and line endings included, is kept byte for
    byte.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    if not lines or lines[0].lstrip("\ufeff").strip() != "---":
        raise ValueError("the text has no front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ValueError("the front matter is not closed") from None
    new_line = f"{key}: {value if raw else _yaml_scalar(value)}"
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for index in range(1, end):
        if pattern.match(lines[index]):
            # A folded or indented value continues on the following indented lines.
            stop = index + 1
            while stop < end and lines[stop][:1] in (" ", "\t"):
                stop += 1
            lines[index:stop] = [new_line]
            return newline.join(lines)
    lines.insert(end, new_line)
    return newline.join(lines)


def copy_text(text: str, new_id: str, title_suffix: str = COPY_TITLE_SUFFIX) -> str:
    """A copy of a script's text under `new_id`, its title marked with `title_suffix`."""
    title = front_matter_value(text, "title")
    result = set_front_matter_value(text, "id", new_id)
    if isinstance(title, str) and title_suffix and not title.endswith(title_suffix):
        result = set_front_matter_value(result, "title", title + title_suffix)
    return result


def new_script_text(library: Library) -> tuple[str, str]:
    """(id, text) of a fresh practice from the template, with an id not yet in the library."""
    script_id = unique_id("my-practice", taken_ids(library))
    return script_id, NEW_SCRIPT_TEMPLATE.format(id=script_id, title="My practice")


def copy_id(source_id: str, library: Library) -> str:
    return unique_id(f"{source_id}-copy", taken_ids(library))


# -- checking ------------------------------------------------------------------------------------


def target_path(user_dir: Path, script_id: str) -> Path:
    return user_dir / f"{script_id}.md"


def clash_with(library: Library, script_id: str, own_path: Path | None) -> Entry | Path | None:
    """What already uses `script_id` (an entry, or a user file of that name), other than `own_path`."""
    own = own_path.resolve() if own_path is not None else None
    for entry in library.entries:
        if entry.id == script_id and entry.path.resolve() != own:
            return entry
    if library.user_dir is not None:
        target = target_path(library.user_dir, script_id)
        if target.exists() and target.resolve() != own:
            return target
    return None


def clash_message(clash: Entry | Path, script_id: str) -> str:
    if isinstance(clash, Entry) and clash.builtin:
        what = "a built-in practice"
    elif isinstance(clash, Entry) and clash.script is not None:
        what = f"your practice '{clash.script.title}'"
    else:
        name = clash.path.name if isinstance(clash, Entry) else clash.name
        what = f"the file {name} in your scripts folder"
    return f"'id': '{script_id}' is already used by {what}; choose another id"


def check(text: str, library: Library, own_path: Path | None) -> Script:
    """Parse `text` as it would be saved, and check its id is free. Raises `ScriptErrors`."""
    user_dir = library.user_dir
    if user_dir is None:
        raise ValueError("the library has no folder for user scripts")
    draft_id = front_matter_value(text, "id")
    path = (
        target_path(user_dir, draft_id)
        if isinstance(draft_id, str) and ID_PATTERN.match(draft_id)
        else (own_path or user_dir / "untitled.md")
    )
    script = parse_text(text, path)
    clash = clash_with(library, script.id, own_path)
    if clash is not None:
        raise ScriptErrors([ScriptError(path, _key_line(text, "id"), clash_message(clash, script.id))])
    return script


def _key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return 1


# -- writing -------------------------------------------------------------------------------------


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` as UTF-8 to `path` atomically (a crash leaves the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, text.encode("utf-8"))


def save(text: str, library: Library, own_path: Path | None) -> Path:
    """Write a valid script into the user folder as ``<id>.md``; returns its path.

    Raises `ScriptErrors` (nothing written) when the text does not parse or its id is taken. When
    the id changed, the old file of this script is removed after the new one is safely written.
    """
    script = check(text, library, own_path)
    assert library.user_dir is not None
    target = target_path(library.user_dir, script.id)
    atomic_write_text(target, text)
    if own_path is not None and own_path.resolve() != target.resolve() and own_path.exists():
        if own_path.resolve().parent != library.user_dir.resolve():
            raise ValueError(f"refusing to remove {own_path}: not a user script")
        own_path.unlink()
    return target


def export(text: str, destination: Path) -> None:
    """Write script text to a file chosen for sharing, atomically."""
    atomic_write_text(destination, text)


# -- drafts --------------------------------------------------------------------------------------


def draft_path(user_dir: Path, key: str) -> Path:
    return user_dir / DRAFTS_FOLDER / f"{key}.md"


def write_draft(user_dir: Path, key: str, text: str) -> Path:
    path = draft_path(user_dir, key)
    atomic_write_text(path, text)
    return path


def remove_draft(user_dir: Path, key: str) -> None:
    draft_path(user_dir, key).unlink(missing_ok=True)


def pending_draft(user_dir: Path, key: str, saved: Path | None, text: str) -> str | None:
    """The draft's text when it is worth offering: newer than the saved file and different."""
    path = draft_path(user_dir, key)
    try:
        # Read like a script (a regular file, bounded), so a FIFO left here cannot hang the editor.
        draft = read_script_bytes(path).decode("utf-8")
        draft_mtime = path.stat().st_mtime_ns
    except (ScriptErrors, OSError, UnicodeDecodeError):
        return None
    if draft == text:
        return None
    if saved is not None:
        try:
            if saved.stat().st_mtime_ns > draft_mtime:
                return None
        except OSError:
            pass
    return draft


# -- import --------------------------------------------------------------------------------------


ImportMode = Literal["new", "keep-both", "replace"]


@dataclass(frozen=True)
class ImportCheck:
    """A file that parsed: its bytes, its script, and what in the library already uses its id."""

    source: Path
    data: bytes
    script: Script
    clash: Entry | Path | None

    @property
    def clash_is_builtin(self) -> bool:
        return isinstance(self.clash, Entry) and self.clash.builtin


def check_import(source: Path, library: Library) -> ImportCheck:
    """Read and parse a file to import. Raises `ScriptErrors` with every problem; writes nothing."""
    # One read (a regular file, bounded) for both the check and the copy, so what was checked is
    # exactly what gets installed.
    data = read_script_bytes(source)
    script = parse_bytes(data, source)
    return ImportCheck(source, data, script, clash_with(library, script.id, None))


def install_import(found: ImportCheck, library: Library, mode: ImportMode = "new") -> Path:
    """Write a checked import into the user folder; returns the new file's path.

    `mode`: "new" (no clash), "keep-both" (the import gets a fresh id ``<id>-2`` …) or "replace"
    (overwrite the user's own script of that id; never a built-in).
    """
    user_dir = library.user_dir
    if user_dir is None:
        raise ValueError("the library has no folder for user scripts")
    if mode == "new":
        if found.clash is not None:
            raise ValueError("the id is taken: choose keep-both or replace")
        target = target_path(user_dir, found.script.id)
        atomic.write_bytes(target, found.data)
        return target
    if mode == "keep-both":
        new_id = unique_id(found.script.id, taken_ids(library) | {found.script.id})
        text = copy_text(found.data.decode("utf-8"), new_id, IMPORTED_TITLE_SUFFIX)
        check(text, library, None)  # still a valid, unique script
        target = target_path(user_dir, new_id)
        atomic_write_text(target, text)
        return target
    if mode == "replace":
        clash = found.clash
        if clash is None or found.clash_is_builtin:
            raise ValueError("only a user script can be replaced")
        target = clash.path if isinstance(clash, Entry) else clash
        if target.resolve().parent != user_dir.resolve():
            raise ValueError(f"refusing to replace {target}: not a user script")
        atomic.write_bytes(target, found.data)
        return target
    raise ValueError(f"unknown import mode {mode!r}")


# -- length and position -------------------------------------------------------------------------


def estimate_timeline(script: Script, pacing: Pacing, bell_frames: int) -> Timeline:
    """The script laid out at `pacing` with every phrase's length estimated from its words."""
    from cft_desktop.core import timeline as tl

    texts = [p.text for p in script.phrases()]
    scale = pacing.speech_length_scale
    return tl.build(script, pacing, lambda i: estimate_frames(texts[i], scale), SAMPLE_RATE,
                    bell_frames)


def duration_text(seconds: float) -> str:
    """'About 45 s', 'About 9 min 40 s' (to the nearest 5 s under a minute, else 10 s)."""
    if seconds < 60:
        rounded = max(5, round(seconds / 5) * 5)
        return f"About {rounded} s" if rounded < 60 else "About 1 min"
    total = round(seconds / 10) * 10
    minutes, rest = divmod(total, 60)
    return f"About {minutes} min" + (f" {rest} s" if rest else "")


def pacing_text(pacing: Pacing) -> str:
    if pacing.ramp_from_bpm is not None:
        return f"slowing from {pacing.ramp_from_bpm:g} to {pacing.bpm:g} breaths/min"
    return f"{pacing.bpm:g} breaths/min"


def item_index_at_line(script: Script, line: int) -> int | None:
    """The item whose text covers `line` (the last one starting at or before it), if any."""
    found: int | None = None
    for index, item in enumerate(script.items):
        if item.line <= line:
            found = index
        else:
            break
    return found


def start_frame_for_line(script: Script, timeline: Timeline, line: int) -> int:
    """Where "play from here" starts for the cursor on script line `line` (1-based).

    The start of the phrase or cue the line belongs to; on an ``[in]``/``[out]`` line, the start of
    that spoken line; before the first item (front matter, or 0), the beginning.
    """
    if line <= 0:
        return 0
    index = item_index_at_line(script, line)
    if index is None:
        return 0
    item = script.items[index]
    if isinstance(item, Breathe):
        spoken = [b for b in (*item.inhale_lines, *item.exhale_lines) if b.line <= line]
        if spoken:
            wanted = max(b.line for b in spoken)
            for event in timeline.phrase_events():
                if event.line == wanted:
                    return event.start_frame
    for boundary in timeline.boundaries:
        if boundary.item == index:
            return boundary.frame
    return 0
