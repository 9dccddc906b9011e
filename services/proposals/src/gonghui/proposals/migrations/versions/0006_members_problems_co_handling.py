"""members a case is for, problems members raise, outcome ratings, co-handling units

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gonghui.shared.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_members",
        sa.Column("proposal_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_case_members_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("proposal_id", "member_id", name=op.f("pk_case_members")),
    )
    op.create_index(op.f("ix_case_members_member_id"), "case_members", ["member_id"])
    op.create_table(
        "case_co_units",
        sa.Column("proposal_id", sa.String(length=40), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("handler", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_case_co_units_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("proposal_id", "unit_code", name=op.f("pk_case_co_units")),
    )
    op.create_index(op.f("ix_case_co_units_unit_code"), "case_co_units", ["unit_code"])
    op.create_table(
        "outcome_ratings",
        sa.Column("proposal_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", gonghui.shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_outcome_ratings_proposal_id_proposals"),
        ),
        sa.PrimaryKeyConstraint("proposal_id", "member_id", name=op.f("pk_outcome_ratings")),
    )
    op.create_table(
        "problems",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("representative_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("area_code", sa.String(length=6), nullable=True),
        sa.Column("raised_at", gonghui.shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", gonghui.shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("proposal_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problems")),
    )
    op.create_index(op.f("ix_problems_member_id"), "problems", ["member_id"])
    op.create_index(op.f("ix_problems_representative_id"), "problems", ["representative_id"])
    op.create_index(op.f("ix_problems_area_code"), "problems", ["area_code"])


def downgrade() -> None:
    op.drop_table("problems")
    op.drop_table("outcome_ratings")
    op.drop_table("case_co_units")
    op.drop_table("case_members")
