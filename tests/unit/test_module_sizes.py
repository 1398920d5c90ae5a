"""Small modules, one concept each: no source file of agentbar (Python, the toolbar's and the
supervisor page's scripts, the glue script) grows past 500 lines."""

from __future__ import annotations

from pathlib import Path

import agentbar

PACKAGE_DIR = Path(agentbar.__file__).parent
MAX_LINES = 500


def test_no_source_file_passes_the_line_limit() -> None:
    sizes = {
        str(path.relative_to(PACKAGE_DIR)): len(path.read_text(encoding="utf-8").splitlines())
        for pattern in ("*.py", "*.js")
        for path in PACKAGE_DIR.rglob(pattern)
    }
    assert sizes  # the walk found the sources
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
