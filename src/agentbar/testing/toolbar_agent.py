"""An agent at work without a browser: the toolbar socket's commands (docs/toolbar.md, "The
socket protocol") from a test, for tests that need an agent logged in, ready, dialling."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from agentbar.try_again import seconds_asked

ANSWER_TIMEOUT = 10.0
"""Seconds a command waits for its answer: the server answers in milliseconds."""
CONNECT_FOR = 15.0
"""Seconds a socket goes on being opened while the server refuses its handshake with 503."""

DEMO_EXTENSIONS = {f"agent{n}": f"SIP {1000 + n}" for n in range(1, 6)}
"""The demo data's phone extension of each demo agent (agent1 works from SIP 1001, …)."""


class RequestRefused(Exception):
    """The server refused a toolbar command; `code` is its error code (`invalid_phone`, …)."""

    def __init__(self, command: str, code: str, message: str) -> None:
        super().__init__(f"{command} refused: {code} ({message})")
        self.command = command
        self.code = code


class ToolbarAgent:
    """A logged-in agent's toolbar socket. Use it as a context manager (or call `close`): it
    logs the agent out and closes the socket, so the next test finds the agent logged out."""

    def __init__(self, connection: ClientConnection, agent_id: str) -> None:
        self._connection = connection
        self._next_id = 0
        self.agent_id = agent_id
        self.snapshot: dict[str, Any] = {}
        """The agent's state as the login answered it (docs/toolbar.md, "The snapshot")."""
        self.received: list[dict[str, Any]] = []
        """The event frames pushed to this socket so far, in order (read while waiting for
        answers; `Sandbox.events` reads every stored event whenever asked)."""
        self.campaign: str | None = None
        """The name of the campaign the agent works in, once one is selected."""
        self._logged_in = False

    @classmethod
    def connect(cls, socket_url: str, own_origin: str, agent_id: str) -> ToolbarAgent:
        """A socket to the server. A handshake refused with 503 (the server busy, its sockets
        at their cap, a node still starting) did nothing, so it is tried again after its
        `Retry-After`, as the toolbar reconnects, for up to `CONNECT_FOR` seconds."""
        give_up_at = time.monotonic() + CONNECT_FOR
        while True:
            try:
                # The socket accepts only agentbar's own origin, as the toolbar page has. No
                # queue limit: events the test does not read must never hold sends back.
                connection = connect(
                    socket_url,
                    origin=Origin(own_origin),
                    max_queue=None,
                    proxy=None,
                    open_timeout=10,
                )
            except InvalidStatus as refused:
                wait = _wait_before_again(refused)
                if wait is None or time.monotonic() + wait > give_up_at:
                    raise
                time.sleep(wait)
                continue
            # Entered by hand: the connection outlives this call and `close` ends it.
            return cls(connection.__enter__(), agent_id)

    @classmethod
    def at_work(
        cls,
        socket_url: str,
        own_origin: str,
        agent_id: str,
        password: str,
        crm_origin: str,
        *,
        extension: str | None = None,
        campaign: str | None = None,
        ready: bool = False,
    ) -> ToolbarAgent:
        """Connected and logged in as a toolbar would, taking over any session the agent
        still has; then on `extension` (default: a demo agent's own), in `campaign` (a name)
        and ready, as asked. Closed again if a step is refused."""
        agent = cls.connect(socket_url, own_origin, agent_id)
        try:
            agent.log_in(password, crm_origin, force=True)
            chosen = extension or DEMO_EXTENSIONS.get(agent_id)
            if chosen is not None:
                agent.select_extension(chosen)
            if campaign is not None:
                agent.select_campaign(campaign)
            if ready:
                agent.ready()
        except BaseException:
            agent.close()
            raise
        return agent

    def __enter__(self) -> ToolbarAgent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, command: str, **fields: Any) -> dict[str, Any]:
        """Send a command; its answer (`ok`, and `error: {code, message}` when refused)."""
        self._next_id += 1
        frame_id = self._next_id
        self._connection.send(json.dumps({"id": frame_id, "cmd": command, **fields}))
        while True:
            frame: dict[str, Any] = json.loads(self._connection.recv(timeout=ANSWER_TIMEOUT))
            if frame.get("re") == frame_id:
                return frame
            if "event" in frame:
                self.received.append(frame)

    def expect_ok(self, command: str, **fields: Any) -> dict[str, Any]:
        """Send a command; its answer, or RequestRefused with the server's code and reason."""
        answer = self.request(command, **fields)
        if not answer.get("ok"):
            error = answer.get("error") or {}
            raise RequestRefused(command, error.get("code", "?"), error.get("message", ""))
        return answer

    def log_in(self, password: str, crm_origin: str, force: bool) -> None:
        answer = self.expect_ok(
            "auth.login",
            username=self.agent_id,
            password=password,
            authPolicy="AUTH_TYPE_PASSWORD",
            crmOrigin=crm_origin,
            force=force,
        )
        self.snapshot = answer["snapshot"]
        self._logged_in = True
        chosen = self.snapshot["agent"].get("campaignId")
        for campaign in self.snapshot["campaigns"]:
            if campaign["id"] == chosen:
                self.campaign = campaign["name"]

    def select_extension(self, name: str) -> None:
        """Work from the extension of this name (or phone number)."""
        self.expect_ok("extension.select", name=name)

    def select_campaign(self, name: str) -> str:
        """Work in the campaign of this name (any case) or id; its id."""
        for campaign in self.snapshot.get("campaigns", []):
            if name.casefold() in (campaign["name"].casefold(), campaign["id"].casefold()):
                self.expect_ok("campaign.select", campaignId=campaign["id"])
                self.campaign = campaign["name"]
                return str(campaign["id"])
        offered = ", ".join(c["name"] for c in self.snapshot.get("campaigns", []))
        raise ValueError(f"agent '{self.agent_id}' has no campaign '{name}' (has: {offered})")

    def works_in(self, campaign: str, for_what: str) -> None:
        """Raise ValueError unless the agent works in `campaign` (by name, any case)."""
        if self.campaign is None or self.campaign.casefold() != campaign.casefold():
            raise ValueError(
                f"{for_what} needs agent '{self.agent_id}' to work in '{campaign}', not "
                f"{self.campaign or 'no campaign'}: log_in_agent(…, campaign='{campaign}')"
            )

    def ready(self) -> None:
        self.expect_ok("presence.ready")

    def take_break(self, reason: str) -> None:
        self.expect_ok("presence.break", reason=reason)

    def auto_call(self, on: bool) -> None:
        """Let the dialer of a progressive or predictive campaign call for this agent."""
        self.expect_ok("presence.auto_call", on=on)

    def dial(
        self,
        phone: str,
        call_type: str = "click_to_dial",
        customer_id: str | None = None,
        additional_params: dict[str, Any] | None = None,
    ) -> str:
        """Dial `phone` (`click_to_dial` as a CRM's `doDial`, or `manual` as the toolbar's own
        dial box); the call's id. The CRM's `customer_id` and `additional_params` come back in
        the screen pop's `crmParams`."""
        fields: dict[str, Any] = {"phone": phone, "callType": call_type}
        if customer_id is not None:
            fields["customerId"] = customer_id
        if additional_params is not None:
            fields["additionalParams"] = additional_params
        return str(self.expect_ok("call.dial", **fields)["callId"])

    def dial_lead(self) -> str:
        """Dial the preview lead shown to the agent; the call's id."""
        return str(self.expect_ok("lead.dial")["callId"])

    def acknowledge_pop(self, screen_pop_id: str, record_id: str) -> None:
        """What the CRM's `setRecordInfoForShowCrm` sends: the record shown for a pop."""
        self.expect_ok("screen_pop.ack", screenPopId=screen_pop_id, recordId=record_id)

    def hang_up(self) -> None:
        self.expect_ok("call.hangup")

    def dispose(self, code: str, note: str | None = None) -> None:
        """Dispose the call in wrap-up with a disposition code (the demo's: `Sale`, `Info
        Given`, `Callback`, `Escalated`)."""
        fields = {"code": code} if note is None else {"code": code, "note": note}
        self.expect_ok("disposition.dispose", **fields)

    def log_out(self) -> None:
        self.expect_ok("auth.logout")
        self._logged_in = False

    def close(self) -> None:
        """Log out (if the agent still can: not mid-call) and close the socket."""
        try:
            if self._logged_in:
                self.request("auth.logout")
        except (ConnectionClosed, TimeoutError):
            pass  # the socket is gone already: the session ends on the server's idle timeout
        finally:
            self._logged_in = False
            self._connection.close()


def _wait_before_again(refused: InvalidStatus) -> float | None:
    """Seconds to wait before the handshake `refused` is tried again; None: not at all (only
    a 503 is a "not now")."""
    if refused.response.status_code != 503:
        return None
    return seconds_asked(refused.response.headers.get("Retry-After"))
