"""Narration scripts: the `scripts/*.md` format, parsed into frozen `Script` values.

Owns the file format and its error messages. Every error names the file and the 1-based line
(``scripts/x.md:14: unknown cue [bel]``); a problem in the front matter points at the offending key's
line, a missing key at the opening ``---``. Files are read only if they are regular files of at most
`MAX_SCRIPT_BYTES` (a FIFO or a link to a device in a scripts folder is refused, not waited on). Pure
Python; runs on whichever thread calls it (the GUI
thread for the library and the editor, the main thread for the CLI).

Format
------
YAML front matter (``id``, ``title``, ``kind``, ``minutes``, ``summary``, optional ``caution``,
``ending``, ``language``, ``order``, ``version``), then a body in which paragraphs separated by
blank lines are *phrases* and these cue lines stand alone:

``[pause N]``            N seconds of silence, stretched by the pause scale
``[breathe N]``          N paced breath cycles
``[breathe N min|s]``    paced breathing for about that long, in whole cycles
``[bell]``               a gentle bell
``[in] text``/``[out] text``  on the lines directly after a ``[breathe …]`` cue: spoken at the start of
                         successive inhales / exhales of that block
``[with breath work]``   what follows (up to ``[end]``) is heard only by someone who paces the breath
``[without breath work]``  what follows (up to ``[end]``) is heard instead by someone who chose "No
                         breath work": a breath-free opening (the sounds around you, the chair). It
                         may directly follow a ``[with breath work]`` part, closing it. No
                         ``[breathe …]`` inside it.
``[end]``                closes either part
``<!-- … -->``           a comment (may span lines)
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from cft_desktop.errors import ScriptError, ScriptErrors

KINDS = ("breathing", "imagery", "psychoeducation", "grounding")
REQUIRED_KEYS = ("id", "title", "kind", "minutes", "summary")
OPTIONAL_KEYS = ("caution", "order", "version", "ending", "language")
# A language tag as people write them: "en", "de", "es-MX", "pt-BR" (the default is "en").
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# How a practice ends: "awake" brings the listener back to the room (the usual); "sleep" fades
# into silence with no reorientation, and the window dims as it ends (issue 16 §4, item 7).
ENDINGS = ("awake", "sleep")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# The longest shipped script is about 5 KB; 50 times that is still a practice of hours. Parsing is
# linear but not free (a 10 MB file took over 5 s), and every listing of the folder parses it all.
MAX_SCRIPT_BYTES = 256 * 1024

# libyaml's safe loader when PyYAML was built with it: parsing the library's front matter is a
# noticeable part of start-up with the pure-Python one.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CUE_LINE = re.compile(r"^\[(?P<body>[^\]]*)\](?P<rest>.*)$")
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_CONDITION = re.compile(r"with(?:out)?\s+breath\s+work", re.IGNORECASE)

# The cue names a typo is matched against, for "did you mean …?" (the number, if any, is kept).
_CUE_NAMES = ("pause", "breathe", "bell", "in", "out", "with breath work", "without breath work",
              "end")
_NUMBER_WORDS = {
    word: value for value, word in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen", "twenty"))
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "a": 1, "an": 1}
_MINUTE_WORDS = ("min", "mins", "minute", "minutes")
_SECOND_WORDS = ("s", "sec", "secs", "second", "seconds")


@dataclass(frozen=True)
class Phrase:
    """One unit of narration (a paragraph), spoken and then followed by the phrase gap."""

    text: str
    line: int
    # None: always heard; True/False: only with / only without breath work (a [with …] part).
    breath_work: bool | None = None


@dataclass(frozen=True)
class Pause:
    """Silence of `seconds` before the pause scale is applied."""

    seconds: float
    line: int
    breath_work: bool | None = None


@dataclass(frozen=True)
class Bell:
    line: int
    breath_work: bool | None = None


@dataclass(frozen=True)
class BreathLine:
    """A short phrase spoken at the start of one inhale or exhale."""

    text: str
    line: int


@dataclass(frozen=True)
class Breathe:
    """A block of paced breathing: either `cycles` breaths or about `duration_s` seconds of them.

    `inhale_lines[k]` is spoken at the start of the block's k-th inhale, `exhale_lines[k]` at the
    k-th exhale.
    """

    line: int
    cycles: int | None = None
    duration_s: float | None = None
    inhale_lines: tuple[BreathLine, ...] = ()
    exhale_lines: tuple[BreathLine, ...] = ()
    breath_work: bool | None = None


def heard(item: Item, breath_work: bool) -> bool:
    """Whether `item` is part of the practice for someone with (or without) breath work."""
    return item.breath_work is None or item.breath_work == breath_work


Item = Phrase | Pause | Bell | Breathe
Kind = Literal["breathing", "imagery", "psychoeducation", "grounding"]


@dataclass(frozen=True)
class Script:
    """A parsed script. `items` is the body in order; `source` is the file it came from."""

    id: str
    title: str
    kind: Kind
    minutes: float
    summary: str
    items: tuple[Item, ...]
    source: Path
    caution: str = ""
    order: int | None = None
    version: int = 1
    ending: str = "awake"
    language: str = "en"
    comments: tuple[tuple[int, str], ...] = field(default=(), compare=False)

    def phrases(self) -> list[Phrase | BreathLine]:
        """Every spoken text in the order it is first heard."""
        spoken: list[Phrase | BreathLine] = []
        for item in self.items:
            if isinstance(item, Phrase):
                spoken.append(item)
            elif isinstance(item, Breathe):
                count = max(len(item.inhale_lines), len(item.exhale_lines))
                for k in range(count):
                    if k < len(item.inhale_lines):
                        spoken.append(item.inhale_lines[k])
                    if k < len(item.exhale_lines):
                        spoken.append(item.exhale_lines[k])
        return spoken


def parse_file(path: Path | str) -> Script:
    """Read and parse one script file; raises `ScriptErrors` listing every problem found."""
    path = Path(path)
    return parse_bytes(read_script_bytes(path), path)


def parse_bytes(raw: bytes, path: Path) -> Script:
    """Parse the bytes of a script file (UTF-8); raises `ScriptErrors`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScriptErrors(
            [ScriptError(path, line, "the file is not UTF-8 text; save it as UTF-8")]
        ) from exc
    return parse_text(text, path)


