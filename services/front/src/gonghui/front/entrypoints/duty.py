"""A representative's own duty (`/duty`, 我的履职): what the platform recorded of their work this
year (it writes itself from the events of their cases, discussions and visits), how their cases
ended, and how members rated them (会员评家)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from gonghui.front.adapters.services import segment, services_for
from gonghui.front.pages import render
from gonghui.front.sessions import Session, page_router, require_role
from gonghui.shared.auth import Role
from gonghui.shared.clock import SHANGHAI

Representative = Annotated[Session, Depends(require_role(Role.REPRESENTATIVE))]
KIND_LABELS = {
    "submission": "提交事项",
    "follow_up": "跟踪督办",
    "discussion": "议事参与",
    "home_visit": "入户走访",
}
"""The kinds of work the duty record keeps, as the proposals service's printable report names
them."""
SHOWN = 50
"""The newest entries of the timeline the page lists."""


def duty_router():  # type: ignore[no-untyped-def]
    """`/duty`: the signed-in representative's duty report for a year."""
    router = page_router()

    @router.get("/duty")
    async def duty(
        request: Request,
        session: Representative,
        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ) -> Response:
        this_year = request.app.state.clock.now().astimezone(SHANGHAI).year
        shown = year or this_year
        report = await services_for(request).get(
            "proposals",
            f"/representatives/{segment(session.principal.sub)}/duty-report",
            params={"from": f"{shown}-01-01", "to": f"{shown}-12-31"},
        )
        timeline = sorted(report["timeline"], key=lambda r: r["at"], reverse=True)[:SHOWN]
        return render(
            request,
            "duty.html",
            {
                "report": report,
                "year": shown,
                "years": list(range(this_year, this_year - 3, -1)),
                "kinds": KIND_LABELS,
                "timeline": timeline,
            },
        )

    return router
