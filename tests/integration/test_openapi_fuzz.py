"""Schemathesis over the OpenAPI description of a real agentbar process: for every operation,
generated requests (with the admin token), valid and invalid ones, never get a server error,
and every answer fits the schema the API declares. Seeded and small, so it runs the same way
every time in about a minute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import CRM_ORIGIN
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server

AUTHORIZED = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
EXAMPLES = 25
"""Generated requests per operation and kind (valid, invalid): enough to reach every branch
of validation the schema describes, few enough for a two-core machine."""


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    with agentbar_server(tmp_path_factory.mktemp("fuzz") / "agentbar", [CRM_ORIGIN]) as running:
        yield running


def _fuzz(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: schemathesis.GenerationMode,
    base: str,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(
            base_url=base,
            headers=AUTHORIZED,
            checks=[not_a_server_error, response_schema_conformance],
        )

    run()


def test_no_operation_errs_or_breaks_its_schema(fuzzed_server: AgentbarServer) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_server.base_url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"the schema itself: {result.err()}")
            continue
        operation = result.ok()
        operations += 1
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, fuzzed_server.base_url)
            except Unsatisfiable:
                # No invalid request exists for it (no parameters, or any string will do).
                assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
            # Every operation's failures, reported together (hypothesis raises groups).
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert operations >= 30
    assert not failures, "\n\n".join(failures)
    assert "Traceback" not in fuzzed_server.log()


def test_every_admin_operation_declares_its_refusals(fuzzed_server: AgentbarServer) -> None:
    """A client generated from the description knows a missing or wrong token's answer, and
    a server that could not take the request now (503, with its `code`)."""
    with fuzzed_server.admin() as admin:
        spec = admin.get("/openapi.json").json()
    undeclared = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
        if not {"401", "403", "503"} <= set(operation["responses"])
    ]
    assert undeclared == []
