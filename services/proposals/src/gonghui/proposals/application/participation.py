"""Use cases around the cases: discussions, ratings, key contacts, duty records, reports, stats."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application.handlers import SubmitProposal, submit_proposal
from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.proposals.domain.model import Case, CaseStatus, InvalidTransition
from gonghui.proposals.domain.participation import (
    FOLLOW_UP_ACTIONS,
    Discussion,
    DutyKind,
    DutyRecord,
    KeyContact,
    rating_period,
)
from gonghui.proposals.domain.stats import cases_by_step
from gonghui.shared.contracts.common import Instant, MainlandPhone, mask_phone
from gonghui.shared.contracts.proposals import (
    CaseKind,
    DiscussionCommented,
    DiscussionConverted,
    DiscussionOpened,
    KeyContactVisited,
    ProposalSubmitted,
    ProposalTransitioned,
    RepresentativeRated,
)
from gonghui.shared.envelope import CloudEvent, new_event_id
from gonghui.shared.errors import NotFound

Person = Field(min_length=1, max_length=64, description="Opaque id of a person.")
Category = Field(None, pattern=r"^[a-z][a-z0-9_-]{1,49}$", description="Topic used for routing.")
Area = Field(None, pattern=r"^\d{6}$", description="Six-digit administrative area.")


class DiscussionNotFound(NotFound):
    """No discussion with this id."""


class KeyContactNotFound(NotFound):
    """No key contact with this id."""


# 职工事大家议


class DiscussionIn(BaseModel):
    """An issue for everyone to discuss; over HTTP the caller opens it."""

    title: str = Field(min_length=4, max_length=200, description="Short title, zh-CN.")
    body: str = Field(min_length=10, max_length=20_000, description="The issue, zh-CN.")
    category: str | None = Category
    area_code: str | None = Area


class OpenDiscussion(DiscussionIn):
    """Post an issue for everyone to discuss."""

    opened_by: str = Person


async def open_discussion(cmd: OpenDiscussion, *, uow: ProposalsUnitOfWork) -> Discussion:
    """职工事大家议: an issue is open for comments and support."""
    async with uow:
        discussion = Discussion(
            id=new_event_id(),
            title=cmd.title,
            body=cmd.body,
            category=cmd.category,
            area_code=cmd.area_code,
            opened_by=cmd.opened_by,
            opened_at=uow.clock.now(),
        )
        uow.discussions.add(discussion)
        uow.emit(
            DiscussionOpened(
                discussion_id=discussion.id,
                title=discussion.title,
                opened_by=discussion.opened_by,
                opened_at=discussion.opened_at,
            ),
            subject=discussion.id,
            correlationid=discussion.id,
        )
        await uow.commit()
        return discussion


async def get_discussion(uow: ProposalsUnitOfWork, discussion_id: str) -> Discussion:
    """A discussion, or DiscussionNotFound."""
    discussion = await uow.discussions.get(discussion_id)
    if discussion is None:
        raise DiscussionNotFound(f"no discussion {discussion_id}")
    return discussion


async def comment(discussion_id: str, *, author: str, body: str, uow: ProposalsUnitOfWork) -> str:
    """Add to the brainstorming; returns the comment id."""
    async with uow:
        discussion = await get_discussion(uow, discussion_id)
        discussion.require_open()
        comment_id, now = new_event_id(), uow.clock.now()
        uow.discussions.comment(
            comment_id=comment_id, discussion_id=discussion.id, author=author, body=body, at=now
        )
        uow.emit(
            DiscussionCommented(
                discussion_id=discussion.id, comment_id=comment_id, author=author, at=now
            ),
            subject=discussion.id,
            correlationid=discussion.id,
        )
        await uow.commit()
        return comment_id


async def support(discussion_id: str, *, member_id: str, uow: ProposalsUnitOfWork) -> Discussion:
    """One member, one support."""
    async with uow:
        discussion = await get_discussion(uow, discussion_id)
        discussion.require_open()
        if not await uow.discussions.support(discussion.id, member_id, at=uow.clock.now()):
            raise InvalidTransition(
                f"会员 {member_id} 已支持过该议题 (a member supports an issue once)"
            )
        await uow.commit()
        return await get_discussion(uow, discussion_id)


async def convert_discussion(
    discussion_id: str,
    *,
    by: str,
    kind: CaseKind,
    note: str | None,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
) -> Case:
    """A reviewer turns a discussion into a case submitted in the name of whoever opened it."""
    async with uow:
        discussion = await get_discussion(uow, discussion_id)
        discussion.require_open()
        comments = await uow.discussions.comments(discussion.id)
        ideas = "\n".join(f"- {c.body}" for c in comments[:20])
        body = (
            f"{discussion.body}\n\n【职工事大家议】{discussion.support_count} 人支持，"
            f"{len(comments)} 条讨论意见" + (f"：\n{ideas}" if ideas else "。")
        )
        case = await submit_proposal(
            SubmitProposal(
                kind=kind,
                title=discussion.title,
                body=body[:20_000],
                category=discussion.category,
                area_code=discussion.area_code,
                submitted_by=discussion.opened_by,
            ),
            uow=uow,
            policy=policy,
            discussion_id=discussion.id,
            note=note or f"由议题转为{_KIND_ZH[kind]}（{by}）",
        )
        discussion.convert(case.id)
        if not await uow.discussions.save(discussion):
            raise InvalidTransition("议题刚被他人转为提案 (the discussion was converted meanwhile)")
        uow.emit(
            DiscussionConverted(
                discussion_id=discussion.id,
                proposal_id=case.id,
                converted_by=by,
                at=uow.clock.now(),
            ),
            subject=discussion.id,
            correlationid=case.id,
        )
        await uow.commit()
        return case


# 会员评家


async def rate(
    representative_id: str,
    *,
    member_id: str,
    score: int,
    comment: str | None,
    uow: ProposalsUnitOfWork,
) -> str:
    """A member rates their representative, once per period; returns the period."""
    async with uow:
        now = uow.clock.now()
        period = rating_period(now)
        if not 1 <= score <= 5:
            raise InvalidTransition("评分须为 1-5 (score must be 1-5)")
        added = await uow.ratings.add(
            representative_id=representative_id,
            member_id=member_id,
            period=period,
            score=score,
            comment=comment,
            at=now,
        )
        if not added:
            raise InvalidTransition(
                f"本期（{period}）已评价过该代表 (one rating per member per period)"
            )
        uow.emit(
            RepresentativeRated(
                representative_id=representative_id, period=period, score=score, at=now
            ),
            subject=representative_id,
        )
        await uow.commit()
        return period


# 重点联系人员


class KeyContactIn(BaseModel):
    """A vulnerable worker's details; over HTTP the caller is their representative."""

    name: str = Field(min_length=1, max_length=50, description="Full name (personal data).")
    phone: MainlandPhone | None = Field(None, description="Phone (personal data).")
    address: str | None = Field(None, max_length=300, description="Home address (personal data).")
    situation: str | None = Field(
        None, max_length=2_000, description="Circumstances (personal data)."
    )
    area_code: str | None = Area


