"""The package's layout holds: imports point one way, modules stay readable.

Every import of a package module counts, at the top of a file or inside a function;
imports only for type checkers (under ``if TYPE_CHECKING:``) do not, as they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "ownership"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of import nodes under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for inner in node.body:
                skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def imports(name: str) -> list[tuple[str, str]]:
    """(module imported, name taken from it or '') for each runtime import in ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                whole = f"{target}.{alias.name}"
                if whole in MODULES:
                    found.append((whole, ""))
                elif target in MODULES:
                    found.append((target, alias.name))
        elif isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name in MODULES]
    return found


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for name in MODULES:
        for target, _ in imports(name):
            if target != name and not name.startswith(target + "."):
                graph.add_edge(name, target)  # a package's own __init__ runs first anyway
    return graph


def test_the_walker_sees_imports_inside_functions() -> None:
    assert ("ownership.errors", "DataError") in imports("ownership.io")


def test_no_import_cycle() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


def test_no_private_name_is_imported_from_another_module() -> None:
    private = [
        f"{name} imports {taken} from {target}"
        for name in MODULES
        for target, taken in imports(name)
        if taken.startswith("_") and target != name
    ]
    assert private == []


#: The most lines a module may have: past it, a module holds more than one concern.
MODULE_LINES = 600


def test_no_module_is_longer_than_the_limit() -> None:
    lengths = {
        name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()
    }
    assert {name: n for name, n in lengths.items() if n > MODULE_LINES} == {}


def _string_literals(path: Path) -> list[str]:
    """The string constants of a module, docstrings aside (they may quote output)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_the_words_of_explanations_are_written_once() -> None:
    """Every sentence template's wording is in ``wording.py`` alone: the writer by
    columns and the verdict made one by one fill the same templates."""
    from ownership import wording

    phrases = {
        text.strip()
        for template in vars(wording).values()
        if isinstance(template, wording.Template)
        for text, slot in template.pieces
        if not slot and len(text.strip()) >= 12
    }
    assert len(phrases) > 20  # the templates were found
    elsewhere = [
        f"{name}: {phrase!r}"
        for name, path in MODULES.items()
        if name != "ownership.wording"
        for literal in _string_literals(path)
        for phrase in sorted(phrases)
        if phrase in literal
    ]
    assert elsewhere == []
