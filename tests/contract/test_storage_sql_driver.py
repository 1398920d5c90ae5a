"""What only the SQL driver has: migrations that create exactly the schema it reads (on SQLite
and on PostgreSQL), in one
line of history; upserts spelled for each dialect it speaks. (Seeding twice changing nothing
is in the catalog contract.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_mock_engine, text

from agentbar.domain.model.agent import Extension, ExtensionKind
from agentbar.drivers.storage import schema as schema_module
from agentbar.drivers.storage.database import upsert_statement
from agentbar.drivers.storage.schema import metadata
from agentbar.drivers.storage.sql import SqlDatabase
from examples.services.postgres import PostgresServer

MIGRATIONS = Path(schema_module.__file__).parent / "migrations"


def storage_at(path: Path) -> SqlDatabase:
    return SqlDatabase(f"sqlite:///{path}")


def test_migrations_create_exactly_the_schema_the_code_reads(tmp_path: Path) -> None:
    storage = storage_at(tmp_path / "a.db")
    storage.migrate()
    with storage.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    storage.close()
    assert differences == []


@pytest.mark.postgres
def test_migrations_create_exactly_that_schema_on_postgresql_too(postgres: PostgresServer) -> None:
    storage = SqlDatabase(postgres.new_database())
    storage.migrate()
    storage.migrate()  # a second run finds nothing to do
    with storage.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    storage.close()
    assert differences == []


def test_the_migrations_form_one_line_of_history() -> None:
    """Branches that each add a migration must be re-chained when merged: one head only."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None


def test_an_upsert_is_spelled_for_sqlite_and_for_postgresql_alike() -> None:
    for name in ("sqlite", "postgresql"):
        dialect = create_mock_engine(f"{name}://", executor=print).dialect
        statement = upsert_statement(name, schema_module.ivrs, ("name",), ("name", "position"))
        sql = " ".join(str(statement.compile(dialect=dialect)).split())
        assert "ON CONFLICT (name) DO UPDATE SET position = excluded.position" in sql, name


async def test_a_database_from_before_the_screen_pop_rename_keeps_its_calls(tmp_path: Path) -> None:
    """Migration 0010 renames a column that holds data: a stored call keeps its pop id."""
    storage = storage_at(tmp_path / "old.db")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with storage.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
        connection.execute(
            text("INSERT INTO campaigns (campaign_id, name, kind) VALUES (1, 'S', 'inbound')")
        )
        connection.execute(
            text(
                "INSERT INTO calls (call_id, call_type, campaign_id, phone, state, customer_crt,"
                " show_crm_request_id, queued_at) VALUES ('c1', 'inbound', 1, '+15550100',"
                " 'connected', 'crt-c', 'pop-1', 1.0)"
            )
        )
    storage.migrate()
    record = await storage.events.call_record("c1")
    storage.close()
    assert record is not None
    assert record.call.screen_pop_id == "pop-1"


async def test_an_extension_stored_before_kinds_is_a_phone(tmp_path: Path) -> None:
    """Migration 0020 adds the extensions' kind: those already stored are phones."""
    storage = storage_at(tmp_path / "old.db")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with storage.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0019")
        connection.execute(text("INSERT INTO extensions (name, phone) VALUES ('SIP 1001', '1001')"))
    storage.migrate()
    found = await storage.catalog.extension("SIP 1001")
    storage.close()
    assert found == Extension("SIP 1001", "1001", ExtensionKind.PHONE)
