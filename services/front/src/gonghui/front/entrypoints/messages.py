"""A signed-in person's messages (`/messages`): the in-app notices notify keeps for them, their
groups and their unit, newest first, each leading to what it is about."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.services import segment, services_for
from gonghui.front.entrypoints.cases import SignedIn
from gonghui.front.pages import render
from gonghui.front.sessions import Session, page_router
from gonghui.shared.auth import Role

SHOWN = 100
"""The newest notices the page shows."""
COUNTED = 100
"""The nav's badge counts unread notices this far (then reads `99+`)."""

CASE_PAGES = {
    Role.REVIEWER: "/desk",
    Role.SUPERVISOR: "/desk",
    Role.HANDLER: "/work",
    Role.PARTNER: "/work",
}
"""Where a notice about a case leads each role (the others: `/cases`)."""


def link_of(notice: dict[str, Any], session: Session) -> str | None:
    """The page a notice is about: its case (on the reader's own page for cases) or station."""
    subject, cause = notice.get("subject"), str(notice["cause_type"])
    if not subject:
        return None
    if cause.startswith(("proposal.", "case.")):
        return f"{CASE_PAGES.get(session.role, '/cases')}/{segment(subject)}"
    if cause.startswith("station."):
        return f"/stations/{segment(subject)}"
    return None


def messages_router():  # type: ignore[no-untyped-def]
    """`/messages` and marking them read."""
    router = page_router()

    @router.get("/messages")
    async def messages(request: Request, session: SignedIn) -> Response:
        found = await services_for(request).get("notify", "/notifications", params={"limit": SHOWN})
        notices = [{**n, "link": link_of(n, session)} for n in found["items"]]
        return render(
            request,
            "messages.html",
            {
                "notices": notices,
                "unread": sum(1 for n in notices if n["read_at"] is None),
                "done": "已全部标为已读。" if request.query_params.get("ok") == "read" else "",
            },
        )

    @router.get("/messages/unread")
    async def unread(request: Request, session: SignedIn) -> dict[str, int]:
        """How many notices are unread, for the nav's badge (fetched after the page shows)."""
        found = await services_for(request).get(
            "notify", "/notifications/unread-count", params={"most": COUNTED}
        )
        return {"unread": found["unread"]}

    @router.post("/messages/read")
    async def mark_read(request: Request, session: SignedIn) -> Response:
        services = services_for(request)
        found = await services.get(
            "notify", "/notifications", params={"limit": SHOWN, "unread": True}
        )
        by_inbox: dict[str, list[str]] = defaultdict(list)
        for notice in found["items"]:
            by_inbox[notice["recipient"]].append(notice["id"])
        for inbox, ids in by_inbox.items():  # a person's own, their groups' and their unit's
            marked = {"recipient": inbox, "ids": ids}
            await services.post("notify", "/notifications/read", json=marked)
        return RedirectResponse("/messages?ok=read", status_code=303)

    return router
