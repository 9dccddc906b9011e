"""workers' ratings and complaints; re-inspections they open

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gonghui.shared.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "station_feedback",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("worker_ref", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("received_at", gonghui.shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", gonghui.shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("resolution", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_feedback")),
    )
    with op.batch_alter_table("station_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_station_feedback_area_code"), ["area_code"], unique=False
        )
        batch_op.create_index(
            "ix_station_feedback_code_received_at", ["code", "received_at"], unique=False
        )
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reinspection", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column(
                "reinspection_opened_at",
                gonghui.shared.db.UtcDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_column("reinspection_opened_at")
        batch_op.drop_column("reinspection")
    with op.batch_alter_table("station_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_station_feedback_code_received_at")
        batch_op.drop_index(batch_op.f("ix_station_feedback_area_code"))
    op.drop_table("station_feedback")
