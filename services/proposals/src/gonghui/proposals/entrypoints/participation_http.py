"""HTTP routes around the cases: discussions, ratings, key contacts, duty reports, statistics."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application import participation as work
from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.proposals.domain.participation import Discussion, KeyContact
from gonghui.proposals.domain.stats import BREAKDOWNS
from gonghui.proposals.entrypoints.access import (
    Admin,
    ContactKeeper,
    DiscussionReader,
    DutyReader,
    Member,
    Overseer,
    Person,
    Representative,
    Reviewer,
    area_scope,
    forbidden,
    in_area,
    own,
)
from gonghui.proposals.entrypoints.http import ProposalOut
from gonghui.shared.auth import Principal, Role, area_prefix
from gonghui.shared.clock import SHANGHAI, LocalTime, local
from gonghui.shared.contracts.proposals import CaseKind
from gonghui.shared.db import may_write

FirstDay = Annotated[date | None, Query(alias="from", description="First day (Asia/Shanghai).")]
LastDay = Annotated[date | None, Query(description="Last day, inclusive (Asia/Shanghai).")]


class CommentOut(BaseModel):
    """A comment in a discussion."""

    id: str
    author: str
    body: str
    at: LocalTime


class DiscussionOut(BaseModel):
    """A discussion and where it stands."""

    id: str
    title: str
    body: str
    category: str | None
    area_code: str | None
    opened_by: str
    opened_at: LocalTime
    status: str = Field(description="`open` or `converted`.")
    support_count: int
    proposal_id: str | None = Field(description="The proposal it became, once converted.")
    comments: list[CommentOut] = Field(default_factory=list)

    @classmethod
    def of(cls, d: Discussion, comments: list[Any] | None = None) -> DiscussionOut:
        """The view of a discussion."""
        return cls(**vars(d), comments=[CommentOut(**c._mapping) for c in comments or []])


class CommentIn(BaseModel):
    """A comment; the caller's token names the author."""

    body: str = Field(min_length=1, max_length=5_000, description="The comment, zh-CN.")


class ConvertIn(BaseModel):
    """Turn a discussion into a case."""

    kind: CaseKind = Field(CaseKind.PROPOSAL, description="Kind of case it becomes.")
    note: str | None = Field(None, max_length=2_000, description="A note for the timeline.")


class RatingIn(BaseModel):
    """会员评家; the caller's token names the member."""

    score: int = Field(ge=1, le=5, description="1-5.")
    comment: str | None = Field(None, max_length=2_000, description="A comment, zh-CN.")


class KeyContactOut(BaseModel):
    """A key contact; personal fields are masked unless the reader's role allows them."""

    id: str
    name: str
    phone: str | None
    address: str | None
    situation: str | None
    area_code: str | None
    representative_id: str
    created_at: LocalTime
    visits: int
    last_visit_at: LocalTime | None
    masked: bool = Field(description="Whether personal fields are masked.")

    @classmethod
    def of(cls, contact: KeyContact, *, masked: bool) -> KeyContactOut:
        """The view of a contact."""
        return cls(**vars(contact), masked=masked)


class VisitOut(BaseModel):
    """A recorded home visit."""

    id: str
    key_contact_id: str
    representative_id: str
    visited_at: LocalTime
    report: ProposalOut | None = Field(description="The zero-distance report raised, if any.")


