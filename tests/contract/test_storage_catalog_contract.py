"""The storage contract for the catalog (agents, extensions, campaigns, break reasons, IVRs)
and the server settings, on every storage driver: names are keys, writing a name replaces
what it names, and a phone belongs to one extension at most."""

from __future__ import annotations

import pytest

from agentbar.auth.passwords import Passwords
from agentbar.demo import seed_demo
from agentbar.domain.model.agent import BreakReason, Extension, ExtensionKind
from agentbar.domain.model.campaign import CampaignKind, DialMode, DispositionClass, Routing
from agentbar.domain.model.ivr import DigitCollection, Ivr
from agentbar.ports import Storage, StorageConflict
from tests.contract.storage_drivers import PLAN, a_campaign

# -- agents ------------------------------------------------------------------------------------


async def test_an_agent_is_created_then_replaced_by_id(storage: Storage) -> None:
    catalog = storage.catalog
    assert await catalog.agent("a1") is None
    catalog.upsert_agent("a1", "Ann", "$argon2id$hash")
    catalog.upsert_agent("a1", "Ann B", None, "sso")
    agent = await catalog.agent("a1")
    assert agent is not None
    assert (agent.name, agent.password_hash, agent.auth_policy) == ("Ann B", None, "sso")
    assert agent.campaign_ids == frozenset()


async def test_an_agent_gets_exactly_the_campaigns_named(storage: Storage) -> None:
    catalog = storage.catalog
    sales = a_campaign(storage, "Sales")
    support = a_campaign(storage, "Support")
    catalog.upsert_agent("a1", "Ann", None)
    assert catalog.set_agent_campaigns("a1", ["Sales", "Support"]) == []
    assert catalog.set_agent_campaigns("a1", ["Support"]) == []
    agent = await catalog.agent("a1")
    assert agent is not None
    assert agent.campaign_ids == frozenset({support})
    assert catalog.set_agent_campaigns("a1", ["Sales", "Nope", "Gone"]) == ["Nope", "Gone"]
    agent = await catalog.agent("a1")
    assert agent is not None
    assert agent.campaign_ids == frozenset({support})  # refused whole
    assert sales != support


async def test_agent_summaries_list_agents_by_id_with_campaign_names(storage: Storage) -> None:
    catalog = storage.catalog
    a_campaign(storage, "Zulu")
    a_campaign(storage, "Alpha")
    catalog.upsert_agent("b2", "Bob", None)
    catalog.upsert_agent("a1", "Ann", "$argon2id$h", "password")
    catalog.set_agent_campaigns("a1", ["Zulu", "Alpha"])
    summaries = await catalog.agent_summaries()
    assert [(s.agent_id, s.name, s.campaigns) for s in summaries] == [
        ("a1", "Ann", ["Alpha", "Zulu"]),
        ("b2", "Bob", []),
    ]
    assert (summaries[0].password_hash, summaries[0].auth_policy) == ("$argon2id$h", "password")


# -- campaigns ---------------------------------------------------------------------------------


async def test_a_campaign_keeps_its_id_and_takes_new_settings_and_plan(storage: Storage) -> None:
    catalog = storage.catalog
    catalog.upsert_agent("a1", "Ann", None)
    catalog.upsert_agent("a2", "Bob", None)
    first = catalog.upsert_campaign("Sales", CampaignKind.OUTBOUND, PLAN, ["a1"])
    other = catalog.upsert_campaign("Support", CampaignKind.INBOUND, PLAN, [])
    plan = PLAN.__class__((DispositionClass("Done", ("Closed",)),))
    again = catalog.upsert_campaign(
        "Sales",
        CampaignKind.OUTBOUND,
        plan,
        ["a2"],
        routing=Routing.RING_ALL,
        ring_timeout=12.5,
        max_misses=3,
        wrap_up_timeout=60.0,
        default_disposition="Closed",
        callback_in_dispose_dial=True,
        dial_mode=DialMode.PREVIEW,
    )
    assert again == first != other
    campaigns = await catalog.campaigns()
    assert [c.name for c in campaigns] == ["Sales", "Support"]
    sales = campaigns[0]
    assert (sales.campaign_id, sales.kind, sales.plan) == (first, CampaignKind.OUTBOUND, plan)
    assert (sales.routing, sales.ring_timeout, sales.max_misses) == (Routing.RING_ALL, 12.5, 3)
    assert (sales.wrap_up_timeout, sales.default_disposition) == (60.0, "Closed")
    assert (sales.callback_in_dispose_dial, sales.dial_mode) == (True, DialMode.PREVIEW)
    assert campaigns[1].plan == PLAN
    assert catalog.campaign_agent_ids() == {first: ["a1", "a2"]}  # agents are added, not replaced


# -- extensions ----------------------------------------------------------------------------------