class RegisterKeyContact(KeyContactIn):
    """A vulnerable worker entered in the register."""

    representative_id: str = Person


class ReportFromVisit(BaseModel):
    """A zero-distance report raised on the spot."""

    title: str = Field(
        min_length=4, max_length=200, description="Short title; no personal details."
    )
    body: str = Field(
        min_length=10, max_length=20_000, description="What is needed; no personal details."
    )
    category: str | None = Category


class VisitIn(BaseModel):
    """A home visit; over HTTP the caller is the representative who made it."""

    visited_at: Instant | None = Field(None, description="When (RFC 3339); default now.")
    note: str | None = Field(None, max_length=2_000, description="What was found.")
    report: ReportFromVisit | None = Field(
        None, description="Raise a zero-distance report from this visit."
    )


class RecordVisit(VisitIn):
    """入户走访: a representative visited a key contact at home."""

    representative_id: str = Person


@dataclass(frozen=True)
class Visit:
    """A recorded visit and the report it raised, if any."""

    id: str
    key_contact_id: str
    representative_id: str
    visited_at: datetime
    report: Case | None


async def register_key_contact(cmd: RegisterKeyContact, *, uow: ProposalsUnitOfWork) -> KeyContact:
    """Enter a key contact in the register."""
    async with uow:
        contact = KeyContact(id=new_event_id(), created_at=uow.clock.now(), **cmd.model_dump())
        uow.key_contacts.add(contact)
        await uow.commit()
        return contact


