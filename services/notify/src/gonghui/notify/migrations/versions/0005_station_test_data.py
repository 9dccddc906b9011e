"""notify's copy of the stations knows a sandbox's test data (never named to workers)

Stations a sandbox registered before this revision stay unmarked: their registration carried no
flag.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.add_column(
            sa.Column("test_data", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("test_data")
