"""What the reports read: a call's seconds on hold, and the indexes that find a day's calls (by
campaign, or all), a day's agent events, and each agent's state before the day, without reading
the rest. Calls stored before have
held for 0 seconds.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(
            sa.Column("hold_seconds", sa.Float, nullable=False, server_default=sa.text("0"))
        )
    op.create_index("ix_calls_queued_at", "calls", ["queued_at"])
    op.create_index("ix_calls_campaign_queued_at", "calls", ["campaign_id", "queued_at"])
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.create_index("ix_events_kind_agent_at", "events", ["kind", "agent_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_events_kind_agent_at", "events")
    op.drop_index("ix_events_kind_at", "events")
    op.drop_index("ix_calls_campaign_queued_at", "calls")
    op.drop_index("ix_calls_queued_at", "calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("hold_seconds")
