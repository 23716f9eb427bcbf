"""The window's house rules, read from the source of cft_desktop/ui (no module is imported).

Issue 13 §2: no feature writes a hook onto the window (`window.before_practice = …`); what the
window asks of a feature it is given through one of its own methods (`set_before_practice`).
"""

from __future__ import annotations

import ast
from pathlib import Path

UI_DIR = Path(__file__).resolve().parents[2] / "cft_desktop" / "ui"


def _is_window(node: ast.expr) -> bool:
    """`window` or `self.window` / `self._window`: the main window as features hold it."""
    if isinstance(node, ast.Name):
        return node.id == "window"
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "self" and node.attr in ("window", "_window"))


def _hooks_written(source: str, filename: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and _is_window(target.value):
                found.append(f"{filename}:{node.lineno}: {ast.unparse(target)}")
    return found


def test_the_check_sees_a_hook_written_onto_the_window() -> None:
    sample = "def install(window, self):\n    window.before_practice = f\n    self.window.x = 1\n"
    assert _hooks_written(sample, "sample.py") == [
        "sample.py:2: window.before_practice", "sample.py:3: self.window.x"]
    assert _hooks_written("self.window = window\nwindow.set_gate(f)\n", "ok.py") == []


def test_no_module_of_the_window_writes_a_hook_onto_it() -> None:
    offenders: list[str] = []
    for path in sorted(UI_DIR.rglob("*.py")):
        offenders += _hooks_written(path.read_text(encoding="utf-8"),
                                    str(path.relative_to(UI_DIR)))
    assert offenders == []
