"""`/s/{code}?t=...`: what a station's QR code opens; a signed-in worker checks in with one tap."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.services import ServiceRefusal, Services, segment, services_for
from gonghui.front.pages import render
from gonghui.front.sessions import Session, current_session, page_router, require_role
from gonghui.shared.auth import Role

WORKERS = (Role.WORKER, Role.MEMBER)


def checkin_router():  # type: ignore[no-untyped-def]
    """`GET /s/{code}` (the scanned page) and `POST /s/{code}` (the check-in)."""
    router = page_router()

    @router.get("/s/{code}")
    async def scanned(
        request: Request,
        code: str,
        services: Annotated[Services, Depends(services_for)],
        t: str = "",
    ) -> Response:
        station = await services.get("stations", f"/stations/{segment(code)}")
        session = current_session(request)
        return render(
            request,
            "checkin.html",
            {
                "station": station,
                "token": t,
                "can_check_in": session is not None and session.role in WORKERS,
                "done": request.query_params.get("ok") == "checked_in",
            },
        )

    @router.post("/s/{code}")
    async def check_in(
        request: Request,
        code: str,
        services: Annotated[Services, Depends(services_for)],
        session: Annotated[Session, Depends(require_role(*WORKERS))],
        token: Annotated[str, Form()] = "",
    ) -> Response:
        try:
            await services.post(
                "stations",
                f"/stations/{segment(code)}/visits",
                json={"worker_id": session.principal.sub, "token": token},
            )
        except ServiceRefusal as exc:
            station = await services.get("stations", f"/stations/{segment(code)}")
            context = {
                "station": station,
                "token": token,
                "can_check_in": True,
                "error": exc.message,
            }
            return render(request, "checkin.html", context, status_code=exc.status)
        return RedirectResponse(f"/s/{segment(code)}?ok=checked_in", status_code=303)

    return router
