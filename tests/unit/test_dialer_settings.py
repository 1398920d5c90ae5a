"""A campaign's dialer settings through provisioning and the configuration document, on the
in-memory storage: each bad value is refused naming the setting and changes nothing; good
values are stored in their one spelling, live at once, and come back out of an export as
they went in."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentbar.domain.model.campaign import (
    DEFAULT_CALLING_HOURS,
    Campaign,
    CampaignKind,
    DialMode,
    RetryDelays,
)
from agentbar.services.configuration import CampaignEntry, Document, campaign_entry, campaign_spec
from agentbar.services.dialer_settings import (
    abandon_percent,
    abandon_share,
    retry_delays_entry,
    retry_delays_of,
)
from agentbar.services.provisioning import CampaignSpec, InvalidConfiguration, plan_of
from tests.support.admin_services import AdminServices, admin_services
from tests.support.memory_storage import MemoryStorage

PLAN = plan_of([("Resolved", ["Sale", "Not Interested"])])
CLIENT = "198.51.100.7"
MESSAGE = "Sorry we missed you: this was Acme Insurance, 0800 555 0100."
PREDICTIVE = CampaignSpec(
    "Dialer",
    CampaignKind.OUTBOUND,
    PLAN,
    dial_mode=DialMode.PREDICTIVE,
    abandon_message=MESSAGE,
)


@pytest.fixture
async def services() -> AdminServices:
    made = admin_services(MemoryStorage())
    await made.provisioning.put_campaign(PREDICTIVE, client=CLIENT)
    return made


async def stored(services: AdminServices) -> list[Campaign]:
    return list(await services.storage.catalog.campaigns())


# -- refusals ---------------------------------------------------------------------------------

REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"abandon_limit": 0.0}, "abandonLimit must be a percentage more than 0 and less than 100"),
    ({"abandon_limit": 1.0}, r"less than 100 \(3 is 3%\), not 100"),
    ({"abandon_limit": 1.5}, "abandonLimit .* not 150"),
    ({"abandon_limit": -0.03}, "abandonLimit .* not -3"),
    ({"abandon_window": "7d"}, "abandonWindow: unknown abandon window '7d'"),
    ({"min_ring_seconds": 14}, r"minRingSeconds must be from 15 \(the legal minimum\)"),
    ({"min_ring_seconds": 121}, "minRingSeconds .* not 121"),
    ({"calling_hours": "21:00-08:00"}, "callingHours: .* must end after they start"),
    ({"calling_hours": "8am-9pm"}, "callingHours: .* not of the form 'HH:MM-HH:MM'"),
    ({"calling_hours": "08:00-25:00"}, "callingHours: .* not a time of day"),
    ({"time_zone": "Mars/Olympus_Mons"}, "timeZone: unknown time zone 'Mars/Olympus_Mons'"),
    ({"time_zone": "America"}, "timeZone: unknown time zone 'America'"),
    ({"time_zone": "Europe/" + "x" * 100}, "timeZone is longer than 100 characters"),
    ({"abandon_message": None}, "dial mode 'predictive' needs an abandonMessage"),
    ({"abandon_message": "   "}, "abandonMessage must not be blank"),
    ({"abandon_message": "x" * 501}, "abandonMessage is longer than 500 characters"),
    ({"abandon_message": "Acme\nInsurance"}, "abandonMessage must be one line"),
    ({"abandon_message": "Acme\u202eInsurance"}, "abandonMessage must be one line"),
    ({"max_attempts": 0}, "maxAttempts must be from 1 to 20, not 0"),
    ({"max_attempts": 21}, "maxAttempts must be from 1 to 20, not 21"),
    ({"retry_delays": RetryDelays(busy=-1)}, r"retryDelays.busy must be from 0 to 2592000"),
    (
        {"retry_delays": RetryDelays(no_answer=30 * 86400 + 1)},
        "retryDelays.noAnswer must be from 0 to 2592000 seconds",
    ),
    ({"kind": CampaignKind.INBOUND}, "dial mode 'predictive' needs an outbound campaign"),
    (
        {"retry_delays": RetryDelays(dispositions=(("Sale", -5),))},
        r"retryDispositions.Sale must be from 0 to 2592000 seconds \(30 days\), not -5",
    ),
]


@pytest.mark.parametrize(("change", "problem"), REFUSED)
async def test_a_bad_setting_is_refused_by_name_and_changes_nothing(
    services: AdminServices, change: dict[str, Any], problem: str
) -> None:
    before = await stored(services)
    live = services.runtime.center.campaign_named("Dialer")
    with pytest.raises(InvalidConfiguration, match=problem):
        await services.provisioning.put_campaign(replace(PREDICTIVE, **change), client=CLIENT)
    with pytest.raises(InvalidConfiguration, match=problem):
        await services.provisioning.put_campaign(
            replace(PREDICTIVE, name="New", **change), client=CLIENT
        )
    assert await stored(services) == before
    assert services.runtime.center.campaign_named("Dialer") == live
    assert services.runtime.center.campaign_named("New") is None


@pytest.mark.parametrize("mode", [DialMode.MANUAL, DialMode.PREVIEW, DialMode.PROGRESSIVE])
async def test_every_setting_is_checked_whatever_the_mode(
    services: AdminServices, mode: DialMode
) -> None:
    spec = replace(PREDICTIVE, name="Other", dial_mode=mode, time_zone="Nowhere/Town")
    with pytest.raises(InvalidConfiguration, match="timeZone"):
        await services.provisioning.put_campaign(spec, client=CLIENT)
    # ...but only predictive dialing needs the message.
    await services.provisioning.put_campaign(
        replace(spec, time_zone=None, abandon_message=None), client=CLIENT
    )


def test_retry_delays_by_disposition_are_spelled_as_the_plan_and_come_back_out() -> None:
    body = CampaignEntry.model_validate(
        {
            "name": "Dialer",
            "kind": "outbound",
            "dispositions": [
                {"dispositionClass": "Done", "dispositionCodes": ["Sale", "Busy Later"]}
            ],
            "retryDispositions": {"busy later": 7200},
        }
    )
    spec = campaign_spec(body.name, body)
    assert spec.retry_delays.dispositions == (("Busy Later", 7200),)
    campaign = Campaign("7", spec.name, spec.kind, spec.plan, retry_delays=spec.retry_delays)
    assert campaign_entry(campaign).retryDispositions == {"Busy Later": 7200}


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"voicemail": 60}, "retryDispositions: invalid disposition code 'voicemail'"),
        ({"sale": 60, "SALE": 90}, "retryDispositions: 'Sale' is given twice"),
    ],
)
def test_a_retry_disposition_not_in_the_plan_is_refused_by_name(
    given: dict[str, int], problem: str
) -> None:
    body = CampaignEntry.model_validate(
        {
            "name": "Dialer",
            "kind": "outbound",
            "dispositions": [{"dispositionClass": "Done", "dispositionCodes": ["Sale"]}],
            "retryDispositions": given,
        }
    )
    with pytest.raises(InvalidConfiguration, match=problem):
        campaign_spec(body.name, body)


def test_an_unknown_retry_outcome_is_refused_by_name() -> None:
    body = CampaignEntry.model_validate(
        {
            "name": "Dialer",
            "kind": "outbound",
            "dispositions": [{"dispositionClass": "Done", "dispositionCodes": ["Sale"]}],
            "retryDelays": {"busy": 60, "voicemail": 60},
        }
    )
    with pytest.raises(InvalidConfiguration, match="retryDelays: unknown outcome 'voicemail'"):
        campaign_spec(body.name, body)


# -- what is stored -----------------------------------------------------------------------------


async def test_settings_are_stored_in_their_one_spelling_and_live_at_once(
    services: AdminServices,
) -> None:
    spec = replace(
        PREDICTIVE,
        abandon_limit=0.025,
        abandon_window=" 24H ",
        min_ring_seconds=20,
        calling_hours=" 9:00 - 20:30 ",
        time_zone="America/Chicago",
        max_attempts=5,
        retry_delays=RetryDelays(busy=300, no_answer=1800, machine=7200, abandoned=0),
    )
    campaign = await services.provisioning.put_campaign(spec, client=CLIENT)
    assert (campaign.abandon_window, campaign.calling_hours) == ("24h", "09:00-20:30")
    assert (campaign.abandon_limit, campaign.min_ring_seconds, campaign.max_attempts) == (
        0.025,
        20,
        5,
    )
    assert (campaign.time_zone, campaign.abandon_message) == ("America/Chicago", MESSAGE)
    assert campaign.retry_delays == spec.retry_delays
    assert services.runtime.center.campaign_named("Dialer") == campaign
    assert (await stored(services))[0] == campaign


async def test_a_campaign_given_no_dialer_settings_has_the_defaults(
    services: AdminServices,
) -> None:
    body = CampaignEntry.model_validate(
        {
            "name": "Renewals",
            "kind": "outbound",
            "dispositions": [{"dispositionClass": "Done", "dispositionCodes": ["Sale"]}],
        }
    )
    campaign = await services.provisioning.put_campaign(
        campaign_spec(body.name, body), client=CLIENT
    )
    assert campaign == Campaign(
        campaign.campaign_id,
        "Renewals",
        body.kind,
        campaign.plan,
        calling_hours=DEFAULT_CALLING_HOURS,
    )
    assert (campaign.abandon_limit, campaign.abandon_window) == (0.03, "30d")
    assert (campaign.min_ring_seconds, campaign.calling_hours) == (15, "08:00-21:00")
    assert (campaign.time_zone, campaign.abandon_message, campaign.max_attempts) == (None, None, 3)
    assert retry_delays_entry(campaign.retry_delays) == {
        "busy": 600,
        "noAnswer": 3600,
        "machine": 14400,
        "abandoned": 86400,
    }


def test_retry_delays_left_out_keep_their_defaults() -> None:
    assert retry_delays_of({"machine": 60}) == RetryDelays(machine=60)
    assert retry_delays_of({}) == RetryDelays()


# -- the API's percentage ---------------------------------------------------------------------

PERCENTAGES = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99.9999"), places=4).map(
    float
)


@given(PERCENTAGES)
def test_a_percentage_comes_back_as_it_was_written(percent: float) -> None:
    share = abandon_share(percent)
    assert 0 < share < 1
    assert abandon_percent(share) == percent


def test_the_share_is_the_decimal_the_percentage_names() -> None:
    assert [abandon_share(p) for p in (3, 7, 2.5, 0.1)] == [0.03, 0.07, 0.025, 0.001]
    assert abandon_percent(0.07) == 7.0  # 0.07 * 100 is 7.000000000000001


# -- the configuration document -----------------------------------------------------------------

ENTRY = {
    "name": "Dialer",
    "kind": "outbound",
    "dispositions": [{"dispositionClass": "Resolved", "dispositionCodes": ["Sale", "No"]}],
    "dialMode": "predictive",
    "abandonLimit": 2.5,
    "abandonWindow": "24h",
    "minRingSeconds": 18,
    "callingHours": "09:00-20:00",
    "timeZone": "Europe/London",
    "abandonMessage": MESSAGE,
    "maxAttempts": 4,
    "retryDelays": {"busy": 120, "noAnswer": 900, "machine": 3600, "abandoned": 43200},
}


async def test_a_document_comes_back_out_of_an_export_as_it_went_in(
    services: AdminServices,
) -> None:
    configuration = services.configuration
    await configuration.apply(Document.model_validate({"campaigns": [ENTRY]}), client=CLIENT)
    exported = await configuration.export()
    assert exported.campaigns is not None
    [dialer] = [c for c in exported.campaigns if c.name == "Dialer"]
    assert dialer.model_dump(include=set(ENTRY)) == ENTRY
    # Imported again, the export changes nothing.
    await configuration.apply(exported, client=CLIENT)
    assert await configuration.export() == exported
    live = services.runtime.center.campaign_named("Dialer")
    assert live is not None
    assert campaign_entry(live) == dialer


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"abandonLimit": 100}, "campaign 'Dialer': abandonLimit must be a percentage"),
        ({"timeZone": "Atlantis/Capital"}, "campaign 'Dialer': timeZone: unknown time zone"),
        ({"abandonMessage": None}, "campaign 'Dialer': dial mode 'predictive' needs an"),
        ({"retryDelays": {"fax": 1}}, "campaign 'Dialer': retryDelays: unknown outcome 'fax'"),
    ],
)
async def test_a_document_with_a_bad_dialer_setting_changes_nothing(
    services: AdminServices, change: dict[str, Any], problem: str
) -> None:
    before = await services.configuration.export()
    document = Document.model_validate(
        {"campaigns": [{**ENTRY, **change}], "extensions": [{"name": "Desk", "phone": "2001"}]}
    )
    with pytest.raises(InvalidConfiguration, match=problem):
        await services.configuration.apply(document, client=CLIENT)
    assert await services.configuration.export() == before
