"""units name their head (一把手); representatives have display names and areas

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("responsible_person", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("responsible_person_name", sa.String(length=50), nullable=True))
    op.create_table(
        "representatives",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representatives")),
    )
    op.create_index(op.f("ix_representatives_area_code"), "representatives", ["area_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_representatives_area_code"), table_name="representatives")
    op.drop_table("representatives")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("responsible_person_name")
        batch.drop_column("responsible_person")
