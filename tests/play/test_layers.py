"""The package's layers, read from the import statements of every module (no module is imported).

A start of the import contracts ARCHITECTURE.md §2 asks for: nothing below ui/ imports Qt, the
sound side does not reach up to the session or the player, and no two modules import each other
round a cycle at run time. Imports under `if TYPE_CHECKING:` count for the layers (naming a type
still ties one to the other) but not for cycles (they never run; a view naming its window's type
is how ui/ breaks the cycles it would otherwise have).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "cft_desktop"

# No module of sound/ may import the session (the export writer takes its own Mixdown protocol).
SOUND_MAY_IMPORT_SESSION: set[str] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes inside `if TYPE_CHECKING:` blocks."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return found


def _imports(path: Path, run_time_only: bool = False) -> Iterator[str]:
    """Every module `path` names in an import, resolved to its full dotted name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    skipped = _type_only(tree) if run_time_only else set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield module
            # `from cft_desktop.sound import engine` names a module too.
            for alias in node.names:
                yield f"{module}.{alias.name}"


def _graph(run_time_only: bool = False) -> dict[str, set[str]]:
    paths = sorted(p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    modules = {_module_name(p): p for p in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path, run_time_only) if m in modules and m != name}
    return graph


def _all_imports() -> dict[str, set[str]]:
    paths = sorted(p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    return {_module_name(p): set(_imports(p)) for p in paths}


def test_nothing_outside_ui_imports_qt() -> None:
    offenders = sorted(
        name
        for name, imported in _all_imports().items()
        if not name.startswith("cft_desktop.ui")
        and any(m == "PySide6" or m.startswith("PySide6.") for m in imported)
    )
    assert offenders == []


def test_sound_imports_neither_the_session_nor_the_player() -> None:
    offenders = sorted(
        (name, target)
        for name, imported in _graph().items()
        if name.startswith("cft_desktop.sound")
        for target in imported
        if (target == "cft_desktop.session" and name not in SOUND_MAY_IMPORT_SESSION)
        or target.startswith("cft_desktop.play")
    )
    assert offenders == []


def test_the_player_does_not_import_the_window() -> None:
    offenders = sorted(
        (name, target)
        for name, imported in _graph().items()
        if name.startswith("cft_desktop.play")
        for target in imported
        if target.startswith("cft_desktop.ui")
    )
    assert offenders == []


def test_no_import_cycles() -> None:
    graph = _graph(run_time_only=True)
    # Packages are left out as targets: `from cft_desktop import paths` names the package
    # cft_desktop, whose __init__ imports nothing of its own.
    edges = {
        name: {t for t in targets if not (PACKAGE_DIR.parent / t.replace(".", "/")).is_dir()}
        for name, targets in graph.items()
    }
    cycles: list[list[str]] = []
    done: set[str] = set()
    on_path: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in on_path:
            cycles.append([*on_path[on_path.index(name):], name])
            return
        on_path.append(name)
        for target in sorted(edges.get(name, ())):
            visit(target)
        on_path.pop()
        done.add(name)

    for name in sorted(edges):
        visit(name)
    assert cycles == []
