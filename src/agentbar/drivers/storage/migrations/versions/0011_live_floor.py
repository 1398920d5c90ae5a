"""The live floor is stored: agents logged in, live calls, queue orders and pending timers,
each as the last move left it, so a restarted process goes on where the last one stopped.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "floor_agents",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "floor_calls",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "floor_queues",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("call_ids", sa.Text, nullable=False),
    )
    op.create_table(
        "floor_timers",
        sa.Column("timer_key", sa.String(200), primary_key=True),
        sa.Column("due_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("floor_timers", "floor_queues", "floor_calls", "floor_agents"):
        op.drop_table(table)
