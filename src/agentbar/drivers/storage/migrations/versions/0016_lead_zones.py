"""A lead's time zones (its own, or its number's region's), for its calling hours: stored as
one comma-separated text, empty when unknown.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("zones", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("zones")