def read_script_bytes(path: Path) -> bytes:
    """The bytes of a script file: a regular file (or a link to one) of at most `MAX_SCRIPT_BYTES`.

    Anything else in a scripts folder is refused with a message rather than read: opening a FIFO
    waits for a writer forever, and a link to /dev/zero never ends.
    """
    # Non-blocking, so opening a FIFO returns at once; it changes nothing for a regular file.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ScriptErrors([ScriptError(path, 1, f"cannot read the file: {exc.strerror}")]) from exc
    too_big = f"the file is larger than {MAX_SCRIPT_BYTES // 1024} KB, so it is not read"
    # fstat of what was opened, not stat of the name: the file cannot be swapped in between.
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SCRIPT_BYTES:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScriptErrors([ScriptError(path, 1, "not a regular file, so it is not read")])
        raise ScriptErrors([ScriptError(path, 1, too_big)])
    with os.fdopen(fd, "rb") as file:
        try:
            raw = file.read(MAX_SCRIPT_BYTES + 1)  # a file still growing is capped all the same
        except OSError as exc:
            raise ScriptErrors(
                [ScriptError(path, 1, f"cannot read the file: {exc.strerror}")]
            ) from exc
    if len(raw) > MAX_SCRIPT_BYTES:
        raise ScriptErrors([ScriptError(path, 1, too_big)])
    return raw


