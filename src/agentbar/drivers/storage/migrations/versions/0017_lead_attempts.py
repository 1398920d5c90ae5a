"""A lead's attempts (every ended dial and its outcome, as JSON) and when it may be dialled
again, for the campaign's retry rules.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("attempts", sa.Text, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("next_try_at", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("next_try_at")
        batch.drop_column("attempts")
