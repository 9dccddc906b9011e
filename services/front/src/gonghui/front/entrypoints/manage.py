"""Stations managed on a page (`/manage`): a unit's own stations, and an admin's area's.

The manager of a station at a bank branch or a shop, without a system of their own, keeps its
public information right (hours, services, who is on duty), closes it for a while and opens it
again, and shows the rotating QR code workers scan to check in; union staff assess the six
points (六有) and hang the plaque (挂牌). Every change goes through the stations API as the
signed-in person, so the page can do exactly what the API lets them.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any

import segno
from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from gonghui.front.adapters.services import ServiceRefusal, Services, segment, services_for
from gonghui.front.forms import text, texts
from gonghui.front.hours import describe_hours
from gonghui.front.pages import render
from gonghui.front.sessions import FORM_FIELD, Session, page_router, require_role
from gonghui.shared.auth import Role
from gonghui.shared.clock import SHANGHAI

MANAGERS = (Role.PARTNER, Role.UNION_ADMIN)
Manager = Annotated[Session, Depends(require_role(*MANAGERS))]
LISTED = 50
"""Stations a page of the list shows."""
RATINGS = 5
"""The newest ratings a station's page shows (its open complaints all, up to the API's 100)."""

_DONE = {
    "info": "公开信息已更新，找站点和站点页即时显示。",
    "suspend": "已暂停服务，找站点显示“暂停服务”。",
    "resume": "已恢复服务。",
    "assess": "六有评估已记录。",
    "activate": "已挂牌，站点开始运营。",
    "exit": "站点已退出，不再对外显示。",
    "supply": "物资数量已更新。",
    "complaint": "投诉已办结，处理结果已记录。",
    "activity": "活动已发布，工友可在站点页一键报名。",
    "new": "站点已登记，编号已分配。六有评估达标后由工会挂牌。",
}
"""What the station's page says after a step went through (`?ok=<step>`)."""


def qr_image(url: str, *, scale: int) -> Markup:
    """The check-in URL as an inline SVG QR code (drawn here: no request leaves the page)."""
    svg = segno.make(url, error="m").svg_inline(scale=scale, border=2, omitsize=True)
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="签到二维码" ', 1))


def _info(form: Any) -> dict[str, Any]:
    """The public information a manager edits, as the PATCH body."""
    return {
        **texts(form, "open_hours", "manager_name", "manager_phone"),
        "services": [str(s) for s in form.getlist("services")],
    }


def _assessment(form: Any, criteria: list[dict[str, str]]) -> dict[str, Any]:
    """A six-point assessment from the form: each criterion passed or not, with its note."""
    body: dict[str, Any] = {
        "criteria": {
            c["key"]: {
                "passed": form.get(f"passed_{c['key']}") == "yes",
                "note": text(form, f"note_{c['key']}"),
            }
            for c in criteria
        }
    }
    if verified := text(form, "map_verified_on"):
        body["map_verified_on"] = verified
    return body


def _beijing(local: str) -> str:
    """A `datetime-local` field's value (Beijing time) as RFC 3339; empty stays empty."""
    if not local:
        return ""
    return f"{local}:00+08:00" if len(local) == 16 else f"{local}+08:00"


def week_ago(request: Request) -> str:
    """The first day of the last seven (Beijing), for the visits table."""
    today = request.app.state.clock.now().astimezone(SHANGHAI).date()
    return (today - timedelta(days=6)).isoformat()


def _whole(value: Any, name: str, label: str) -> int:
    """A form's whole number, or the refusal that says which field is not one."""
    written = str(value or "").strip()
    if not written.isdecimal():  # isdigit() would take "²", which int() refuses
        raise ServiceRefusal(
            422, f"{label}须为整数 ({name} must be a whole number)", key="invalid_input"
        )
    return int(written)


def _supply(form: Any) -> tuple[str, dict[str, Any]]:
    """The item and the change from the supplies form: 补充 adds, 领用 takes away."""
    count = _whole(form.get("count"), "count", "数量")
    body: dict[str, Any] = {"change": -count if form.get("direction") == "use" else count}
    if text(form, "low_threshold"):
        body["low_threshold"] = _whole(form.get("low_threshold"), "low_threshold", "提醒线")
    return text(form, "item"), body


