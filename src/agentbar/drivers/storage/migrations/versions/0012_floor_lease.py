"""The floor's lease and the nodes' heartbeats: one node at a time decides for the floor,
and every write of the floor carries the lease's epoch as its fencing token.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    lease = op.create_table(
        "floor_lease",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=True),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    # The one row every acquire and every fenced write updates: it exists from the start,
    # so taking the lease is always an UPDATE that one node wins.
    op.bulk_insert(lease, [{"name": "floor", "owner": None, "epoch": 0, "expires_at": 0.0}])
    op.create_table(
        "cluster_nodes",
        sa.Column("node_id", sa.String(100), primary_key=True),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("sockets", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cluster_nodes")
    op.drop_table("floor_lease")
