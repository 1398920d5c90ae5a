"""What only the SQL driver has: migrations that create exactly the schema it reads, in one
line of history; upserts spelled for each dialect it speaks. (Seeding twice changing nothing
is in the catalog contract.)"""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_mock_engine

from agentbar.drivers.storage import schema as schema_module
from agentbar.drivers.storage.database import upsert_statement
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