async def test_extensions_list_by_phone_and_are_found_by_name_or_phone(storage: Storage) -> None:
    catalog = storage.catalog
    catalog.upsert_extension("Desk B", "1002")
    catalog.upsert_extension("Desk A", "1003")
    catalog.upsert_extension("Desk C", "1001")
    assert await catalog.extensions() == [
        Extension("Desk C", "1001"),
        Extension("Desk B", "1002"),
        Extension("Desk A", "1003"),
    ]
    assert await catalog.extensions(limit=2) == [
        Extension("Desk C", "1001"),
        Extension("Desk B", "1002"),
    ]
    assert await catalog.extension(" desk a ") == Extension("Desk A", "1003")
    assert await catalog.extension("Desk Z") is None
    assert await catalog.extension_with_phone(" 1002 ") == Extension("Desk B", "1002")
    assert await catalog.extension_with_phone("9999") is None
    catalog.upsert_extension("Desk B", "1004")  # a new phone for the same name
    assert await catalog.extension_with_phone("1004") == Extension("Desk B", "1004")
    assert await catalog.extension_with_phone("1002") is None
    assert catalog.delete_extension("Desk B")
    assert not catalog.delete_extension("Desk B")
    assert [e.name for e in await catalog.extensions()] == ["Desk C", "Desk A"]


async def test_an_extension_keeps_its_kind_and_a_rewrite_changes_it(storage: Storage) -> None:
    catalog = storage.catalog
    catalog.upsert_extension("Desk A", "1001")
    catalog.upsert_extension("Browser 2001", "2001", ExtensionKind.BROWSER)
    browser = Extension("Browser 2001", "2001", ExtensionKind.BROWSER)
    assert await catalog.extensions() == [Extension("Desk A", "1001"), browser]
    assert (await catalog.extensions())[0].kind is ExtensionKind.PHONE  # the default
    assert await catalog.extension("browser 2001") == browser
    assert await catalog.extension_with_phone("2001") == browser
    catalog.upsert_extension("Desk A", "1001", ExtensionKind.BROWSER)
    catalog.upsert_extension("Browser 2001", "2001")  # written again without a kind: a phone
    assert await catalog.extensions() == [
        Extension("Desk A", "1001", ExtensionKind.BROWSER),
        Extension("Browser 2001", "2001", ExtensionKind.PHONE),
    ]
    catalog.put_extensions(
        [Extension("Desk A", "1001"), Extension("Desk B", "1002", ExtensionKind.BROWSER)]
    )
    assert await catalog.extensions() == [
        Extension("Desk A", "1001", ExtensionKind.PHONE),
        Extension("Desk B", "1002", ExtensionKind.BROWSER),
        Extension("Browser 2001", "2001", ExtensionKind.PHONE),
    ]


async def test_a_phone_taken_by_another_extension_is_a_conflict(storage: Storage) -> None:
    catalog = storage.catalog
    catalog.upsert_extension("Desk A", "1001")
    catalog.upsert_extension("Desk B", "1002")
    with pytest.raises(StorageConflict):
        catalog.upsert_extension("Desk C", "1001", ExtensionKind.BROWSER)
    with pytest.raises(StorageConflict):
        catalog.put_extensions([Extension("Desk C", "1003"), Extension("Desk D", "1002")])
    assert await catalog.extensions() == [Extension("Desk A", "1001"), Extension("Desk B", "1002")]


async def test_extensions_put_together_may_swap_phones(storage: Storage) -> None:
    catalog = storage.catalog
    catalog.upsert_extension("Desk A", "1001")
    catalog.upsert_extension("Desk B", "1002")
    catalog.put_extensions(
        [Extension("Desk A", "1002"), Extension("Desk B", "1001"), Extension("Desk C", "1003")]
    )
    assert await catalog.extensions() == [
        Extension("Desk B", "1001"),
        Extension("Desk A", "1002"),
        Extension("Desk C", "1003"),
    ]
    catalog.put_extensions([])
    assert len(await catalog.extensions()) == 3


# -- break reasons and IVRs ----------------------------------------------------------------------


async def test_break_reasons_are_replaced_whole_in_the_order_given(storage: Storage) -> None:
    catalog = storage.catalog
    catalog.replace_break_reasons([BreakReason("Lunch"), BreakReason("Training", True)])
    catalog.replace_break_reasons([BreakReason("Training", True), BreakReason("Snacks")])
    assert await catalog.break_reasons() == [BreakReason("Training", True), BreakReason("Snacks")]
    catalog.upsert_break_reason("Lunch", False, 5)
    catalog.upsert_break_reason("Training", False, 9)
    assert [r.name for r in await catalog.break_reasons()] == ["Snacks", "Lunch", "Training"]
    assert (await catalog.break_reasons())[2].productive is False
    catalog.replace_break_reasons([])
    assert await catalog.break_reasons() == []


