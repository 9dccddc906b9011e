"""The union's desk (`/desk`): the review group's and the supervisors' queue and their moves.

The queue and the case come from the proposals API as the signed-in person may read them (their
area); a move is that person's own call to the API, which judges it and answers with the reason
when it refuses, shown on the case page.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.directory import names_for
from gonghui.front.adapters.services import ServiceRefusal, Services, segment, services_for
from gonghui.front.entrypoints.cases import case_with_moves, fetch_case
from gonghui.front.pages import render
from gonghui.front.sessions import Session, page_router, require_role
from gonghui.front.views.desk import (
    DESK_ROLES,
    DESK_TITLES,
    MOVE_LABELS,
    OPEN,
    desk_item,
    desk_queue,
    move_body,
    move_label,
    moves_for,
)

DeskPerson = Annotated[Session, Depends(require_role(*DESK_ROLES))]
LISTED = 100
"""The newest cases of each open status the desk looks through."""


async def open_cases(services: Services) -> list[dict[str, Any]]:
    """The open cases of the person's area, each with its deadlines."""
    listed = await asyncio.gather(
        *(
            services.get("proposals", "/proposals", params={"status": status, "limit": LISTED})
            for status in OPEN
        )
    )
    return [case for page in listed for case in page["items"]]


async def unit_choices(services: Services) -> list[dict[str, str]]:
    """The handling units a case may be given to, by name."""
    units = (await services.get("proposals", "/units"))["items"]
    return sorted(({"code": u["code"], "name": u["name"]} for u in units), key=lambda u: u["name"])


def desk_router():  # type: ignore[no-untyped-def]
    """`/desk`, one case with the moves the person may make, and the moves themselves."""
    router = page_router()

    @router.get("/desk")
    async def queue(request: Request, session: DeskPerson) -> Response:
        names = await names_for(request)
        cases = await open_cases(services_for(request))
        items = desk_queue(cases, role=session.role, names=names, now=request.app.state.clock.now())
        return render(
            request,
            "desk/queue.html",
            {
                "title": DESK_TITLES[session.role],
                "waiting": [i for i in items if not i.done],
                "followed": [i for i in items if i.done],
            },
        )

    async def moves_context(
        request: Request, session: Session, case: dict[str, Any]
    ) -> dict[str, Any]:
        names = await names_for(request)
        item = desk_item(case, role=session.role, names=names, now=request.app.state.clock.now())
        moves = moves_for(case, session.role)
        needs_units = "assign" in moves or "offer" in moves
        return {
            "item": item,
            "moves": {move: move_label(move, case) for move in moves},
            "units": await unit_choices(services_for(request)) if needs_units else [],
            "case_unit": case.get("unit_code") or "",
            "is_hotline": case.get("kind") == "hotline",
            "moves_path": f"/desk/{segment(item.number)}",
            "csrf_token": getattr(request.state, "csrf", ""),
        }

    @router.get("/desk/{case_ref}")
    async def desk_case(case_ref: str, request: Request, session: DeskPerson) -> Response:
        return await case_with_moves(
            request,
            session,
            case_ref,
            template="desk/case.html",
            moves=moves_context,
            labels=MOVE_LABELS,
        )

    @router.get("/desk/{case_ref}/moves")
    async def moves_part(case_ref: str, request: Request, session: DeskPerson) -> Response:
        case = await fetch_case(services_for(request), case_ref)
        return render(request, "desk/_moves.html", await moves_context(request, session, case))

    @router.post("/desk/{case_ref}/{move}")
    async def move(case_ref: str, move: str, request: Request, session: DeskPerson) -> Response:
        services = services_for(request)
        case = await fetch_case(services, case_ref)
        target = f"/desk/{segment(case.get('case_no') or case['id'])}"
        if move not in moves_for(case, session.role):
            label = MOVE_LABELS.get(move, move)
            reason = (
                f"事项当前为“{case.get('status_label') or case['status']}”，不能{label} "
                f"(move {move} not allowed now)"
            )
            return RedirectResponse(f"{target}?refused={quote(reason)}", status_code=303)
        body = move_body(move, await request.form())
        try:
            await services.post("proposals", f"/proposals/{segment(case['id'])}/{move}", json=body)
        except ServiceRefusal as refused:
            return RedirectResponse(f"{target}?refused={quote(refused.message)}", status_code=303)
        return RedirectResponse(f"{target}?sent={move}", status_code=303)

    return router
