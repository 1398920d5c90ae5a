"""Alembic environment: runs on the connection the storage driver hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from agentbar.drivers.storage.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("agentbar migrations run through SqlDatabase.migrate(), not the alembic CLI")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
