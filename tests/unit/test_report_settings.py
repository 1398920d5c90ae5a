"""What a campaign's reports and wallboard measure it by, through provisioning and the
configuration document, on the in-memory storage: each bad value is refused naming the setting
as the API spells it and changes nothing; the bounds themselves are kept; good values are live
at once and come back out of an export as they went in."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from agentbar.domain.model.campaign import Campaign, CampaignKind, WallboardThresholds
from agentbar.services.configuration import CampaignEntry, Document, campaign_entry, campaign_spec
from agentbar.services.provisioning import CampaignSpec, InvalidConfiguration, plan_of
from agentbar.services.report_settings import WallboardEntry, wallboard_entry, wallboard_of
from tests.support.admin_services import AdminServices, admin_services
from tests.support.memory_storage import MemoryStorage

PLAN = plan_of([("Resolved", ["Sale", "Info Given"])])
CLIENT = "198.51.100.7"
SUPPORT = CampaignSpec("Support", CampaignKind.INBOUND, PLAN)


@pytest.fixture
async def services() -> AdminServices:
    made = admin_services(MemoryStorage())
    await made.provisioning.put_campaign(SUPPORT, client=CLIENT)
    return made


async def stored(services: AdminServices) -> list[Campaign]:
    return list(await services.storage.catalog.campaigns())


def board(**changes: Any) -> WallboardThresholds:
    return replace(WallboardThresholds(), **changes)


# -- refusals ---------------------------------------------------------------------------------

REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"service_level_seconds": 0}, r"^serviceLevelSeconds must be from 1 to 600, not 0$"),
    ({"service_level_seconds": 601}, r"^serviceLevelSeconds must be from 1 to 600, not 601$"),
    ({"short_abandon_seconds": -1}, r"^shortAbandonSeconds must be from 0 to 60, not -1$"),
    (
        {"service_level_seconds": 90, "short_abandon_seconds": 61},
        r"^shortAbandonSeconds must be from 0 to 60, not 61$",
    ),
    (
        {"short_abandon_seconds": 20},
        r"^shortAbandonSeconds \(20\) must be less than serviceLevelSeconds \(20\)$",
    ),
    (
        {"service_level_seconds": 3},
        r"^shortAbandonSeconds \(5\) must be less than serviceLevelSeconds \(3\)$",
    ),
    (
        {"wallboard": board(service_level_warning=100.5)},
        r"^wallboard.serviceLevelWarning must be a percentage from 0 to 100, not 100.5$",
    ),
    (
        {"wallboard": board(service_level_alarm=-1.0)},
        r"^wallboard.serviceLevelAlarm must be a percentage from 0 to 100, not -1$",
    ),
    (
        {"wallboard": board(service_level_alarm=float("nan"))},
        r"^wallboard.serviceLevelAlarm must be a percentage from 0 to 100, not nan$",
    ),
    (
        {"wallboard": board(service_level_warning=50.0)},
        r"^wallboard.serviceLevelWarning \(50\) must not be below wallboard.serviceLevelAlarm "
        r"\(60\)",
    ),
    (
        {"wallboard": board(wait_warning_seconds=0)},
        r"^wallboard.waitWarningSeconds must be from 1 to 3600, not 0$",
    ),
    (
        {"wallboard": board(wait_alarm_seconds=3601)},
        r"^wallboard.waitAlarmSeconds must be from 1 to 3600, not 3601$",
    ),
    (
        {"wallboard": board(wait_warning_seconds=61)},
        r"^wallboard.waitWarningSeconds \(61\) must not be above wallboard.waitAlarmSeconds "
        r"\(60\)",
    ),
]


@pytest.mark.parametrize(("change", "problem"), REFUSED)
async def test_a_bad_setting_is_refused_by_name_and_changes_nothing(
    services: AdminServices, change: dict[str, Any], problem: str
) -> None:
    before = await stored(services)
    live = services.runtime.center.campaign_named("Support")
    with pytest.raises(InvalidConfiguration, match=problem):
        await services.provisioning.put_campaign(replace(SUPPORT, **change), client=CLIENT)
    with pytest.raises(InvalidConfiguration, match=problem):
        await services.provisioning.put_campaign(
            replace(SUPPORT, name="New", **change), client=CLIENT
        )
    assert await stored(services) == before
    assert services.runtime.center.campaign_named("Support") == live
    assert services.runtime.center.campaign_named("New") is None


# -- what is stored -----------------------------------------------------------------------------

BOUNDS: list[tuple[int, int, WallboardThresholds]] = [
    (1, 0, WallboardThresholds(100.0, 100.0, 1, 1)),
    (600, 60, WallboardThresholds(0.0, 0.0, 3600, 3600)),
    (61, 60, WallboardThresholds(100.0, 0.0, 1, 3600)),
]


@pytest.mark.parametrize(("service_level", "short_abandon", "wallboard"), BOUNDS)
async def test_the_bounds_themselves_are_kept_and_live_at_once(
    services: AdminServices, service_level: int, short_abandon: int, wallboard: WallboardThresholds
) -> None:
    spec = replace(
        SUPPORT,
        service_level_seconds=service_level,
        short_abandon_seconds=short_abandon,
        wallboard=wallboard,
    )
    campaign = await services.provisioning.put_campaign(spec, client=CLIENT)
    assert (campaign.service_level_seconds, campaign.short_abandon_seconds) == (
        service_level,
        short_abandon,
    )
    assert campaign.wallboard == wallboard
    assert services.runtime.center.campaign_named("Support") == campaign
    assert (await stored(services))[0] == campaign


def test_a_campaign_given_no_report_settings_has_the_defaults() -> None:
    body = CampaignEntry.model_validate(
        {
            "name": "Support",
            "kind": "inbound",
            "dispositions": [{"dispositionClass": "Done", "dispositionCodes": ["Sale"]}],
        }
    )
    spec = campaign_spec(body.name, body)
    assert (spec.service_level_seconds, spec.short_abandon_seconds) == (20, 5)
    assert spec.wallboard == WallboardThresholds(80.0, 60.0, 30, 60)
    assert body.model_dump(include={"serviceLevelSeconds", "shortAbandonSeconds", "wallboard"}) == {
        "serviceLevelSeconds": 20,
        "shortAbandonSeconds": 5,
        "wallboard": {
            "serviceLevelWarning": 80.0,
            "serviceLevelAlarm": 60.0,
            "waitWarningSeconds": 30,
            "waitAlarmSeconds": 60,
        },
    }


def test_a_wallboard_given_in_part_keeps_the_other_defaults() -> None:
    entry = WallboardEntry.model_validate({"serviceLevelAlarm": 50, "waitAlarmSeconds": 120})
    assert wallboard_of(entry) == WallboardThresholds(80.0, 50.0, 30, 120)
    assert wallboard_entry(wallboard_of(entry)) == entry


@pytest.mark.parametrize(
    "wallboard",
    [{"colour": "red"}, {"serviceLevelWarning": float("inf")}, {"waitAlarmSeconds": 1.5}],
)
def test_a_wallboard_that_is_not_one_is_refused_by_its_shape(wallboard: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="wallboard"):
        CampaignEntry.model_validate(
            {
                "name": "Support",
                "kind": "inbound",
                "dispositions": [{"dispositionClass": "Done", "dispositionCodes": ["Sale"]}],
                "wallboard": wallboard,
            }
        )


# -- the configuration document -----------------------------------------------------------------

ENTRY = {
    "name": "Support",
    "kind": "inbound",
    "dispositions": [{"dispositionClass": "Resolved", "dispositionCodes": ["Sale", "No"]}],
    "serviceLevelSeconds": 30,
    "shortAbandonSeconds": 10,
    "wallboard": {
        "serviceLevelWarning": 90.5,
        "serviceLevelAlarm": 75.0,
        "waitWarningSeconds": 45,
        "waitAlarmSeconds": 90,
    },
}


async def test_a_document_comes_back_out_of_an_export_as_it_went_in(
    services: AdminServices,
) -> None:
    configuration = services.configuration
    await configuration.apply(Document.model_validate({"campaigns": [ENTRY]}), client=CLIENT)
    exported = await configuration.export()
    assert exported.campaigns is not None
    [support] = exported.campaigns
    assert support.model_dump(include=set(ENTRY)) == ENTRY
    # Imported again, the export changes nothing.
    await configuration.apply(exported, client=CLIENT)
    assert await configuration.export() == exported
    live = services.runtime.center.campaign_named("Support")
    assert live is not None
    assert (live.service_level_seconds, live.short_abandon_seconds) == (30, 10)
    assert live.wallboard == WallboardThresholds(90.5, 75.0, 45, 90)
    assert campaign_entry(live) == support


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"serviceLevelSeconds": 601}, "campaign 'Support': serviceLevelSeconds must be from 1"),
        ({"shortAbandonSeconds": 30}, "campaign 'Support': shortAbandonSeconds \\(30\\) must be"),
        (
            {"wallboard": {"serviceLevelWarning": 70, "serviceLevelAlarm": 75}},
            "campaign 'Support': wallboard.serviceLevelWarning \\(70\\) must not be below",
        ),
        (
            {"wallboard": {"waitWarningSeconds": 120}},
            "campaign 'Support': wallboard.waitWarningSeconds \\(120\\) must not be above",
        ),
    ],
)
async def test_a_document_with_a_bad_report_setting_changes_nothing(
    services: AdminServices, change: dict[str, Any], problem: str
) -> None:
    before = await services.configuration.export()
    document = Document.model_validate(
        {"campaigns": [{**ENTRY, **change}], "extensions": [{"name": "Desk", "phone": "2001"}]}
    )
    with pytest.raises(InvalidConfiguration, match=problem):
        await services.configuration.apply(document, client=CLIENT)
    assert await services.configuration.export() == before
