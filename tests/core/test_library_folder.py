"""What a scripts folder may hold besides scripts: FIFOs, device links, huge files, clashing ids.

Issue 15 item 8: only regular files under `MAX_SCRIPT_BYTES` are read, anything else is listed with
a message instead of hanging or exhausting memory; a user file with a shipped script's id does not
add a second practice of that id; ``minutes: .inf`` is refused.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from cft_desktop.core import user_scripts
from cft_desktop.core.library import Library
from cft_desktop.core.script import MAX_SCRIPT_BYTES, parse_file, parse_text
from cft_desktop.errors import ScriptErrors

SHIPPED = Path(__file__).resolve().parents[2] / "scripts"
GOOD = "---\nid: {id}\ntitle: {title}\nkind: imagery\nminutes: 4\nsummary: S.\n---\nHello.\n"

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def _library_within(seconds: float, user: Path) -> Library:
    """Build the library on a thread, failing (not hanging the run) if it takes too long."""
    built: list[Library] = []
    worker = threading.Thread(target=lambda: built.append(Library(user_dir=user)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"listing {user} did not finish within {seconds} s"
    return built[0]


def _problems(library: Library, name: str) -> list[str]:
    (entry,) = [e for e in library.entries if e.path.name == name]
    assert entry.script is None
    return [str(error) for error in entry.errors]


@needs_fifo
def test_a_fifo_is_listed_as_a_problem_not_waited_on(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    os.mkfifo(user / "x.md")
    (user / "mine.md").write_text(GOOD.format(id="mine", title="Mine"), encoding="utf-8")
    library = _library_within(10, user)
    assert _problems(library, "x.md") == [f"{user / 'x.md'}:1: not a regular file, so it is not read"]
    assert "mine" in {s.id for s in library.scripts()}


def test_a_link_to_a_device_is_not_read(tmp_path: Path) -> None:
    device = Path(os.devnull if os.name == "nt" else "/dev/zero")
    user = tmp_path / "user"
    user.mkdir()
    try:
        (user / "zero.md").symlink_to(device)
    except OSError:
        pytest.skip("this account may not create symbolic links")
    library = _library_within(10, user)
    assert _problems(library, "zero.md") == [
        f"{user / 'zero.md'}:1: not a regular file, so it is not read"
    ]


def test_a_folder_named_like_a_script_is_not_read(tmp_path: Path) -> None:
    user = tmp_path / "user"
    (user / "folder.md").mkdir(parents=True)
    assert _problems(Library(user_dir=user), "folder.md") == [
        f"{user / 'folder.md'}:1: not a regular file, so it is not read"
    ]


def test_a_file_over_the_size_limit_is_not_parsed(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    text = GOOD.format(id="huge", title="Huge")
    (user / "huge.md").write_text(text + "word " * (MAX_SCRIPT_BYTES // 5), encoding="utf-8")
    (user / "just.md").write_text(
        GOOD.format(id="just", title="Just") + "x" * (MAX_SCRIPT_BYTES - len(text) - 1) + "\n",
        encoding="utf-8",
    )
    assert (user / "just.md").stat().st_size == MAX_SCRIPT_BYTES
    library = Library(user_dir=user)
    assert _problems(library, "huge.md") == [
        f"{user / 'huge.md'}:1: the file is larger than {MAX_SCRIPT_BYTES // 1024} KB, so it is not read"
    ]
    assert "just" in {s.id for s in library.scripts()}


def test_a_user_script_with_a_shipped_id_is_shown_once_and_the_clash_stated(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    shipped = parse_file(SHIPPED / "safe-place.md")
    (user / "my-safe-place.md").write_text(
        "---\ntitle: My safe place\nid: safe-place\nkind: imagery\nminutes: 4\nsummary: S.\n---\n"
        "Hello.\n",
        encoding="utf-8",
    )
    library = Library(user_dir=user)
    practices = [e for e in library.entries if e.script is not None and e.id == "safe-place"]
    assert [(e.builtin, e.script.title if e.script else None) for e in practices] == [
        (True, shipped.title)
    ]
    assert library.find("safe-place") == shipped
    assert _problems(library, "my-safe-place.md") == [
        f"{user / 'my-safe-place.md'}:3: 'id': 'safe-place' is already used by the shipped "
        f"practice '{shipped.title}' (safe-place.md), so this file is not listed as a practice; "
        "give it another id"
    ]


def test_two_user_files_with_one_id_list_the_first_only(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "a.md").write_text(GOOD.format(id="twin", title="First"), encoding="utf-8")
    (user / "b.md").write_text(GOOD.format(id="twin", title="Second"), encoding="utf-8")
    library = Library(user_dir=user)
    assert [s.title for s in library.scripts() if s.id == "twin"] == ["First"]
    assert _problems(library, "b.md") == [
        f"{user / 'b.md'}:2: 'id': 'twin' is already used by your practice 'First' (a.md), "
        "so this file is not listed as a practice; give it another id"
    ]


@pytest.mark.parametrize("value", [".inf", ".nan", "-.inf"])
def test_minutes_must_be_a_finite_number(value: str) -> None:
    text = GOOD.format(id="x", title="X").replace("minutes: 4", f"minutes: {value}")
    with pytest.raises(ScriptErrors) as caught:
        parse_text(text, "x.md")
    assert [str(e) for e in caught.value.errors] == [
        f"x.md:5: 'minutes': '{float(value.replace('.', ''))}' is not a positive number of minutes"
    ]


@needs_fifo
def test_importing_or_restoring_a_draft_from_a_fifo_does_not_hang(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    fifo = tmp_path / "incoming.md"
    os.mkfifo(fifo)
    library = Library(user_dir=user)
    with pytest.raises(ScriptErrors) as caught:
        user_scripts.check_import(fifo, library)
    assert str(caught.value) == f"{fifo}:1: not a regular file, so it is not read"
    draft = user_scripts.draft_path(user, "key")
    draft.parent.mkdir()
    os.mkfifo(draft)
    assert user_scripts.pending_draft(user, "key", None, "text") is None
