"""A unit's work queue (`/work`) for departments and town offices without a system of their own.

What the queue shows comes from the proposals API as the unit's person may read it, plus the
offers on the unit's inbox (read with XRANGE, which leaves its consumer group untouched). What a
unit does here is written to its outbox as the same CloudEvent its own system would XADD
(docs/departments-proposals.md §5), so the proposals service cannot tell the two apart.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.directory import names_for
from gonghui.front.adapters.services import ServiceRefusal, Services, segment, services_for
from gonghui.front.adapters.unit_outbox import RefusedMove, new_command_id, send_unit_move
from gonghui.front.entrypoints.cases import (
    case_with_moves,
    fetch_case,
    fetch_cases,
    photo_uploads,
    upload_photo,
)
from gonghui.front.forms import text
from gonghui.front.pages import render
from gonghui.front.sessions import NotAllowed, Session, page_router, require_role
from gonghui.front.views.work import ACTION_LABELS, work_item, work_queue
from gonghui.shared.auth import Role

UNITS = (Role.HANDLER, Role.PARTNER)
OFFERS_SCANNED = 500
"""How many of the newest inbox entries are looked through for offers still open."""


async def unit_session(session: Annotated[Session, Depends(require_role(*UNITS))]) -> Session:
    """A unit's person: a handler or partner account that names its unit."""
    if not session.principal.department:
        raise NotAllowed(session.role, UNITS)
    return session


UnitPerson = Annotated[Session, Depends(unit_session)]


async def offered_ids(request: Request, unit_code: str) -> list[str]:
    """Cases offered to the unit for claiming (零距离), newest first, from its inbox."""
    state = request.app.state
    entries = await state.redis.xrevrange(state.keys.inbox(unit_code), count=OFFERS_SCANNED)
    found: list[str] = []
    for _, fields in entries:
        decoded = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in fields.items()
        }
        if decoded.get("type") != "proposal.offered.v1":
            continue
        try:
            proposal_id = json.loads(decoded.get("data") or "{}").get("proposal_id")
        except ValueError:
            continue
        if isinstance(proposal_id, str) and proposal_id not in found:
            found.append(proposal_id)
    return found


async def queue_cases(request: Request, services: Services, unit_code: str) -> list[dict[str, Any]]:
    """The unit's cases with their deadlines: routed to it, and offered to it still open."""
    listed = (await services.get("proposals", "/proposals", params={"limit": 200}))["items"]
    known = {c["id"] for c in listed}
    offered = [i for i in await offered_ids(request, unit_code) if i not in known]
    return [c for c in listed + await fetch_cases(services, offered) if _concerns(c, unit_code)]


def _concerns(case: dict[str, Any], unit_code: str) -> bool:
    """Whether the case is the unit's: it leads, co-handles (协办) or may claim it."""
    if case.get("unit_code") == unit_code:
        return True
    if any(p["unit_code"] == unit_code for p in case.get("co_handling") or []):
        return True
    return case["status"] == "offered" and unit_code in case["offered_to"]


def work_router():  # type: ignore[no-untyped-def]
    """`/work`, one case of the queue, and the unit's moves on it."""
    router = page_router()

    @router.get("/work")
    async def queue(request: Request, session: UnitPerson) -> Response:
        unit_code = str(session.principal.department)
        state = request.app.state
        names = await names_for(request)
        cases = await queue_cases(request, services_for(request), unit_code)
        items = work_queue(cases, unit_code=unit_code, names=names, now=state.clock.now())
        return render(
            request,
            "work/queue.html",
            {
                "unit": names.unit(unit_code),
                "action_labels": ACTION_LABELS,
                "open_items": [i for i in items if not i.done],
                "done_items": [i for i in items if i.done],
            },
        )

    async def moves_context(
        request: Request, session: Session, case: dict[str, Any]
    ) -> dict[str, Any]:
        unit_code = str(session.principal.department)
        names = await names_for(request)
        item = work_item(case, unit_code=unit_code, names=names, now=request.app.state.clock.now())
        return {
            "item": item,
            "action_labels": ACTION_LABELS,
            "command_id": new_command_id(unit_code),
            "moves_path": f"/work/{segment(item.number)}",
            "csrf_token": getattr(request.state, "csrf", ""),
        }

    @router.get("/work/{case_ref}")
    async def work_case(case_ref: str, request: Request, session: UnitPerson) -> Response:
        return await case_with_moves(
            request,
            session,
            case_ref,
            template="work/case.html",
            moves=moves_context,
            labels=ACTION_LABELS,
        )

    @router.get("/work/{case_ref}/moves")
    async def moves_part(case_ref: str, request: Request, session: UnitPerson) -> Response:
        case = await fetch_case(services_for(request), case_ref)
        return render(request, "work/_moves.html", await moves_context(request, session, case))

    @router.post("/work/{case_ref}/{action}")
    async def move(case_ref: str, action: str, request: Request, session: UnitPerson) -> Response:
        unit_code = str(session.principal.department)
        services = services_for(request)
        case = await fetch_case(services, case_ref)
        names = await names_for(request)
        item = work_item(case, unit_code=unit_code, names=names, now=request.app.state.clock.now())
        target = f"/work/{segment(item.number)}"
        if action not in item.actions:
            move_label = ACTION_LABELS.get(action, action)
            reason = (
                f"事项当前为“{item.status_label}”，不能{move_label} (move {action} not allowed now)"
            )
            return RedirectResponse(f"{target}?refused={quote(reason)}", status_code=303)
        form = await request.form()
        fields = _move_fields(action, form)
        try:
            await send_unit_move(
                request.app.state.redis,
                request.app.state.keys,
                unit_code=unit_code,
                action=action,
                proposal_id=case["id"],
                fields=fields,
                command_id=str(form.get("command_id") or ""),
            )
        except RefusedMove as refused:
            return RedirectResponse(f"{target}?refused={quote(refused.reason)}", status_code=303)
        failed = []
        if case.get("unit_code") == unit_code:
            for photo in photo_uploads(form):
                try:
                    await upload_photo(request, case["id"], photo, caption=fields.get("note"))
                except ServiceRefusal as refused:
                    failed.append(f"{photo.filename}：{refused.message}")
        query = f"?sent={action}" + (f"&refused={quote('；'.join(failed))}" if failed else "")
        return RedirectResponse(target + query, status_code=303)

    return router


def _move_fields(action: str, form: Any) -> dict[str, Any]:
    """The command's fields from the form: only those the move has, empty ones left out."""
    names = {
        "accept": ("handler", "note"),
        "claim": ("handler", "note"),
        "progress": ("percent", "milestone", "note"),
        "complete": ("result",),
        "decline": ("reason",),
    }[action]
    fields: dict[str, Any] = {}
    for name in names:
        value = text(form, name)
        if value:
            fields[name] = value
    return fields
