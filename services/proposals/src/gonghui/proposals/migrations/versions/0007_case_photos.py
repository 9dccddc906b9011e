"""photos of cases (metadata stripped on upload)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:40:00
"""

from collections.abc import Sequence

import gonghui.shared.db
import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposal_photos",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("proposal_id", sa.String(length=40), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", gonghui.shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_photos_proposal_id_proposals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_photos")),
    )
    with op.batch_alter_table("proposal_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_photos_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("proposal_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_photos_proposal_id"))
    op.drop_table("proposal_photos")
