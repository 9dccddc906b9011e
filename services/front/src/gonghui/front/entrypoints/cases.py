"""A representative's cases (云履职) on a phone: submit, "my cases", one case's five steps live.

The worker a case is for, the review group and the handling unit open the same case page; what
each sees is what the proposals service lets their token read.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile

from gonghui.front.adapters.case_events import case_changes, sse, stream_position
from gonghui.front.adapters.directory import names_for
from gonghui.front.adapters.services import (
    ServiceRefusal,
    Services,
    ServiceUnavailable,
    segment,
    services_for,
)
from gonghui.front.forms import text, texts
from gonghui.front.pages import render
from gonghui.front.sessions import Session, page_router, require_role, signed_in
from gonghui.front.signin import normalize_mobile, worker_account
from gonghui.front.views.cases import CATEGORY_LABELS, KIND_LABELS, case_row, case_view
from gonghui.shared.auth import Role

SUBMITTERS = (Role.REPRESENTATIVE,)
Submitter = Annotated[Session, Depends(require_role(*SUBMITTERS))]
SignedIn = Annotated[Session, Depends(signed_in)]
PHOTO_TYPES = ("image/jpeg", "image/png")
MAX_PHOTOS = 9
CASE_FIELDS = ("kind", "category", "area_code", "title", "body", "member_mobiles")
RATEABLE = ("completed", "verified", "closed")
"""When the members a case is for may rate its outcome (会员评家): once there is a result."""
_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


def case_path(case: dict[str, Any]) -> str:
    """The case page's path: by readable number when it has one."""
    return f"/cases/{segment(case.get('case_no') or case['id'])}"


async def fetch_case(services: Services, case_ref: str) -> dict[str, Any]:
    """A case by readable number or id, as the signed-in person may read it."""
    return await services.get("proposals", _api_path(case_ref))


async def fetch_cases(services: Services, case_ids: list[str]) -> list[dict[str, Any]]:
    """Each case with its deadlines, eight requests at a time; those out of reach meanwhile
    (an offer another unit won, a case merged or withdrawn) are left out."""
    found = await services.get_each("proposals", [_api_path(i) for i in case_ids])
    return [c for c in found if c is not None]


def _api_path(case_ref: str) -> str:
    """The proposals API's path of a case, by id or readable number."""
    return f"/proposals/{segment(case_ref)}"


async def fetch_photos(services: Services, case_id: str) -> list[dict[str, Any]]:
    """The case's photos (without bytes)."""
    answer = await services.get("proposals", f"/proposals/{segment(case_id)}/photos")
    return answer["items"]


async def upload_photo(
    request: Request, case_id: str, upload: UploadFile, *, caption: str | None = None
) -> None:
    """Send one photo to the proposals service as the signed-in person."""
    services = services_for(request)
    data = await upload.read()
    await services.request(
        "POST",
        "proposals",
        f"/proposals/{segment(case_id)}/photos",
        params={"caption": caption} if caption else None,
        content=data,
        headers={"Content-Type": upload.content_type or "application/octet-stream"},
    )


def photo_uploads(form: Any) -> list[UploadFile]:
    """The non-empty files of the form's `photos` field."""
    return [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]


def live_context(
    request: Request, session: Session, case: dict[str, Any], names: Any, photos: list[dict]
) -> dict[str, Any]:
    """What the live part of the case page needs (rendered on load and on every event)."""
    view = case_view(
        case,
        names=names,
        now=request.app.state.clock.now(),
        masked=session.principal.sub != case["submitted_by"],
    )
    me = session.principal.sub
    rated = {str(r["member_id"]) for r in case.get("outcome_ratings") or []}
    return {
        "case": view,
        "photos": photos,
        "may_close": view.awaiting_feedback and me == case["submitted_by"],
        "may_rate_outcome": me in (case.get("members") or [])
        and me not in rated
        and case["status"] in RATEABLE,
        "rated_outcome": me in rated,
        "csrf_token": getattr(request.state, "csrf", ""),
    }


