"""职工事大家议 (`/discuss`): issues put to everyone, with comments and support, that the review
group may turn into a case. Members and representatives open, comment on and support them; union
staff read them; a reviewer converts one. Every act is the proposals API's, as the person."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.directory import names_for
from gonghui.front.adapters.services import ServiceRefusal, Services, segment, services_for
from gonghui.front.forms import text, texts
from gonghui.front.pages import render
from gonghui.front.sessions import Session, page_router, require_role
from gonghui.front.views.cases import CATEGORY_LABELS, KIND_LABELS
from gonghui.shared.auth import Role

PEOPLE = (Role.MEMBER, Role.REPRESENTATIVE)
"""Who opens, comments on and supports a discussion."""
READERS = (*PEOPLE, Role.REVIEWER, Role.SUPERVISOR, Role.UNION_ADMIN)
Reader = Annotated[Session, Depends(require_role(*READERS))]
Participant = Annotated[Session, Depends(require_role(*PEOPLE))]
SORTS = {"support": "附议最多", "newest": "最新"}
CONVERTIBLE = ("proposal", "issue", "practical_project")
"""What the review group may turn a discussion into."""
CASE_PAGES = {Role.REVIEWER: "/desk", Role.SUPERVISOR: "/desk"}
"""Where a converted discussion's case opens for each role (the others: `/cases`)."""

_DONE = {
    "comment": "评论已发表。",
    "support": "已附议。",
    "new": "议题已发布，大家可以评论和附议。",
}


async def _people_named(request: Request, ids: set[str]) -> dict[str, str]:
    """Names for the people in a discussion: the registry's representatives, staff accounts."""
    names = (await names_for(request)).people
    return {**await request.app.state.users.names(ids), **names}


def discuss_router():  # type: ignore[no-untyped-def]
    """`/discuss`, one discussion, opening one, and commenting, supporting and converting."""
    router = page_router()

    @router.get("/discuss")
    async def listing(
        request: Request,
        session: Reader,
        sort: Annotated[str, Query(pattern="^(support|newest)$")] = "support",
    ) -> Response:
        found = await services_for(request).get(
            "proposals", "/discussions", params={"sort": sort, "limit": 100}
        )
        return render(
            request,
            "discuss/list.html",
            {
                "discussions": found["items"],
                "sort": sort,
                "sorts": SORTS,
                "may_open": session.role in PEOPLE,
                "categories": CATEGORY_LABELS,
            },
        )

    async def new_page(
        request: Request,
        session: Session,
        *,
        status: int = 200,
        error: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response:
        return render(
            request,
            "discuss/new.html",
            {
                "categories": CATEGORY_LABELS,
                "values": values or {"area_code": session.principal.area or ""},
                "error": error,
            },
            status_code=status,
        )

    @router.get("/discuss/new")
    async def new(request: Request, session: Participant) -> Response:
        return await new_page(request, session)

    @router.post("/discuss/new")
    async def open_discussion(request: Request, session: Participant) -> Response:
        form = await request.form()
        values = texts(form, "title", "body", "category", "area_code")
        body = {name: value for name, value in values.items() if value}
        try:
            opened = await services_for(request).post("proposals", "/discussions", json=body)
        except ServiceRefusal as refused:
            return await new_page(
                request, session, status=refused.status, error=refused.message, values=values
            )
        return RedirectResponse(f"/discuss/{segment(opened['id'])}?ok=new", status_code=303)

    async def discussion_page(
        request: Request,
        session: Session,
        discussion_id: str,
        *,
        status: int = 200,
        error: str | None = None,
    ) -> Response:
        services = services_for(request)
        found = await services.get("proposals", f"/discussions/{segment(discussion_id)}")
        people = {found["opened_by"], *(c["author"] for c in found["comments"])}
        case = None
        if found["proposal_id"]:
            case = await _case(services, found["proposal_id"], session)
        return render(
            request,
            "discuss/discussion.html",
            {
                "d": found,
                "names": await _people_named(request, people),
                "categories": CATEGORY_LABELS,
                "may_take_part": session.role in PEOPLE and found["status"] == "open",
                "may_convert": session.role is Role.REVIEWER and found["status"] == "open",
                "kinds": {k: KIND_LABELS[k] for k in CONVERTIBLE},
                "case": case,
                "error": error,
                "done": _DONE.get(request.query_params.get("ok", "")),
            },
            status_code=status,
        )

    @router.get("/discuss/{discussion_id}")
    async def discussion(discussion_id: str, request: Request, session: Reader) -> Response:
        return await discussion_page(request, session, discussion_id)

    @router.post("/discuss/{discussion_id}/{act}")
    async def act_on(discussion_id: str, act: str, request: Request, session: Reader) -> Response:
        services = services_for(request)
        form = await request.form()
        path = f"/discussions/{segment(discussion_id)}"
        try:
            if act == "comment":
                body = {"body": text(form, "body")}
                await services.post("proposals", f"{path}/comments", json=body)
            elif act == "support":
                await services.post("proposals", f"{path}/supports")
            elif act == "convert":
                body = {"kind": text(form, "kind") or "proposal"}
                if note := text(form, "note"):
                    body["note"] = note
                case = await services.post("proposals", f"{path}/convert", json=body)
                target = CASE_PAGES.get(session.role, "/cases")
                return RedirectResponse(
                    f"{target}/{segment(case['case_no'] or case['id'])}", status_code=303
                )
            else:
                raise ServiceRefusal(404, f"找不到 (no act {act})", key="not_found")
        except ServiceRefusal as refused:
            if refused.status == 404:
                raise
            return await discussion_page(
                request, session, discussion_id, status=refused.status, error=refused.message
            )
        return RedirectResponse(f"/discuss/{segment(discussion_id)}?ok={act}", status_code=303)

    return router


async def _case(services: Services, proposal_id: str, session: Session) -> dict[str, str] | None:
    """The case a discussion became, as a link on the reader's page for cases (None if they may
    not read it)."""
    try:
        case = await services.get("proposals", f"/proposals/{segment(proposal_id)}")
    except ServiceRefusal:
        return None
    number = case.get("case_no") or case["id"]
    target = CASE_PAGES.get(session.role, "/cases")
    return {"number": number, "title": case["title"], "link": f"{target}/{segment(number)}"}
