"""The storage contract for what a campaign's reports and wallboard measure it by, on every
storage driver: what is written is read back, an update replaces every setting, and a campaign
written without them reads the model's defaults. On SQL, a campaign stored before the settings
existed reads the defaults after migrating."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from agentbar.domain.model.campaign import (
    DEFAULT_CALLING_HOURS,
    Campaign,
    CampaignKind,
    WallboardThresholds,
)
from agentbar.drivers.storage import schema as schema_module
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.ports import Storage
from tests.contract.storage_drivers import PLAN

MIGRATIONS = Path(schema_module.__file__).parent / "migrations"
THRESHOLDS = WallboardThresholds(
    service_level_warning=85.5,
    service_level_alarm=72.25,
    wait_warning_seconds=45,
    wait_alarm_seconds=3600,
)
MODEL_DEFAULTS = (20, 5, WallboardThresholds(80.0, 60.0, 30, 60))
"""The model's defaults, spelled out: what a campaign stored without the settings reads."""


def report_settings(campaign: Campaign) -> tuple[int, int, WallboardThresholds]:
    return (campaign.service_level_seconds, campaign.short_abandon_seconds, campaign.wallboard)


async def test_report_settings_are_read_back_as_written_and_replaced_whole(
    storage: Storage,
) -> None:
    catalog = storage.catalog
    campaign_id = catalog.upsert_campaign(
        "Support",
        CampaignKind.INBOUND,
        PLAN,
        [],
        service_level_seconds=600,
        short_abandon_seconds=0,
        wallboard=THRESHOLDS,
    )
    [support] = await catalog.campaigns()
    assert support == Campaign(
        campaign_id,
        "Support",
        CampaignKind.INBOUND,
        PLAN,
        calling_hours=DEFAULT_CALLING_HOURS,
        service_level_seconds=600,
        short_abandon_seconds=0,
        wallboard=THRESHOLDS,
    )
    # Written again without them, the settings go back to their defaults: a write replaces.
    assert catalog.upsert_campaign("Support", CampaignKind.INBOUND, PLAN, []) == campaign_id
    [again] = await catalog.campaigns()
    assert report_settings(again) == MODEL_DEFAULTS


async def test_each_campaign_keeps_its_own_report_settings(storage: Storage) -> None:
    catalog = storage.catalog
    catalog.upsert_campaign(
        "Support", CampaignKind.INBOUND, PLAN, [], service_level_seconds=30, wallboard=THRESHOLDS
    )
    catalog.upsert_campaign("Sales", CampaignKind.INBOUND, PLAN, [], short_abandon_seconds=10)
    support, sales = await catalog.campaigns()
    assert report_settings(support) == (30, 5, THRESHOLDS)
    assert report_settings(sales) == (20, 10, MODEL_DEFAULTS[2])


async def test_a_campaign_stored_before_the_report_settings_reads_their_defaults(
    tmp_path: Path,
) -> None:
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with storage.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0022")
        connection.execute(
            text("INSERT INTO campaigns (campaign_id, name, kind) VALUES (1, 'Support', 'inbound')")
        )
        connection.execute(
            text(
                "INSERT INTO disposition_codes (campaign_id, code, class_name, position)"
                " VALUES (1, 'Resolved', 'Done', 0)"
            )
        )
    storage.migrate()
    [campaign] = await storage.catalog.campaigns()
    storage.close()
    assert report_settings(campaign) == MODEL_DEFAULTS
