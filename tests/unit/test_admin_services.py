"""Provisioning and the configuration document on the in-memory storage: the rules the
services keep before anything is stored."""

from __future__ import annotations

import pytest

from agentbar.auth.policy import AgentLogin
from agentbar.domain.model.agent import Extension, ExtensionKind
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.ivr import DigitCollection, Ivr
from agentbar.services.configuration import Document
from agentbar.services.provisioning import (
    CampaignSpec,
    InvalidConfiguration,
    ivr_collection,
    plan_of,
)
from tests.support.admin_services import AdminServices, admin_services
from tests.support.memory_storage import MemoryStorage

PLAN = plan_of([("Resolved", ["Sale", "Info Given"])])


@pytest.fixture
async def services() -> AdminServices:
    made = admin_services(MemoryStorage())
    await made.provisioning.put_campaign(
        CampaignSpec("Sales", CampaignKind.OUTBOUND, PLAN), client="198.51.100.7"
    )
    return made


async def test_a_stored_campaign_is_live_at_once(services: AdminServices) -> None:
    campaign = await services.provisioning.put_campaign(
        CampaignSpec("Support", CampaignKind.INBOUND, PLAN, default_disposition="Sale"),
        client="198.51.100.7",
    )
    assert services.runtime.center.campaign_named("Support") == campaign
    assert [c.name for c in await services.storage.catalog.campaigns()] == ["Sales", "Support"]


async def test_a_campaign_with_a_default_outside_its_plan_is_refused(
    services: AdminServices,
) -> None:
    spec = CampaignSpec("Support", CampaignKind.INBOUND, PLAN, default_disposition="Nope")
    with pytest.raises(InvalidConfiguration, match="not in the plan"):
        await services.provisioning.put_campaign(spec, client="198.51.100.7")
    assert services.runtime.center.campaign_named("Support") is None


async def test_an_agent_in_an_unknown_campaign_is_refused_and_not_stored(
    services: AdminServices,
) -> None:
    with pytest.raises(InvalidConfiguration, match="no campaign named 'Nope'"):
        await services.provisioning.put_agent(
            "a1", "Ann", None, ["Sales", "Nope"], client="198.51.100.7"
        )
    assert await services.storage.catalog.agent("a1") is None


async def test_an_agent_is_stored_with_a_hashed_password_and_its_campaigns(
    services: AdminServices,
) -> None:
    await services.provisioning.put_agent(
        "a1", "Ann", "correct horse", ["Sales"], AgentLogin.PASSWORD, client="198.51.100.7"
    )
    [summary] = await services.storage.catalog.agent_summaries()
    assert summary.campaigns == ["Sales"]
    assert summary.password_hash is not None
    assert summary.password_hash.startswith("$argon2id$")


async def test_a_phone_of_another_extension_is_refused(services: AdminServices) -> None:
    await services.provisioning.put_extension("Desk A", "1001", client="198.51.100.7")
    with pytest.raises(InvalidConfiguration, match="already belongs to 'Desk A'"):
        await services.provisioning.put_extension("Desk B", "1001", client="198.51.100.7")
    await services.provisioning.put_extension(
        "Desk A", "1001", client="198.51.100.7"
    )  # its own phone, again
    assert await services.storage.catalog.extensions() == [Extension("Desk A", "1001")]


async def test_an_extension_is_put_with_its_kind(services: AdminServices) -> None:
    await services.provisioning.put_extension(
        "Browser 2001", "2001", ExtensionKind.BROWSER, client="198.51.100.7"
    )
    await services.provisioning.put_extension("SIP 1001", "1001", client="198.51.100.7")
    assert await services.provisioning.extension("Browser 2001") == Extension(
        "Browser 2001", "2001", ExtensionKind.BROWSER
    )
    assert [(e.name, e.kind) for e in await services.provisioning.extensions()] == [
        ("SIP 1001", ExtensionKind.PHONE),
        ("Browser 2001", ExtensionKind.BROWSER),
    ]


async def test_an_ivr_named_like_another_but_for_case_is_refused(services: AdminServices) -> None:
    await services.provisioning.put_ivr("Survey", None, None, client="198.51.100.7")
    with pytest.raises(InvalidConfiguration, match="exists already"):
        await services.provisioning.put_ivr("SURVEY", "loud", None, client="198.51.100.7")
    assert services.storage.catalog.ivr_details() == [Ivr("Survey")]