def parse_text(text: str, path: Path | str = "<text>") -> Script:
    """Parse script text; `path` is only used in messages. Raises `ScriptErrors`."""
    path = Path(path)
    errors: list[ScriptError] = []
    text = text.removeprefix("\ufeff")
    # Only newlines end lines (splitlines() would also split on U+2028, form feeds, …, and the
    # line numbers in messages would then disagree with every editor).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    meta, body_start = _parse_front_matter(lines, path, errors)
    items, comments = _parse_body(lines, body_start, path, errors)
    if not errors and not any(isinstance(i, Phrase | Breathe) for i in items):
        errors.append(
            ScriptError(path, max(body_start, 1), "the script is empty: it has no phrase to speak")
        )
    if errors or meta is None:
        raise ScriptErrors(errors)
    kind: Kind = meta["kind"]  # type: ignore[assignment]  # validated against KINDS above
    order = meta.get("order")
    version = meta.get("version")
    minutes = meta["minutes"]
    assert isinstance(minutes, int | float)
    return Script(
        id=str(meta["id"]),
        title=str(meta["title"]),
        kind=kind,
        minutes=float(minutes),
        summary=str(meta["summary"]).strip(),
        caution=str(meta.get("caution") or "").strip(),
        order=order if isinstance(order, int) else None,
        version=version if isinstance(version, int) else 1,
        ending=str(meta.get("ending") or "awake"),
        language=str(meta.get("language") or "en"),
        items=tuple(items),
        source=path,
        comments=tuple(comments),
    )


