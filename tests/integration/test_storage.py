"""The SQLite storage driver: migrations match the schema; demo seeding is idempotent."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from agentbar.auth.passwords import Passwords
from agentbar.demo import seed_demo
from agentbar.drivers.storage import schema as schema_module
from agentbar.drivers.storage.schema import metadata
from agentbar.drivers.storage.sql import SqlDatabase

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


def test_migrating_twice_and_seeding_twice_changes_nothing(tmp_path: Path) -> None:
    storage = storage_at(tmp_path / "b.db")
    passwords = Passwords(memory_kib=8, time_cost=1)
    counts = []
    for _ in range(2):
        storage.migrate()
        seed_demo(storage.catalog, passwords)
        with storage.engine.connect() as c:
            counts.append(
                tuple(
                    c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in (
                        "agents",
                        "extensions",
                        "campaigns",
                        "disposition_codes",
                        "campaign_agents",
                        "break_reasons",
                        "ivrs",
                    )
                )
            )
    storage.close()
    assert counts[0] == counts[1] == (5, 5, 2, 8, 10, 4, 2)


def test_the_migrations_form_one_line_of_history() -> None:
    """Branches that each add a migration must be re-chained when merged: one head only."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
