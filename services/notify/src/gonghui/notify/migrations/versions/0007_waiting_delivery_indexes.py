"""the dispatcher's indexes hold only the deliveries still waiting: most rows are written
finished (an in-app notice delivered, a channel skipped) and were two index entries for nothing

On PostgreSQL `ix_deliveries_due` keeps the statuses a dispatcher or the digest looks for;
SQLite keeps the whole index (its planner does not match `status = 'pending'` to an `IN` list).
`ix_deliveries_claim` keeps claimed rows on both.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("status IN ('pending', 'sending', 'digest')")
CLAIMED = sa.text("claim_token IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_deliveries_claim", table_name="deliveries")
    op.create_index(
        "ix_deliveries_claim",
        "deliveries",
        ["claim_token"],
        postgresql_where=CLAIMED,
        sqlite_where=CLAIMED,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_deliveries_due", table_name="deliveries")
        op.create_index(
            "ix_deliveries_due",
            "deliveries",
            ["status", "next_attempt_at"],
            postgresql_where=WAITING,
        )


def downgrade() -> None:
    op.drop_index("ix_deliveries_claim", table_name="deliveries")
    op.create_index("ix_deliveries_claim", "deliveries", ["claim_token"])
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_deliveries_due", table_name="deliveries")
        op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
