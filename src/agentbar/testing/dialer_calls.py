"""The calls no one places on request: the dialer's (progressive, predictive) and callbacks.
Each is brought about the way it happens in a center, and waited for until it pops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from agentbar.testing.server import answered

if TYPE_CHECKING:
    from agentbar.testing.sandbox import Sandbox
    from agentbar.testing.toolbar_agent import ToolbarAgent

DIALER_MODES = ("progressive", "predictive")
DIALER_CAMPAIGNS = {mode: f"Sandbox {mode.capitalize()}" for mode in DIALER_MODES}
"""The outbound campaigns `Sandbox.dialer_campaign` makes, one per dial mode."""
DEMO_AGENTS = tuple(f"agent{n}" for n in range(1, 6))
DEMO_DISPOSITIONS = [
    {"dispositionClass": "Resolved", "dispositionCodes": ["Sale", "Info Given"]},
    {"dispositionClass": "Follow Up", "dispositionCodes": ["Callback", "Escalated"]},
]
"""The demo campaigns' disposition plan, so the same codes dispose every sandbox call."""
ANY_HOUR = "00:00-24:00"
"""Calling hours of the whole day: a test may run at any hour of its leads' day."""
ABANDON_MESSAGE = "This was the agentbar sandbox: we will call again."
"""What a predictive call abandoned for want of an agent hears."""
CALLBACK_CODE = "Callback"
CALLBACK_DELAY = timedelta(seconds=1)
"""How soon a callback falls due: in the future when the server reads it, and soon."""
CALL_WAIT = 15.0
"""Seconds to wait for a dialer's or a callback's pop: a predictive dialer paces itself."""


def put_dialer_campaign(sandbox: Sandbox, mode: str) -> str:
    """Create (or reset) the outbound campaign dialling in `mode`, worked by every demo agent;
    its name."""
    if mode not in DIALER_MODES:
        raise ValueError(f"no dialer campaign in mode '{mode}' ({', '.join(DIALER_MODES)})")
    name = DIALER_CAMPAIGNS[mode]
    body = {
        "kind": "outbound",
        "dialMode": mode,
        "dispositions": DEMO_DISPOSITIONS,
        "agents": list(DEMO_AGENTS),
        "callingHours": ANY_HOUR,
        # A predictive dialer must have one (it is the law); the others keep it unused.
        "abandonMessage": ABANDON_MESSAGE,
    }
    with sandbox.admin() as client:
        answered(client.put(f"/api/v1/campaigns/{quote(name, safe='')}", json=body))
    return name


def dialled_call(sandbox: Sandbox, agent: ToolbarAgent, phone: str, campaign: str) -> str:
    """A lead for `phone` in the dialer `campaign`, which the agent (ready in it) works with
    auto-call on: the id of the call the dialer connects to the agent."""
    agent.works_in(campaign, "a dialer's call")
    start = sandbox.last_seq()
    agent.auto_call(True)
    [lead_id] = sandbox.add_leads(campaign, [phone])
    pop = sandbox.wait_for_event(
        "call.screen_pop",
        after=start,
        agent=agent.agent_id,
        timeout=CALL_WAIT,
        where=lambda event: event.data["crmParams"].get("leadId") == lead_id,
    )
    return str(pop.data["callId"])


def callback_call(sandbox: Sandbox, agent: ToolbarAgent, phone: str, campaign: str) -> str:
    """A customer at `phone` calls the inbound `campaign` and hangs up; the agent (ready in
    it) disposes the call with a callback to themself, due at once: the callback's call id."""
    agent.works_in(campaign, "a callback")
    start = sandbox.last_seq()
    first = sandbox.place_call("inbound", phone=phone, campaign=campaign)
    sandbox.wait_for_event("call.connected", after=start, agent=agent.agent_id, call_id=first)
    sandbox.hang_up(first)
    sandbox.wait_for_agent_state(agent.agent_id, "wrap_up")
    due = datetime.now(UTC) + CALLBACK_DELAY
    agent.expect_ok(
        "disposition.dispose",
        code=CALLBACK_CODE,
        callback={"at": due.isoformat(), "selfCallback": True},
    )
    pop = sandbox.wait_for_event(
        "call.screen_pop",
        after=start,
        agent=agent.agent_id,
        callType="callback",
        timeout=CALL_WAIT,
    )
    return str(pop.data["callId"])