async def case_with_moves(
    request: Request,
    session: Session,
    case_ref: str,
    *,
    template: str,
    moves: Callable[[Request, Session, dict[str, Any]], Awaitable[dict[str, Any]]],
    labels: Mapping[str, str],
) -> Response:
    """A case page with the moves its reader may make: the case live, the moves (`moves` gives
    their context), and what became of the last move (`?sent=` or `?refused=`)."""
    services = services_for(request)
    case = await fetch_case(services, case_ref)
    names = await names_for(request)
    photos = await fetch_photos(services, case["id"])
    context = await moves(request, session, case)
    return render(
        request,
        template,
        {
            **live_context(request, session, case, names, photos),
            **context,
            "events_url": f"/cases/{segment(context['item'].number)}/events",
            "sent": labels.get(request.query_params.get("sent", ""), ""),
            "refused": request.query_params.get("refused", ""),
        },
    )


def members_of(raw: str, *, secret: str) -> list[str] | None:
    """The workers a case is for, from their mobile numbers, as the opaque ids they sign in with;
    None when a number is not a mobile number. The numbers themselves never leave the front."""
    numbers = [n for n in re.split(r"[\s,，、;；]+", raw) if n]
    mobiles = [normalize_mobile(n) for n in numbers]
    if any(m is None for m in mobiles):
        return None
    return list(dict.fromkeys(worker_account(m, secret=secret) for m in mobiles if m))


