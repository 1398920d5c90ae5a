"""Callbacks scheduled by dispositions, kept until dialled so a restart loses none.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callbacks",
        sa.Column("callback_id", sa.String(64), primary_key=True),
        sa.Column(
            "campaign_id", sa.Integer, sa.ForeignKey("campaigns.campaign_id"), nullable=False
        ),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("due_at", sa.Float, nullable=False),
        sa.Column("scheduled_by", sa.String(64), nullable=False),
        sa.Column("for_agent", sa.String(64), nullable=True),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_callbacks_state", "callbacks", ["state"])


def downgrade() -> None:
    op.drop_table("callbacks")
