"""The package's layers, read from the import statements of every module (no module is imported).

The import contracts ARCHITECTURE.md §2 and issue 13 §8 ask for, run in CI with the rest of the
suite: the layers ui → play → sound / voice / store → core → base (a module never imports a higher
layer, nor a sibling package of its layer unless declared), nothing below ui/ imports Qt, the
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

# The layers, lowest first: a module may import its own layer and the ones below, never above.
# Within the services layer the packages stay apart except where declared; play/ and the session
# are one layer, as are the window and the command line.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("cft_desktop", "cft_desktop.atomic", "cft_desktop.errors", "cft_desktop.paths",
              "cft_desktop.lazy")),
    ("core", ("cft_desktop.core",)),
    ("services", ("cft_desktop.sound", "cft_desktop.voice", "cft_desktop.store",
                  "cft_desktop.keep_awake")),
    ("play", ("cft_desktop.play", "cft_desktop.session")),
    ("top", ("cft_desktop.ui", "cft_desktop.cli", "cft_desktop.__main__")),
]
# voice/ turns speech into clips, so it uses sound/'s clip format; nothing in sound/ knows voices.
SIBLINGS_ALLOWED = {("cft_desktop.voice", "cft_desktop.sound")}

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


def _home(module: str) -> tuple[int, str]:
    """(layer number, the package or module that places it) for a module of cft_desktop."""
    best: tuple[int, str] | None = None
    for rank, (_, owners) in enumerate(LAYERS):
        for owner in owners:
            if (module == owner or module.startswith(owner + ".")) and (
                best is None or len(owner) > len(best[1])
            ):
                best = (rank, owner)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def layer_violations(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every import that reaches up a layer, or across to an undeclared sibling package."""
    found = []
    for name, targets in graph.items():
        rank, owner = _home(name)
        for target in targets:
            target_rank, target_owner = _home(target)
            if target_rank > rank or (
                LAYERS[rank][0] == "services" and target_rank == rank and target_owner != owner
                and (owner, target_owner) not in SIBLINGS_ALLOWED
            ):
                found.append((name, target))
    return sorted(found)


def test_no_module_imports_a_higher_layer() -> None:
    assert layer_violations(_graph()) == []


def test_the_layer_check_catches_an_import_up_or_across() -> None:
    planted = {
        "cft_desktop.core.user_scripts": {"cft_desktop.store.storage", "cft_desktop.core.script"},
        "cft_desktop.store.records": {"cft_desktop.sound.clips", "cft_desktop.atomic"},
        "cft_desktop.voice.narrator": {"cft_desktop.sound.clips"},
        "cft_desktop.sound.engine": {"cft_desktop.play.player"},
        "cft_desktop.paths": {"cft_desktop.core.library"},
    }
    assert layer_violations(planted) == [
        ("cft_desktop.core.user_scripts", "cft_desktop.store.storage"),
        ("cft_desktop.paths", "cft_desktop.core.library"),
        ("cft_desktop.sound.engine", "cft_desktop.play.player"),
        ("cft_desktop.store.records", "cft_desktop.sound.clips"),
    ]


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
