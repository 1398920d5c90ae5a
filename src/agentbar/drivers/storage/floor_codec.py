"""The live floor's agents and calls as JSON documents, and back.

Documents rather than columns: the floor's shape changes with the domain, and nothing queries
inside these rows — a starting process reads them all back at once. pydantic reads the domain's
own dataclasses, so a new field is stored without a line here.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from agentbar.domain.model.agent import Agent
from agentbar.domain.model.call import Call

_AGENT = TypeAdapter(Agent)
_CALL = TypeAdapter(Call)


def agent_doc(agent: Agent) -> str:
    return _AGENT.dump_json(agent).decode()


def agent_of(doc: str) -> Agent:
    return _AGENT.validate_json(doc)


def call_doc(call: Call) -> str:
    return _CALL.dump_json(call).decode()


def call_of(doc: str) -> Call:
    return _CALL.validate_json(doc)