def _registration(form: Any) -> dict[str, Any]:
    """A station to register from the form, but its coordinates. The form's own once-only id
    is the station's reference: sent again, it is the same station, not a second one."""
    values: dict[str, Any] = {
        "external_ref": f"web-{text(form, FORM_FIELD) or secrets.token_hex(16)}",
        **texts(form, "name", "address", "open_hours", "manager_name", "manager_phone"),
        "services": [str(s) for s in form.getlist("services")],
    }
    if operator := text(form, "operator"):
        values["operator"] = operator
    return values


def _degrees(form: Any, name: str) -> float:
    """A coordinate from the form, or the refusal that says where to get it."""
    try:
        degrees = float(text(form, name))
    except ValueError:
        degrees = math.nan
    if not math.isfinite(degrees):
        raise ServiceRefusal(
            422,
            "请点“使用我的位置”（在站点现场）或填写站点的经纬度 "
            f"({name} must be a number of degrees)",
            key="invalid_input",
        )
    return degrees


def _reason(form: Any, default: str) -> str:
    return text(form, "reason") or default


def manage_router():  # type: ignore[no-untyped-def]
    """`/manage`, one station's page, its QR code full screen, and the steps taken on it."""
    router = page_router()

    @router.get("/manage")
    async def listing(
        request: Request,
        session: Manager,
        q: Annotated[str | None, Query(max_length=40)] = None,
        after: Annotated[str | None, Query(max_length=40)] = None,
    ) -> Response:
        params: dict[str, Any] = {"limit": LISTED}
        params |= {"q": q} if q else {}
        params |= {"after": after} if after else {}
        page = await services_for(request).get("stations", "/managed-stations", params=params)
        return render(
            request,
            "manage/list.html",
            {
                "stations": page["items"],
                "next_after": page["next_after"],
                "q": q or "",
                "paged": bool(after),
            },
        )

    async def registration_page(
        request: Request,
        session: Session,
        *,
        status: int = 200,
        error: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response:
        vocabulary = await services_for(request).get("stations", "/vocabulary")
        return render(
            request,
            "manage/new.html",
            {
                "vocabulary": vocabulary,
                "values": values or {"services": [], "open_hours": "Mo-Su 08:00-20:00; PH off"},
                "is_admin": session.role is Role.UNION_ADMIN,
                "error": error,
            },
            status_code=status,
        )

    @router.get("/manage/new")
    async def new_station(request: Request, session: Manager) -> Response:
        return await registration_page(request, session)

    @router.post("/manage/new")
    async def register(request: Request, session: Manager) -> Response:
        form = await request.form()
        values = _registration(form)
        try:
            body = {**values, "lat": _degrees(form, "lat"), "lon": _degrees(form, "lon")}
            station = await services_for(request).post("stations", "/stations", json=body)
        except ServiceRefusal as refused:
            shown = {**values, "lat": form.get("lat"), "lon": form.get("lon")}
            return await registration_page(
                request, session, status=refused.status, error=refused.message, values=shown
            )
        return RedirectResponse(f"/manage/{segment(station['code'])}?ok=new", status_code=303)

    async def station_page(
        request: Request,
        session: Session,
        code: str,
        *,
        status: int = 200,
        error: str | None = None,
        info: dict[str, Any] | None = None,
        activity: dict[str, Any] | None = None,
    ) -> Response:
        services = services_for(request)
        path = f"/stations/{segment(code)}"
        # Its assessments first: the API refuses a station the person does not manage.
        assessments = await services.get("stations", f"{path}/assessments")
        feedback = f"{path}/feedback"
        (
            station,
            vocabulary,
            complaints,
            ratings,
            supplies,
            visits,
            activities,
        ) = await asyncio.gather(
            services.get("stations", path),
            services.get("stations", "/vocabulary"),
            services.get("stations", feedback, params={"kind": "complaint", "status": "open"}),
            services.get("stations", feedback, params={"kind": "rating", "limit": RATINGS}),
            services.get("stations", f"{path}/supplies"),
            services.get("stations", f"{path}/visits", params={"since": week_ago(request)}),
            services.get("stations", "/activities", params={"station_code": code}),
        )
        qr = await services.get("stations", f"{path}/qr") if station["status"] == "active" else None
        stock = {s["item"]: s for s in supplies}
        return render(
            request,
            "manage/station.html",
            {
                "station": station,
                "hours": describe_hours(station["open_hours"]),
                "vocabulary": vocabulary,
                "latest": assessments[0] if assessments else None,
                "complaints": complaints["items"],
                "ratings": ratings["items"],
                "totals": ratings["totals"],
                "stock": [
                    {"item": t["key"], "label": t["label"], **stock.get(t["key"], {"quantity": 0})}
                    for t in vocabulary["supplies"]
                ],
                "visits": visits,
                "activities": activities,
                "activity": activity or {},
                "is_admin": session.role is Role.UNION_ADMIN,
                "qr": qr,
                "qr_svg": qr_image(qr["url"], scale=5) if qr else None,
                "info": info
                or {name: station[name] for name in ("open_hours", "manager_name", "manager_phone")}
                | {"services": station["services"]},
                "error": error,
                "done": _DONE.get(request.query_params.get("ok", "")),
            },
            status_code=status,
        )

    @router.get("/manage/{code}")
    async def station(code: str, request: Request, session: Manager) -> Response:
        return await station_page(request, session, code)

    @router.get("/manage/{code}/qr")
    async def qr_screen(code: str, request: Request, session: Manager) -> Response:
        """The QR code alone, large, for a screen at the station: it reloads as it changes."""
        services = services_for(request)
        path = f"/stations/{segment(code)}"
        qr = await services.get("stations", f"{path}/qr")
        station = await services.get("stations", path)
        now = request.app.state.clock.now()
        left = (datetime.fromisoformat(qr["valid_until"]) - now).total_seconds()
        return render(
            request,
            "manage/qr.html",
            {
                "station": station,
                "qr": qr,
                "qr_svg": qr_image(qr["url"], scale=10),
                "refresh_s": max(5, int(left) + 1),
            },
        )

    @router.post("/manage/{code}/{step}")
    async def take_step(code: str, step: str, request: Request, session: Manager) -> Response:
        services = services_for(request)
        form = await request.form()
        try:
            await _take(services, code, step, form)
        except ServiceRefusal as refused:
            if refused.status == 404:
                raise
            return await station_page(
                request,
                session,
                code,
                status=refused.status,
                error=refused.message,
                info=_info(form) if step == "info" else None,
                activity=dict(form) if step == "activity" else None,
            )
        return RedirectResponse(f"/manage/{segment(code)}?ok={step}", status_code=303)

    return router


async def _take(services: Services, code: str, step: str, form: Any) -> None:
    """One step on a station, as the stations API takes it (its refusal raised)."""
    path = f"/stations/{segment(code)}"
    if step == "info":
        await services.request("PATCH", "stations", path, json=_info(form))
    elif step == "suspend":
        until = _beijing(text(form, "until"))
        body = {"reason": _reason(form, "暂停服务"), "until": until}
        await services.post("stations", f"{path}/suspend", json=body)
    elif step == "resume":
        await services.post(
            "stations", f"{path}/resume", json={"reason": _reason(form, "恢复服务")}
        )
    elif step == "assess":
        vocabulary = await services.get("stations", "/vocabulary")
        body = _assessment(form, vocabulary["criteria"])
        await services.post("stations", f"{path}/assessments", json=body)
    elif step == "activate":
        await services.post(
            "stations", f"{path}/activate", json={"reason": _reason(form, "六有达标")}
        )
    elif step == "supply":
        item, body = _supply(form)
        await services.post("stations", f"{path}/supplies/{segment(item)}", json=body)
    elif step == "complaint":
        feedback_id = segment(text(form, "feedback_id"))
        resolution = {"resolution": text(form, "resolution")}
        await services.post("stations", f"{path}/feedback/{feedback_id}/close", json=resolution)
    elif step == "activity":
        body = {
            "station_code": code,
            **texts(form, "title", "description", "place"),
            "starts_at": _beijing(text(form, "starts_at")),
            "ends_at": _beijing(text(form, "ends_at")),
            "capacity": _whole(form.get("capacity"), "capacity", "名额"),
        }
        await services.post("stations", "/activities", json=body)
    elif step == "exit":
        if form.get("confirm") != "yes":
            raise ServiceRefusal(
                422,
                "请勾选“确认退出”：退出后站点不再对外显示，且不能恢复 (confirm_exit)",
                key="invalid_input",
            )
        await services.post("stations", f"{path}/exit", json={"reason": _reason(form, "")})
    else:
        raise ServiceRefusal(404, f"找不到 (no step {step})", key="not_found")
