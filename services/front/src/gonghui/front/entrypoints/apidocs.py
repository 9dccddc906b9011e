"""`/api`: where each service's API and stream documentation is (served offline by each)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from gonghui.front.pages import render
from gonghui.front.sessions import page_router

DESCRIPTIONS = {
    "stations": "驿站服务：站点、开放时间、活动、评价与投诉、区划",
    "proposals": "诉求服务：建议、问题、零距离需求、热线工单",
    "notify": "通知服务：通知、渠道、规则、投递记录",
}


def apidocs_router():  # type: ignore[no-untyped-def]
    """`/api`."""
    router = page_router()

    @router.get("/api")
    async def api_docs(request: Request) -> Response:
        services = [
            {"name": name, "url": url, "description": DESCRIPTIONS[name]}
            for name, url in request.app.state.services.items()
        ]
        return render(request, "api.html", {"services": services})

    return router