def _parse_front_matter(
    lines: list[str], path: Path, errors: list[ScriptError]
) -> tuple[dict[str, object] | None, int]:
    """Returns the validated metadata (or None) and the 0-based index of the first body line."""
    if not lines or lines[0].strip() != "---":
        errors.append(
            ScriptError(path, 1, "missing front matter: the file must start with a '---' line")
        )
        return None, 0
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        errors.append(ScriptError(path, 1, "front matter is not closed: add a '---' line after it"))
        return None, len(lines)

    block = "\n".join(lines[1:end])
    try:
        loaded = yaml.load(block, Loader=_YAML_LOADER) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(exc, "problem", None) or "not valid YAML"
        errors.append(ScriptError(path, line, f"front matter: {problem}"))
        return None, end + 1
    if not isinstance(loaded, dict):
        errors.append(ScriptError(path, 2, "front matter must be 'key: value' lines"))
        return None, end + 1

    key_lines: dict[str, int] = {}
    for i in range(1, end):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", lines[i])
        if match:
            key_lines.setdefault(match.group(1), i + 1)

    meta: dict[str, object] = {str(k): v for k, v in loaded.items()}
    before = len(errors)
    for key in REQUIRED_KEYS:
        if key not in meta or meta[key] in (None, ""):
            errors.append(ScriptError(path, 1, f"front matter is missing '{key}'"))
    for key in meta:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
            errors.append(
                ScriptError(path, key_lines.get(key, 1), f"unknown key '{key}' (allowed: {allowed})")
            )

    def bad(key: str, message: str) -> None:
        errors.append(ScriptError(path, key_lines.get(key, 1), f"'{key}': {message}"))

    script_id = meta.get("id")
    if script_id not in (None, "") and (not isinstance(script_id, str) or not ID_PATTERN.match(script_id)):
        bad("id", "use lower-case letters, digits and hyphens, like 'safe-place'")
    if "kind" in meta and meta["kind"] not in (None, "") and meta["kind"] not in KINDS:
        bad("kind", f"'{meta['kind']}' is not one of {', '.join(KINDS)}")
    if "minutes" in meta and meta["minutes"] not in (None, ""):
        minutes = meta["minutes"]
        # YAML reads '.inf' and '.nan' as floats; neither is a length a person could be told.
        if (isinstance(minutes, bool) or not isinstance(minutes, int | float)
                or not math.isfinite(minutes) or minutes <= 0):
            bad("minutes", f"'{minutes}' is not a positive number of minutes")
    for key in ("title", "summary", "caution"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], str):
            bad(key, "must be text")
    language = meta.get("language")
    if language not in (None, "") and (not isinstance(language, str)
                                       or not LANGUAGE_PATTERN.match(language)):
        bad("language", f"'{language}' is not a language tag; write it like en, de or es-MX")
    if meta.get("ending") not in (None, "", *ENDINGS):
        bad("ending", f"'{meta['ending']}' is not one of {', '.join(ENDINGS)}")
    for key in ("order", "version"):
        if key in meta and meta[key] is not None:
            value = meta[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                bad(key, f"'{value}' is not a whole number")
    return (meta if len(errors) == before else None), end + 1


def _parse_body(
    lines: list[str], start: int, path: Path, errors: list[ScriptError]
) -> tuple[list[Item], list[tuple[int, str]]]:
    items: list[Item] = []
    comments: list[tuple[int, str]] = []
    paragraph: list[str] = []
    paragraph_line = 0
    # The breathe block that [in]/[out] lines may still attach to: only while no other line
    # (blank, phrase or cue) has come between them and their cue.
    open_breathe: Breathe | None = None
    # A cue with an error of its own (an unknown cue, a bad [breathe …]) still owns the [in]/[out]
    # lines under it: one typo gives one error, not one more for every line of its block.
    broken_breathe_open = False
    # Likewise an unknown cue meant to open a [with/without breath work] part: its [end] is not
    # "an [end] with nothing to close" as well.
    broken_condition_open = False
    inhale_lines: list[BreathLine] = []
    exhale_lines: list[BreathLine] = []
    in_comment_since: int | None = None
    comment_text: list[str] = []
    # The [with breath work] / [without breath work] part being read, and the line that opened it.
    condition: bool | None = None
    condition_line = 0

    def flush_paragraph() -> None:
        nonlocal paragraph
        if paragraph:
            items.append(Phrase(" ".join(paragraph), paragraph_line, condition))
            paragraph = []

    def close_breathe() -> None:
        nonlocal open_breathe, inhale_lines, exhale_lines, broken_breathe_open
        broken_breathe_open = False
        if open_breathe is None:
            return
        block = open_breathe
        if block.cycles is not None:
            for name, spoken in (("[in]", inhale_lines), ("[out]", exhale_lines)):
                if len(spoken) > block.cycles:
                    errors.append(
                        ScriptError(
                            path,
                            spoken[block.cycles].line,
                            f"more {name} lines ({len(spoken)}) than breaths in the block "
                            f"({block.cycles})",
                        )
                    )
        items.append(
            Breathe(
                line=block.line,
                cycles=block.cycles,
                duration_s=block.duration_s,
                inhale_lines=tuple(inhale_lines),
                exhale_lines=tuple(exhale_lines),
                breath_work=condition,
            )
        )
        open_breathe, inhale_lines, exhale_lines = None, [], []

    for index in range(start, len(lines)):
        number = index + 1
        line = lines[index]

        if in_comment_since is not None:
            end_at = line.find("-->")
            if end_at < 0:
                comment_text.append(line)
                continue
            comment_text.append(line[:end_at])
            comments.append((in_comment_since, "\n".join(comment_text).strip()))
            in_comment_since = None
            line = line[end_at + 3 :]
            if not line.strip():
                continue

        stripped = line.strip()
        # Whole-line and inline comments are removed before anything else looks at the line.
        while "<!--" in stripped:
            open_at = stripped.find("<!--")
            close_at = stripped.find("-->", open_at + 4)
            if close_at < 0:
                in_comment_since = number
                comment_text = [stripped[open_at + 4 :]]
                stripped = stripped[:open_at].strip() or "\0comment"
                break
            comments.append((number, stripped[open_at + 4 : close_at].strip()))
            stripped = (stripped[:open_at].rstrip() + " " + stripped[close_at + 3 :].lstrip()).strip()
            if not stripped:
                stripped = "\0comment"
        if stripped == "\0comment":
            continue

        if not stripped:
            flush_paragraph()
            close_breathe()
            continue

        cue = _CUE_LINE.match(stripped)
        if cue is None:
            close_breathe()
            if not paragraph:
                paragraph_line = number
            paragraph.append(stripped)
            continue

        body = cue.group("body").strip()
        rest = cue.group("rest").strip()
        word = body.split()[0].lower() if body.split() else ""
        known = (word in ("in", "out", "pause", "bell", "breathe") or body.lower() == "end"
                 or _CONDITION.fullmatch(body) is not None)

        if not known:
            flush_paragraph()
            close_breathe()
            suggestion = suggest_cue(body)
            hint = f": did you mean {suggestion}?" if suggestion else ""
            errors.append(ScriptError(path, number, f"unknown cue [{body}]{hint}"))
            broken_breathe_open = True
            if suggestion and "breath work" in suggestion:
                broken_condition_open = True
            continue

        if word in ("in", "out") and len(body.split()) == 1:
            if open_breathe is None:
                if not broken_breathe_open:  # under a broken cue its error already says it all
                    flush_paragraph()
                    errors.append(
                        ScriptError(
                            path,
                            number,
                            f"[{word}] must directly follow a [breathe …] cue "
                            "(or another [in]/[out] line of its block)",
                        )
                    )
                continue
            if not rest:
                errors.append(ScriptError(path, number, f"[{word}] needs the words to speak"))
                continue
            (inhale_lines if word == "in" else exhale_lines).append(BreathLine(rest, number))
            continue

        flush_paragraph()
        close_breathe()
        if rest:
            errors.append(
                ScriptError(path, number, f"unexpected text after the cue [{body}]: '{rest}'")
            )
            broken_breathe_open = True
            continue
        if word == "pause":
            match = re.fullmatch(rf"pause\s+({_NUMBER})", body, re.IGNORECASE)
            if match is None:
                hint = _did_you_mean(body)
                errors.append(ScriptError(
                    path, number, f"bad number in [{body}]: "
                    + (f"did you mean {hint}?" if hint else "write [pause 3] (seconds)"),
                ))
                broken_breathe_open = True
                continue
            seconds = float(match.group(1))
            if not 0 < seconds <= 600:
                errors.append(
                    ScriptError(path, number, f"[{body}]: a pause must be 0–600 seconds")
                )
                continue
            items.append(Pause(seconds, number, condition))
        elif word == "bell":
            if body.lower() != "bell":
                errors.append(ScriptError(path, number, f"[{body}]: [bell] takes no number"))
                continue
            items.append(Bell(number, condition))
        elif word == "breathe":
            if condition is False:
                errors.append(ScriptError(
                    path, number,
                    f"[{body}] inside [without breath work] (line {condition_line}): that part is "
                    "for someone who does not pace the breath; use [pause N] for quiet time",
                ))
                broken_breathe_open = True
                continue
            block = _parse_breathe(body, number, path, errors)
            if block is not None:
                open_breathe = block
            else:
                broken_breathe_open = True
        elif _CONDITION.fullmatch(body):
            wanted = not body.lower().startswith("without")
            opens_after_with = not wanted and condition is True
            if condition is not None and not opens_after_with:
                errors.append(ScriptError(
                    path, number,
                    f"[{body}] inside the part opened on line {condition_line}: close that one "
                    "with [end] first",
                ))
                continue
            condition, condition_line = wanted, number
            broken_condition_open = False
        elif body.lower() == "end":
            if condition is None and broken_condition_open:
                broken_condition_open = False  # the unknown cue that meant to open it said it all
            elif condition is None:
                errors.append(ScriptError(
                    path, number,
                    "[end] with nothing to close: it ends a [with breath work] or "
                    "[without breath work] part",
                ))
                continue
            condition = None

    if in_comment_since is not None:
        errors.append(ScriptError(path, in_comment_since, "comment is not closed: add '-->'"))
    flush_paragraph()
    close_breathe()
    if condition is not None:
        opened = "[with breath work]" if condition else "[without breath work]"
        errors.append(
            ScriptError(path, condition_line, f"{opened} is not closed: add an [end] line after it")
        )
    return items, comments


def _parse_breathe(body: str, number: int, path: Path, errors: list[ScriptError]) -> Breathe | None:
    match = re.fullmatch(r"breathe\s+(\S+)(?:\s+(\S+))?", body, re.IGNORECASE)
    if match is None:
        errors.append(
            ScriptError(
                path, number, f"bad [{body}]: write [breathe 4], [breathe 2 min] or [breathe 30 s]"
            )
        )
        return None
    amount, unit = match.group(1), (match.group(2) or "").lower()
    if unit == "":
        if not re.fullmatch(r"[0-9]+", amount) or not 1 <= int(amount) <= 500:
            errors.append(
                ScriptError(
                    path, number,
                    f"bad number in [{body}]: breaths must be a whole number 1–500"
                    f"{_also(body)}",
                )
            )
            return None
        return Breathe(line=number, cycles=int(amount))
    if unit not in ("min", "s"):
        errors.append(ScriptError(
            path, number,
            f"bad unit in [{body}]: use 'min' or 's', or no unit{_also(body)}",
        ))
        return None
    if not re.fullmatch(_NUMBER, amount):
        errors.append(
            ScriptError(path, number, f"bad number in [{body}]: '{amount}'{_also(body)}")
        )
        return None
    seconds = float(amount) * (60.0 if unit == "min" else 1.0)
    if not 1 <= seconds <= 3600:
        errors.append(
            ScriptError(path, number, f"[{body}]: paced breathing must last 1 s to 60 min")
        )
        return None
    return Breathe(line=number, duration_s=seconds)


def suggest_cue(body: str) -> str | None:
    """The known cue nearest to a mistyped one, as it should be written: ``breath three`` gives
    ``[breathe 3]``, ``bel`` gives ``[bell]``, ``pause two seconds`` gives ``[pause 2]``; None when
    nothing is close (a made-up guess would only mislead)."""
    words: list[str] = []
    numbers: list[str] = []
    unit = ""
    for token in body.lower().replace("-", " ").split():
        if re.fullmatch(_NUMBER, token):
            numbers.append(token)
        elif token in _NUMBER_WORDS and (token not in ("a", "an") or words):
            numbers.append(str(_NUMBER_WORDS[token]))
        elif token in _MINUTE_WORDS and (numbers or words):
            unit = "min"
        elif token in _SECOND_WORDS and (numbers or words):
            unit = "s"
        else:
            words.append(token)
    name = " ".join(words)
    if not name:
        return None
    close = difflib.get_close_matches(name, _CUE_NAMES, n=1, cutoff=0.6)
    if not close:
        return None
    cue = close[0]
    amount = numbers[0] if len(numbers) == 1 else "…"
    if cue == "pause":
        # Seconds are a pause's only unit; minutes become seconds.
        if unit == "min" and amount != "…":
            amount = f"{float(amount) * 60:g}"
        return f"[pause {amount}]"
    if cue == "breathe":
        return f"[breathe {amount}{' ' + unit if unit else ''}]"
    return f"[{cue}]"


def _did_you_mean(body: str) -> str:
    """``[breathe 3]`` for a known cue whose number or unit was written in words, else "" (a cue
    that is only a bad number is better told how to write it)."""
    suggestion = suggest_cue(body)
    if suggestion is None or "…" in suggestion or suggestion == f"[{body}]":
        return ""
    return suggestion


def _also(body: str) -> str:
    hint = _did_you_mean(body)
    return f"; did you mean {hint}?" if hint else ""