def cases_router():  # type: ignore[no-untyped-def]
    """`/cases/new`, `/cases`, `/cases/{case_no}` and its live events."""
    router = page_router()

    @router.get("/cases/new")
    async def new_case(request: Request, session: Submitter) -> Response:
        return render(request, "cases/new.html", form_context(session))

    def form_context(session: Session, **more: Any) -> dict[str, Any]:
        return {
            "kinds": KIND_LABELS,
            "categories": CATEGORY_LABELS,
            "values": {"area_code": session.principal.area or "", "kind": "issue"},
            "max_photos": MAX_PHOTOS,
            **more,
        }

    @router.post("/cases/new")
    async def submit_case(request: Request, session: Submitter) -> Response:
        form = await request.form()
        values = texts(form, *CASE_FIELDS)
        photos = photo_uploads(form)
        problem = None
        if len(photos) > MAX_PHOTOS:
            problem = f"最多上传 {MAX_PHOTOS} 张照片 (too_many_photos)"
        elif any(p.content_type not in PHOTO_TYPES for p in photos):
            problem = "只能上传 JPEG 或 PNG 照片 (photo_type)"
        members = members_of(values["member_mobiles"], secret=request.app.state.auth_secret)
        if members is None:
            problem = "请填写正确的 11 位手机号，多个号码用逗号或空格分开 (member_mobile_invalid)"
        if problem is None:
            body = {k: v for k, v in values.items() if v and k != "member_mobiles"}
            if members:
                body["members"] = members
            try:
                case = await services_for(request).post("proposals", "/proposals", json=body)
            except ServiceRefusal as refused:
                problem = refused.message
        if problem is not None:
            return render(
                request,
                "cases/new.html",
                form_context(session, values=values, error=problem),
                status_code=422,
            )
        failed = []
        for photo in photos:
            try:
                await upload_photo(request, case["id"], photo)
            except ServiceRefusal as refused:
                failed.append(f"{photo.filename}：{refused.message}")
        target = case_path(case) + ("?photo_errors=" + quote("；".join(failed)) if failed else "")
        return RedirectResponse(target, status_code=303)

    @router.get("/cases")
    async def my_cases(request: Request, session: SignedIn) -> Response:
        services = services_for(request)
        answer = await services.get("proposals", "/proposals", params={"limit": 200})
        names = await names_for(request)
        rows = [case_row(c, names) for c in answer["items"]]
        return render(
            request,
            "cases/list.html",
            {"rows": rows, "may_submit": session.role in SUBMITTERS},
        )

    @router.get("/cases/{case_ref}")
    async def case_page(case_ref: str, request: Request, session: SignedIn) -> Response:
        services = services_for(request)
        case = await fetch_case(services, case_ref)
        names = await names_for(request)
        photos = await fetch_photos(services, case["id"])
        return render(
            request,
            "cases/detail.html",
            {
                **live_context(request, session, case, names, photos),
                "events_url": case_path(case) + "/events",
                "photo_errors": request.query_params.get("photo_errors", ""),
                "may_add_photos": session.principal.sub == case["submitted_by"],
            },
        )

    @router.get("/cases/{case_ref}/photos/{photo_id}")
    async def case_photo(
        case_ref: str, photo_id: str, request: Request, session: SignedIn
    ) -> Response:
        case = await fetch_case(services_for(request), case_ref)
        try:
            answer = await request.app.state.http.get(
                request.app.state.services["proposals"]
                + f"/proposals/{segment(case['id'])}/photos/{segment(photo_id)}",
                headers={"Authorization": f"Bearer {session.token}"},
            )
        except httpx.HTTPError as exc:
            raise ServiceUnavailable("proposals") from exc
        if answer.status_code != 200:
            return Response(status_code=answer.status_code)
        return Response(
            answer.content,
            media_type=answer.headers.get("content-type", "application/octet-stream"),
            headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    @router.post("/cases/{case_ref}/photos")
    async def add_photos(case_ref: str, request: Request, session: SignedIn) -> Response:
        case = await fetch_case(services_for(request), case_ref)
        form = await request.form()
        failed = []
        for photo in photo_uploads(form):
            try:
                await upload_photo(request, case["id"], photo)
            except ServiceRefusal as refused:
                failed.append(f"{photo.filename}：{refused.message}")
        target = case_path(case) + ("?photo_errors=" + quote("；".join(failed)) if failed else "")
        return RedirectResponse(target, status_code=303)

    @router.post("/cases/{case_ref}/feedback")
    async def rate(case_ref: str, request: Request, session: SignedIn) -> Response:
        services = services_for(request)
        case = await fetch_case(services, case_ref)
        form = await request.form()
        score = str(form.get("satisfaction") or "")
        comment = text(form, "comment") or None
        if score not in {"1", "2", "3", "4", "5"}:
            raise ServiceRefusal(
                422, "请选择 1-5 星的满意度 (satisfaction_required)", key="invalid"
            )
        await services.post(
            "proposals",
            f"/proposals/{segment(case['id'])}/feedback",
            json={"satisfaction": int(score), "comment": comment},
        )
        return RedirectResponse(case_path(case), status_code=303)

    @router.post("/cases/{case_ref}/outcome-rating")
    async def rate_outcome(case_ref: str, request: Request, session: SignedIn) -> Response:
        services = services_for(request)
        case = await fetch_case(services, case_ref)
        form = await request.form()
        score = str(form.get("score") or "")
        if score not in {"1", "2", "3", "4", "5"}:
            raise ServiceRefusal(422, "请选择 1-5 星 (score_required)", key="invalid")
        comment = text(form, "comment") or None
        await services.post(
            "proposals",
            f"/proposals/{segment(case['id'])}/outcome-rating",
            json={"score": int(score), "comment": comment},
        )
        return RedirectResponse(case_path(case), status_code=303)

    @router.get("/cases/{case_ref}/events")
    async def case_events(case_ref: str, request: Request, session: SignedIn) -> StreamingResponse:
        state = request.app.state
        # The position is taken before the case is read, so nothing between the two is missed.
        resumed = request.headers.get("last-event-id", "")
        after = (
            resumed if _STREAM_ID.match(resumed) else await stream_position(state.redis, state.keys)
        )
        services = services_for(request)
        case = await fetch_case(services, case_ref)

        async def live(found: dict[str, Any]) -> str:
            names = await names_for(request)
            photos = await fetch_photos(services, found["id"])
            html = state.templates.env.get_template("cases/_live.html").render(
                live_context(request, session, found, names, photos)
            )
            return html

        async def events() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"
            yield sse("case", await live(case), event_id=after)
            async for changed in case_changes(state.redis, state.keys, case["id"], after=after):
                if await request.is_disconnected():
                    return
                if changed is None:
                    yield ": keep-alive\n\n"
                    continue
                try:
                    fresh = await fetch_case(services, case["id"])
                except ServiceRefusal:
                    yield sse("closed", "您已无权查看此事项")
                    return
                yield sse("case", await live(fresh), event_id=changed)

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router
