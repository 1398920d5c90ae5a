"""The stored floor's agents as JSON documents: one stored before a field was added still
loads, with that field's default."""

from __future__ import annotations

import json

from agentbar.domain.model.agent import Agent, AgentProfile, AgentState, Extension, ExtensionKind
from agentbar.drivers.storage.floor_codec import agent_doc, agent_of


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
