"""The script format: every valid form, and every error naming its file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cft_desktop.core.script import (
    Bell,
    Breathe,
    BreathLine,
    Pause,
    Phrase,
    Script,
    parse_file,
    parse_text,
    suggest_cue,
)
from cft_desktop.errors import CftError, ScriptError, ScriptErrors

PATH = "scripts/x.md"

# Seven lines; the body starts on line 8.
FRONT = """---
id: demo
title: Demo practice
kind: breathing
minutes: 3
summary: A short test practice.
---
"""
BODY_LINE = 8


def parse(body: str) -> Script:
    return parse_text(FRONT + body, PATH)


def errors_of(text: str) -> list[ScriptError]:
    with pytest.raises(ScriptErrors) as info:
        parse_text(text, PATH)
    errors = info.value.errors
    assert errors, "ScriptErrors raised without any error"
    for error in errors:
        # Every message names the file and the line, in that order.
        assert str(error).startswith(f"{PATH}:{error.line}: ")
        assert str(error) in str(info.value)
    return errors


def only_error(text: str) -> ScriptError:
    errors = errors_of(text)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


# -- valid forms --------------------------------------------------------------------------------


FULL = """---
id: demo
title: Demo practice
kind: breathing
minutes: 3.5
summary: A short test practice.
caution: Stop if dizzy.
order: 4
version: 2
---
<!-- a comment
that spans lines -->
Hello there,
and welcome. <!-- an inline comment -->

[pause 2.5]

[breathe 3]
[in] In one.
[out] Out one.
[in] In two.
[out] Out two.

[breathe 2 min]

[breathe 30 s]

[bell]

