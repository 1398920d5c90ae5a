"""The digits an IVR asks callers for: at most `collect_max_digits` keys, ended early by
`collect_terminator` (null: no key does) or after `collect_timeout_seconds` without one. An IVR
stored before, its collect_max_digits null, collects nothing, as before.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ivrs") as batch:
        batch.add_column(sa.Column("collect_max_digits", sa.Integer, nullable=True))
        batch.add_column(sa.Column("collect_terminator", sa.String(1), nullable=True))
        batch.add_column(sa.Column("collect_timeout_seconds", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ivrs") as batch:
        batch.drop_column("collect_timeout_seconds")
        batch.drop_column("collect_terminator")
        batch.drop_column("collect_max_digits")