async def read_key_contact(
    contact_id: str,
    *,
    reader: str,
    role: str,
    allowed_roles: list[str],
    purpose: str | None,
    uow: ProposalsUnitOfWork,
    check: Callable[[KeyContact], None] = lambda _: None,
) -> tuple[KeyContact, bool]:
    """The contact masked, or in full for an allowed role with a stated purpose, audited.

    `check` may refuse the reader (it raises) once the contact is known; a full read and its
    audit row are committed together, so no read goes unrecorded.
    """
    async with uow:
        contact = await uow.key_contacts.get(contact_id)
        if contact is None:
            raise KeyContactNotFound(f"no key contact {contact_id}")
        check(contact)
        if role not in allowed_roles or not purpose:
            return contact.masked(), False
        uow.key_contacts.audit_read(
            contact.id, reader=reader, role=role, at=uow.clock.now(), purpose=purpose
        )
        await uow.commit()
        return contact, True


async def audit_log(
    *,
    reader: str | None,
    subject: str | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    uow: ProposalsUnitOfWork,
) -> list[dict[str, Any]]:
    """Full reads of personal data in [start, end), newest first."""
    async with uow:
        rows = await uow.key_contacts.audit_search(
            reader=reader, subject=subject, start=start, end=end, limit=limit
        )
    return [
        {
            "id": r.id,
            "reader": r.reader,
            "role": r.role,
            "subject": r.key_contact_id,
            "at": r.at,
            "purpose": r.purpose,
        }
        for r in rows
    ]


async def purge_audit(*, keep: timedelta, uow: ProposalsUnitOfWork) -> int:
    """Delete audit rows older than `keep`; returns how many."""
    async with uow:
        purged = await uow.key_contacts.purge_audit(before=uow.clock.now() - keep)
        await uow.commit()
        return purged


