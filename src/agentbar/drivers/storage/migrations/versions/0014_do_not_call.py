"""The do-not-call list: numbers (E.164) never to be dialled, each with a note and when it was
listed.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "do_not_call",
        sa.Column("phone", sa.String(40), primary_key=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("added_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("do_not_call")
