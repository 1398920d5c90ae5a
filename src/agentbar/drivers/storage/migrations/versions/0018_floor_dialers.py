"""Each predictive campaign's dialer (its abandon window, figures and dial level) is stored
with the live floor, so a restart or another node goes on counting the same window.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "floor_dialers",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("floor_dialers")
