"""A call's screen pop id is named in agentbar's words: `show_crm_request_id` becomes
`screen_pop_id` (the CRM's name for it lives only in the toolbar's CRM module).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain column rename: SQLite (3.25+) and PostgreSQL both do it in place, keeping rows.
    op.drop_index("ix_calls_show_crm_request_id", table_name="calls")
    op.alter_column("calls", "show_crm_request_id", new_column_name="screen_pop_id")
    op.create_index("ix_calls_screen_pop_id", "calls", ["screen_pop_id"])


def downgrade() -> None:
    op.drop_index("ix_calls_screen_pop_id", table_name="calls")
    op.alter_column("calls", "screen_pop_id", new_column_name="show_crm_request_id")
    op.create_index("ix_calls_show_crm_request_id", "calls", ["show_crm_request_id"])
