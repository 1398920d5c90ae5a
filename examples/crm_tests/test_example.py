"""A CRM team's own tests against an agentbar sandbox: the toolbar may be framed by the CRM,
an inbound call pops the caller on the agent's page, a click-to-dial carries the CRM's record.

conftest.py loads the plugin (`pytest_plugins = ["agentbar.testing"]`); pytest.ini allows the
CRM's origin (`agentbar_allowed_origins = http://localhost:3000`).
"""

from __future__ import annotations

import httpx

from agentbar.testing import Sandbox

CRM_PAGE = "http://localhost:3000/contacts"
CUSTOMER = "+14155550123"


def test_our_crm_page_may_frame_the_toolbar(agentbar_sandbox: Sandbox) -> None:
    toolbar = httpx.get(agentbar_sandbox.toolbar_url(CRM_PAGE))
    assert toolbar.status_code == 200
    assert "http://localhost:3000" in toolbar.headers["content-security-policy"]
    assert httpx.get(agentbar_sandbox.glue_script_url).status_code == 200


def test_an_inbound_call_pops_the_caller_on_the_agents_page(agentbar_sandbox: Sandbox) -> None:
    start = agentbar_sandbox.last_seq()
    with agentbar_sandbox.log_in_agent("agent1", campaign="Inbound Support", ready=True) as agent:
        call_id = agentbar_sandbox.place_call("inbound", phone=CUSTOMER, campaign="Inbound Support")
        agentbar_sandbox.wait_for_agent_state("agent1", "on_call")

        # What the agent's toolbar was sent, so what fired showCrm on the CRM page.
        [pop] = agentbar_sandbox.events(after=start, kinds=["call.screen_pop"], agent="agent1")
        assert (pop.call_id, pop.data["phone"], pop.data["callType"]) == (
            call_id,
            CUSTOMER,
            "inbound",
        )
        agent.acknowledge_pop(pop.data["screenPopId"], record_id="contact-7")

        agentbar_sandbox.hang_up(call_id)  # the customer hangs up
        agentbar_sandbox.wait_for_agent_state("agent1", "wrap_up")
        agent.dispose("Sale", note="bought the plan")
        agentbar_sandbox.wait_for_agent_state("agent1", "ready")


def test_click_to_dial_carries_our_record_into_the_pop(agentbar_sandbox: Sandbox) -> None:
    start = agentbar_sandbox.last_seq()
    with agentbar_sandbox.log_in_agent("agent2", campaign="Outbound Sales") as agent:
        call_id = agentbar_sandbox.place_call(
            "click_to_dial", phone=CUSTOMER, agent=agent, customer_id="contact-7"
        )
        pop = agentbar_sandbox.wait_for_event("call.screen_pop", after=start, call_id=call_id)
        assert pop.agent_id == "agent2"
        assert pop.data["callType"] == "click_to_dial"
        assert pop.data["crmParams"] == {"customerId": "contact-7"}
        agentbar_sandbox.wait_for_agent_state("agent2", "on_call")
        agent.hang_up()
        agentbar_sandbox.wait_for_agent_state("agent2", "wrap_up")
        agent.dispose("Info Given")
        agentbar_sandbox.wait_for_agent_state("agent2", "not_ready")
