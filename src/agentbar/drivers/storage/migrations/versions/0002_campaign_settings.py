"""Campaign settings: routing strategy, ring timeout and misses, wrap-up timeout and default.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("routing", sa.String(20), nullable=False, server_default="longest_idle")
        )
        batch.add_column(sa.Column("ring_timeout", sa.Float, nullable=True))
        batch.add_column(sa.Column("max_misses", sa.Integer, nullable=True))
        batch.add_column(sa.Column("wrap_up_timeout", sa.Float, nullable=True))
        batch.add_column(sa.Column("default_disposition", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        for column in (
            "default_disposition",
            "wrap_up_timeout",
            "max_misses",
            "ring_timeout",
            "routing",
        ):
            batch.drop_column(column)
