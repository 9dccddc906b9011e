"""workers' presence per grid cell, for siting the next station

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_presence",
        sa.Column("cell_lat", sa.Integer(), nullable=False),
        sa.Column("cell_lon", sa.Integer(), nullable=False),
        sa.Column("worker_ref", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cell_lat", "cell_lon", "worker_ref", "source", name=op.f("pk_worker_presence")
        ),
    )
    with op.batch_alter_table("worker_presence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_worker_presence_area_code"), ["area_code"])
        batch_op.create_index(batch_op.f("ix_worker_presence_last_seen"), ["last_seen"])
        batch_op.create_index("ix_worker_presence_worker_ref", ["worker_ref", "source"])


def downgrade() -> None:
    op.drop_table("worker_presence")
