"""Units of work, on every storage driver: what is written inside one lands together or not
at all, and a service operation that writes more than once is one unit — a configuration
import that fails on its last write leaves the stored configuration exactly as it was."""

from __future__ import annotations

from typing import Any, cast

import pytest

from agentbar.auth.policy import AgentLogin
from agentbar.domain.model.agent import BreakReason, Extension, ExtensionKind
from agentbar.domain.model.ivr import DigitCollection, Ivr
from agentbar.ports import Catalog, Storage, StorageConflict, WebhookStore
from agentbar.services.configuration import Document
from tests.contract.storage_drivers import a_campaign
from tests.support.admin_services import admin_services


class Injected(Exception):
    pass


class FailingOn:
    """A store that passes every call through, except the `nth` call of `method`: that one
    raises instead."""

    def __init__(self, inner: object, method: str, nth: int = 1) -> None:
        self._inner = inner
        self._method = method
        self._left = nth

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name != self._method:
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            self._left -= 1
            if self._left == 0:
                raise Injected(f"{name} fails")
            return found(*args, **kwargs)

        return call


async def test_writes_inside_a_unit_land_together(storage: Storage) -> None:
    async with storage.transaction():
        storage.catalog.upsert_extension("Desk A", "1001")
        await storage.webhooks.put_webhook("crm", "https://crm.example/h", "s" * 16, 0)
        assert await storage.catalog.extension("Desk A") == Extension("Desk A", "1001")  # inside
    assert await storage.catalog.extensions() == [Extension("Desk A", "1001")]
    assert len(await storage.webhooks.webhooks()) == 1


async def test_a_unit_that_raises_leaves_every_store_as_it_was(storage: Storage) -> None:
    storage.catalog.upsert_extension("Desk A", "1001")
    storage.settings.replace_allowed_origins(["https://a.example"])

    async def write_everywhere_then_fail() -> None:
        async with storage.transaction():
            storage.catalog.upsert_extension("Desk A", "2001")
            storage.catalog.replace_break_reasons([BreakReason("Lunch")])
            storage.settings.replace_allowed_origins([])
            storage.settings.put_setting("sso", {"url": "https://crm.example"})
            await storage.webhooks.put_webhook("crm", "https://crm.example/h", "s" * 16, 0)
            await storage.audit.append_audit(1.0, "admin_put", "admin", None, "x")
            raise Injected

    with pytest.raises(Injected):
        await write_everywhere_then_fail()
    assert await storage.catalog.extensions() == [Extension("Desk A", "1001")]
    assert await storage.catalog.break_reasons() == []
    assert storage.settings.allowed_origins() == ["https://a.example"]
    assert storage.settings.setting("sso") is None
    assert await storage.webhooks.webhooks() == []
    assert await storage.audit.audit_after(0, 10) == []


async def test_a_nested_unit_joins_the_outer_one(storage: Storage) -> None:
    async def nest_then_fail() -> None:
        async with storage.transaction():
            storage.catalog.upsert_extension("Desk A", "1001")
            async with storage.transaction():
                storage.catalog.upsert_extension("Desk B", "1002")
            raise Injected

    with pytest.raises(Injected):
        await nest_then_fail()
    assert await storage.catalog.extensions() == []


async def test_writes_outside_a_unit_land_one_by_one(storage: Storage) -> None:
    storage.catalog.upsert_extension("Desk A", "1001")
    with pytest.raises(StorageConflict):
        storage.catalog.upsert_extension("Desk B", "1001")
    assert await storage.catalog.extensions() == [Extension("Desk A", "1001")]


# -- service operations that write more than once ------------------------------------------------


def whole_document() -> Document:
    return Document.model_validate(
        {
            "campaigns": [
                {
                    "name": "Renewals",
                    "kind": "outbound",
                    "dispositions": [{"dispositionClass": "Done", "dispositionCodes": ["Renewed"]}],
                }
            ],
            "agents": [{"id": "new1", "name": "New Agent", "campaigns": ["Renewals", "Sales"]}],
            "extensions": [
                {"name": "Desk A", "phone": "2001"},
                {"name": "Desk N", "phone": "2002", "kind": "browser"},
            ],
            "ivrs": [
                {"name": "Survey", "description": "changed", "collectDigits": {"maxDigits": 4}},
                {"name": "Billing"},
            ],
            "breakReasons": [{"name": "Coffee", "productive": False}],
            "allowedOrigins": ["https://new.example"],
            "sso": {"url": "https://new.example/sso", "format": "xml"},
            "webhooks": [
                {"name": "crm", "url": "https://crm.example/new", "secret": "n" * 16},
                {"name": "bi", "url": "https://bi.example/hook", "secret": "b" * 16},
            ],
        }
    )


