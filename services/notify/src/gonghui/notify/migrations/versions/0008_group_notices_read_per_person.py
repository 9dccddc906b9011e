"""a group inbox's notice is read per person: one member's mark no longer reads it for all

A notice already marked read stays read for everyone (its `read_at`); new marks on a group's
notices are each member's own, in `notification_reads`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gonghui.shared.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_reads",
        sa.Column("reader", sa.String(length=100), nullable=False),
        sa.Column("notification_id", sa.String(length=40), nullable=False),
        sa.Column("read_at", gonghui.shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reader", "notification_id", name=op.f("pk_notification_reads")),
    )


def downgrade() -> None:
    op.drop_table("notification_reads")
