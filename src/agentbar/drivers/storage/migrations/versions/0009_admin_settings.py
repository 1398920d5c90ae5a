"""Administration: an agent's login policy, IVR descriptions, the stored CRM origin
allow-list and server settings changed through the admin API (the CRM SSO endpoint).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 'any': every login policy the page asks for, as before this column existed.
    op.add_column(
        "agents",
        sa.Column("auth_policy", sa.String(20), nullable=False, server_default="any"),
    )
    op.add_column("ivrs", sa.Column("description", sa.String(200), nullable=True))
    op.create_table(
        "allowed_origins",
        sa.Column("origin", sa.String(300), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "server_settings",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("server_settings")
    op.drop_table("allowed_origins")
    with op.batch_alter_table("ivrs") as batch:
        batch.drop_column("description")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("auth_policy")