async def a_configured_floor(storage: Storage) -> None:
    a_campaign(storage, "Sales", agents=("a1",))
    storage.catalog.set_agent_campaigns("a1", ["Sales"])
    storage.catalog.upsert_extension("Desk A", "1001")
    storage.catalog.put_ivr("Survey", "after the call", DigitCollection(1, None, 10.0))
    storage.catalog.replace_break_reasons([BreakReason("Lunch"), BreakReason("Training", True)])
    storage.settings.replace_allowed_origins(["https://old.example"])
    storage.settings.put_setting("crm_sso", {"url": "https://old.example/sso", "format": "json"})
    await storage.webhooks.put_webhook("crm", "https://crm.example/old", "o" * 16, 0)


async def stored_configuration(storage: Storage) -> tuple[object, ...]:
    catalog = storage.catalog
    return (
        await catalog.campaigns(),
        await catalog.agent_summaries(),
        catalog.campaign_agent_ids(),
        await catalog.extensions(),
        catalog.ivr_details(),
        await catalog.break_reasons(),
        storage.settings.allowed_origins(),
        {name: storage.settings.setting(name) for name in ("crm_sso", "sso")},
        await storage.webhooks.webhooks(),
    )


async def test_an_import_that_fails_on_its_last_write_changes_nothing(storage: Storage) -> None:
    await a_configured_floor(storage)
    failing = FailingOn(storage.webhooks, "put_webhook", nth=2)
    services = admin_services(storage, webhook_store=cast(WebhookStore, failing))
    await services.provisioning.reload()
    before = await stored_configuration(storage)
    exported = await services.configuration.export()
    in_force = services.crm_settings.allowed_origins()
    audited = await storage.audit.audit_after(0, 100)
    with pytest.raises(Injected):
        await services.configuration.apply(whole_document(), client="198.51.100.7")
    assert await stored_configuration(storage) == before
    assert await services.configuration.export() == exported
    assert services.crm_settings.allowed_origins() == in_force
    assert await storage.audit.audit_after(0, 100) == audited  # an import that failed
    assert [c.name for c in services.runtime.center.campaigns.values()] == ["Sales"]


async def test_the_same_import_without_the_failure_lands_whole(storage: Storage) -> None:
    await a_configured_floor(storage)
    services = admin_services(storage)
    await services.provisioning.reload()
    await services.configuration.apply(whole_document(), client="198.51.100.7")
    catalog = storage.catalog
    assert [c.name for c in await catalog.campaigns()] == ["Sales", "Renewals"]
    summaries = {s.agent_id: s.campaigns for s in await catalog.agent_summaries()}
    assert summaries["new1"] == ["Renewals", "Sales"]
    assert await catalog.extensions() == [
        Extension("Desk A", "2001", ExtensionKind.PHONE),
        Extension("Desk N", "2002", ExtensionKind.BROWSER),
    ]
    assert catalog.ivr_details() == [
        Ivr("Survey", "changed", DigitCollection(max_digits=4, terminator="#", timeout_seconds=5)),
        Ivr("Billing"),
    ]
    assert await catalog.break_reasons() == [BreakReason("Coffee")]
    assert services.crm_settings.allowed_origins() == ["https://new.example"]
    assert [w[:2] for w in await storage.webhooks.webhooks()] == [
        ("bi", "https://bi.example/hook"),
        ("crm", "https://crm.example/new"),
    ]
    assert services.runtime.center.campaign_named("Renewals") is not None


async def test_an_agent_whose_campaigns_fail_to_store_is_not_created(storage: Storage) -> None:
    a_campaign(storage, "Sales")
    failing = FailingOn(storage.catalog, "set_agent_campaigns")
    services = admin_services(storage, catalog=cast(Catalog, failing))
    await services.provisioning.reload()
    with pytest.raises(Injected):
        await services.provisioning.put_agent(
            "a9", "Nine", None, ["Sales"], AgentLogin.ANY, client="198.51.100.7"
        )
    assert await storage.catalog.agent("a9") is None
    await services.provisioning.put_agent(
        "a9", "Nine", None, ["Sales"], AgentLogin.ANY, client="198.51.100.7"
    )
    agent = await storage.catalog.agent("a9")
    assert agent is not None
    assert len(agent.campaign_ids) == 1
