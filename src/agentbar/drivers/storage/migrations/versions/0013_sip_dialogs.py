"""The SIP driver's dialogs with the phones, one JSON document per dialog by its Call-ID, so a
restarted process can hang up, hold and transfer the calls the network kept up.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sip_dialogs",
        # Text, not a bounded string: a trunk's Call-ID may be of any length.
        sa.Column("dialog_key", sa.Text, primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sip_dialogs")
