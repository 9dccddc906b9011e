"""The union's dashboard (`/dashboard`), scoped to the signed-in admin's area, and its CSV files.

Every figure comes from a service's public API called with the admin's own token, so the
dashboard shows exactly what the API answers for that person.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response

from gonghui.front.adapters.directory import names_for
from gonghui.front.adapters.services import segment, services_for
from gonghui.front.navigation import map_position
from gonghui.front.pages import render
from gonghui.front.sessions import Session, page_router, require_role
from gonghui.front.views.dashboard import (
    Dashboard,
    activities_part,
    cases_part,
    duty_part,
    stations_part,
)
from gonghui.front.views.times import beijing
from gonghui.shared.auth import Role

OVERSEERS = (Role.UNION_ADMIN, Role.SUPERVISOR)
Overseer = Annotated[Session, Depends(require_role(*OVERSEERS))]


async def build_dashboard(request: Request, session: Session) -> Dashboard:
    """Every part of the dashboard for the signed-in admin's area."""
    area = session.principal.area
    if area is None:
        raise HTTPException(
            403, "看板按地区统计，您的账号未设定地区，请联系管理员 (account_without_area)"
        )
    state = request.app.state
    services = services_for(request)
    board = Dashboard(area=area, generated_at=beijing(state.clock.now()))
    totals, geojson, vocabulary, activities, stats = await asyncio.gather(
        services.get("stations", f"/areas/{segment(area)}/totals"),
        services.get("stations", "/stations.geojson"),
        services.get("stations", "/vocabulary"),
        services.get("stations", "/activities", params={"area_code": area}),
        services.get("proposals", "/stats", params={"by": "kind"}),
    )
    stations_part(
        board,
        totals=totals,
        features=geojson["features"],
        vocabulary=vocabulary,
        covers=session.principal.covers,
    )
    activities_part(board, activities=activities)
    cases_part(board, stats=stats)
    representatives = [
        user.principal.sub
        for user in await state.users.all()
        if user.principal.role is Role.REPRESENTATIVE
        and session.principal.covers(user.principal.area)
    ]
    reports = await services.get_each(
        "proposals",
        [f"/representatives/{segment(sub)}/duty-report" for sub in sorted(representatives)],
    )
    duty_part(
        board,
        reports=[r for r in reports if r],
        stats=stats,
        names=await names_for(request),
    )
    return board


def _on_tiles(point: dict[str, Any], datum: str) -> dict[str, Any]:
    """A station where the configured tiles draw it: they may be GCJ-02, the stations WGS-84."""
    lat, lon = map_position(point["lat"], point["lon"], datum=datum)
    return {**point, "lat": lat, "lon": lon}


def dashboard_router():  # type: ignore[no-untyped-def]
    """`/dashboard` and `/dashboard/<table>.csv`."""
    router = page_router()

    @router.get("/dashboard")
    async def dashboard(request: Request, session: Overseer) -> Response:
        board = await build_dashboard(request, session)
        settings = request.app.state.settings
        datum = settings.map_tiles_datum
        points = [_on_tiles(p, datum) for p in board.map_points]
        page_data = {
            "charts": board.charts,
            "points": points,
            "tiles": settings.map_tiles_url,
            "attribution": settings.map_attribution,
        }
        return render(
            request,
            "dashboard.html",
            {"board": board, "page_data": json.dumps(page_data, ensure_ascii=False)},
        )

    @router.get("/dashboard/{table}.csv")
    async def table_csv(table: str, request: Request, session: Overseer) -> Response:
        board = await build_dashboard(request, session)
        found = board.tables.get(table)
        if found is None:
            raise HTTPException(
                404, f"没有名为 {table} 的表格（可选：{'、'.join(board.tables)}） (no such table)"
            )
        filename = f"{table}-{board.area}-{board.generated_at[:10]}.csv"
        return Response(
            found.csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return router
