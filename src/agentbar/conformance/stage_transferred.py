"""The screen pop of a call another agent transfers to the page's agent (SPEC §3 `showCrm`): a
second demo agent, logged in over the toolbar socket as a toolbar would, dials the journey's
caller, and once they talk transfers the call to the page's agent (a blind transfer to a user);
the customer continues as a new call offered to the page's agent, which must pop in the page
and be acknowledged like any call."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Error as PlaywrightError
from websockets.exceptions import WebSocketException

from agentbar.conformance.context import Run
from agentbar.conformance.stage_calls import KIT_NOTE, check_pop, settle
from agentbar.conformance.stage_logout import logged_in_agent
from agentbar.testing.event_log import EventLog, EventTimeout
from agentbar.testing.toolbar_agent import DEMO_EXTENSIONS, RequestRefused, ToolbarAgent

CHECK = "screen_pop.transferred"
# A transferred call keeps the type of the call it continues (the server copies it to the new
# call): the second agent dials by hand, so the page is told a manual call.
TRANSFERRED_CALL_TYPE = "manual"
SOCKET_PATH = "/api/v1/socket"


def check_transferred(run: Run) -> None:
    """screen_pop.transferred, then the call hung up and disposed; the second agent logged out
    whatever happened."""
    if not run.own_sandbox:
        run.not_used(
            CHECK,
            "the kit transfers a call only in its own sandbox, where it knows a second agent's "
            "password",
        )
        return
    target = logged_in_agent(run)
    if target is None:
        run.not_used(CHECK, "the kit does not know which agent the page logged in")
        return
    transferrer = next((agent for agent in DEMO_EXTENSIONS if agent != target), None)
    if transferrer is None:
        run.not_used(CHECK, "the sandbox has no second demo agent to transfer a call")
        return
    if not _ready(run):
        # Not the page's doing: the toolbar's own controls did not make the agent ready.
        run.not_used(CHECK, f"the agent did not become ready in '{run.journey.campaign}'")
        return
    try:
        agent = _log_in(run, transferrer)
    except (RequestRefused, ValueError, OSError, WebSocketException) as error:
        run.not_used(CHECK, f"the kit could not log the second agent {transferrer} in: {error}")
        return
    try:
        _pop_transferred(run, agent, target)
    except (WebSocketException, TimeoutError) as error:
        run.not_used(CHECK, f"the second agent {transferrer}'s toolbar socket failed: {error}")
    finally:
        _leave(run, agent)


def _pop_transferred(run: Run, agent: ToolbarAgent, target: str) -> None:
    """The transfer made, its pop checked, then the call hung up and disposed."""
    since = _transfer(run, agent, target)
    if since is None:
        return
    if _popped_the_transfer(run, since, agent.agent_id):
        pop = check_pop(run, CHECK, since, TRANSFERRED_CALL_TYPE)
        call_id = ((pop or {}).get("data") or {}).get("additionalParams", {}).get("callId")
        if call_id:
            ended_at = run.crm.now()
            run.server.hang_up(str(call_id))
            run.crm.wait_record("event", ["hangupHandler"], since=ended_at)
    settle(run)


def _popped_the_transfer(run: Run, since: int, transferrer: str) -> bool:
    """False once scored failed: the page popped a call, but not the one `transferrer`
    transferred (its screen pop names who transferred it). No pop at all is check_pop's to
    tell."""
    pop = run.crm.wait_record("event", ["showCrm"], since=since)
    if pop is None:
        return True
    data = pop.get("data") or {}
    by = (data.get("additionalParams") or {}).get("transferredBy")
    if by == transferrer:
        return True
    run.failed(
        CHECK,
        f"showCrm('{data.get('phone')}', …) came, but not for the call {transferrer} "
        f"transferred (its additionalParams.transferredBy is {by!r})",
    )
    return False


def _ready(run: Run) -> bool:
    """The page's agent free and ready: the server transfers a call only to a ready agent."""
    crm = run.crm
    settle(run)
    if crm.agent_state() != "ready":
        # A toolbar that offers no ready button fails the wait for ready, below.
        with contextlib.suppress(PlaywrightError):
            crm.control("ready").click(timeout=crm.timeout_ms)
    return crm.wait_state("ready")


def _log_in(run: Run, agent_id: str) -> ToolbarAgent:
    """The second demo agent logged in (their password is their id), on their extension, in
    the journey's campaign, as the toolbar on the CRM page's origin would."""
    base = run.server.base_url
    socket_url = "ws" + base.removeprefix("http") + SOCKET_PATH
    parts = urlsplit(run.card.crm_url)
    crm_origin = f"{parts.scheme}://{parts.netloc}"
    return ToolbarAgent.at_work(
        socket_url, base, agent_id, agent_id, crm_origin, campaign=run.journey.campaign
    )


def _transfer(run: Run, agent: ToolbarAgent, target: str) -> int | None:
    """The second agent's call to the journey's caller, once connected, transferred to
    `target`: the page's clock just before the transfer, or None once the check is scored
    (the server refused a step: not the page's doing)."""
    events = EventLog(
        lambda: httpx.Client(
            base_url=run.server.base_url,
            headers={"Authorization": f"Bearer {run.server.admin_token}"},
            timeout=10.0,
        )
    )
    after = events.last_seq()
    who = agent.agent_id
    try:
        call_id = agent.dial(run.journey.caller, "manual")
    except RequestRefused as error:
        run.not_used(CHECK, f"the second agent {who} could not dial {run.journey.caller}: {error}")
        return None
    try:
        events.wait_for_event("call.connected", after, run.crm.timeout, who, call_id)
    except EventTimeout:
        run.not_used(
            CHECK,
            f"the second agent {who}'s call to {run.journey.caller} never connected within "
            f"{run.crm.timeout:g} s",
        )
        return None
    since = run.crm.now()
    try:
        agent.expect_ok("call.transfer", kind="user", target=target)
    except RequestRefused as error:
        run.not_used(CHECK, f"the server refused {who}'s transfer to {target}: {error}")
        return None
    # The second agent's part of the call is over: disposed, so that they can log out.
    _dispose(agent)
    return since


def _dispose(agent: ToolbarAgent) -> None:
    """The second agent's wrap-up disposed with the campaign's first code."""
    with contextlib.suppress(RequestRefused):
        answer = agent.expect_ok("disposition.list")
        codes = [
            code
            for kind in answer.get("dispositionCodes") or []
            for code in kind.get("dispositionCodes") or []
        ]
        if codes:
            agent.dispose(codes[0], KIT_NOTE)


def _leave(run: Run, agent: ToolbarAgent) -> None:
    """The second agent logged out and their socket closed; a supervisor's logout (admin API)
    when their own is refused (a call still up or in wrap-up)."""
    try:
        agent.log_out()
    except (RequestRefused, WebSocketException, TimeoutError):
        run.server.log_out_agent(agent.agent_id)
    finally:
        agent.close()
