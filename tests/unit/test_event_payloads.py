"""An event's payload is what every wire carries: its fields under camelCase names."""

from __future__ import annotations

from agentbar.domain.model import events as ev


def screen_pop() -> ev.ScreenPop:
    return ev.ScreenPop(
        call_id="call-1",
        agent_id="a1",
        call_type="click_to_dial",
        phone="+14085551212",
        campaign_id="1",
        campaign_name="Sales",
        user_crt="crt-1",
        customer_crt="crt-2",
        screen_pop_id="pop-1",
        crm_params={"customer_id": "c-9", "nested": {"snake_key": 1}},
    )


def test_a_payload_names_every_field_in_camel_case() -> None:
    assert screen_pop().payload() == {
        "callId": "call-1",
        "agentId": "a1",
        "callType": "click_to_dial",
        "phone": "+14085551212",
        "campaignId": "1",
        "campaignName": "Sales",
        "userCrt": "crt-1",
        "customerCrt": "crt-2",
        "screenPopId": "pop-1",
        "crmParams": {"customer_id": "c-9", "nested": {"snake_key": 1}},
    }


def test_values_keep_their_own_keys_and_are_copies() -> None:
    event = screen_pop()
    payload = event.payload()
    payload["crmParams"]["nested"]["snake_key"] = 2
    assert event.crm_params["nested"] == {"snake_key": 1}
    assert event.payload() == screen_pop().payload()


def test_single_word_fields_stay_as_they_are() -> None:
    assert ev.AutoCallChanged("a1", True).payload() == {"agentId": "a1", "on": True}
    assert ev.camel_case("host_agent_id") == "hostAgentId"
    assert ev.camel_case("phone") == "phone"
