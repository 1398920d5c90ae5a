"""Lead lists for outbound campaigns, and each campaign's dial mode.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("dial_mode", sa.String(20), nullable=False, server_default="manual")
        )
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.String(64), primary_key=True),
        sa.Column(
            "campaign_id", sa.Integer, sa.ForeignKey("campaigns.campaign_id"), nullable=False
        ),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("call_id", sa.String(64), nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_leads_state", "leads", ["state"])


def downgrade() -> None:
    op.drop_table("leads")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("dial_mode")
