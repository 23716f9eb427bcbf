"""The grounding practice is always there: from the library, or built in when its file is gone."""

from __future__ import annotations

from pathlib import Path

from cft_desktop.core.grounding import GROUND_ME_ID, grounding_script
from cft_desktop.core.library import Library


def test_the_library_copy_is_used_when_it_can_be_read() -> None:
    script = grounding_script(Library())
    assert script.id == GROUND_ME_ID
    assert script.source.name == "ground-me.md"


def test_a_library_without_it_falls_back_to_the_built_in_text(tmp_path: Path) -> None:
    library = Library(builtin_dir=tmp_path, user_dir=None)
    script = grounding_script(library)
    assert script.id == GROUND_ME_ID and script.kind == "grounding"
    assert str(script.source) == "<built-in ground-me>"
    assert "eyes open" in " ".join(phrase.text for phrase in script.phrases())