def participation_router(
    uow_factory: Callable[[], ProposalsUnitOfWork],
    policy: DeadlinePolicy,
    *,
    personal_data_roles: list[Role],
    low_satisfaction_threshold: int = 3,
) -> APIRouter:
    """Routes for discussions, ratings, key contacts, duty reports and statistics."""
    router = APIRouter()

    @router.post(
        "/discussions",
        status_code=status.HTTP_201_CREATED,
        tags=["discussions"],
        summary="Open an issue for discussion (职工事大家议)",
    )
    async def open_discussion(cmd: work.DiscussionIn, caller: Person) -> DiscussionOut:
        opened = work.OpenDiscussion(**cmd.model_dump(), opened_by=caller.sub)
        return DiscussionOut.of(await work.open_discussion(opened, uow=uow_factory()))

    @router.get(
        "/discussions", tags=["discussions"], summary="Discussions, by support or newest first"
    )
    async def discussions(
        caller: DiscussionReader,
        sort: str = Query("support", pattern="^(support|newest)$"),
        status_: str | None = Query(None, alias="status", pattern="^(open|converted)$"),
        area: str | None = Query(
            None, pattern=r"^\d{2,6}$", description="An area code or its leading digits."
        ),
        limit: int = Query(50, ge=1, le=500),
    ) -> dict[str, list[DiscussionOut]]:
        async with uow_factory() as uow:
            found = await uow.discussions.listing(
                order=sort,
                status=status_,
                area_prefix=area_prefix(area.ljust(6, "0")) if area else None,
                limit=limit,
            )
        return {"items": [DiscussionOut.of(d) for d in found]}

    @router.get(
        "/discussions/{discussion_id}",
        tags=["discussions"],
        summary="A discussion with its comments",
    )
    async def discussion(discussion_id: str, caller: DiscussionReader) -> DiscussionOut:
        async with uow_factory() as uow:
            found = await work.get_discussion(uow, discussion_id)
            comments = await uow.discussions.comments(discussion_id)
        return DiscussionOut.of(found, comments)

    @router.post(
        "/discussions/{discussion_id}/comments",
        status_code=status.HTTP_201_CREATED,
        tags=["discussions"],
        summary="Comment",
    )
    async def add_comment(discussion_id: str, cmd: CommentIn, caller: Person) -> dict[str, str]:
        return {
            "id": await work.comment(
                discussion_id, author=caller.sub, body=cmd.body, uow=uow_factory()
            )
        }

    @router.post(
        "/discussions/{discussion_id}/supports",
        tags=["discussions"],
        summary="Support (once per member)",
    )
    async def add_support(discussion_id: str, caller: Person) -> DiscussionOut:
        return DiscussionOut.of(
            await work.support(discussion_id, member_id=caller.sub, uow=uow_factory())
        )

    @router.post(
        "/discussions/{discussion_id}/convert",
        status_code=status.HTTP_201_CREATED,
        tags=["discussions"],
        summary="Reviewer converts it into a proposal",
    )
    async def convert(discussion_id: str, cmd: ConvertIn, caller: Reviewer) -> ProposalOut:
        async with uow_factory() as uow:
            in_area(caller, (await work.get_discussion(uow, discussion_id)).area_code)
        case = await work.convert_discussion(
            discussion_id,
            by=caller.sub,
            kind=cmd.kind,
            note=cmd.note,
            uow=uow_factory(),
            policy=policy,
        )
        return ProposalOut.of(case)

    @router.post(
        "/representatives/{representative_id}/ratings",
        status_code=status.HTTP_201_CREATED,
        tags=["representatives"],
        summary="Rate a representative (会员评家)",
    )
    async def rate(representative_id: str, cmd: RatingIn, caller: Member) -> dict[str, str]:
        if caller.sub == representative_id:
            raise forbidden("不能给自己评分", "you may not rate yourself")
        period = await work.rate(
            representative_id,
            member_id=caller.sub,
            score=cmd.score,
            comment=cmd.comment,
            uow=uow_factory(),
        )
        return {"representative_id": representative_id, "period": period}

    @router.get(
        "/representatives/{representative_id}/duty-report",
        tags=["representatives"],
        summary="履职报告: JSON, or printable HTML with format=html",
        response_model=None,
        responses={200: {"content": {"application/json": {}, "text/html": {}}}},
    )
    async def duty_report(
        representative_id: str,
        caller: DutyReader,
        from_: FirstDay = None,
        to: LastDay = None,
        format: Annotated[str, Query(pattern="^(json|html)$")] = "json",
    ) -> dict[str, Any] | HTMLResponse:
        if caller.role is Role.REPRESENTATIVE:
            own(caller, representative_id, "查看本人的履职报告", "your own duty report")
        start, end = _day_range(from_, to)
        report = await work.duty_report(representative_id, start=start, end=end, uow=uow_factory())
        if format == "html":
            return HTMLResponse(_printable(report, from_, to))
        timeline = [{**r, "at": local(r["at"])} for r in report["timeline"]]
        return {
            **report,
            "from": local(report["from"]),
            "to": local(report["to"]),
            "timeline": timeline,
        }

    @router.post(
        "/key-contacts",
        status_code=status.HTTP_201_CREATED,
        tags=["key contacts"],
        summary="Register a key contact (重点联系人员)",
    )
    async def register(cmd: work.KeyContactIn, caller: Representative) -> KeyContactOut:
        entered = work.RegisterKeyContact(**cmd.model_dump(), representative_id=caller.sub)
        contact = await work.register_key_contact(entered, uow=uow_factory())
        return KeyContactOut.of(contact.masked(), masked=True)

    @router.get("/key-contacts", tags=["key contacts"], summary="The register, masked")
    async def contacts(
        caller: ContactKeeper,
        representative_id: str | None = None,
        area: str | None = Query(
            None,
            pattern=r"^\d{2,6}$",
            description="Only this area (a code or its leading digits), within yours.",
        ),
        limit: int = Query(200, ge=1, le=2000),
    ) -> dict[str, list[KeyContactOut]]:
        if caller.role is Role.REPRESENTATIVE:
            own(caller, representative_id or caller.sub, "查看本人联系的人员", "your own contacts")
            representative_id = caller.sub
        async with uow_factory() as uow:
            found = await uow.key_contacts.listing(
                representative_id=representative_id,
                area_prefix=area_scope(caller, area),
                limit=limit,
            )
        return {"items": [KeyContactOut.of(c.masked(), masked=True) for c in found]}

    def keeper_of(caller: Principal) -> Callable[[KeyContact], None]:
        def check(contact: KeyContact) -> None:
            if caller.role is Role.REPRESENTATIVE:
                own(caller, contact.representative_id, "查看本人联系的人员", "your own contacts")
            if caller.area:
                in_area(caller, contact.area_code)

        return check

    @router.get(
        "/key-contacts/{contact_id}",
        tags=["key contacts"],
        summary="One contact; in full only for an allowed role with a purpose, audited",
    )
    async def contact(
        contact_id: str,
        caller: ContactKeeper,
        purpose: str | None = Query(
            None, max_length=200, description="Why the full data is needed (required for it)."
        ),
    ) -> KeyContactOut:
        with may_write():  # reading the full data is audited
            found, full = await work.read_key_contact(
                contact_id,
                reader=caller.sub,
                role=caller.role.value,
                allowed_roles=personal_data_roles,
                purpose=purpose,
                uow=uow_factory(),
                check=keeper_of(caller),
            )
        return KeyContactOut.of(found, masked=not full)

    @router.get(
        "/key-contacts/{contact_id}/access-log",
        tags=["key contacts"],
        summary="Who read the full data (union admins)",
    )
    async def access_log(contact_id: str, caller: Admin) -> dict[str, list[dict[str, Any]]]:
        async with uow_factory() as uow:
            rows = await uow.key_contacts.access_log(contact_id)
        return {
            "items": [
                {"reader": r.reader, "role": r.role, "at": local(r.at), "purpose": r.purpose}
                for r in rows
            ]
        }

    @router.get(
        "/audit", tags=["key contacts"], summary="Search the audit log of personal-data reads"
    )
    async def audit(
        caller: Admin,
        reader: str | None = Query(None, description="Who read."),
        subject: str | None = Query(None, description="Whose data (a key contact id)."),
        from_: FirstDay = None,
        to: LastDay = None,
        limit: int = Query(200, ge=1, le=2000),
    ) -> dict[str, list[dict[str, Any]]]:
        start, end = _day_range(from_, to)
        items = await work.audit_log(
            reader=reader, subject=subject, start=start, end=end, limit=limit, uow=uow_factory()
        )
        return {"items": [{**item, "at": local(item["at"])} for item in items]}

    @router.post(
        "/key-contacts/{contact_id}/visits",
        status_code=status.HTTP_201_CREATED,
        tags=["key contacts"],
        summary="Record a home visit, optionally raising a zero-distance report",
    )
    async def visit(contact_id: str, cmd: work.VisitIn, caller: Representative) -> VisitOut:
        async with uow_factory() as uow:
            found = await uow.key_contacts.get(contact_id)
        if found is not None:
            keeper_of(caller)(found)
        recorded = work.RecordVisit(**cmd.model_dump(), representative_id=caller.sub)
        done = await work.record_visit(contact_id, recorded, uow=uow_factory(), policy=policy)
        return VisitOut(
            id=done.id,
            key_contact_id=done.key_contact_id,
            representative_id=done.representative_id,
            visited_at=done.visited_at,
            report=ProposalOut.of(done.report) if done.report else None,
        )

    @router.get(
        "/stats",
        tags=["statistics"],
        summary="Figures of the closed loop and of the representatives' work, in your area",
    )
    async def statistics(
        caller: Overseer,
        from_: FirstDay = None,
        to: LastDay = None,
        by: Annotated[
            list[str] | None, Query(description="Break down by: area, unit, kind, period (month).")
        ] = None,
        area: str | None = Query(
            None,
            pattern=r"^\d{2,6}$",
            description="Only this area (a code or its leading digits), within yours.",
        ),
    ) -> dict[str, Any]:
        by = by or []
        unknown = [b for b in by if b not in BREAKDOWNS]
        if unknown:
            choices = ", ".join(BREAKDOWNS)
            raise HTTPException(
                400, f"未知的分组 {unknown} (unknown breakdown {unknown}; choose from {choices})"
            )
        start, end = _day_range(from_, to)
        figures = await work.stats(
            start=start,
            end=end,
            by=by,
            area_prefix=area_scope(caller, area),
            threshold=low_satisfaction_threshold,
            uow=uow_factory(),
        )
        return {**figures, "from": local(start), "to": local(end)}

    return router


