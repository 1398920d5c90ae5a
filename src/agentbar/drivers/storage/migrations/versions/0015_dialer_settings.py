"""Each campaign's dialer settings: the abandon limit and its window, the minimum ring time,
calling hours and the campaign's time zone, the abandon message, attempts per lead and the
retry delay after each outcome. The server defaults are the model's defaults, so a campaign
stored before them reads as it always did.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = (
    ("abandon_limit", sa.Float, False, "0.03"),
    ("abandon_window", sa.String(8), False, "30d"),
    ("min_ring_seconds", sa.Integer, False, "15"),
    ("calling_hours", sa.String(20), False, "08:00-21:00"),
    ("time_zone", sa.String(100), True, None),
    ("abandon_message", sa.String(500), True, None),
    ("max_attempts", sa.Integer, False, "3"),
    ("retry_busy_seconds", sa.Integer, False, "600"),
    ("retry_no_answer_seconds", sa.Integer, False, "3600"),
    ("retry_machine_seconds", sa.Integer, False, "14400"),
    ("retry_abandoned_seconds", sa.Integer, False, "86400"),
)


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        for name, kind, nullable, default in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=nullable, server_default=default))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        for name, *_ in reversed(COLUMNS):
            batch.drop_column(name)
