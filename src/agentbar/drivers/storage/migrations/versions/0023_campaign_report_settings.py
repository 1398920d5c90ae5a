"""What a campaign's reports and wallboard measure it by: the seconds within which an answered
call counts toward the service level, the seconds under which an abandoned call is a short
abandon, and where the wallboard turns its service level and longest wait amber and red. The
server defaults are the model's defaults, so a campaign stored before them is measured by those.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

COLUMNS = (
    ("service_level_seconds", sa.Integer, "20"),
    ("short_abandon_seconds", sa.Integer, "5"),
    ("wallboard_sl_warning", sa.Float, "80"),
    ("wallboard_sl_alarm", sa.Float, "60"),
    ("wallboard_wait_warning", sa.Integer, "30"),
    ("wallboard_wait_alarm", sa.Integer, "60"),
)


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        for name, kind, default in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=default))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        for name, *_ in reversed(COLUMNS):
            batch.drop_column(name)