def _day_range(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole days in Asia/Shanghai as a UTC-aware [start, end)."""
    start = datetime.combine(first, time(), SHANGHAI) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), SHANGHAI) if last else None
    return start, end


_KIND_LABEL = {
    "submission": "提交事项",
    "follow_up": "跟踪督办",
    "discussion": "议事参与",
    "home_visit": "入户走访",
}


def _printable(report: dict[str, Any], first: date | None, last: date | None) -> str:
    """A duty report a representative can print and hand in."""
    e = html.escape
    span = f"{first or '开始'} 至 {last or '今'}"
    counts = "".join(
        f"<tr><th>{_KIND_LABEL[k]}</th><td>{v}</td></tr>" for k, v in report["counts"].items()
    )
    rows = "".join(
        f"<tr><td>{r['at'].astimezone(SHANGHAI):%Y-%m-%d %H:%M}</td>"
        f"<td>{_KIND_LABEL[r['kind']]}</td><td>{e(r['summary'])}</td></tr>"
        for r in report["timeline"]
    )
    ratings, cases = report["ratings"], report["cases"]
    rate = "—" if cases["closure_rate"] is None else f"{cases['closure_rate']:.0%}"
    average = "—" if ratings["average"] is None else f"{ratings['average']:.2f}"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>履职报告 {e(report["representative_id"])}</title>
<style>body{{font-family:sans-serif;max-width:48em;margin:2em auto}}
table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.3em .6em;text-align:left}}</style></head>
<body><h1>会员代表履职报告</h1>
<p>代表：{e(report["representative_id"])}　期间：{span}</p>
<h2>履职统计</h2><table>{counts}
<tr><th>提交事项办结</th><td>{cases["closed"]} / {cases["submitted"]}（办结率 {rate}）</td></tr>
<tr><th>会员评价</th><td>{ratings["count"]} 人次，平均 {average} 分</td></tr></table>
<h2>履职记录</h2><table><tr><th>时间</th><th>类别</th><th>内容</th></tr>{rows}</table>
</body></html>"""
