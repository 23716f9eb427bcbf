"""The practice library: built-in and user scripts, broken files listed with their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cft_desktop.core.library import Library
from cft_desktop.errors import CftError, ScriptErrors

SHIPPED = Path(__file__).resolve().parents[2] / "scripts"


def write_script(folder: Path, script_id: str, title: str, order: int | None = None,
                 kind: str = "imagery") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    order_line = f"order: {order}\n" if order is not None else ""
    path = folder / f"{script_id}.md"
    path.write_text(
        f"---\nid: {script_id}\ntitle: {title}\nkind: {kind}\nminutes: 4\nsummary: S.\n"
        f"{order_line}---\nHello from {script_id}.\n",
        encoding="utf-8",
    )
    return path


def test_shipped_library_lists_every_script() -> None:
    library = Library()
    files = sorted(p for p in SHIPPED.glob("*.md") if p.name.lower() != "readme.md")
    assert len(library.entries) == len(files)
    assert all(entry.ok and entry.builtin for entry in library.entries)
    assert {e.id for e in library.entries} == {p.stem for p in files}
    assert len(library.scripts()) == len(files)


def test_order_then_title_then_broken(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    user = tmp_path / "user"
    write_script(builtin, "zeta", "Zeta", order=1)
    write_script(builtin, "alpha", "alpha practice")
    write_script(builtin, "beta", "Beta practice")
    write_script(user, "mine", "Mine", order=0)
    (user / "broken.md").write_text("---\nid: broken\n---\nHi\n", encoding="utf-8")
    (builtin / "README.md").write_text("# not a script\n", encoding="utf-8")
    (builtin / "notes.txt").write_text("ignored\n", encoding="utf-8")
    library = Library(builtin_dir=builtin, user_dir=user)
    assert [e.id for e in library.entries] == ["mine", "zeta", "alpha", "beta", "broken"]
    assert [e.builtin for e in library.entries] == [False, True, True, True, False]
    broken = library.entries[-1]
    assert not broken.ok
    assert broken.script is None
    assert broken.errors
    assert all(str(e).startswith(f"{user / 'broken.md'}:1: ") for e in broken.errors)
    assert [s.id for s in library.scripts()] == ["mine", "zeta", "alpha", "beta"]


def test_missing_folders_give_an_empty_library(tmp_path: Path) -> None:
    library = Library(builtin_dir=tmp_path / "none", user_dir=tmp_path / "nothing")
    assert library.entries == []
    with pytest.raises(CftError, match=r"no practice called 'x' \(known: none\)"):
        library.find("x")


def test_find_by_id_and_by_path(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    path = write_script(builtin, "calm", "Calm")
    library = Library(builtin_dir=builtin)
    assert library.find("calm").source == path
    assert library.find("calm").title == "Calm"
    other = write_script(tmp_path / "elsewhere", "other", "Other")
    assert library.find(str(other)).id == "other"


def test_find_unknown_id_names_the_known_ones(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    write_script(builtin, "calm", "Calm")
    write_script(builtin, "warm", "Warm")
    library = Library(builtin_dir=builtin)
    with pytest.raises(CftError) as info:
        library.find("cold")
    message = str(info.value)
    assert "'cold'" in message
    assert "calm" in message
    assert "warm" in message


def test_find_broken_script_raises_its_errors(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    (builtin).mkdir()
    path = builtin / "bad.md"
    path.write_text("---\nid: bad\ntitle: T\nkind: imagery\nminutes: 2\nsummary: S\n---\n[bel]\n",
                    encoding="utf-8")
    library = Library(builtin_dir=builtin)
    with pytest.raises(ScriptErrors) as info:
        library.find("bad")
    assert str(info.value) == f"{path}:8: unknown cue [bel]: did you mean [bell]?"


def test_find_missing_md_path_is_a_script_error(tmp_path: Path) -> None:
    library = Library(builtin_dir=tmp_path)
    with pytest.raises(ScriptErrors, match="cannot read"):
        library.find(str(tmp_path / "absent.md"))


def test_reload_picks_up_new_files(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    write_script(builtin, "one", "One")
    library = Library(builtin_dir=builtin)
    assert [e.id for e in library.entries] == ["one"]
    write_script(builtin, "two", "Two")
    library.reload()
    assert [e.id for e in library.entries] == ["one", "two"]
