"""Importing takes from a folder (a studio's files): `001.wav`, `002.flac`, … one per phrase.

Owns matching the files to a script's phrases by their numbers (as `cft-desktop voice phrases`
prints them), reading any common rate, bit depth and channel count (libsndfile), and putting each
through the same processing and checks as a live take (`voice.takes`). The import is all or
nothing: a missing number, an unreadable file, a file with no phrase, a take with no speech in it
(or, unless accepted, a take the checks warn about) and nothing is added to the pack.

Runs on the caller's thread (the command line's main thread).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Breathe, Script
from cft_desktop.errors import CftError
from cft_desktop.voice import takes as take_processing
from cft_desktop.voice.recorded import VoicePack, check_name, recordable_phrases

_NUMBERED = re.compile(r"^([0-9]{1,4})\.([A-Za-z0-9]+)$")


@dataclass
class FolderImport:
    """What an import found: `report` (one line a problem, per phrase) and how many takes were
    added (0 when anything stopped it)."""

    report: list[str] = field(default_factory=list)
    imported: int = 0


def breath_phases(script: Script) -> dict[str, str]:
    """For each `[in]`/`[out]` text of `script`, the breath it is said on ("in" or "out")."""
    phases: dict[str, str] = {}
    for item in script.items:
        if isinstance(item, Breathe):
            for line in item.inhale_lines:
                phases.setdefault(line.text, "in")
            for line in item.exhale_lines:
                phases.setdefault(line.text, "out")
    return phases


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def import_folder(script: Script, folder: Path, name: str, pacing: Pacing, *,
                  accept_warnings: bool = False) -> FolderImport:
    import soundfile

    check_name(name)
    if not folder.is_dir():
        raise CftError(f"{folder}: not a folder")
    phrases = recordable_phrases(script)
    phases = breath_phases(script)
    result = FolderImport()
    fatal = False
    by_number: dict[int, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        match = _NUMBERED.match(path.name)
        if match and path.is_file():
            by_number.setdefault(int(match.group(1)), []).append(path)
    for number, files in sorted(by_number.items()):
        if not 1 <= number <= len(phrases):
            result.report.append(f"{files[0].name}: there is no phrase {number:03d} "
                                 f"(the script has {len(phrases)})")
            fatal = True
        elif len(files) > 1:
            result.report.append(f"{number:03d}: more than one file ("
                                 + ", ".join(f.name for f in files) + ")")
            fatal = True
    for number, text in enumerate(phrases, start=1):
        if number not in by_number:
            result.report.append(f"{number:03d} is missing: '{_short(text)}'")
            fatal = True
    ready: list[tuple[str, str, npt.NDArray[np.floating], int]] = []
    warned = False
    for number, text in enumerate(phrases, start=1):
        found = by_number.get(number)
        if not found or len(found) > 1:
            continue
        path = found[0]
        try:
            samples, rate = soundfile.read(path, dtype="float64", always_2d=False)
        except (RuntimeError, OSError, ValueError) as exc:  # LibsndfileError is a RuntimeError
            result.report.append(f"{number:03d} ({path.name}): cannot be read as sound ({exc})")
            fatal = True
            continue
        if len(samples) == 0:
            result.report.append(f"{number:03d} ({path.name}): the file holds no sound")
            fatal = True
            continue
        phase = phases.get(text)
        limit = take_processing.breath_limit(pacing, phase) if phase else None
        take = take_processing.process_take(samples, int(rate), breath_limit=limit)
        for problem in take.problems:
            result.report.append(f"{number:03d} ({path.name}): {problem}")
            if problem == take_processing.NOTHING_HEARD_MESSAGE:
                fatal = True
            else:
                warned = True
        ready.append((script.id, text, take.samples, take.sample_rate))
    if fatal or (warned and not accept_warnings):
        if warned and not fatal:
            result.report.append("(--accept-warnings imports these takes all the same)")
        return result
    pack = VoicePack.open_or_create(name)
    result.imported = len(pack.add_takes(ready))
    return result
