"""notify's copy of a station keeps its area and operator (scoped notices)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.add_column(sa.Column("area_code", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("operator", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("operator")
        batch.drop_column("area_code")
