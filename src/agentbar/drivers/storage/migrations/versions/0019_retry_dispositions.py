"""A campaign's retry delays by disposition code (JSON, seconds by code): a lead whose call was
disposed with one of them is dialled again after that long.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("retry_dispositions", sa.Text, nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("retry_dispositions")
