"""a sign-up keeps who to tell (the signed-in worker's own id) when a waitlisted place opens

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity_signups") as batch:
        batch.add_column(sa.Column("recipient", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activity_signups") as batch:
        batch.drop_column("recipient")