async def test_an_ivrs_collection_is_what_a_call_reaching_it_is_asked_for(
    services: AdminServices,
) -> None:
    pin = DigitCollection(max_digits=4, terminator="#", timeout_seconds=8.0)
    await services.provisioning.put_ivr("Billing", "pay by phone", pin, client="198.51.100.7")
    await services.provisioning.put_ivr("Main Menu", None, None, client="198.51.100.7")
    assert ivr_collection(services.storage.catalog, "Billing") == pin
    assert services.provisioning.ivr("Billing") == Ivr("Billing", "pay by phone", pin)
    assert ivr_collection(services.storage.catalog, "Main Menu") is None  # only plays its prompt
    assert ivr_collection(services.storage.catalog, "Nowhere") is None
    await services.provisioning.put_ivr("Billing", "pay by phone", None, client="198.51.100.7")
    assert ivr_collection(services.storage.catalog, "Billing") is None  # put again without one


async def test_an_ivrs_collection_goes_through_the_file_and_back(
    services: AdminServices,
) -> None:
    doc = Document.model_validate(
        {
            "ivrs": [
                {"name": "Survey", "collectDigits": {"maxDigits": 1, "terminator": None}},
                {"name": "Billing", "collectDigits": {"maxDigits": 6, "timeoutSeconds": 12.5}},
                {"name": "Main Menu"},
            ]
        }
    )
    await services.configuration.apply(doc, client="198.51.100.7")
    assert services.storage.catalog.ivr_details() == [
        Ivr("Survey", None, DigitCollection(max_digits=1, terminator=None, timeout_seconds=5)),
        Ivr("Billing", None, DigitCollection(max_digits=6, terminator="#", timeout_seconds=12.5)),
        Ivr("Main Menu"),
    ]
    exported = await services.configuration.export()
    # The file leaves nulls out; "no terminator" must not come back as the default '#'.
    written = exported.model_dump(mode="json", exclude_none=True)
    assert written["ivrs"] == [
        {
            "name": "Survey",
            "collectDigits": {"maxDigits": 1, "terminator": None, "timeoutSeconds": 5.0},
        },
        {
            "name": "Billing",
            "collectDigits": {"maxDigits": 6, "terminator": "#", "timeoutSeconds": 12.5},
        },
        {"name": "Main Menu"},
    ]
    elsewhere = admin_services(MemoryStorage())
    await elsewhere.configuration.apply(Document.model_validate(written), client="198.51.100.7")
    assert await elsewhere.configuration.export() == exported


async def test_an_import_refused_anywhere_changes_nothing(services: AdminServices) -> None:
    doc = Document.model_validate(
        {
            "extensions": [{"name": "Desk A", "phone": "1001"}],
            "agents": [{"id": "a1", "name": "Ann", "campaigns": ["Nope"]}],
        }
    )
    with pytest.raises(InvalidConfiguration, match="agent 'a1': no campaign named 'Nope'"):
        await services.configuration.apply(doc, client="198.51.100.7")
    assert await services.storage.catalog.extensions() == []
    assert await services.storage.catalog.agent_summaries() == []


async def test_an_exported_configuration_imports_into_an_empty_server_as_it_was(
    services: AdminServices,
) -> None:
    doc = Document.model_validate(
        {
            "agents": [
                {"id": "a1", "name": "Ann", "password": "correct horse", "campaigns": ["Sales"]}
            ],
            "extensions": [
                {"name": "Desk A", "phone": "1001"},
                {"name": "Browser 2001", "phone": "2001", "kind": "browser"},
            ],
            "ivrs": [{"name": "Survey", "description": "after the call"}],
            "breakReasons": [{"name": "Lunch"}, {"name": "Training", "productive": True}],
            "allowedOrigins": ["https://crm.example"],
            "sso": {"url": "https://crm.example/sso", "format": "form"},
            "webhooks": [{"name": "bi", "url": "https://bi.example/h", "secret": "s" * 16}],
        }
    )
    applied = await services.configuration.apply(doc, client="198.51.100.7")
    assert (applied.agents, applied.webhooks, applied.sso) == (1, 1, 1)
    exported = await services.configuration.export()
    elsewhere = admin_services(MemoryStorage())
    await elsewhere.configuration.apply(exported, client="198.51.100.7")
    assert await elsewhere.configuration.export() == exported
    assert exported.agents is not None
    assert exported.agents[0].passwordHash is not None
    assert exported.extensions is not None
    assert [(e.name, e.kind) for e in exported.extensions] == [
        ("Desk A", ExtensionKind.PHONE),  # no kind given: a phone
        ("Browser 2001", ExtensionKind.BROWSER),
    ]
    assert exported.model_dump(mode="json")["extensions"][1] == {
        "name": "Browser 2001",
        "phone": "2001",
        "kind": "browser",
    }
    assert elsewhere.crm_settings.allowed_origins() == ["https://crm.example"]
