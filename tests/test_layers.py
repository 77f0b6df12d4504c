"""The house's layers, read from the source: model <- store <- core <- cli / ui, no cycle, no project
import hidden in a function body (but those named below), and the core, the store and the CLI
importable without Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "clinicguard"

# What each layer may import of the project (leaf modules i18n and paths are open to
# all; they import only each other).
LEAVES = {"clinicguard.i18n", "clinicguard.paths"}
ALLOWED = {
    "model": {"model"},
    "store": {"model", "store"},
    "core": {"model", "store", "core"},
    "ui": {"model", "core", "ui"},
    "cli": {"model", "core", "cli"},
    "leaf": {"leaf"},
    "package": {"cli"},  # clinicguard/__init__ and __main__
}
# The imports allowed inside a function body: the CLI starts the GUI lazily, so that headless
# commands never load Qt; `python -m clinicguard --version` answers before the commands load.
LAZY_ALLOWED = {("cli", "ui"), ("package", "cli")}
# And from these two UI modules only: the window imports a page's module (or a dialog's) when it
# first builds it, so that its first paint loads the dashboard's code alone (issue 18); the
# start-up imports the first-run dialogs and the demo only when they are used. Such an import
# still keeps to the layers (the test above: what the UI may import at all), and no page, no
# core or store module hides an import.
LAZY_UI_SOURCES = {"clinicguard.ui.main_window", "clinicguard.ui.app"}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported project module
    line: int
    in_function: bool


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def layer(module: str) -> str:
    if module in LEAVES:
        return "leaf"
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("__main__",):
        return "package"
    if parts[1] == "cli":
        return "cli"
    return parts[1]


def resolve(target: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """`from clinicguard.core import keys` imports the module clinicguard.core.keys."""
    found = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
    return found or [target]


def imports(known: dict[str, Path]) -> list[Import]:
    result = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        inside = {id(n) for f in functions for n in ast.walk(f) if n is not f}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("clinicguard"):
                targets = resolve(node.module, [a.name for a in node.names], known)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("clinicguard")]
            else:
                continue
            for target in targets:
                if target != "clinicguard" or module.count(".") == 0:
                    result.append(Import(module, target, node.lineno, id(node) in inside))
    return result


KNOWN = modules()
IMPORTS = imports(KNOWN)


def test_the_graph_is_read_from_every_module():
    assert {"clinicguard.model.errors", "clinicguard.store.db", "clinicguard.core.workspace",
            "clinicguard.ui.main_window", "clinicguard.cli"} <= set(KNOWN)
    assert len(IMPORTS) > 100


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(kind):
    wrong = []
    for imp in IMPORTS:
        if layer(imp.source) != kind or imp.target == "clinicguard":
            continue
        target_layer = layer(imp.target)
        if target_layer == "leaf" or target_layer in ALLOWED[kind]:
            continue
        if imp.in_function and (kind, target_layer) in LAZY_ALLOWED:
            continue
        wrong.append(f"{imp.source}:{imp.line} imports {imp.target}")
    assert wrong == []


def hidden(found: list[Import]) -> list[str]:
    """The imports made in a function body that no rule above allows."""
    return [f"{i.source}:{i.line} imports {i.target}" for i in found
            if i.in_function and (layer(i.source), layer(i.target)) not in LAZY_ALLOWED
            and not (i.source in LAZY_UI_SOURCES and layer(i.target) in ALLOWED["ui"])]


def test_no_project_import_hides_in_a_function_body():
    assert hidden(IMPORTS) == []


def test_the_import_graph_has_no_cycle():
    graph: dict[str, set[str]] = {m: set() for m in KNOWN}
    for imp in IMPORTS:
        if imp.target in graph and imp.target != imp.source and not imp.in_function:
            graph[imp.source].add(imp.target)
    # A package's __init__ is imported before any of its modules: count it as part of each import.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_a_checker_that_cannot_fail_is_not_what_guards_the_house(tmp_path):
    """The checks above find a lower layer importing a higher one and a hidden import (on a copy)."""
    tree = tmp_path / "clinicguard"
    (tree / "model").mkdir(parents=True)
    (tree / "core").mkdir()
    for name in ("__init__.py", "model/__init__.py", "core/__init__.py"):
        (tree / name).write_text("")
    (tree / "model" / "bad.py").write_text("from clinicguard.core.svc import X\n")
    (tree / "core" / "svc.py").write_text("def f():\n    from clinicguard.model.bad import Y\n")
    # the window may import a page (or the core) lazily; a page may not, nor may the window hide
    # an import of the CLI
    (tree / "ui").mkdir()
    (tree / "ui" / "__init__.py").write_text("")
    (tree / "ui" / "main_window.py").write_text("def f():\n    from clinicguard.ui.page import P\n"
                                                "    from clinicguard.core.svc import X\n"
                                                "    from clinicguard.cli.main import run\n")
    (tree / "ui" / "page.py").write_text("def g():\n    from clinicguard.ui.main_window import f\n")
    found = imports(modules(tree))
    by_source = {(i.source, i.target, i.in_function) for i in found}
    assert ("clinicguard.model.bad", "clinicguard.core.svc", False) in by_source
    assert ("clinicguard.core.svc", "clinicguard.model.bad", True) in by_source
    assert layer("clinicguard.model.bad") == "model" and "core" not in ALLOWED["model"]
    assert sorted(hidden(found)) == ["clinicguard.core.svc:2 imports clinicguard.model.bad",
                                     "clinicguard.ui.main_window:4 imports clinicguard.cli.main",
                                     "clinicguard.ui.page:2 imports clinicguard.ui.main_window"]


def test_core_store_and_cli_import_without_pyside6():
    code = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6" or name.startswith("PySide6."):
                    raise ImportError("PySide6 is blocked in this test")
                return None

        sys.meta_path.insert(0, Block())
        import clinicguard.model, clinicguard.core, clinicguard.store
        for package in (clinicguard.model, clinicguard.core, clinicguard.store):
            for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                importlib.import_module(module.name)
        import clinicguard.cli
        clinicguard.cli.build_parser()
        assert not any(m.startswith("PySide6") for m in sys.modules)
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
