"""The sandbox's stored events, read through the events API: what each agent's toolbar was
sent (and so what the CRM page's handlers fired on), in `seq` order; and waits on them."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from agentbar.testing.server import answered

PAGE_SIZE = 1000
"""The most events the events API answers at once."""
POLL_SECONDS = 0.05
STATE_CHANGED = "agent.state_changed"
LOGGED_OUT = "logged_out"


@dataclass(frozen=True)
class StoredEvent:
    """One event as the server stored it: `kind` is the wire's `event` (`call.screen_pop`),
    `data` its camelCase payload, `agent_id` the agent whose toolbar it was sent to (None for
    events of no agent, such as `call.queued`)."""

    seq: int
    kind: str
    at: float
    data: dict[str, Any]
    agent_id: str | None
    call_id: str | None

    @classmethod
    def from_frame(cls, frame: Mapping[str, Any]) -> StoredEvent:
        return cls(
            seq=frame["seq"],
            kind=frame["event"],
            at=frame["at"],
            data=frame["data"],
            agent_id=frame.get("agentId"),
            call_id=frame.get("callId"),
        )


class AgentStateTimeout(AssertionError):
    """An agent did not reach the state a test waited for. An AssertionError, so pytest
    reports the test as failed (not as an error in the plugin), with this message."""

    def __init__(self, agent_id: str, wanted: str, timeout: float, last: StoredEvent | None):
        if last is None:
            seen = "no state seen (the agent has not logged in)"
        else:
            seen = f"last state seen: '{last.data['state']}' (event seq {last.seq})"
        super().__init__(
            f"agent '{agent_id}' did not reach state '{wanted}' within {timeout:g} s; {seen}"
        )
        self.agent_id = agent_id
        self.wanted = wanted
        self.last = last


class EventTimeout(AssertionError):
    """No event matched what a test waited for."""


class EventLog:
    """Reads the events API from a cursor of its own and keeps each agent's latest state, so
    waits cost one short request per poll however long the sandbox has run."""

    def __init__(self, admin: Callable[[], httpx.Client]) -> None:
        self._admin = admin
        self._read_up_to = 0
        self._latest_state: dict[str, StoredEvent] = {}

    def read(
        self,
        after: int = 0,
        kinds: Collection[str] | None = None,
        agent: str | None = None,
        call_id: str | None = None,
    ) -> list[StoredEvent]:
        """Every stored event with a seq above `after`, oldest first, narrowed to `kinds`, to
        those sent to `agent`, and to those of the call `call_id`, when given."""
        return [
            event
            for event in self._fetch(after)
            if (kinds is None or event.kind in kinds)
            and (agent is None or event.agent_id == agent)
            and (call_id is None or event.call_id == call_id)
        ]

    def last_seq(self) -> int:
        """The seq of the latest stored event (0 when there is none): a cursor for `read`."""
        self._fetch(self._read_up_to)
        return self._read_up_to

    def agent_state(self, agent_id: str) -> str:
        """The agent's state as the latest `agent.state_changed` says (`logged_out` if none)."""
        self._fetch(self._read_up_to)
        latest = self._latest_state.get(agent_id)
        return LOGGED_OUT if latest is None else str(latest.data["state"])

    def wait_for_agent_state(self, agent_id: str, state: str, timeout: float) -> StoredEvent:
        """Until the agent's latest state is `state`: the event that put it there. Raises
        AgentStateTimeout (naming the agent, the state and the last state seen) at `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            self._fetch(self._read_up_to)
            latest = self._latest_state.get(agent_id)
            if latest is not None and latest.data["state"] == state:
                return latest
            if time.monotonic() >= deadline:
                raise AgentStateTimeout(agent_id, state, timeout, latest)
            # Polled: the events API answers what is stored; it has no way to wait for more.
            time.sleep(POLL_SECONDS)

    def wait_for_event(
        self,
        kind: str,
        after: int,
        timeout: float,
        agent: str | None = None,
        call_id: str | None = None,
        data: Mapping[str, Any] | None = None,
        where: Callable[[StoredEvent], bool] | None = None,
    ) -> StoredEvent:
        """The first event after `after` of `kind` (sent to `agent`, of the call `call_id`,
        whose data holds `data`, for which `where` holds), once stored. Raises EventTimeout at
        `timeout`."""
        deadline = time.monotonic() + timeout
        cursor = after
        while True:
            for event in self.read(cursor, [kind], agent, call_id):
                holds = all(event.data.get(k) == v for k, v in (data or {}).items())
                if holds and (where is None or where(event)):
                    return event
                cursor = event.seq
            if time.monotonic() >= deadline:
                wanted = ", ".join(
                    f"{name}={value!r}"
                    for name, value in (("agent", agent), ("call", call_id), ("data", data))
                    if value
                )
                raise EventTimeout(
                    f"no '{kind}' event after seq {after}"
                    + (f" with {wanted}" if wanted else "")
                    + f" within {timeout:g} s"
                )
            # Polled: the events API answers what is stored; it has no way to wait for more.
            time.sleep(POLL_SECONDS)

    def _fetch(self, after: int) -> list[StoredEvent]:
        """Events after `after`, every page. A read that starts at or before the states' own
        cursor also brings the agents' states up to date (one starting further on would skip
        changes between the two)."""
        follows_on = after <= self._read_up_to
        events: list[StoredEvent] = []
        with self._admin() as client:
            while True:
                query = {"after": after, "limit": PAGE_SIZE}
                response = answered(client.get("/api/v1/events", params=query))
                page = [StoredEvent.from_frame(frame) for frame in response.json()["events"]]
                events.extend(page)
                if len(page) < PAGE_SIZE:
                    break
                after = page[-1].seq
        for event in events if follows_on else ():
            if event.seq > self._read_up_to:
                self._read_up_to = event.seq
                if event.kind == STATE_CHANGED and event.agent_id is not None:
                    self._latest_state[event.agent_id] = event
        return events
