"""CRM-backed sessions keep the CRM's session id; the audit log of logins and logouts.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("crm_session_id", sa.String(200), nullable=True))
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("client", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
    )
    op.create_index("ix_audit_log_username", "audit_log", ["username"])


def downgrade() -> None:
    op.drop_table("audit_log")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("crm_session_id")
