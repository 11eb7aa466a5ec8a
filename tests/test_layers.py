"""The analysis code and the emulator stand without the connection code (issue 21).

``frame.py``, ``trends/`` and ``emulator/`` parse times and spell hosts, but never send a
request: the modules they import, followed transitively (lazy imports in functions too),
must not reach the connection's settings, the HTTP client or the loader. The package's
own ``__init__`` is left out of the walk: it is the front door, importing everything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pinecone_imports_frame as pif

PACKAGE = Path(pif.__file__).parent
ROOT = "pinecone_imports_frame"
CONNECTION_CODE = {f"{ROOT}.{name}" for name in ("config", "client", "loader", "control")}


def _path(module: str) -> Path | None:
    base = PACKAGE.joinpath(*module.split(".")[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(module: str) -> set[str]:
    """The package's modules ``module`` imports when run (``if TYPE_CHECKING`` left out)."""
    path = _path(module)
    assert path is not None, module
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(ROOT))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            if base.startswith(ROOT):
                found.add(base)
                # ``from . import config``: the names may be modules themselves.
                found.update(f"{base}.{a.name}" for a in node.names if _path(f"{base}.{a.name}"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    # Importing a module runs the __init__ of each package above it (but the root's).
    parts = module.split(".")
    found.update(".".join(parts[:i]) for i in range(2, len(parts)))
    return {m for m in found if m != ROOT and _path(m) is not None}


def _reached(start: str) -> dict[str, str]:
    """Every module ``start`` reaches, each with the module that imports it."""
    seen: dict[str, str] = {start: ""}
    todo = [start]
    while todo:
        module = todo.pop()
        for name in _imports(module):
            if name not in seen:
                seen[name] = module
                todo.append(name)
    return seen


def _modules(folder: str) -> list[str]:
    return sorted(
        f"{ROOT}.{folder}.{p.stem}".removesuffix(".__init__")
        for p in (PACKAGE / folder).glob("*.py")
    )


@pytest.mark.parametrize(
    "module", [f"{ROOT}.frame", f"{ROOT}.parsing", *_modules("trends"), *_modules("emulator")]
)
def test_the_analysis_code_and_the_emulator_import_no_connection_code(module: str) -> None:
    reached = _reached(module)
    bad = sorted(set(reached) & CONNECTION_CODE)
    chains = []
    for name in bad:  # say how it is reached: module <- importer <- ...
        chain, at = [name], name
        while reached[at]:
            at = reached[at]
            chain.append(at)
        chains.append(" <- ".join(chain))
    assert not bad, chains


def test_the_walk_sees_the_connection_code_where_it_is() -> None:
    """The walk itself works: the loader reaches the config, the client and the control."""
    reached = _reached(f"{ROOT}.loader")
    assert {f"{ROOT}.config", f"{ROOT}.client", f"{ROOT}.control"} <= set(reached)
    assert f"{ROOT}.parsing" in _reached(f"{ROOT}.trends._completion")
