"""The packages' layout: no import cycle between modules nor between folders, every scanner
kind of the contract registered with a scanner class, and the scanners' other names and block
codes spelled only in the registry.

Imports are read from the source (function bodies and ``TYPE_CHECKING`` blocks included: a lazy
import is still a dependency), so a cycle is caught before anything imports it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

from topics import SCANNER_KINDS
from topics.scanners import ALIASES, REGISTRY, TOO_LARGE_CODE, UNAVAILABLE_CODE
from workers.scanners import SCANNERS, scanner_class

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shim", "topics", "workers")


def _modules() -> dict[str, Path]:
    """Every module of the shipped packages by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The modules of ours that module ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets += [base, *(f"{base}.{a.name}" for a in node.names)]
    found = set()
    for target in targets:
        while target and target not in modules:  # `from a.b import c`: c may be a name in a.b
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def _cycle(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """One cycle of ``graph`` as a path that ends where it starts, or [] when there is none."""
    done: set[str] = set()
    for start in sorted(graph):
        path, on_path, todo = [], set(), [(start, iter(sorted(graph[start])))]
        if start in done:
            continue
        path.append(start)
        on_path.add(start)
        while todo:
            node, children = todo[-1]
            child = next(children, None)
            if child is None:
                todo.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                return [*path[path.index(child) :], child]
            elif child not in done:
                todo.append((child, iter(sorted(graph.get(child, ())))))
                path.append(child)
                on_path.add(child)
    return []


def _module_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _folder(name: str, modules: Mapping[str, Path]) -> str:
    return name if modules[name].name == "__init__.py" else name.rpartition(".")[0]


def test_no_module_imports_itself_through_others() -> None:
    assert _cycle(_module_graph()) == []


def test_no_folder_imports_itself_through_others() -> None:
    modules = _modules()
    folders: dict[str, set[str]] = {}
    for name, imported in _module_graph().items():
        here = _folder(name, modules)
        there = {_folder(t, modules) for t in imported}
        folders.setdefault(here, set()).update(there - {here})
    assert _cycle(folders) == []


def test_every_scanner_kind_has_a_registered_class() -> None:
    assert tuple(SCANNERS) == SCANNER_KINDS


def test_every_registered_class_serves_its_kind() -> None:
    assert {kind: scanner_class(kind).name for kind in SCANNERS} == {k: k for k in SCANNER_KINDS}


def _strings(tree: ast.AST) -> Iterable[ast.Constant]:
    """The string constants of ``tree`` that are not docstrings (prose may name the aliases)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node


def test_aliases_and_block_codes_are_spelled_only_in_the_registry() -> None:
    registry = ROOT / "topics" / "scanners.py"
    names = {*ALIASES, *(s.block_code for s in REGISTRY), TOO_LARGE_CODE, UNAVAILABLE_CODE}
    spelled = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for path in _modules().values()
        if path != registry
        for node in _strings(ast.parse(path.read_text()))
        if node.value in names or node.value == "_blocked"  # f"{kind}_blocked" too
    ]
    assert spelled == []
