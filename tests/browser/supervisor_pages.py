"""What the wallboard and report page tests share: uPlot installed, a supervisor page whose
errors are kept, an agent ready on a toolbar socket of its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from agentbar.web.supervisor_page import CHART_DIR, CHART_FILES
from tests.conftest import CRM_ORIGIN
from tests.support.servers import ADMIN_TOKEN, AgentbarServer
from tests.support.toolbar_client import ToolbarClient


def require_charts() -> None:
    missing = [name for name in CHART_FILES if not (CHART_DIR / name).is_file()]
    if missing:
        pytest.fail(f"uPlot is not installed ({', '.join(missing)}): run scripts/setup")


class WatchedPage:
    """A page of the context whose script errors and console errors are kept."""

    def __init__(self, context: BrowserContext) -> None:
        self.page = context.new_page()
        self.page.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(message.text)


def enter_token(page: Page) -> None:
    expect(page.get_by_test_id("token-form")).to_be_visible()
    page.get_by_label("AGENTBAR_ADMIN_TOKEN").fill(ADMIN_TOKEN)
    page.get_by_test_id("token-submit").click()


@contextmanager
def ready_agent(server: AgentbarServer, user: str = "agent1") -> Iterator[ToolbarClient]:
    """`user` logged in on its own toolbar socket, ready in Inbound Support on SIP 1001."""
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        answer = toolbar.expect_ok(
            "auth.login",
            username=user,
            password=user,
            authPolicy="AUTH_TYPE_PASSWORD",
            crmOrigin=CRM_ORIGIN,
        )
        campaign_id = next(
            c["id"] for c in answer["snapshot"]["campaigns"] if c["name"] == "Inbound Support"
        )
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=campaign_id)
        toolbar.expect_ok("presence.ready")
        toolbar.wait_event("agent.state_changed", state="ready")
        yield toolbar


def finish_call(server: AgentbarServer, toolbar: ToolbarClient, call_id: str) -> None:
    """The customer hangs up and the agent disposes the call: ready again."""
    server.customer_hangs_up(call_id)
    toolbar.wait_event("agent.state_changed", state="wrap_up")
    toolbar.expect_ok("disposition.dispose", code="Sale")
    toolbar.wait_event("call.disposed", callId=call_id)
    toolbar.wait_event("agent.state_changed", state="ready")
