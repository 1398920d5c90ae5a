"""agentbar.d.ts types the glue: a sample CRM script using every method and handler
type-checks with tsc, and misuse fails where it should.

TypeScript comes from npm (`typescript@5`), installed once into the checkout's own
git-ignored node_modules, so a fresh machine with Node.js needs nothing else.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TYPINGS = ROOT / "tests" / "typings"


@pytest.fixture(scope="module")
def tsc() -> Path:
    binary = ROOT / "node_modules" / ".bin" / "tsc"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not installed: install Node.js to type-check agentbar.d.ts")
        subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "typescript@5"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return binary


def run(tsc: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tsc), *args], cwd=TYPINGS, capture_output=True, text=True, timeout=120
    )


def test_a_crm_script_using_every_method_and_handler_type_checks(tsc: Path) -> None:
    result = run(tsc, "-p", "tsconfig.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_misuse_is_a_type_error_on_each_wrong_line(tsc: Path) -> None:
    result = run(
        tsc, "--strict", "--noEmit", "--lib", "ES2020,DOM", "--target", "ES2020", "wrong.ts"
    )
    assert result.returncode != 0
    errors = re.findall(r"wrong\.ts\((\d+),\d+\): error (TS\d+)", result.stdout)
    assert errors == [("4", "TS2554"), ("5", "TS2322"), ("6", "TS2345"), ("9", "TS2322")]


def test_every_method_of_the_glue_is_typed() -> None:
    glue = (ROOT / "src/agentbar/static/integration/ameyo-integration.js").read_text()
    typings = (ROOT / "src/agentbar/static/integration/agentbar.d.ts").read_text()
    body = glue[glue.index("var integration = {") : glue.index("// -- the promise API")]
    methods = set(re.findall(r"^    (\w+): function", body, re.M))
    assert len(methods) >= 19  # SPEC §2 and its "also known" methods
    for method in methods | {"setRecordInfoForShowCrm"}:
        assert re.search(rf"\b{method}[(<]", typings), method
