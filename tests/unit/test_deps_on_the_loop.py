"""The routes' dependencies run on the event loop: FastAPI would run a plain `def` one in its
thread pool, a hop to a worker thread and back on every request for reading an attribute."""

from __future__ import annotations

import inspect

from agentbar.web import deps


def test_every_dependency_the_routes_use_is_a_coroutine_function() -> None:
    used = [
        value
        for name, value in vars(deps).items()
        if name.endswith("Dep") and hasattr(value, "__metadata__")
    ]
    dependencies = [marker.dependency for dep in used for marker in dep.__metadata__]
    assert len(dependencies) >= 20  # every service the routes name
    plain = [d.__name__ for d in dependencies if not inspect.iscoroutinefunction(d)]
    assert plain == []
    assert inspect.iscoroutinefunction(deps.require_admin)
