"""Tables of the proposals database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gonghui.shared.db import NAMING_CONVENTION, UtcDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    """Tables owned by the proposals service."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProposalRow(Base):
    """A case as stored; `version` guards every update (a conditional UPDATE)."""

    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(6), index=True)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(30))
    category: Mapped[str | None] = mapped_column(String(50))
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)
    responsible_person: Mapped[str | None] = mapped_column(String(64))
    handler: Mapped[str | None] = mapped_column(String(64))
    progress_percent: Mapped[int] = mapped_column(Integer, server_default="0")
    result: Mapped[str | None] = mapped_column(Text)
    merged_into: Mapped[str | None] = mapped_column(String(40))
    offered_to: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))
    reopened: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    feedback_comment: Mapped[str | None] = mapped_column(Text)
    key_contact_id: Mapped[str | None] = mapped_column(String(40))
    discussion_id: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, server_default="0")


class CaseMemberRow(Base):
    """A member (worker) a case is for: they read its timeline, are told and rate the outcome."""

    __tablename__ = "case_members"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class CoUnitRow(Base):
    """协办: a co-handling unit's own work item on a case."""

    __tablename__ = "case_co_units"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    progress_percent: Mapped[int] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(Text)
    handler: Mapped[str | None] = mapped_column(String(64))


class OutcomeRatingRow(Base):
    """会员评家 of an outcome: one rating per member the case is for."""

    __tablename__ = "outcome_ratings"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProblemRow(Base):
    """A problem a member raised to their representative, until adopted as a case or answered."""

    __tablename__ = "problems"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    representative_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(50))
    area_code: Mapped[str | None] = mapped_column(String(6), index=True)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    proposal_id: Mapped[str | None] = mapped_column(String(40))


class CaseNumberRow(Base):
    """The last case number handed out in an area and year (Beijing time); never reused."""

    __tablename__ = "case_numbers"

    area_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class TransitionRow(Base):
    """One entry of a case's timeline."""

    __tablename__ = "proposal_transitions"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(30))
    step: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    unit_code: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class DeadlineRow(Base):
    """A step's deadline: met, or escalated exactly once by whichever replica claims it first."""

    __tablename__ = "proposal_deadlines"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    opened_by_seq: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("proposal_id", "step", "opened_by_seq", name="uq_proposal_deadlines_span"),
        Index(
            "ix_proposal_deadlines_open",
            "due_at",
            postgresql_where=text("ended_at IS NULL AND escalated_at IS NULL"),
            sqlite_where=text("ended_at IS NULL AND escalated_at IS NULL"),
        ),
    )


class UnitRow(Base):
    """A handling unit: department, organisation or legal service."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    responsible_person: Mapped[str | None] = mapped_column(String(64))
    responsible_person_name: Mapped[str | None] = mapped_column(String(50))


class RepresentativeRow(Base):
    """A member representative as people see them: a display name and the area they serve."""

    __tablename__ = "representatives"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    area_code: Mapped[str | None] = mapped_column(String(6), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoutingRuleRow(Base):
    """Category × area -> unit."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    category: Mapped[str | None] = mapped_column(String(50))
    area_prefix: Mapped[str | None] = mapped_column(String(6))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))


class DiscussionRow(Base):
    """职工事大家议: an open issue everyone can comment on and support."""

    __tablename__ = "discussions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(50))
    area_code: Mapped[str | None] = mapped_column(String(6))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20))
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    proposal_id: Mapped[str | None] = mapped_column(String(40))


class CommentRow(Base):
    """A comment in a discussion."""

    __tablename__ = "discussion_comments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    discussion_id: Mapped[str] = mapped_column(ForeignKey("discussions.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class SupportRow(Base):
    """One member's support of a discussion; the key makes it one per member."""

    __tablename__ = "discussion_supports"

    discussion_id: Mapped[str] = mapped_column(ForeignKey("discussions.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class RatingRow(Base):
    """会员评家: one rating per member, representative and period."""

    __tablename__ = "ratings"

    representative_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class DutyRecordRow(Base):
    """履职记录: one representative action, derived from an event (its id keeps it unique)."""

    __tablename__ = "duty_records"

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    representative_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ref: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(300))


class KeyContactRow(Base):
    """重点联系人员: a vulnerable worker the representatives keep in touch with."""

    __tablename__ = "key_contacts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    situation: Mapped[str | None] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(6))
    representative_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HomeVisitRow(Base):
    """入户走访: a representative's visit to a key contact."""

    __tablename__ = "home_visits"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_contact_id: Mapped[str] = mapped_column(ForeignKey("key_contacts.id"), index=True)
    representative_id: Mapped[str] = mapped_column(String(64))
    visited_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[str | None] = mapped_column(String(40))


class PersonalDataAccessRow(Base):
    """Audit log: who read a key contact's full personal data, when, under which role."""

    __tablename__ = "personal_data_access"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    key_contact_id: Mapped[str] = mapped_column(String(40), index=True)
    reader: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    purpose: Mapped[str | None] = mapped_column(String(200))