async def record_visit(
    contact_id: str, cmd: RecordVisit, *, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Visit:
    """Record a home visit; a report raised there becomes a zero-distance case offered at once."""
    async with uow:
        contact = await uow.key_contacts.get(contact_id)
        if contact is None:
            raise KeyContactNotFound(f"no key contact {contact_id}")
        at = cmd.visited_at or uow.clock.now()
        report = None
        if cmd.report is not None:
            report = await submit_proposal(
                SubmitProposal(
                    kind=CaseKind.ZERO_DISTANCE,
                    title=cmd.report.title,
                    body=cmd.report.body,
                    category=cmd.report.category,
                    area_code=contact.area_code,
                    submitted_by=cmd.representative_id,
                    key_contact_id=contact.id,
                ),
                uow=uow,
                policy=policy,
                key_contact_phone=contact.phone,
            )
        visit_id = new_event_id()
        uow.key_contacts.add_visit(
            visit_id=visit_id,
            contact_id=contact.id,
            representative_id=cmd.representative_id,
            at=at,
            note=cmd.note,
            report_id=report.id if report else None,
        )
        uow.emit(
            KeyContactVisited(
                visit_id=visit_id,
                key_contact_id=contact.id,
                masked_phone=mask_phone(contact.phone) if contact.phone else None,
                representative_id=cmd.representative_id,
                visited_at=at,
                report_id=report.id if report else None,
            ),
            subject=contact.id,
        )
        await uow.commit()
        return Visit(visit_id, contact.id, cmd.representative_id, at, report)


# 履职记录: derived from the service's own events


def duty_record_of(envelope: CloudEvent, data: object) -> DutyRecord | None:
    """The representative work an event shows, if any."""
    match data:
        case ProposalSubmitted():
            return DutyRecord(
                envelope.id,
                data.submitted_by,
                DutyKind.SUBMISSION,
                data.submitted_at,
                data.proposal_id,
                f"提交{_KIND_ZH[data.kind]}：{data.title}",
            )
        case ProposalTransitioned() if (
            data.actor == data.submitted_by and data.action in FOLLOW_UP_ACTIONS
        ):
            return DutyRecord(
                envelope.id,
                data.actor,
                DutyKind.FOLLOW_UP,
                data.at,
                data.proposal_id,
                FOLLOW_UP_ACTIONS[data.action],
            )
        case DiscussionOpened():
            return DutyRecord(
                envelope.id,
                data.opened_by,
                DutyKind.DISCUSSION,
                data.opened_at,
                data.discussion_id,
                f"发起议题：{data.title}",
            )
        case DiscussionCommented():
            return DutyRecord(
                envelope.id,
                data.author,
                DutyKind.DISCUSSION,
                data.at,
                data.discussion_id,
                "参与议题讨论",
            )
        case KeyContactVisited():
            summary = "走访重点联系人员" + ("并上报零距离事项" if data.report_id else "")
            return DutyRecord(
                envelope.id,
                data.representative_id,
                DutyKind.HOME_VISIT,
                data.visited_at,
                data.key_contact_id,
                summary,
            )
    return None


async def record_duty(envelope: CloudEvent, data: object, *, uow: ProposalsUnitOfWork) -> None:
    """Keep the duty record an event shows (idempotent by event id)."""
    record = duty_record_of(envelope, data)
    if record is not None:
        async with uow:
            await uow.duty.record(record)
            await uow.commit()


async def duty_report(
    representative_id: str,
    *,
    start: datetime | None,
    end: datetime | None,
    uow: ProposalsUnitOfWork,
) -> dict[str, object]:
    """履职报告: counts, timeline, ratings and closure rate of a representative in [start, end)."""
    async with uow:
        records = await uow.duty.of(representative_id, start=start, end=end)
        ratings = await uow.ratings.of(representative_id, start=start, end=end)
        own = [
            c
            for c in await uow.proposals.submitted_by(representative_id)
            if (start is None or c.submitted_at >= start) and (end is None or c.submitted_at < end)
        ]
    counts = Counter(r.kind.value for r in records)
    closed = sum(c.status is CaseStatus.CLOSED for c in own)
    settled = [c for c in own if c.status not in (CaseStatus.REJECTED, CaseStatus.MERGED)]
    return {
        "representative_id": representative_id,
        "from": start,
        "to": end,
        "counts": {kind.value: counts.get(kind.value, 0) for kind in DutyKind},
        "timeline": [
            {"at": r.at, "kind": r.kind.value, "ref": r.ref, "summary": r.summary} for r in records
        ],
        "ratings": {
            "count": len(ratings),
            "average": round(sum(r.score for r in ratings) / len(ratings), 2) if ratings else None,
            "by_score": {str(s): sum(r.score == s for r in ratings) for s in range(1, 6)},
            "comments": [r.comment for r in ratings if r.comment],
        },
        "cases": {
            "submitted": len(own),
            "closed": closed,
            "closure_rate": round(closed / len(settled), 3) if settled else None,
        },
    }


async def stats(
    *,
    start: datetime | None,
    end: datetime | None,
    by: list[str],
    area_prefix: str | None,
    threshold: int,
    uow: ProposalsUnitOfWork,
) -> dict[str, object]:
    """The figures of the closed loop and of the representatives' work, counted by the database."""
    async with uow:
        queries = uow.stats(area_prefix=area_prefix)
        total = (await queries.figures(start, end)).get("total", _NO_FIGURES)
        groups = {name: await queries.figures(start, end, by=name) for name in by}
        by_kind_and_status = await queries.cases_by_kind_and_status(start, end)
        overdue = await queries.overdue_by_kind(start, end, now=uow.clock.now())
        satisfaction = await queries.satisfaction(start, end, threshold=threshold)
        key_contacts = await queries.key_contacts()
        visits = await queries.home_visits(start, end)
        problems = await queries.problems(start, end)
    by_kind = {kind: sum(counts.values()) for kind, counts in by_kind_and_status.items()}
    by_status: Counter[str] = Counter()
    for counts in by_kind_and_status.values():
        by_status.update(counts)
    return {
        "from": start,
        "to": end,
        "area": area_prefix,
        "total": total,
        "by": {name: dict(sorted(found.items())) for name, found in groups.items()},
        "cases": {
            "by_kind": by_kind,
            "by_status": dict(by_status),
            "by_step": cases_by_step(by_status),
            "by_kind_and_status": by_kind_and_status,
            "overdue_by_kind": overdue,
        },
        "satisfaction": satisfaction,
        "key_contacts": key_contacts,
        "home_visits": visits,
        "problems": problems,
    }


_NO_FIGURES = {
    "submitted": 0,
    "accepted": 0,
    "closed": 0,
    "closure_rate": None,
    "on_time_rate": None,
    "avg_hours_per_step": {},
}


_KIND_ZH = {
    CaseKind.PROPOSAL: "提案",
    CaseKind.ISSUE: "问题建议",
    CaseKind.ZERO_DISTANCE: "零距离事项",
    CaseKind.HOTLINE: "12351 热线事项",
    CaseKind.PRACTICAL_PROJECT: "实事项目",
}
