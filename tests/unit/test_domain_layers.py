"""The domain's modules import downwards only: the model (states, tables, values) imports the
model; the floor (what it holds, and its moves) imports the model; handlers import the floor,
the model and other handlers; the center imports everything. So nothing is wired in at run
time, and no two modules import each other, directly or round a loop."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import agentbar.domain

DOMAIN_DIR = Path(agentbar.domain.__file__).parent
PACKAGE = "agentbar.domain"

MAY_IMPORT = {
    "model": {"model"},
    "dialer": {"model", "dialer"},
    "floor_state": {"model", "dialer"},
    "floor": {"model", "dialer", "floor_state"},
    "handlers": {"model", "dialer", "floor_state", "floor", "handlers"},
    "center": {"model", "dialer", "floor_state", "floor", "handlers"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(DOMAIN_DIR).with_suffix("").parts
    return ".".join([PACKAGE, *(p for p in parts if p != "__init__")])


def layer(module: str) -> str:
    """`agentbar.domain.model.agent` -> 'model', `agentbar.domain.floor` -> 'floor'."""
    rest = module.removeprefix(PACKAGE).lstrip(".")
    return rest.split(".", 1)[0] or "package"


def domain_imports(path: Path) -> set[str]:
    """The domain modules `path` imports (type-checking-only imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(PACKAGE))
    return found


MODULES = {module_name(path): path for path in sorted(DOMAIN_DIR.rglob("*.py"))}
GRAPH = {module: domain_imports(path) for module, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) in MAY_IMPORT))
def test_a_domain_module_imports_only_the_layers_below_it(module: str) -> None:
    allowed = MAY_IMPORT[layer(module)]
    assert {imported for imported in GRAPH[module] if layer(imported) not in allowed} == set()


def test_every_domain_module_has_a_layer() -> None:
    assert {layer(m) for m in MODULES} <= {*MAY_IMPORT, "package"}


def test_no_domain_modules_import_each_other_round_a_loop() -> None:
    loops: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            loops.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for imported in sorted(GRAPH.get(module, ())):
            visit(imported, [*path, module])
        done.add(module)

    for module in MODULES:
        visit(module, [])
    assert loops == []
