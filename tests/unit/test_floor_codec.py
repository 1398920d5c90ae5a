"""The stored floor's agents and calls as JSON documents: one stored before a field was added
still loads, with that field's default (or what the older fields say)."""

from __future__ import annotations

import json

from agentbar.domain.model.agent import Agent, AgentProfile, AgentState, Extension, ExtensionKind
from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.drivers.storage.floor_codec import agent_doc, agent_of, call_doc, call_of


def an_agent(extension: Extension) -> Agent:
    profile = AgentProfile("a1", "Ann", frozenset({"1"}))
    return Agent(profile, AgentState.READY, 5.0, extension=extension, campaign_id="1")


def test_an_agent_with_a_browser_extension_comes_back_as_it_was() -> None:
    agent = an_agent(Extension("Browser 2001", "2001", ExtensionKind.BROWSER))
    assert agent_of(agent_doc(agent)) == agent


def test_an_agent_stored_before_extensions_had_a_kind_works_from_a_phone() -> None:
    doc = json.loads(agent_doc(an_agent(Extension("SIP 1001", "1001"))))
    del doc["extension"]["kind"]
    assert doc["extension"] == {"name": "SIP 1001", "phone": "1001"}  # as stored before

    restored = agent_of(json.dumps(doc))

    assert restored.extension is not None
    assert restored.extension.kind is ExtensionKind.PHONE
    assert restored == an_agent(Extension("SIP 1001", "1001"))


def a_connected_call() -> Call:
    call = Call("c1", CallType.INBOUND, "1", "+14085551212", "crt-c", 5.0)
    call.state, call.agent_id, call.user_crt, call.answered_at = CallState.CONNECTED, "a1", "u", 6.0
    return call


def test_a_held_call_comes_back_held_since_the_same_moment() -> None:
    call = a_connected_call()
    call.put_on_hold(10.0)
    assert "on_hold" not in json.loads(call_doc(call))  # derived from held_at, not stored

    restored = call_of(call_doc(call), read_at=99.0)

    assert restored.on_hold
    assert restored.held_at == 10.0
    assert restored.held_until(14.0) == 4.0


def test_a_call_stored_on_hold_before_holds_had_a_start_is_still_on_hold() -> None:
    doc = json.loads(call_doc(a_connected_call()))
    doc["on_hold"] = True  # as stored before: a flag, no held_at
    del doc["held_at"]

    restored = call_of(json.dumps(doc), read_at=50.0)

    assert restored.on_hold
    restored.end_hold(53.0)
    assert (restored.on_hold, restored.hold_seconds) == (False, 3.0)


def test_a_call_stored_before_holds_had_a_start_and_not_on_hold_is_not_held() -> None:
    doc = json.loads(call_doc(a_connected_call()))
    doc["on_hold"] = False
    del doc["held_at"]

    assert not call_of(json.dumps(doc), read_at=50.0).on_hold
