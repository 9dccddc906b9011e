"""scoped notices: areas on stations, notifications and rules; one notice per fact; urgent when

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
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("area_code", sa.String(length=12), nullable=True))
    with op.batch_alter_table("rules") as batch:
        batch.add_column(sa.Column("not_via", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("urgent_when", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("area_code", sa.String(length=12), nullable=True))
    # The default rule a deployment already holds learns what the new defaults say: the unit's
    # inbox has the work item already, and a hotline case's notice is urgent.
    op.execute(
        sa.text(
            "UPDATE rules SET not_via = '[\"inbox\"]', urgent_when = '{\"kind\": [\"hotline\"]}' "
            "WHERE id = 'proposal-assigned-unit'"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.drop_column("area_code")
        batch.drop_column("urgent_when")
        batch.drop_column("not_via")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("area_code")
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("operator")
        batch.drop_column("area_code")
