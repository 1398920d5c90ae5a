"""The storage contract for a campaign's dialer settings, on every storage driver: what is
written is read back, an update replaces every setting, and a campaign written without them
reads the model's defaults. On SQL, a campaign stored before the settings existed reads the
defaults after migrating."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from agentbar.domain.model.campaign import (
    DEFAULT_CALLING_HOURS,
    Campaign,
    CampaignKind,
    DialMode,
    RetryDelays,
)
from agentbar.drivers.storage import schema as schema_module
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.ports import Storage
from tests.contract.storage_drivers import PLAN

MIGRATIONS = Path(schema_module.__file__).parent / "migrations"
MESSAGE = "Sorry we missed you: this was Acme Insurance, 0800 555 0100."


def defaults(campaign: Campaign) -> Campaign:
    """A campaign of that id, name, kind and plan with every other setting at its stored
    default (calling hours: the provisioned default, not the model's any-hour one)."""
    return Campaign(
        campaign.campaign_id,
        campaign.name,
        campaign.kind,
        campaign.plan,
        calling_hours=DEFAULT_CALLING_HOURS,
    )


async def test_dialer_settings_are_read_back_as_written_and_replaced_whole(
    storage: Storage,
) -> None:
    catalog = storage.catalog
    campaign_id = catalog.upsert_campaign(
        "Dialer",
        CampaignKind.OUTBOUND,
        PLAN,
        [],
        dial_mode=DialMode.PREDICTIVE,
        abandon_limit=0.025,
        abandon_window="24h",
        min_ring_seconds=20,
        calling_hours="09:30-20:45",
        time_zone="America/Argentina/ComodRivadavia",
        abandon_message=MESSAGE,
        max_attempts=7,
        retry_delays=RetryDelays(
            busy=0,
            no_answer=1800,
            machine=7200,
            abandoned=2_592_000,
            dispositions=(("Not Interested", 604_800), ("Sale", 0)),
        ),
    )
    [dialer] = await catalog.campaigns()
    assert dialer == Campaign(
        campaign_id,
        "Dialer",
        CampaignKind.OUTBOUND,
        PLAN,
        dial_mode=DialMode.PREDICTIVE,
        abandon_limit=0.025,
        abandon_window="24h",
        min_ring_seconds=20,
        calling_hours="09:30-20:45",
        time_zone="America/Argentina/ComodRivadavia",
        abandon_message=MESSAGE,
        max_attempts=7,
        retry_delays=RetryDelays(
            busy=0,
            no_answer=1800,
            machine=7200,
            abandoned=2_592_000,
            dispositions=(("Not Interested", 604_800), ("Sale", 0)),
        ),
    )
    # Written again without them, the settings go back to their defaults: a write replaces.
    assert catalog.upsert_campaign("Dialer", CampaignKind.OUTBOUND, PLAN, []) == campaign_id
    [again] = await catalog.campaigns()
    assert again == defaults(again)
    assert (again.abandon_limit, again.abandon_window, again.time_zone) == (0.03, "30d", None)


async def test_a_long_abandon_message_in_any_script_is_kept_whole(storage: Storage) -> None:
    message = "Agentbar Ltd. — 電話ありがとうございました ☎ " + "x" * 460
    assert len(message) <= 500
    storage.catalog.upsert_campaign(
        "Dialer", CampaignKind.OUTBOUND, PLAN, [], abandon_message=message
    )
    [dialer] = await storage.catalog.campaigns()
    assert dialer.abandon_message == message


async def test_a_campaign_stored_before_the_dialer_settings_reads_their_defaults(
    tmp_path: Path,
) -> None:
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with storage.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0014")
        connection.execute(
            text(
                "INSERT INTO campaigns (campaign_id, name, kind, dial_mode)"
                " VALUES (1, 'Renewals', 'outbound', 'progressive')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO disposition_codes (campaign_id, code, class_name, position)"
                " VALUES (1, 'Renewed', 'Done', 0)"
            )
        )
    storage.migrate()
    [campaign] = await storage.catalog.campaigns()
    storage.close()
    assert campaign.dial_mode is DialMode.PROGRESSIVE
    assert campaign == Campaign(
        "1",
        "Renewals",
        CampaignKind.OUTBOUND,
        campaign.plan,
        dial_mode=DialMode.PROGRESSIVE,
        calling_hours=DEFAULT_CALLING_HOURS,
    )
