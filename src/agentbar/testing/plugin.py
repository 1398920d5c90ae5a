"""The pytest fixtures of `agentbar.testing`, loaded by `pytest_plugins = ["agentbar.testing"]`
in a CRM team's conftest.py (never automatically: a project that only installs agentbar does
not get them).

Settings, in the `[pytest]` ini section (or `[tool.pytest.ini_options]`):

- `agentbar_allowed_origins`: the CRM origins allowed to embed the sandbox's toolbar,
  whitespace-separated (`http://localhost:3000 http://127.0.0.1:3000`);
- `agentbar_sandbox_scope`: how long one sandbox server lives, `session` (the default),
  `package`, `module`, `class` or `function`.

Either origin list or environment can also be set by overriding the session-scoped fixtures
`agentbar_allowed_origins` and `agentbar_sandbox_environment` in conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, cast, get_args

import pytest

from agentbar.testing.sandbox import Sandbox, start_sandbox

Scope = Literal["session", "package", "module", "class", "function"]
ORIGINS_INI = "agentbar_allowed_origins"
SCOPE_INI = "agentbar_sandbox_scope"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        ORIGINS_INI,
        "CRM origins allowed to embed the agentbar sandbox's toolbar (whitespace-separated)",
        type="args",
        default=[],
    )
    parser.addini(
        SCOPE_INI,
        "how long one agentbar sandbox server lives: session (default), package, module, "
        "class or function",
        default="session",
    )


def _sandbox_scope(fixture_name: str, config: pytest.Config) -> Scope:
    scope = str(config.getini(SCOPE_INI)).strip()
    if scope not in get_args(Scope):
        raise pytest.UsageError(
            f"{SCOPE_INI} = {scope!r}: write one of {', '.join(get_args(Scope))}"
        )
    return cast(Scope, scope)


@pytest.fixture(scope="session")
def agentbar_allowed_origins(pytestconfig: pytest.Config) -> list[str]:
    """The CRM origins the sandbox allows (`agentbar_allowed_origins` in the ini file)."""
    return [str(origin) for origin in pytestconfig.getini(ORIGINS_INI)]


@pytest.fixture(scope="session")
def agentbar_sandbox_environment() -> dict[str, str]:
    """More AGENTBAR_* settings for the sandbox server (none by default); override it, e.g.
    to `{"AGENTBAR_SIMULATOR_ANSWER_DELAY": "2"}` for agent phones that ring 2 s."""
    return {}


@pytest.fixture(scope=_sandbox_scope)
def agentbar_sandbox(
    tmp_path_factory: pytest.TempPathFactory,
    agentbar_allowed_origins: list[str],
    agentbar_sandbox_environment: dict[str, str],
) -> Iterator[Sandbox]:
    """A real `agentbar serve` on a free loopback port: the simulator, demo data, SQLite in
    a directory of its own, the admin token set, the CRM origins allowed. Ready (its /readyz
    answered) when the test gets it; stopped when its scope ends."""
    data_dir = tmp_path_factory.mktemp("agentbar-sandbox")
    with start_sandbox(data_dir, agentbar_allowed_origins, agentbar_sandbox_environment) as sandbox:
        yield sandbox
