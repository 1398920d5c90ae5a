"""The live floor's agents and calls as JSON documents, and back.

Documents rather than columns: the floor's shape changes with the domain, and nothing queries
inside these rows — a starting process reads them all back at once. pydantic reads the domain's
own dataclasses, so a new field is stored without a line here.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, TypeAdapter

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


def call_of(doc: str, read_at: float | None = None) -> Call:
    """The call in `doc`; `read_at` (seconds since the epoch, now by default) starts the hold
    of a call stored on hold before holds had their start stored."""
    call = _CALL.validate_json(doc)
    live = call.ended_at is None
    if live and call.held_at is None and _LEGACY_ON_HOLD.validate_json(doc).on_hold:
        # Only a flag was stored: the call is still on hold, its seconds on hold counted from
        # the moment it was read back.
        call.held_at = time.time() if read_at is None else read_at
    return call


class _LegacyHold(BaseModel):
    """A call document's `on_hold` flag, stored before `held_at` replaced it."""

    on_hold: bool = False


_LEGACY_ON_HOLD = TypeAdapter(_LegacyHold)
