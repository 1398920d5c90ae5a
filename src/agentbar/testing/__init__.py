"""agentbar for a CRM team's own test suite: a sandbox server and helpers to drive it.

In the suite's conftest.py::

    pytest_plugins = ["agentbar.testing"]

gives the `agentbar_sandbox` fixture (a `Sandbox`); see docs/integration-guide.md, "Testing
your integration with pytest". `start_sandbox` runs the same server outside pytest.
"""

from agentbar.testing.event_log import AgentStateTimeout, EventTimeout, StoredEvent
from agentbar.testing.sandbox import Sandbox, start_sandbox
from agentbar.testing.server import AdminRequestRefused, SandboxFailed
from agentbar.testing.toolbar_agent import RequestRefused, ToolbarAgent

# Loaded with this package when pytest registers it as a plugin (pytest reads a plugin's own
# `pytest_plugins`); importing the package outside pytest does not import pytest.
pytest_plugins = ["agentbar.testing.plugin"]

__all__ = [
    "AdminRequestRefused",
    "AgentStateTimeout",
    "EventTimeout",
    "RequestRefused",
    "Sandbox",
    "SandboxFailed",
    "StoredEvent",
    "ToolbarAgent",
    "start_sandbox",
]
