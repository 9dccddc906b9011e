"""A representative's key contacts and home visits (`/visits`, 重点联系人员与入户走访).

The representative keeps the register of the vulnerable workers they look after (shown masked,
as the proposals API gives it: a full read is for a named purpose and audited, not for a list),
records each home visit and, when a visit finds a need, raises a zero-distance report from it on
the spot, which goes to the units that may claim it as any zero-distance case does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.services import ServiceRefusal, segment, services_for
from gonghui.front.forms import text, texts
from gonghui.front.pages import render
from gonghui.front.sessions import Session, page_router, require_role
from gonghui.front.views.cases import CATEGORY_LABELS
from gonghui.shared.auth import Role

Representative = Annotated[Session, Depends(require_role(Role.REPRESENTATIVE))]

_DONE = {
    "contact": "已登记。联系人的个人信息只对本人和经授权的人员可见，查看须说明用途并留痕。",
    "visit": "走访已记录。",
}


def _visit(form: Any) -> dict[str, Any]:
    """A home visit from the form, with the zero-distance report if one was filled in."""
    body: dict[str, Any] = {}
    if note := text(form, "note"):
        body["note"] = note
    if text(form, "report_title") or text(form, "report_body"):
        report = {"title": text(form, "report_title"), "body": text(form, "report_body")}
        if category := text(form, "category"):
            report["category"] = category
        body["report"] = report
    return body


def visits_router():  # type: ignore[no-untyped-def]
    """`/visits`, registering a key contact, and recording a visit to one."""
    router = page_router()

    async def page(
        request: Request,
        session: Session,
        *,
        status: int = 200,
        error: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response:
        found = await services_for(request).get("proposals", "/key-contacts")
        return render(
            request,
            "visits.html",
            {
                "contacts": found["items"],
                "categories": CATEGORY_LABELS,
                "values": values or {"area_code": session.principal.area or ""},
                "error": error,
                "done": _DONE.get(request.query_params.get("ok", "")),
            },
            status_code=status,
        )

    @router.get("/visits")
    async def visits(request: Request, session: Representative) -> Response:
        return await page(request, session)

    @router.post("/visits/contacts")
    async def register(request: Request, session: Representative) -> Response:
        form = await request.form()
        values = texts(form, "name", "phone", "address", "situation", "area_code")
        try:
            await services_for(request).post(
                "proposals", "/key-contacts", json={k: v for k, v in values.items() if v}
            )
        except ServiceRefusal as refused:
            return await page(
                request, session, status=refused.status, error=refused.message, values=values
            )
        return RedirectResponse("/visits?ok=contact", status_code=303)

    @router.post("/visits/contacts/{contact_id}")
    async def visit(contact_id: str, request: Request, session: Representative) -> Response:
        form = await request.form()
        body = _visit(form)
        try:
            done = await services_for(request).post(
                "proposals", f"/key-contacts/{segment(contact_id)}/visits", json=body
            )
        except ServiceRefusal as refused:
            if refused.status == 404:
                raise
            return await page(request, session, status=refused.status, error=refused.message)
        if done["report"]:
            number = done["report"]["case_no"] or done["report"]["id"]
            return RedirectResponse(f"/cases/{segment(number)}", status_code=303)
        return RedirectResponse(f"/visits?ok=visit#contact-{contact_id}", status_code=303)

    return router
