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


# -- issue 13 §1–§2: the rooms of ui/ and who may import whom ------------------------------------

FEATURES = ("window", "player", "library", "panels", "editor", "scripts", "records", "client",
            "help", "recorder")


def _ui_imports(path: Path) -> set[str]:
    """Every `cft_desktop.ui…` module `path` names in an import, type-only ones included."""
    here = ".".join(("cft_desktop", "ui", *path.relative_to(UI_DIR).with_suffix("").parts))
    package = here.rpartition(".")[0] if path.name != "__init__.py" else here[: -len(".__init__")]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1],
                                 *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("cft_desktop.ui.")}


def _feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[2] in FEATURES else None


def test_every_module_of_ui_lives_in_a_room() -> None:
    loose = sorted(p.name for p in UI_DIR.glob("*.py") if p.name not in ("__init__.py", "app.py"))
    assert loose == []
    assert {p.name for p in UI_DIR.iterdir() if p.is_dir() and p.name != "__pycache__"} == {
        *FEATURES, "common"}


def test_the_main_window_imports_no_feature() -> None:
    for path in sorted((UI_DIR / "window").rglob("*.py")):
        named = {_feature_of(module) for module in _ui_imports(path)} - {None, "window"}
        assert named == set(), f"{path.name} imports {sorted(n for n in named if n)}"


def test_common_imports_no_feature() -> None:
    for path in sorted((UI_DIR / "common").rglob("*.py")):
        named = {_feature_of(module) for module in _ui_imports(path)} - {None}
        assert named == set(), f"{path.name} imports {sorted(n for n in named if n)}"


def test_no_feature_imports_the_composition_root_or_the_window() -> None:
    offenders = []
    for path in sorted(UI_DIR.rglob("*.py")):
        room = path.relative_to(UI_DIR).parts[0]
        if room in ("app.py", "window"):
            continue
        for module in _ui_imports(path):
            if module.startswith("cft_desktop.ui.app"):
                offenders.append(f"{path.relative_to(UI_DIR)} imports {module}")
            # The practice controller may name the frame's type (it lays out nothing itself).
            if (module.startswith("cft_desktop.ui.window") and room != "player"):
                offenders.append(f"{path.relative_to(UI_DIR)} imports {module}")
    assert offenders == []


def test_no_controller_finds_another_by_searching_the_widget_tree() -> None:
    offenders = []
    for path in sorted(UI_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("findChild", "findChildren") and node.args):
                searched = ast.unparse(node.args[0])
                if searched.endswith(("Controller", "Editing", "TakeHome", "Playback")):
                    offenders.append(f"{path.relative_to(UI_DIR)}:{node.lineno}: {searched}")
    assert offenders == []


def test_no_two_rooms_of_ui_import_each_other_even_for_types() -> None:
    rooms: dict[str, set[str]] = {}
    for path in sorted(UI_DIR.rglob("*.py")):
        room = path.relative_to(UI_DIR).parts[0].removesuffix(".py")
        rooms.setdefault(room, set()).update(
            other for module in _ui_imports(path)
            if (other := module.split(".")[2].removesuffix(".py")) != room)
    loops = sorted(f"{a} <-> {b}" for a, used in rooms.items() for b in used
                   if a < b and a in rooms.get(b, set()))
    assert loops == []


def test_one_way_back_to_the_gui_thread() -> None:
    """Issue 13 §7: posted events and queued connections only in ui/common/gui_thread.py."""
    offenders = []
    for path in sorted(UI_DIR.rglob("*.py")):
        if path.relative_to(UI_DIR).as_posix() == "common/gui_thread.py":
            continue
        source = path.read_text(encoding="utf-8")
        for word in ("postEvent", "QueuedConnection", "registerEventType"):
            if word in source:
                offenders.append(f"{path.relative_to(UI_DIR)}: {word}")
    assert offenders == []


def test_main_window_actions_are_made_only_by_the_registry() -> None:
    """Issue 13 §7: no feature of the main window builds its own QAction (the script editor is
    a window of its own, with its own actions)."""
    offenders = []
    for path in sorted(UI_DIR.rglob("*.py")):
        where = path.relative_to(UI_DIR).as_posix()
        if where in ("common/actions.py", "editor/editor.py"):
            continue
        if "QAction(" in path.read_text(encoding="utf-8"):
            offenders.append(where)
    assert offenders == []
