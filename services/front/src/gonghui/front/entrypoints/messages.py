"""A signed-in person's messages (`/messages`): the in-app notices notify keeps for them, their
groups and their unit, newest first, each leading to what it is about."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.services import segment, services_for
from gonghui.front.entrypoints.cases import SignedIn
from gonghui.front.pages import render
from gonghui.front.sessions import Session, page_router
from gonghui.shared.auth import Role

SHOWN = 100
"""The newest notices the page shows."""
COUNTED = 100
"""Unread notices are counted this far (then read `99+`), for the nav's badge and the page."""
MARKING_ROUNDS = 5
"""全部标为已读 marks every inbox among the newest 500 unread, again until none is left."""

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
    async def messages(
        request: Request,
        session: SignedIn,
        before: Annotated[str | None, Query(max_length=40)] = None,
    ) -> Response:
        services = services_for(request)
        shown = {"limit": SHOWN} | ({"before": before} if before else {})
        found = await services.get("notify", "/notifications", params=shown)
        counted = await services.get(
            "notify", "/notifications/unread-count", params={"most": COUNTED}
        )
        notices = [{**n, "link": link_of(n, session)} for n in found["items"]]
        return render(
            request,
            "messages.html",
            {
                "notices": notices,
                "unread": counted["unread"],
                "most": COUNTED,
                "older": notices[-1]["id"] if len(notices) == SHOWN else None,
                "paged": bool(before),
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
        for _ in range(MARKING_ROUNDS):
            found = await services.get(
                "notify", "/notifications", params={"limit": 500, "unread": True}
            )
            # A person's own inbox, their groups' and their unit's, each marked whole.
            inboxes = sorted({notice["recipient"] for notice in found["items"]})
            if not inboxes:
                break
            for inbox in inboxes:
                await services.post("notify", "/notifications/read", json={"recipient": inbox})
        return RedirectResponse("/messages?ok=read", status_code=303)

    return router
