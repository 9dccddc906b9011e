"""processed_events keeps each entry's content digest and outcome

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

from gonghui.shared.migrations import add_dedupe_digests, drop_dedupe_digests

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dedupe_digests()


def downgrade() -> None:
    drop_dedupe_digests()
