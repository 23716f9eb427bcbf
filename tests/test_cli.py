"""The command line, run as a real process: output formats, exit codes, no tracebacks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cft_desktop.core.script import KINDS, parse_file

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for p in (ROOT / "scripts").glob("*.md") if p.name.lower() != "readme.md")


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["CFT_DESKTOP_DATA_DIR"] = str(tmp_path / "data")
    env["CFT_DESKTOP_CACHE_DIR"] = str(tmp_path / "cache")
    env["CFT_DESKTOP_LOG_DIR"] = str(tmp_path / "log")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "cft_desktop", *args],
        capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=120,
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr


def test_list_prints_one_line_per_shipped_script(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(SHIPPED)
    scripts = {s.id: s for s in (parse_file(p) for p in SHIPPED)}
    seen = []
    for line in lines:
        fields = line.split("\t")
        assert len(fields) == 4, line
        script_id, kind, minutes, title = fields
        script = scripts[script_id]  # no header: every line is a real script
        assert kind == script.kind
        assert kind in KINDS
        assert float(minutes) == script.minutes
        assert title == script.title
        seen.append(script_id)
    assert sorted(seen) == sorted(scripts)
    assert_no_traceback(result)


def test_list_includes_user_scripts_and_marks_broken_ones(tmp_path: Path) -> None:
    user = tmp_path / "data" / "scripts"
    user.mkdir(parents=True)
    (user / "mine.md").write_text(
        "---\nid: mine\ntitle: My own\nkind: grounding\nminutes: 2.5\nsummary: S\n---\nHi.\n",
        encoding="utf-8",
    )
    (user / "broken.md").write_text("no front matter\n", encoding="utf-8")
    result = run_cli(tmp_path, "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(SHIPPED) + 2
    assert "mine\tgrounding\t2.5\tMy own" in lines
    broken = [line for line in lines if line.startswith("broken\t")]
    assert len(broken) == 1
    assert broken[0].startswith("broken\terror\t-\t")
    assert f"{user / 'broken.md'}:1:" in broken[0]


def test_validate_shipped_scripts(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "validate", *map(str, SHIPPED))
    assert result.returncode == 0, result.stdout + result.stderr
    # Nothing but (non-fatal) warnings may be printed.
    assert all(": warning: " in line for line in result.stdout.splitlines()), result.stdout
    assert_no_traceback(result)


def test_validate_bad_file_prints_file_line_messages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(
        "---\nid: bad\ntitle: Bad\nkind: meditation\nminutes: 3\nsummary: S\n---\n"
        "Hello.\n\n[bel]\n\n[pause x]\n",
        encoding="utf-8",
    )
    good = SHIPPED[0]
    result = run_cli(tmp_path, "validate", str(good), str(bad))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines == [
        f"{bad}:4: 'kind': 'meditation' is not one of breathing, imagery, psychoeducation, grounding",
        f"{bad}:10: unknown cue [bel]: did you mean [bell]?",
        f"{bad}:12: bad number in [pause x]: write [pause 3] (seconds)",
    ]
    for line in lines:
        assert re.fullmatch(rf"{re.escape(str(bad))}:\d+: .+", line)
    assert_no_traceback(result)


def test_validate_reports_one_cue_typo_once_with_a_suggestion(tmp_path: Path) -> None:
    bad = tmp_path / "typo.md"
    bad.write_text(
        "---\nid: typo\ntitle: Typo\nkind: breathing\nminutes: 3\nsummary: S\n---\n"
        "Hello.\n\n[breath three]\n[in] In.\n[out] Out.\n[in] In.\n[out] Out.\n[in] In.\n"
        "[out] Out.\n\nAfter.\n",
        encoding="utf-8",
    )
    result = run_cli(tmp_path, "validate", str(bad))
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"{bad}:10: unknown cue [breath three]: did you mean [breathe 3]?"]
    assert_no_traceback(result)


def test_validate_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin.md"
    latin.write_bytes(b"---\nid: l\ntitle: Caf\xe9\n")
    missing = tmp_path / "missing.md"
    result = run_cli(tmp_path, "validate", str(latin), str(missing))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{latin}:3: ")
    assert lines[1].startswith(f"{missing}:1: ")
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--bpm", "20"], "3–12"),
        (["--bpm", "2"], "3–12"),
        (["--ratio", "1:5"], "1:4 to 2:1"),
        (["--ratio", "two"], "like 2:3"),
        (["--hold-in", "5"], "0–4"),
        (["--pause-scale", "0.1"], "0.5–3"),
    ],
)
def test_render_with_bad_pacing_exits_2(tmp_path: Path, flags: list[str], fragment: str) -> None:
    out = tmp_path / "out.wav"
    result = run_cli(tmp_path, "render", "safe-place", "--out", str(out), *flags)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert result.stderr.startswith("cft-desktop: ")
    assert not out.exists()
    assert not (tmp_path / "cache" / "narration").exists()  # nothing was synthesised
    assert_no_traceback(result)


def test_render_unknown_script_exits_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "render", "no-such-practice", "--out", str(tmp_path / "o.wav"))
    assert result.returncode == 2
    assert "no practice called 'no-such-practice'" in result.stderr
    assert "safe-place" in result.stderr  # names the known ones
    assert_no_traceback(result)


def test_render_unknown_format_exits_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "render", "safe-place", "--out", str(tmp_path / "o.aiff"))
    assert result.returncode == 2
    assert ".wav, .flac, .ogg, .mp3" in result.stderr
    assert_no_traceback(result)


def test_render_broken_script_file_exits_2_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\nid: bad\ntitle: B\nkind: imagery\nminutes: 1\nsummary: S\n---\n[bel]\n",
                   encoding="utf-8")
    result = run_cli(tmp_path, "render", str(bad), "--out", str(tmp_path / "o.wav"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"{bad}:8: unknown cue [bel]: did you mean [bell]?"
    assert_no_traceback(result)


def test_render_missing_script_file_exits_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "render", str(tmp_path / "gone.md"), "--out", str(tmp_path / "o.wav"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert_no_traceback(result)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "validate")
    assert result.returncode == 2
    assert "usage:" in result.stderr
    result = run_cli(tmp_path, "frobnicate")
    assert result.returncode == 2
    assert_no_traceback(result)


def test_list_never_sends_a_scripts_control_characters_to_the_terminal(tmp_path: Path) -> None:
    user = tmp_path / "data" / "scripts"
    user.mkdir(parents=True)
    # A YAML double-quoted title can carry any character: here a colour code, a tab and a bidi override.
    (user / "loud.md").write_text(
        '---\nid: loud\ntitle: "\\e[31mRed\\e[0m\\tcolumn \\u202ebackwards"\nkind: imagery\n'
        "minutes: 2\nsummary: S\n---\nHi.\n",
        encoding="utf-8",
    )
    (user / "cue.md").write_text(
        "---\nid: cue\ntitle: T\nkind: imagery\nminutes: 2\nsummary: S\n---\nHi.\n\n[\x1b[31mbel\x07]\n",
        encoding="utf-8",
    )
    result = run_cli(tmp_path, "list")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\u202e" not in result.stdout
    lines = result.stdout.splitlines()
    assert "loud\timagery\t2\t\\x1b[31mRed\\x1b[0m\\tcolumn \\u202ebackwards" in lines
    assert f"cue\terror\t-\t{user / 'cue.md'}:10: unknown cue [\\x1b[31mbel\\x07]" in lines
    assert_no_traceback(result)

    validated = run_cli(tmp_path, "validate", str(user / "cue.md"))
    assert validated.returncode == 2
    assert validated.stdout == f"{user / 'cue.md'}:10: unknown cue [\\x1b[31mbel\\x07]\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_list_with_a_fifo_in_the_scripts_folder_returns(tmp_path: Path) -> None:
    user = tmp_path / "data" / "scripts"
    user.mkdir(parents=True)
    os.mkfifo(user / "x.md")
    env = dict(os.environ, CFT_DESKTOP_DATA_DIR=str(tmp_path / "data"),
               CFT_DESKTOP_CACHE_DIR=str(tmp_path / "cache"), CFT_DESKTOP_LOG_DIR=str(tmp_path / "log"),
               PYTHONPATH=str(ROOT))
    # Its own short timeout: before the fix this waited for a writer for ever.
    result = subprocess.run([sys.executable, "-m", "cft_desktop", "list"], capture_output=True,
                            text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert f"x\terror\t-\t{user / 'x.md'}:1: not a regular file, so it is not read" in (
        result.stdout.splitlines()
    )


def test_an_error_quoting_a_script_cannot_drive_the_terminal(tmp_path: Path) -> None:
    # `render` of a practice whose cue carries escape codes: the error is printed, escaped.
    bad = tmp_path / "loud.md"
    bad.write_text("---\nid: loud\ntitle: T\nkind: imagery\nminutes: 2\nsummary: S\n---\nHi.\n\n"
                   "[\x1b[31mbel\x07]\n", encoding="utf-8")
    result = run_cli(tmp_path, "render", str(bad), "--out", str(tmp_path / "x.wav"))
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert f"{bad}:10: unknown cue [\\x1b[31mbel\\x07]" in result.stderr
