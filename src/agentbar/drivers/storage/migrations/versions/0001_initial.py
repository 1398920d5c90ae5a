"""Initial schema: agents, extensions, campaigns, dispositions, break reasons, sessions,
calls, events.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
    )
    op.create_table(
        "extensions",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("phone", sa.String(40), nullable=False, unique=True),
    )
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
    )
    op.create_table(
        "disposition_codes",
        sa.Column(
            "campaign_id",
            sa.Integer,
            sa.ForeignKey("campaigns.campaign_id"),
            primary_key=True,
        ),
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("class_name", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "campaign_agents",
        sa.Column(
            "campaign_id",
            sa.Integer,
            sa.ForeignKey("campaigns.campaign_id"),
            primary_key=True,
        ),
        sa.Column("agent_id", sa.String(64), sa.ForeignKey("agents.agent_id"), primary_key=True),
    )
    op.create_table(
        "break_reasons",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("productive", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("agent_id", sa.String(64), sa.ForeignKey("agents.agent_id"), nullable=False),
        sa.Column("crm_origin", sa.String(300), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float, nullable=True),
        sa.Column("end_reason", sa.String(200), nullable=True),
    )
    op.create_index("ix_sessions_agent_id", "sessions", ["agent_id"])
    op.create_table(
        "calls",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("call_type", sa.String(20), nullable=False),
        sa.Column(
            "campaign_id", sa.Integer, sa.ForeignKey("campaigns.campaign_id"), nullable=False
        ),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("user_crt", sa.String(64), nullable=True),
        sa.Column("customer_crt", sa.String(64), nullable=False),
        sa.Column("show_crm_request_id", sa.String(64), nullable=True),
        sa.Column("record_id", sa.String(200), nullable=True),
        sa.Column("queued_at", sa.Float, nullable=False),
        sa.Column("offered_at", sa.Float, nullable=True),
        sa.Column("answered_at", sa.Float, nullable=True),
        sa.Column("ended_at", sa.Float, nullable=True),
        sa.Column("ended_by", sa.String(20), nullable=True),
        sa.Column("disposed_at", sa.Float, nullable=True),
        sa.Column("disposition_class", sa.String(100), nullable=True),
        sa.Column("disposition_code", sa.String(100), nullable=True),
        sa.Column("disposition_note", sa.Text, nullable=True),
    )
    op.create_index("ix_calls_agent_id", "calls", ["agent_id"])
    op.create_index("ix_calls_show_crm_request_id", "calls", ["show_crm_request_id"])
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("call_id", sa.String(64), nullable=True),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_events_agent_id", "events", ["agent_id"])
    op.create_index("ix_events_call_id", "events", ["call_id"])


def downgrade() -> None:
    for table in (
        "events",
        "calls",
        "sessions",
        "break_reasons",
        "campaign_agents",
        "disposition_codes",
        "campaigns",
        "extensions",
        "agents",
    ):
        op.drop_table(table)
