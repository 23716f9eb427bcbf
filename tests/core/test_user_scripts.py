"""A therapist's own scripts on disk: copies, saving, drafts, import, export, length, play-from-here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cft_desktop.core import user_scripts as us
from cft_desktop.core.library import Library
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import parse_file, parse_text
from cft_desktop.errors import ScriptErrors

BELL_FRAMES = 4 * 48000

SCRIPT = """---
id: calm
title: "Calm: a short practice"
kind: imagery
minutes: 2
summary: Short.
order: 3
---
<!-- keep this comment -->
Hello there.
Still the first phrase.

[pause 2]

[breathe 2]
[in] Breathing in.
[out] Breathing out.

Goodbye.
"""


@pytest.fixture
def library(tmp_path: Path) -> Library:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "calm.md").write_text(SCRIPT, encoding="utf-8")
    user = tmp_path / "user"
    user.mkdir()
    return Library(builtin_dir=builtin, user_dir=user)


def _user(library: Library) -> Path:
    assert library.user_dir is not None
    return library.user_dir


def test_unique_id_counts_up() -> None:
    assert us.unique_id("a", {"b"}) == "a"
    assert us.unique_id("a", {"a", "a-2"}) == "a-3"


def test_copy_changes_only_id_and_title(library: Library) -> None:
    new_id = us.copy_id("calm", library)
    assert new_id == "calm-copy"
    text = us.copy_text(SCRIPT, new_id)
    script = parse_text(text)
    assert script.id == "calm-copy"
    assert script.title == "Calm: a short practice (my version)"
    original = SCRIPT.split("\n")
    changed = [i for i, (a, b) in enumerate(zip(original, text.split("\n"), strict=True)) if a != b]
    assert changed == [1, 2]
    assert "<!-- keep this comment -->" in text


def test_copy_keeps_windows_line_endings() -> None:
    text = us.copy_text(SCRIPT.replace("\n", "\r\n"), "calm-2")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert parse_text(text).id == "calm-2"


def test_split_front_matter_takes_the_header_apart_exactly() -> None:
    text = "---\nid: a\ntitle: A\n# a note\nlanguage: de\n---\nHallo.\n"
    parts = us.split_front_matter(text)
    assert parts == ("---\nid: a\ntitle: A\n# a note\nlanguage: de\n---\n", "Hallo.\n")
    assert us.split_front_matter("\ufeff" + text) == ("\ufeff" + parts[0], parts[1])
    # Nothing to take apart safely: the editor then shows the whole text.
    for bad in ("Hallo.\n", "---\nid: a\n", "---\ntitle: [A\n---\nHallo.\n", "---\n- a\n---\nx\n",
                "---\nid: a\n---"):
        assert us.split_front_matter(bad) is None, bad


def test_front_matter_values_as_text_or_as_written() -> None:
    header = "---\nid: a\nminutes: 3\nsummary: >\n  Two\n  lines.\nending: sleep\n---\n"
    changed = us.set_front_matter_value(header, "minutes", "1.25", raw=True)
    changed = us.set_front_matter_value(changed, "summary", "Calm: and kind")
    changed = us.set_front_matter_value(changed, "title", "12")
    assert changed == ('---\nid: a\nminutes: 1.25\nsummary: "Calm: and kind"\nending: sleep\n'
                       'title: "12"\n---\n')
    assert us.front_matter_value(changed, "minutes") == 1.25
    assert us.front_matter_value(changed, "title") == "12"


def test_new_script_template_is_valid_and_unique(library: Library) -> None:
    script_id, text = us.new_script_text(library)
    script = parse_text(text)
    assert script.id == script_id == "my-practice"
    (_user(library) / "my-practice.md").write_text(text, encoding="utf-8")
    library.reload()
    assert us.new_script_text(library)[0] == "my-practice-2"


def test_save_refuses_invalid_text_and_writes_nothing(library: Library) -> None:
    bad = us.copy_text(SCRIPT, "calm-copy").replace("[pause 2]", "[bel]")
    with pytest.raises(ScriptErrors) as caught:
        us.save(bad, library, None)
    assert [(e.line, e.message) for e in caught.value.errors] == [
        (13, "unknown cue [bel]: did you mean [bell]?")]
    assert list(_user(library).iterdir()) == []


def test_save_refuses_a_taken_id_at_the_id_line(library: Library) -> None:
    with pytest.raises(ScriptErrors) as caught:
        us.save(SCRIPT, library, None)
    (error,) = caught.value.errors
    assert error.line == 2
    assert "already used by a built-in practice" in error.message
    assert list(_user(library).iterdir()) == []


def test_save_writes_user_file_and_follows_an_id_change(library: Library) -> None:
    text = us.copy_text(SCRIPT, "calm-copy")
    path = us.save(text, library, None)
    assert path == _user(library) / "calm-copy.md"
    assert path.read_text(encoding="utf-8") == text
    library.reload()
    # Saving again over itself is fine; a new id moves the file.
    assert us.save(text, library, path) == path
    renamed = us.set_front_matter_value(text, "id", "calm-mine")
    new_path = us.save(renamed, library, path)
    assert new_path.name == "calm-mine.md"
    assert not path.exists()
    assert parse_file(new_path).id == "calm-mine"
    assert not list(_user(library).glob(".*.tmp"))


def test_drafts_are_offered_only_when_newer_and_different(library: Library) -> None:
    user = _user(library)
    text = us.copy_text(SCRIPT, "calm-copy")
    saved = user / "calm-copy.md"
    saved.write_text(text, encoding="utf-8")
    assert us.pending_draft(user, "calm-copy", saved, text) is None
    draft = us.write_draft(user, "calm-copy", text + "\nMore.\n")
    assert draft == user / ".drafts" / "calm-copy.md"
    assert us.pending_draft(user, "calm-copy", saved, text) == text + "\nMore.\n"
    os.utime(saved, (draft.stat().st_mtime + 10, draft.stat().st_mtime + 10))
    assert us.pending_draft(user, "calm-copy", saved, text) is None
    us.remove_draft(user, "calm-copy")
    assert not draft.exists()
    # Drafts never appear in the library.
    library.reload()
    assert [e.id for e in library.entries if not e.builtin] == ["calm-copy"]


def test_import_of_a_bad_file_lists_every_error_and_writes_nothing(
    library: Library, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(SCRIPT.replace("kind: imagery", "kind: dream").replace("[bell]", "")
                   .replace("[pause 2]", "[bel]"), encoding="utf-8")
    with pytest.raises(ScriptErrors) as caught:
        us.check_import(bad, library)
    assert [str(e) for e in caught.value.errors] == [
        f"{bad}:4: 'kind': 'dream' is not one of breathing, imagery, psychoeducation, grounding",
        f"{bad}:13: unknown cue [bel]: did you mean [bell]?",
    ]
    assert list(_user(library).iterdir()) == []


def test_import_new_keep_both_and_replace(library: Library, tmp_path: Path) -> None:
    user = _user(library)
    shared = tmp_path / "shared.md"
    shared.write_bytes(us.copy_text(SCRIPT, "theirs", "").encode("utf-8"))
    found = us.check_import(shared, library)
    assert found.clash is None
    target = us.install_import(found, library)
    assert target == user / "theirs.md"
    assert target.read_bytes() == shared.read_bytes()
    library.reload()

    # Same id again: keep both, or replace the user's own one.
    found = us.check_import(shared, library)
    assert found.clash is not None and not found.clash_is_builtin
    both = us.install_import(found, library, "keep-both")
    assert parse_file(both).id == "theirs-2"
    assert parse_file(both).title.endswith("(imported)")
    shared.write_bytes(shared.read_bytes().replace(b"Goodbye.", b"Farewell."))
    found = us.check_import(shared, library)
    assert us.install_import(found, library, "replace") == target
    assert b"Farewell." in target.read_bytes()


def test_import_never_replaces_a_builtin(library: Library, tmp_path: Path) -> None:
    shared = tmp_path / "calm.md"
    shared.write_text(SCRIPT, encoding="utf-8")
    found = us.check_import(shared, library)
    assert found.clash_is_builtin
    with pytest.raises(ValueError):
        us.install_import(found, library, "replace")
    with pytest.raises(ValueError):
        us.install_import(found, library, "new")
    kept = us.install_import(found, library, "keep-both")
    assert parse_file(kept).id == "calm-2"
    builtin = library.builtin_dir / "calm.md"
    assert builtin.read_text(encoding="utf-8") == SCRIPT


def test_export_writes_exactly_the_text(tmp_path: Path) -> None:
    text = SCRIPT.replace("Hello", "Hello\u00a0you")
    out = tmp_path / "out" / "calm.md"
    us.export(text, out)
    assert out.read_bytes() == text.encode("utf-8")


def test_estimate_follows_pacing_and_reads_plainly() -> None:
    script = parse_text(SCRIPT)
    slow = us.estimate_timeline(script, Pacing(bpm=4), BELL_FRAMES)
    fast = us.estimate_timeline(script, Pacing(bpm=10), BELL_FRAMES)
    assert slow.duration_s > fast.duration_s
    assert us.duration_text(580) == "About 9 min 40 s"
    assert us.duration_text(41) == "About 40 s"
    assert us.duration_text(120) == "About 2 min"
    assert us.pacing_text(Pacing(bpm=6)) == "6 breaths/min"
    assert us.pacing_text(Pacing(bpm=5.5, ramp_from_bpm=8)) == "slowing from 8 to 5.5 breaths/min"


def test_play_from_here_starts_at_the_line_s_phrase_or_cue() -> None:
    script = parse_text(SCRIPT)
    timeline = us.estimate_timeline(script, Pacing(), BELL_FRAMES)
    phrases = {e.line: e.start_frame for e in timeline.phrase_events()}
    assert us.start_frame_for_line(script, timeline, 0) == 0
    assert us.start_frame_for_line(script, timeline, 3) == 0  # front matter
    assert us.start_frame_for_line(script, timeline, 11) == phrases[10]  # 2nd line of a phrase
    pause = next(e for e in timeline.events if e.kind == "pause")
    assert us.start_frame_for_line(script, timeline, 13) == pause.start_frame
    first_inhale = next(e for e in timeline.events if e.kind == "inhale")
    assert us.start_frame_for_line(script, timeline, 15) == first_inhale.start_frame
    assert us.start_frame_for_line(script, timeline, 17) == phrases[17]  # [out] line
    assert us.start_frame_for_line(script, timeline, 19) == phrases[19] > phrases[17]
