"""Call legs, transfers and IVRs: who was on each call and when, and where it was handed on.

Conferences are legs (purpose 'conference'): a party's leg is the whole of what there is to
know about it (who, joined when, left when and why), so it needs no table of its own.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("transferred_from", sa.String(64), nullable=True))
        batch.add_column(sa.Column("tpv", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_calls_transferred_from", "calls", ["transferred_from"])
    op.create_table(
        "call_legs",
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.call_id"), primary_key=True),
        sa.Column("leg_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("party", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("answered_at", sa.Float, nullable=True),
        sa.Column("ended_at", sa.Float, nullable=True),
        sa.Column("end_reason", sa.String(40), nullable=True),
    )
    op.create_table(
        "call_transfers",
        sa.Column("transfer_id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.call_id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("leg_id", sa.String(64), nullable=True),
        sa.Column("new_call_id", sa.String(64), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("requested_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float, nullable=True),
    )
    op.create_index("ix_call_transfers_call_id", "call_transfers", ["call_id"])
    op.create_table(
        "ivrs",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ivrs")
    op.drop_index("ix_call_transfers_call_id", "call_transfers")
    op.drop_table("call_transfers")
    op.drop_table("call_legs")
    op.drop_index("ix_calls_transferred_from", "calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("tpv")
        batch.drop_column("transferred_from")
