"""An extension's kind: `phone` (a SIP desk phone or softphone of the agent's own, what every
extension stored before was) or `browser` (the toolbar's own phone).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("extensions") as batch:
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="phone"))


def downgrade() -> None:
    with op.batch_alter_table("extensions") as batch:
        batch.drop_column("kind")
