"""The layer rules of docs/ARCHITECTURE.md, read from docs/layers.toml, hold for every import.

Each rule names a layer (a package or module of agentbar) and the imports it must never make; the
checker resolves relative imports and sees imports anywhere in a module (inside functions and
`TYPE_CHECKING` blocks too), so a rule cannot be dodged by where the import is written.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

import agentbar

PACKAGE_DIR = Path(agentbar.__file__).parent
RULES_FILE = Path(__file__).resolve().parents[2] / "docs" / "layers.toml"


@dataclass(frozen=True)
class Rule:
    layer: str
    why: str
    forbidden: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None
    stdlib_only: bool = False

    def applies_to(self, module: str) -> bool:
        return _within(module, self.layer)

    def breaks(self, imported: str) -> bool:
        if any(_within(imported, name) for name in self.forbidden):
            return True
        if _within(imported, "agentbar"):
            return self.only is not None and not any(_within(imported, n) for n in self.only)
        return self.stdlib_only and imported.split(".", 1)[0] not in sys.stdlib_module_names


@dataclass(frozen=True)
class Breach:
    path: str
    line: int
    imported: str
    rule: Rule

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.imported} ({self.rule.why})"


def _within(module: str, name: str) -> bool:
    return module == name or module.startswith(name + ".")


def load_rules(text: str) -> list[Rule]:
    rules = []
    for entry in tomllib.loads(text)["layer"]:
        only = entry.get("only")
        rules.append(
            Rule(
                layer=entry["name"],
                why=entry["why"],
                forbidden=tuple(entry.get("forbidden", ())),
                only=tuple(only) if only is not None else None,
                stdlib_only=bool(entry.get("stdlib_only", False)),
            )
        )
    return rules


def imports_of(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `source`, relative ones resolved."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            # `from agentbar import web` imports agentbar.web; `from x import name` imports x
            # (a name inside it) or x.name (a submodule): the rules care about both, so both.
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def breaches(source: str, module: str, rules: list[Rule], path: str = "<string>") -> list[Breach]:
    applying = [rule for rule in rules if rule.applies_to(module)]
    is_package = path.endswith("__init__.py")
    found: dict[tuple[int, str], Breach] = {}
    for line, imported in imports_of(source, module, is_package):
        if imported == "agentbar":  # `from agentbar import x`: x is checked on its own
            continue
        for rule in applying:
            if rule.breaks(imported):
                # One breach per import statement and rule: the first (shortest) name found.
                found.setdefault((line, rule.layer), Breach(path, line, imported, rule))
    return list(found.values())


def source_modules() -> list[tuple[Path, str]]:
    modules = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.append((path, ".".join(parts)))
    return modules


RULES = load_rules(RULES_FILE.read_text(encoding="utf-8"))


def test_every_import_keeps_the_layer_rules() -> None:
    found: list[Breach] = []
    for path, module in source_modules():
        rel = str(path.relative_to(PACKAGE_DIR.parent))
        found.extend(breaches(path.read_text(encoding="utf-8"), module, RULES, rel))
    assert [str(b) for b in found] == []


def test_the_rules_name_the_layers_the_architecture_describes() -> None:
    named = {rule.layer for rule in RULES}
    assert {"agentbar.domain", "agentbar.services", "agentbar.web", "agentbar.drivers"} <= named
    for rule in RULES:
        assert (PACKAGE_DIR.parent / rule.layer.replace(".", "/")).exists() or (
            PACKAGE_DIR.parent / (rule.layer.replace(".", "/") + ".py")
        ).exists(), f"{rule.layer} names no module"


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("agentbar.web.api.agents", "from agentbar.drivers.storage import sql", "agentbar.drivers"),
        ("agentbar.web.socket", "from agentbar.bootstrap import Container", "agentbar.bootstrap"),
        ("agentbar.web.app", "import agentbar.bootstrap", "agentbar.bootstrap"),
        ("agentbar.web.app", "from agentbar import bootstrap", "agentbar.bootstrap"),
        ("agentbar.services.leads", "from ..drivers.storage import sql", "agentbar.drivers"),
        ("agentbar.services.leads", "def f():\n    import sqlalchemy\n", "sqlalchemy"),
        ("agentbar.domain.floor", "import asyncio.tasks", None),
        ("agentbar.domain.floor", "import pydantic", "pydantic"),
        ("agentbar.domain.floor", "from agentbar.ports import Storage", "agentbar.ports"),
        ("agentbar.ports", "from agentbar.services.runtime import Runtime", "agentbar.services"),
        ("agentbar.drivers.bus", "from agentbar.services import runtime", "agentbar.services"),
        ("agentbar.auth.throttle", "from agentbar.web import security", "agentbar.web"),
    ],
)
def test_the_checker_finds_a_forbidden_import(
    module: str, source: str, expected: str | None
) -> None:
    found = {b.imported for b in breaches(source, module, RULES)}
    if expected is None:
        assert found == set()
    else:
        assert any(_within(name, expected) for name in found), found


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("agentbar.web.api.agents", "from agentbar.services.provisioning import Provisioning"),
        ("agentbar.web.socket", "from agentbar.domain.model import commands as cmd"),
        ("agentbar.services.leads", "from agentbar.ports import LeadStore"),
        ("agentbar.domain.center", "from agentbar.domain.handlers import calls"),
        ("agentbar.domain.handlers.calls", "from ..model import call as call_sm"),
        ("agentbar.bootstrap", "from agentbar.drivers.storage import database"),
    ],
)
def test_the_checker_lets_the_allowed_arrows_through(module: str, source: str) -> None:
    assert breaches(source, module, RULES) == []