Goodbye.
"""


def test_full_script_parses_every_form() -> None:
    script = parse_text(FULL, PATH)
    assert script.id == "demo"
    assert script.title == "Demo practice"
    assert script.kind == "breathing"
    assert script.minutes == 3.5
    assert script.summary == "A short test practice."
    assert script.caution == "Stop if dizzy."
    assert script.order == 4
    assert script.version == 2
    assert script.source == Path(PATH)
    assert script.items == (
        Phrase("Hello there, and welcome.", 13),
        Pause(2.5, 16),
        Breathe(
            line=18,
            cycles=3,
            inhale_lines=(BreathLine("In one.", 19), BreathLine("In two.", 21)),
            exhale_lines=(BreathLine("Out one.", 20), BreathLine("Out two.", 22)),
        ),
        Breathe(line=24, duration_s=120.0),
        Breathe(line=26, duration_s=30.0),
        Bell(28),
        Phrase("Goodbye.", 30),
    )


def test_optional_keys_default() -> None:
    script = parse("Hello.\n")
    assert script.caution == ""
    assert script.order is None
    assert script.version == 1


def test_phrases_joined_across_lines_and_split_at_blank_lines() -> None:
    script = parse("One line\nand the next\n   and indented.\n\n\nSecond phrase.\n")
    assert script.items == (
        Phrase("One line and the next and indented.", BODY_LINE),
        Phrase("Second phrase.", BODY_LINE + 5),
    )


def test_cue_line_ends_a_phrase_without_blank_line() -> None:
    script = parse("Before the pause.\n[pause 1]\nAfter it.\n")
    assert script.items == (
        Phrase("Before the pause.", BODY_LINE),
        Pause(1.0, BODY_LINE + 1),
        Phrase("After it.", BODY_LINE + 2),
    )


@pytest.mark.parametrize(
    ("cue", "seconds"), [("[pause 3]", 3.0), ("[pause 0.25]", 0.25), ("[pause 12.75]", 12.75),
                         ("[ PAUSE 2 ]", 2.0), ("[pause 600]", 600.0)]
)
def test_pause_values(cue: str, seconds: float) -> None:
    script = parse(f"Hi.\n\n{cue}\n")
    assert script.items[1] == Pause(seconds, BODY_LINE + 2)


@pytest.mark.parametrize(
    ("cue", "cycles", "duration"),
    [
        ("[breathe 1]", 1, None),
        ("[breathe 12]", 12, None),
        ("[breathe 500]", 500, None),
        ("[breathe 2 min]", None, 120.0),
        ("[breathe 1.5 min]", None, 90.0),
        ("[breathe 45 s]", None, 45.0),
        ("[breathe 7.5 s]", None, 7.5),
        ("[Breathe 3 MIN]", None, 180.0),
    ],
)
def test_breathe_values(cue: str, cycles: int | None, duration: float | None) -> None:
    script = parse(f"{cue}\n")
    assert script.items == (Breathe(line=BODY_LINE, cycles=cycles, duration_s=duration),)


def test_bell() -> None:
    script = parse("Hi.\n[bell]\n")
    assert script.items[1] == Bell(BODY_LINE + 1)


def test_breath_lines_attach_to_their_block_and_phrases_interleave() -> None:
    script = parse(
        "Intro.\n\n"
        "[breathe 4]\n"
        "[out] out zero\n"
        "[in] in zero\n"
        "[in] in one\n"
        "[out] out one\n"
        "[in] in two\n"
        "[out] out two\n"
        "[out] out three\n"
        "\nOutro.\n"
    )
    block = script.items[1]
    assert isinstance(block, Breathe)
    assert block.cycles == 4
    assert [b.text for b in block.inhale_lines] == ["in zero", "in one", "in two"]
    assert [b.text for b in block.exhale_lines] == ["out zero", "out one", "out two", "out three"]
    assert [b.line for b in block.inhale_lines] == [BODY_LINE + 4, BODY_LINE + 5, BODY_LINE + 7]
    # Order heard: in0, out0, in1, out1, ... regardless of the order written.
    assert [p.text for p in script.phrases()] == [
        "Intro.", "in zero", "out zero", "in one", "out one", "in two", "out two", "out three",
        "Outro.",
    ]


def test_breath_lines_of_two_blocks_stay_separate() -> None:
    script = parse("[breathe 2]\n[in] a\n[out] b\n[breathe 1 min]\n[in] c\n")
    first, second = script.items
    assert isinstance(first, Breathe)
    assert isinstance(second, Breathe)
    assert [b.text for b in first.inhale_lines] == ["a"]
    assert [b.text for b in first.exhale_lines] == ["b"]
    assert [b.text for b in second.inhale_lines] == ["c"]
    assert second.duration_s == 60.0
    assert [p.text for p in script.phrases()] == ["a", "b", "c"]


def test_breath_lines_may_exceed_breaths_of_a_timed_block() -> None:
    # A timed block has no fixed count; the timeline adds cycles for the lines.
    script = parse("[breathe 10 s]\n[in] a\n[in] b\n[in] c\n[in] d\n")
    block = script.items[0]
    assert isinstance(block, Breathe)
    assert len(block.inhale_lines) == 4


def test_comments_are_ignored_and_recorded() -> None:
    script = parse(
        "<!-- whole line -->\n"
        "Kind words. <!-- inline -->\n"
        "<!--\nmulti\n\nline\n-->\n"
        "More words.\n"
        "\n"
        "[pause 1] <!-- after a cue -->\n"
        "<!-- start\nend --> Tail text.\n"
    )
    assert script.items == (
        Phrase("Kind words. More words.", BODY_LINE + 1),
        Pause(1.0, BODY_LINE + 9),
        Phrase("Tail text.", BODY_LINE + 11),
    )
    texts = [text for _, text in script.comments]
    assert "whole line" in texts
    assert "inline" in texts
    assert "after a cue" in texts
    assert any("multi" in t and "line" in t for t in texts)
    assert all("<!--" not in p.text and "-->" not in p.text for p in script.phrases())


def test_inline_comment_mid_line_leaves_one_space() -> None:
    # The phrase text is the caption and the narration cache key: a comment inside a line must
    # not leave a double space behind.
    script = parse("Kind <!-- inline --> words.\n")
    assert script.items == (Phrase("Kind words.", BODY_LINE),)


def test_comment_between_breathe_cue_and_breath_lines_keeps_them_attached() -> None:
    script = parse("[breathe 2]\n<!-- note -->\n[in] in\n")
    block = script.items[0]
    assert isinstance(block, Breathe)
    assert block.inhale_lines == (BreathLine("in", BODY_LINE + 2),)


def test_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes(b"\xef\xbb\xbf" + (FRONT + "Hello.\n").encode("utf-8"))
    script = parse_file(path)
    assert script.id == "demo"
    assert script.items == (Phrase("Hello.", BODY_LINE),)
    assert script.source == path


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    path.write_bytes((FRONT + "Hello.\n\n[bel]\n").replace("\n", "\r\n").encode("utf-8"))
    with pytest.raises(ScriptErrors) as info:
        parse_file(path)
    assert str(info.value) == f"{path}:{BODY_LINE + 2}: unknown cue [bel]: did you mean [bell]?"


def test_parse_file_reads_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ok.md"
    path.write_text(FRONT + "Café — warmth.\n", encoding="utf-8")
    assert parse_file(path).phrases()[0].text == "Café — warmth."


def test_script_is_frozen() -> None:
    script = parse("Hello.\n")
    with pytest.raises(AttributeError):
        script.id = "other"  # type: ignore[misc]


def test_shipped_scripts_all_parse() -> None:
    folder = Path(__file__).resolve().parents[2] / "scripts"
    files = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
    assert files
    ids = set()
    for path in files:
        script = parse_file(path)
        assert script.id == path.stem
        assert script.phrases()
        ids.add(script.id)
    assert len(ids) == len(files)


# -- errors -------------------------------------------------------------------------------------


def test_errors_are_cft_errors() -> None:
    with pytest.raises(CftError):
        parse_text("no front matter", PATH)


def test_missing_front_matter() -> None:
    error = only_error("Hello.\n")
    assert error.line == 1
    assert "missing front matter" in error.message
    assert error.path == Path(PATH)


def test_empty_file() -> None:
    error = only_error("")
    assert error.line == 1
    assert "missing front matter" in error.message


def test_unclosed_front_matter() -> None:
    error = only_error("---\nid: demo\ntitle: T\n\nHello.\n")
    assert error.line == 1
    assert "not closed" in error.message


@pytest.mark.parametrize(
    ("front", "line", "fragment"),
    [
        ("---\nid: demo\ntitle: a: b\nkind: imagery\n---\n", 3, "mapping values are not allowed"),
        ("---\nid: demo\ntitle: T\n\tkind: imagery\n---\n", 4, "front matter:"),
    ],
)
def test_bad_yaml_points_at_its_line(front: str, line: int, fragment: str) -> None:
    error = only_error(front + "Hello.\n")
    assert error.line == line
    assert error.message.startswith("front matter:")
    assert fragment in error.message


def test_front_matter_that_is_not_a_mapping() -> None:
    error = only_error("---\n- a\n- b\n---\nHello.\n")
    assert error.line == 2
    assert "key: value" in error.message


@pytest.mark.parametrize("key", ["id", "title", "kind", "minutes", "summary"])
def test_missing_key_points_at_opening_dashes(key: str) -> None:
    lines = [line for line in FRONT.splitlines() if not line.startswith(f"{key}:")]
    error = only_error("\n".join(lines) + "\nHello.\n")
    assert error.line == 1
    assert error.message == f"front matter is missing '{key}'"


def test_empty_key_counts_as_missing() -> None:
    error = only_error(FRONT.replace("title: Demo practice", "title:") + "Hello.\n")
    assert (error.line, error.message) == (1, "front matter is missing 'title'")


def test_unknown_key_points_at_its_line() -> None:
    text = FRONT.replace("minutes: 3\n", "minutes: 3\nauthor: Someone\n") + "Hello.\n"
    error = only_error(text)
    assert error.line == 6
    assert "unknown key 'author'" in error.message
    assert "caution" in error.message  # lists what is allowed


def test_bad_kind_points_at_its_line() -> None:
    error = only_error(FRONT.replace("kind: breathing", "kind: meditation") + "Hello.\n")
    assert error.line == 4
    assert "'meditation' is not one of breathing, imagery, psychoeducation, grounding" in error.message


@pytest.mark.parametrize("value", ["ten", "0", "-2", "true", "[3]"])
def test_bad_minutes_points_at_its_line(value: str) -> None:
    error = only_error(FRONT.replace("minutes: 3", f"minutes: {value}") + "Hello.\n")
    assert error.line == 5
    assert error.message.startswith("'minutes':")
    assert "positive number of minutes" in error.message


@pytest.mark.parametrize("value", ["Safe Place", "-lead", "UPPER", "a_b"])
def test_bad_id_points_at_its_line(value: str) -> None:
    error = only_error(FRONT.replace("id: demo", f"id: {value}") + "Hello.\n")
    assert error.line == 2
    assert error.message.startswith("'id':")


@pytest.mark.parametrize(("key", "value"), [("order", "two"), ("order", "-1"), ("version", "1.5")])
def test_bad_whole_number_keys(key: str, value: str) -> None:
    text = FRONT.replace("summary:", f"{key}: {value}\nsummary:") + "Hello.\n"
    error = only_error(text)
    assert error.line == 6
    assert error.message == f"'{key}': '{value}' is not a whole number"


def test_title_must_be_text() -> None:
    error = only_error(FRONT.replace("title: Demo practice", "title: [1, 2]") + "Hello.\n")
    assert error.line == 3
    assert error.message == "'title': must be text"


def test_front_matter_errors_are_all_reported() -> None:
    text = (
        FRONT.replace("kind: breathing", "kind: nope").replace("minutes: 3", "minutes: x")
        + "Hello.\n"
    )
    errors = errors_of(text)
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [(4, "'kind'"), (5, "'minutes'")]


def test_unknown_cue() -> None:
    error = only_error(FRONT + "Hello.\n\n[bel]\n")
    assert str(error) == f"{PATH}:{BODY_LINE + 2}: unknown cue [bel]: did you mean [bell]?"


@pytest.mark.parametrize(
    ("cue", "fragment"),
    [
        ("[pause x]", "bad number in [pause x]"),
        ("[pause]", "bad number in [pause]"),
        ("[pause -1]", "bad number in [pause -1]"),
        ("[pause 1,5]", "bad number in [pause 1,5]"),
        ("[breathe x]", "bad number in [breathe x]"),
        ("[breathe 2.5]", "bad number in [breathe 2.5]"),
        ("[breathe 0]", "bad number in [breathe 0]"),
        ("[breathe 501]", "bad number in [breathe 501]"),
        ("[breathe x min]", "bad number in [breathe x min]"),
        ("[breathe 3 h]", "bad unit in [breathe 3 h]"),
        ("[breathe 3 minutes]", "bad unit in [breathe 3 minutes]"),
        ("[breathe]", "bad [breathe]"),
        ("[breathe 1 2 3]", "bad [breathe 1 2 3]"),
        ("[pause 0]", "0–600 seconds"),
        ("[pause 601]", "0–600 seconds"),
        ("[breathe 61 min]", "1 s to 60 min"),
        ("[breathe 0.5 s]", "1 s to 60 min"),
        ("[bell 2]", "[bell] takes no number"),
        ("[bell] ding", "unexpected text after the cue [bell]"),
        ("[]", "unknown cue []"),
    ],
)
def test_bad_cues(cue: str, fragment: str) -> None:
    error = only_error(FRONT + "Hello.\n\n" + cue + "\n")
    assert error.line == BODY_LINE + 2
    assert fragment in error.message


@pytest.mark.parametrize("cue", ["[breathe x]", "[breathe 3 h]", "[breathe]"])
def test_a_bad_breathe_cue_is_one_error_not_one_per_breath_line(cue: str) -> None:
    # A typo in the count must not also flag every [in]/[out] line under it as stray.
    error = only_error(FRONT + f"{cue}\n[in] Breathing in.\n[out] And out.\n[in] In.\n\nAfter.\n")
    assert error.line == BODY_LINE
    # The block ends as usual: a later stray line is still an error of its own.
    errors = errors_of(FRONT + f"{cue}\n[in] In.\n\n[out] stray\n")
    assert [e.line for e in errors] == [BODY_LINE, BODY_LINE + 3]
    assert "must directly follow" in errors[1].message


BREATH_TYPO = (
    "Hello.\n\n[breath three]\n[in] Breathing in.\n[out] And out.\n[in] In again.\n"
    "[out] Out again.\n[in] Once more.\n[out] And let go.\n\nAfter the breaths.\n"
)


def test_one_typo_in_a_cue_is_one_problem_with_a_suggestion() -> None:
    # Issue 17 §5: this typo used to give seven problems, six of them "[in] must directly follow".
    error = only_error(FRONT + BREATH_TYPO)
    assert error.line == BODY_LINE + 2
    assert str(error) == (
        f"{PATH}:{BODY_LINE + 2}: unknown cue [breath three]: did you mean [breathe 3]?")


def test_two_independent_problems_are_both_reported() -> None:
    text = FRONT + BREATH_TYPO + "\n[out] A stray line after a blank.\n\n[pause lots]\n"
    errors = errors_of(text)
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [
        (BODY_LINE + 2, "unknown cue [breath three]"),
        (BODY_LINE + 12, "[out] must directly follow a [breathe …] cue (or another [in]/[out] line "
                         "of its block)"),
        (BODY_LINE + 14, "bad number in [pause lots]"),
    ]


@pytest.mark.parametrize(
    ("body", "suggestion"),
    [
        ("bel", "[bell]"),
        ("breath three", "[breathe 3]"),
        ("Breathe Two Minutes", "[breathe 2 min]"),
        ("paws 4", "[pause 4]"),
        ("pause two seconds", "[pause 2]"),
        ("with breathwork", "[with breath work]"),
        ("breth", "[breathe …]"),
        ("xyzzy", None),
        ("", None),
    ],
)
def test_suggest_cue(body: str, suggestion: str | None) -> None:
    assert suggest_cue(body) == suggestion


@pytest.mark.parametrize(
    ("cue", "message"),
    [
        ("[breathe three]", "bad number in [breathe three]: breaths must be a whole number 1–500; "
                            "did you mean [breathe 3]?"),
        ("[pause five]", "bad number in [pause five]: did you mean [pause 5]?"),
        ("[bell] ding", "unexpected text after the cue [bell]: 'ding'"),
    ],
)
def test_a_known_cue_with_a_mistake_owns_its_breath_lines(cue: str, message: str) -> None:
    error = only_error(FRONT + f"{cue}\n[in] In.\n[out] Out.\n\nAfter.\n")
    assert (error.line, error.message) == (BODY_LINE, message)


def test_a_mistyped_part_opening_does_not_also_flag_its_end() -> None:
    error = only_error(FRONT + "[with breathwork]\nFeel the breath.\n[end]\n\nAfter.\n")
    assert error.message == "unknown cue [with breathwork]: did you mean [with breath work]?"
    # An [end] with nothing open is still its own problem when no typo explains it.
    errors = errors_of(FRONT + "[with breathwork]\nHi.\n[end]\n\nMore.\n[end]\n")
    assert [e.line for e in errors] == [BODY_LINE, BODY_LINE + 5]


@pytest.mark.parametrize("word", ["in", "out"])
def test_breath_line_outside_a_block(word: str) -> None:
    error = only_error(FRONT + f"Hello.\n[{word}] stray words\n")
    assert error.line == BODY_LINE + 1
    assert f"[{word}] must directly follow a [breathe …] cue" in error.message


@pytest.mark.parametrize("word", ["in", "out"])
def test_breath_line_after_blank_line_following_breathe(word: str) -> None:
    error = only_error(FRONT + f"[breathe 2]\n[in] fine\n\n[{word}] too late\n")
    assert error.line == BODY_LINE + 3
    assert f"[{word}] must directly follow" in error.message


def test_breath_line_after_a_phrase_following_breathe() -> None:
    error = only_error(FRONT + "[breathe 2]\nA phrase.\n[out] too late\n")
    assert error.line == BODY_LINE + 2


def test_breath_line_without_words() -> None:
    error = only_error(FRONT + "[breathe 2]\n[in]\n")
    assert error.line == BODY_LINE + 1
    assert "[in] needs the words to speak" in error.message


@pytest.mark.parametrize("word", ["in", "out"])
def test_more_breath_lines_than_breaths(word: str) -> None:
    error = only_error(FRONT + f"[breathe 2]\n[{word}] a\n[{word}] b\n[{word}] c\n[{word}] d\n")
    # Points at the first line that has no breath left.
    assert error.line == BODY_LINE + 3
    assert f"more [{word}] lines (4) than breaths in the block (2)" in error.message


def test_empty_script() -> None:
    error = only_error(FRONT)
    assert "the script is empty" in error.message
    assert 1 <= error.line <= BODY_LINE


def test_script_with_only_pauses_and_bells_is_empty() -> None:
    error = only_error(FRONT + "<!-- nothing -->\n[pause 3]\n\n[bell]\n")
    assert "the script is empty" in error.message


def test_unclosed_comment_points_at_its_start() -> None:
    error = only_error(FRONT + "Hello.\n\n<!-- never closed\nmore\n\nmore\n")
    assert error.line == BODY_LINE + 2
    assert "comment is not closed" in error.message


def test_unclosed_inline_comment() -> None:
    error = only_error(FRONT + "Hello.\nWords <!-- open\n")
    assert error.line == BODY_LINE + 1
    assert "comment is not closed" in error.message


def test_body_errors_are_all_reported_in_order() -> None:
    errors = errors_of(FRONT + "Hello.\n[bel]\n\n[pause x]\n\n[out] stray\n")
    assert [e.line for e in errors] == [BODY_LINE + 1, BODY_LINE + 3, BODY_LINE + 5]


def test_front_and_body_errors_together() -> None:
    errors = errors_of(FRONT.replace("kind: breathing", "kind: zzz") + "Hi.\n[bel]\n")
    assert [e.line for e in errors] == [4, BODY_LINE + 1]


def test_non_utf8_file_points_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    text = FRONT + "Hello.\n\nA caf\xe9 by the sea.\n"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ScriptErrors) as info:
        parse_file(path)
    [error] = info.value.errors
    assert error.line == BODY_LINE + 2
    assert error.path == path
    assert "UTF-8" in error.message
    assert str(error).startswith(f"{path}:{BODY_LINE + 2}: ")


def test_non_utf8_byte_in_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(FRONT.replace("Demo", "D\xe9mo").encode("latin-1") + b"Hello.\n")
    with pytest.raises(ScriptErrors) as info:
        parse_file(path)
    assert [e.line for e in info.value.errors] == [3]


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.md"
    with pytest.raises(ScriptErrors) as info:
        parse_file(path)
    [error] = info.value.errors
    assert error.line == 1
    assert "cannot read" in error.message
    assert str(path) in str(error)


def test_line_numbers_count_newlines_only() -> None:
    # A Unicode line separator (common in text pasted from the web) is not a new line in an
    # editor, so it must not shift the line numbers of later errors.
    error = only_error(FRONT + "Hello\u2028there.\n[bel]\n")
    assert error.line == BODY_LINE + 1


def test_error_message_format_matches_spec() -> None:
    error = only_error(FRONT + "\n" * 5 + "[bel]\n")
    assert re.fullmatch(r"scripts/x\.md:\d+: unknown cue \[bel\]: did you mean \[bell\]\?", str(error))
    assert error.line == BODY_LINE + 5
