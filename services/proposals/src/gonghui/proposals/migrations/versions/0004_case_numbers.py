"""readable case numbers: area, year (Beijing time), sequence per area and year

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:30:00
"""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from gonghui.shared.db import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNKNOWN_AREA = "000000"


def upgrade() -> None:
    op.create_table(
        "case_numbers",
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "year", name=op.f("pk_case_numbers")),
    )
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("case_no", sa.String(length=24), nullable=True))
        batch.create_unique_constraint(op.f("uq_proposals_case_no"), ["case_no"])
        batch.create_index(op.f("ix_proposals_area_code"), ["area_code"])
    _number_existing_cases()


def _number_existing_cases() -> None:
    """Cases stored before numbers existed get theirs in submission order."""
    bind = op.get_bind()
    shanghai = ZoneInfo("Asia/Shanghai")
    proposals = sa.table(
        "proposals",
        sa.column("id", sa.String()),
        sa.column("area_code", sa.String()),
        sa.column("submitted_at", UtcDateTime()),
    )
    rows = bind.execute(
        sa.select(proposals.c.id, proposals.c.area_code, proposals.c.submitted_at).order_by(
            proposals.c.submitted_at, proposals.c.id
        )
    ).all()
    last: dict[tuple[str, int], int] = {}
    for case_id, area_code, submitted_at in rows:
        key = (area_code or UNKNOWN_AREA, submitted_at.astimezone(shanghai).year)
        last[key] = last.get(key, 0) + 1
        bind.execute(
            sa.text("UPDATE proposals SET case_no = :no WHERE id = :id"),
            {"no": f"{key[0]}-{key[1]}-{last[key]:06d}", "id": case_id},
        )
    for (area_code, year), value in last.items():
        bind.execute(
            sa.text(
                "INSERT INTO case_numbers (area_code, year, last_value) "
                "VALUES (:area, :year, :value)"
            ),
            {"area": area_code, "year": year, "value": value},
        )


def downgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.drop_index(op.f("ix_proposals_area_code"))
        batch.drop_constraint(op.f("uq_proposals_case_no"), type_="unique")
        batch.drop_column("case_no")
    op.drop_table("case_numbers")
