"""The domain core imports nothing but the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import agentbar.domain

DOMAIN_DIR = Path(agentbar.domain.__file__).parent


def _allowed(module: str) -> bool:
    top = module.split(".", 1)[0]
    if top in sys.stdlib_module_names:
        return True
    return module == "agentbar.domain" or module.startswith("agentbar.domain.")


def foreign_imports(source: str, filename: str = "<string>") -> list[str]:
    """Every absolute import in `source` that is neither stdlib nor agentbar.domain."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names if not _allowed(alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0 or node.module is None:
                continue  # relative imports stay inside the package
            if node.module == "agentbar":
                # `from agentbar import domain` is fine, `from agentbar import web` is not.
                for alias in node.names:
                    full = f"agentbar.{alias.name}"
                    if not _allowed(full):
                        found.append(full)
            elif not _allowed(node.module):
                found.append(node.module)
    return found


def domain_files() -> list[Path]:
    return sorted(DOMAIN_DIR.rglob("*.py"))


def test_the_domain_package_has_the_expected_modules() -> None:
    names = {path.name for path in domain_files()}
    assert {"agent.py", "call.py", "center.py", "routing.py", "commands.py"} <= names


@pytest.mark.parametrize("path", domain_files(), ids=lambda path: path.name)
def test_domain_module_imports_only_stdlib_and_domain(path: Path) -> None:
    assert foreign_imports(path.read_text(encoding="utf-8"), str(path)) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import sqlalchemy", ["sqlalchemy"]),
        ("import os, pydantic.fields", ["pydantic.fields"]),
        ("from agentbar.web import x", ["agentbar.web"]),
        ("from agentbar import web", ["agentbar.web"]),
        ("import agentbar.services.runtime", ["agentbar.services.runtime"]),
        ("import agentbar", ["agentbar"]),
        ("def f() -> None:\n    from fastapi import FastAPI\n", ["fastapi"]),
        ("from agentbar.domainx import y", ["agentbar.domainx"]),
    ],
)
def test_the_checker_flags_foreign_imports(source: str, expected: list[str]) -> None:
    assert foreign_imports(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "import heapq, itertools",
        "from collections.abc import Mapping",
        "from agentbar.domain.model.errors import DomainError",
        "from agentbar.domain.model import agent as agent_sm",
        "from agentbar import domain",
        "from . import errors",
        "from .errors import DomainError",
    ],
)
def test_the_checker_accepts_stdlib_domain_and_relative_imports(source: str) -> None:
    assert foreign_imports(source) == []
