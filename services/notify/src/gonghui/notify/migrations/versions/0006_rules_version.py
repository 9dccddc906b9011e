"""rules carry a version: every change to them bumps it, so a replica's cache of the rules
knows, with one read a batch, whether it still holds

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    versions = op.create_table(
        "rules_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules_version")),
    )
    op.bulk_insert(versions, [{"id": 1, "version": 1}])


def downgrade() -> None:
    op.drop_table("rules_version")