async def test_an_ivr_put_goes_last_and_keeps_its_place_when_described(storage: Storage) -> None:
    catalog = storage.catalog
    catalog.put_ivr("Survey", None, None)
    catalog.put_ivr("Main Menu", "press 1", None)
    catalog.put_ivr("Survey", "after the call", None)
    assert catalog.ivr_details() == [Ivr("Survey", "after the call"), Ivr("Main Menu", "press 1")]
    assert await catalog.ivrs() == ["Survey", "Main Menu"]
    catalog.upsert_ivr("Survey", 7)  # moved, described as before
    catalog.upsert_ivr("Billing", 3)
    assert catalog.ivr_details() == [
        Ivr("Main Menu", "press 1"),
        Ivr("Billing"),
        Ivr("Survey", "after the call"),
    ]
    assert catalog.delete_ivr("Billing")
    assert not catalog.delete_ivr("Billing")
    assert await catalog.ivrs() == ["Main Menu", "Survey"]


async def test_an_ivr_keeps_the_digits_it_collects_until_put_again(storage: Storage) -> None:
    catalog = storage.catalog
    pin = DigitCollection(max_digits=4, terminator="#", timeout_seconds=7.5)
    rating = DigitCollection(max_digits=1, terminator=None, timeout_seconds=10.0)
    catalog.put_ivr("Billing", "pay by phone", pin)
    catalog.put_ivr("Survey", None, rating)
    catalog.put_ivr("Main Menu", None, None)
    assert catalog.ivr_details() == [
        Ivr("Billing", "pay by phone", pin),
        Ivr("Survey", None, rating),
        Ivr("Main Menu"),
    ]
    catalog.upsert_ivr("Billing", 9)  # moved: what it collects stays
    star = DigitCollection(max_digits=32, terminator="*", timeout_seconds=120.0)
    catalog.put_ivr("Survey", "rate us", star)  # changed in place
    catalog.put_ivr("Main Menu", None, pin)
    assert catalog.ivr_details() == [
        Ivr("Survey", "rate us", star),
        Ivr("Main Menu", None, pin),
        Ivr("Billing", "pay by phone", pin),
    ]
    catalog.put_ivr("Billing", "pay by phone", None)  # collects nothing any more
    assert catalog.ivr_details()[2] == Ivr("Billing", "pay by phone", None)


async def test_seeding_the_demo_twice_changes_nothing(storage: Storage) -> None:
    passwords = Passwords(memory_kib=8, time_cost=1)
    seen = []
    for _ in range(2):
        storage.migrate()
        seed_demo(storage.catalog, passwords)
        campaigns = await storage.catalog.campaigns()
        seen.append(
            (
                [(a.agent_id, a.campaigns) for a in await storage.catalog.agent_summaries()],
                await storage.catalog.extensions(),
                [(c.campaign_id, c.name, c.plan) for c in campaigns],
                await storage.catalog.break_reasons(),
                storage.catalog.ivr_details(),
            )
        )
    assert seen[0] == seen[1]
    agents, extensions, campaigns_seen, reasons, ivrs = seen[0]
    codes = sum(len(k.codes) for _, _, plan in campaigns_seen for k in plan.classes)
    assignments = sum(len(names) for _, names in agents)
    assert (len(agents), len(extensions), len(campaigns_seen), codes) == (5, 10, 2, 8)
    kinds = [(e.name, e.kind) for e in extensions]
    assert kinds[:5] == [(f"SIP {1000 + n}", ExtensionKind.PHONE) for n in range(1, 6)]
    assert kinds[5:] == [(f"Browser {2000 + n}", ExtensionKind.BROWSER) for n in range(1, 6)]
    assert (assignments, len(reasons), len(ivrs)) == (10, 4, 2)
    assert [(ivr.name, ivr.collect) for ivr in ivrs] == [
        ("Survey", DigitCollection(max_digits=1, terminator=None, timeout_seconds=10.0)),
        ("Main Menu", None),
    ]


# -- server settings ------------------------------------------------------------------------------


async def test_allowed_origins_are_replaced_whole(storage: Storage) -> None:
    settings = storage.settings
    assert settings.allowed_origins() == []
    settings.replace_allowed_origins(["https://b.example", "https://a.example"])
    assert settings.allowed_origins() == ["https://b.example", "https://a.example"]
    settings.replace_allowed_origins([])
    assert settings.allowed_origins() == []


async def test_a_setting_keeps_its_json_value_until_set_to_none(storage: Storage) -> None:
    settings = storage.settings
    assert settings.setting("sso") is None
    settings.put_setting("sso", {"url": "https://crm.example/sso", "format": "json"})
    settings.put_setting("sso", {"url": "https://crm.example/v2", "format": "xml", "n": [1]})
    assert settings.setting("sso") == {"url": "https://crm.example/v2", "format": "xml", "n": [1]}
    settings.put_setting("sso", None)
    assert settings.setting("sso") is None
    settings.put_setting("sso", None)
