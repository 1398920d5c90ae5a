"""The sandbox a CRM team's tests drive: a real agentbar server (see `server.py`) and what a
test does with it: place calls, log agents in, read the events their CRM pages received."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from agentbar.testing.dialer_calls import (
    DIALER_CAMPAIGNS,
    DIALER_MODES,
    callback_call,
    dialled_call,
    put_dialer_campaign,
)
from agentbar.testing.event_log import EventLog, StoredEvent
from agentbar.testing.server import (
    SOCKET_CLIENT_ORIGIN,
    ServerProcess,
    answered,
    run_sandbox_server,
)
from agentbar.testing.toolbar_agent import ToolbarAgent
from agentbar.try_again import TryAgainClient

INBOUND_CAMPAIGN = "Inbound Support"
OUTBOUND_CAMPAIGN = "Outbound Sales"
"""The demo's campaigns: inbound, and outbound in preview mode; every demo agent works both."""
AGENT_DIALS = ("manual", "click_to_dial")
CALL_KINDS = ("inbound", *AGENT_DIALS, "preview", *DIALER_MODES, "callback")
DEFAULT_WAIT = 10.0


class Sandbox:
    """A running sandbox server and the helpers a test uses on it.

    URLs: `base_url`, `glue_script_url`, `toolbar_url(page_url)`; `admin_token` for the admin
    and simulator API (`admin()` is an HTTP client that sends it).
    """

    def __init__(self, server: ServerProcess, allowed_origins: Sequence[str]) -> None:
        self._server = server
        self.allowed_origins = list(allowed_origins)
        """The CRM origins allowed to embed the toolbar (besides the one `log_in_agent` uses)."""
        self._event_log = EventLog(self.admin)

    # -- where things are -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def admin_token(self) -> str:
        return self._server.admin_token

    @property
    def glue_script_url(self) -> str:
        """The glue script a CRM page loads (`window.ameyo.integration`, `window.AgentBar`)."""
        return f"{self.base_url}/ameyowebaccess/toolbar/js/ameyo-integration.js"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self._server.port}/api/v1/socket"

    @property
    def pid(self) -> int:
        return self._server.process.pid

    @property
    def data_dir(self) -> Path:
        """Where the server keeps its SQLite database and its log (`server.log`)."""
        return self._server.data_dir

    def toolbar_url(self, page_url: str) -> str:
        """The toolbar's URL for an iframe in the CRM page at `page_url` (its `?origin=`)."""
        return f"{self.base_url}/ameyowebaccess/toolbar-crm.htm?{urlencode({'origin': page_url})}"

    def log(self) -> str:
        """The server's output so far: worth printing when a test fails unexpectedly."""
        return self._server.log()

    def admin(self) -> httpx.Client:
        """An HTTP client for the admin API (`/api/v1/...`) with the admin token. Proxy
        settings of the environment are ignored: the sandbox is on loopback. A request the
        server answers it did nothing of (busy, its database locked a moment) is sent again
        after its `Retry-After`, for up to `DEFAULT_WAIT` seconds (`agentbar.try_again`)."""
        return TryAgainClient(
            try_for=DEFAULT_WAIT,
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            trust_env=False,
            timeout=10.0,
        )

    # -- calls ----------------------------------------------------------------------------

    def place_call(
        self,
        kind: str = "inbound",
        phone: str = "+14155550100",
        campaign: str | None = None,
        agent: ToolbarAgent | None = None,
        customer_id: str | None = None,
        additional_params: dict[str, Any] | None = None,
    ) -> str:
        """Place a call of `kind`; its call id.

        - `inbound`: a simulated customer at `phone` calls the inbound `campaign` (default
          the demo's `Inbound Support`); a ready agent of the campaign is offered it, and the
          simulated phone answers at once.
        - `manual` / `click_to_dial`: `agent` (logged in, with an extension) dials `phone`,
          as the toolbar's dial box / the CRM's `doDial` would (`customer_id` and
          `additional_params` as the CRM gives them).
        - `preview`: `phone` is added as a lead to the outbound `campaign` (default `Outbound
          Sales`), and `agent`, ready in that campaign, dials it once it is shown.
        - `progressive` / `predictive`: `phone` is added as a lead to `campaign` (default
          the one `dialer_campaign(kind)` made), in which `agent` is ready; auto-call is
          turned on and the dialer calls; the call it connects to the agent, once it popped.
        - `callback`: the customer at `phone` calls the inbound `campaign` (default `Inbound
          Support`), in which `agent` is ready, and hangs up; the agent disposes the call
          with a callback to themself, due at once; the callback's call, once it popped.
        """
        if kind not in CALL_KINDS:
            raise ValueError(f"unknown call kind '{kind}' ({', '.join(CALL_KINDS)})")
        if kind == "inbound":
            return self._inbound(phone, campaign or INBOUND_CAMPAIGN)
        if agent is None:
            raise ValueError(f"a {kind} call needs an agent: pass agent=log_in_agent(…)")
        if kind in AGENT_DIALS:
            return agent.dial(phone, kind, customer_id, additional_params)
        if kind == "preview":
            return self._preview(agent, phone, campaign or OUTBOUND_CAMPAIGN)
        if kind in DIALER_MODES:
            return dialled_call(self, agent, phone, campaign or DIALER_CAMPAIGNS[kind])
        return callback_call(self, agent, phone, campaign or INBOUND_CAMPAIGN)

    def dialer_campaign(self, mode: str) -> str:
        """The outbound campaign dialling in `mode` (`progressive` or `predictive`), worked by
        every demo agent, made on first use: its name (`Sandbox Progressive`, …). Log the
        agent in with it before placing such a call."""
        return put_dialer_campaign(self, mode)

    def hang_up(self, call_id: str) -> None:
        """The simulated customer of a live call hangs up."""
        with self.admin() as client:
            answered(client.post(f"/api/v1/simulator/calls/{quote(call_id, safe='')}/hangup"))

    def script_customer(self, phone: str, **script: Any) -> None:
        """How the customer at `phone` treats outbound calls from now on: `answerAfter`,
        `busy`, `machine`, `hangUpAfter`, `ivrKeys` (docs/telephony.md, the simulator API)."""
        with self.admin() as client:
            answered(
                client.put(f"/api/v1/simulator/customers/{quote(phone, safe='')}", json=script)
            )

    def add_leads(
        self, campaign: str, phones: Sequence[str], data: Mapping[str, Any] | None = None
    ) -> list[str]:
        """Append a lead for each phone to an outbound campaign's list; their ids."""
        leads = [{"phone": phone, "data": dict(data or {})} for phone in phones]
        with self.admin() as client:
            path = f"/api/v1/campaigns/{quote(campaign, safe='')}/leads"
            response = answered(client.post(path, json={"leads": leads}))
        return [str(lead_id) for lead_id in response.json()["leadIds"]]

    def _inbound(self, phone: str, campaign: str) -> str:
        with self.admin() as client:
            body = {"from": phone, "campaign": campaign}
            response = answered(client.post("/api/v1/simulator/calls", json=body))
        return str(response.json()["callId"])

    def _preview(self, agent: ToolbarAgent, phone: str, campaign: str) -> str:
        agent.works_in(campaign, "a preview call")
        after = self.last_seq()
        [lead_id] = self.add_leads(campaign, [phone])
        self.wait_for_event("lead.presented", after=after, agent=agent.agent_id, leadId=lead_id)
        return agent.dial_lead()

    # -- agents ---------------------------------------------------------------------------

    def log_in_agent(
        self,
        agent_id: str = "agent1",
        password: str | None = None,
        *,
        extension: str | None = None,
        campaign: str | None = None,
        ready: bool = False,
        crm_origin: str = SOCKET_CLIENT_ORIGIN,
    ) -> ToolbarAgent:
        """Log an agent in through the toolbar socket, as a toolbar would, taking over any
        session the agent still has. The demo's password is the agent id; the extension
        defaults to a demo agent's own (agent1: `SIP 1001`). With `campaign` (a name) it is
        selected, and with `ready` the agent is made ready. Use the result as a context
        manager: it logs the agent out at the end."""
        return ToolbarAgent.at_work(
            self.socket_url,
            self.base_url,
            agent_id,
            password or agent_id,
            crm_origin,
            extension=extension,
            campaign=campaign,
            ready=ready,
        )

    # -- events ---------------------------------------------------------------------------

    def events(
        self,
        after: int = 0,
        kinds: Collection[str] | None = None,
        agent: str | None = None,
        call_id: str | None = None,
    ) -> list[StoredEvent]:
        """The stored events after the cursor `after`, oldest first; with `agent`, those that
        agent's toolbar was sent (what fired its CRM page's handlers); narrowed to `kinds`
        (`call.screen_pop`, `call.ended`, …) and to a call when given."""
        return self._event_log.read(after, kinds, agent, call_id)

    def last_seq(self) -> int:
        """The latest event's seq: a cursor to read only what a test caused from here on."""
        return self._event_log.last_seq()

    def agent_state(self, agent_id: str) -> str:
        """The agent's state now (`not_ready`, `ready`, `on_call`, `wrap_up`, …)."""
        return self._event_log.agent_state(agent_id)

    def wait_for_agent_state(
        self, agent_id: str, state: str, timeout: float = DEFAULT_WAIT
    ) -> StoredEvent:
        """Until the agent is in `state`; the `agent.state_changed` event that put it there.
        Fails the test (AgentStateTimeout) naming the agent, the state wanted and the last
        state seen."""
        return self._event_log.wait_for_agent_state(agent_id, state, timeout)

    def wait_for_event(
        self,
        kind: str,
        *,
        after: int = 0,
        agent: str | None = None,
        call_id: str | None = None,
        timeout: float = DEFAULT_WAIT,
        where: Callable[[StoredEvent], bool] | None = None,
        **data: Any,
    ) -> StoredEvent:
        """The first event of `kind` after `after` (sent to `agent`, of `call_id`, whose data
        has the fields given, e.g. `callType="inbound"`, for which `where` holds), waiting
        for it to be stored. Fails the test (EventTimeout) at `timeout`."""
        return self._event_log.wait_for_event(kind, after, timeout, agent, call_id, data, where)


@contextmanager
def start_sandbox(
    data_dir: Path,
    allowed_origins: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
    ready_timeout: float = 30.0,
) -> Iterator[Sandbox]:
    """A sandbox server for the block, outside pytest too: stopped when the block ends.
    `environment` adds AGENTBAR_* settings (e.g. AGENTBAR_SIMULATOR_ANSWER_DELAY)."""
    with run_sandbox_server(data_dir, allowed_origins, environment, ready_timeout) as server:
        yield Sandbox(server, allowed_origins)
