"""The station finder (public) and a station's page: hours, rules, activities, feedback."""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.services import ServiceRefusal, Services, segment, services_for
from gonghui.front.hours import describe_hours
from gonghui.front.navigation import map_position, navigation_links
from gonghui.front.pages import render
from gonghui.front.sessions import Session, current_session, page_router, require_role
from gonghui.shared.auth import Role, area_prefix

SEARCH_RADIUS_M = 20_000
RESULTS = 10
WORKERS = (Role.WORKER, Role.MEMBER)
_AREA_WORDS = re.compile(r"[\u4e00-\u9fff]{1,10}?(?:自治区|自治州|特别行政区|省|市|州|盟|区|县|旗)")
_STREET = re.compile(r"^.+?(?:大道|大街|路|街|巷|弄|里|桥|口|村)")
"""A street or landmark at the start of the rest of an address: `五四路` of `五四路154号`."""
_DONE = {
    "feedback_rating": "感谢您的评价！",
    "feedback_complaint": "投诉已收到，驿站管理人员和工会将跟进处理。",
    "signup_confirmed": "报名成功！",
    "signup_waitlisted": "名额已满，您已进入候补名单。",
    "signup_cancelled": "已取消报名。",
    "password": "密码已修改。",
}
"""What a page says after a form went through (`?ok=<key>`)."""

Services_ = Annotated[Services, Depends(services_for)]


def _coordinate(raw: str | None, *, limit: float) -> float | None:
    try:
        value = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    if value is None or not math.isfinite(value) or abs(value) > limit:
        return None
    return value


async def areas_named(services: Services, text: str) -> list[dict[str, Any]]:
    """The areas (with a seat) named in an address, most specific name first, those whose full
    name agrees most with the rest of the address first (鼓楼区 is in Fuzhou and in Nanjing)."""
    words = _AREA_WORDS.findall(text)
    for candidate in [text.strip(), *reversed(words)]:
        if not candidate or len(candidate) > 40:
            continue
        found = await services.get("stations", "/areas", params={"q": candidate, "limit": 20})
        placed = [a for a in found if a.get("lat") is not None]
        if placed:
            agreeing = [
                {**a, "agreement": sum(word in a["full_name"] for word in words)} for a in placed
            ]
            return sorted(agreeing, key=lambda a: -a["agreement"])
    return []


async def _likeliest(services: Services, areas: list[dict[str, Any]]) -> dict[str, Any]:
    """Of the areas the address agrees with best, the first with a station near its seat: a
    bare `鼓楼区` typed on a Fuzhou deployment means Fuzhou's, not Nanjing's."""
    best = [a for a in areas if a["agreement"] == areas[0]["agreement"]]
    for area in best[:5]:
        params = {"lat": area["lat"], "lon": area["lon"], "radius_m": SEARCH_RADIUS_M, "limit": 1}
        if (await services.get("stations", "/stations", params=params))["items"]:
            return area
    return areas[0]


@dataclass(frozen=True)
class TypedPlace:
    """Where a typed place is taken to be, and how the page says so."""

    lat: float
    lon: float
    label: str
    how: str


async def locate_typed_place(services: Services, text: str) -> TypedPlace | None:
    """A typed landmark or street, at a station whose name or address mentions it (inside an
    area the text names, the likeliest first); else the seat of the area it names; else None."""
    areas = await areas_named(services, text)
    rest = _AREA_WORDS.sub("", text).strip() if areas else text.strip()
    street = _STREET.match(rest)
    for words in dict.fromkeys((rest, street.group(0) if street else "")):
        if not 2 <= len(words) <= 40:
            continue
        params: dict[str, Any] = {"q": words, "limit": 20}
        if areas:
            params["area_code"] = [area["code"] for area in areas]
        found = await services.get("stations", "/places", params=params)
        for area in areas or [None]:
            inside = area_prefix(area["code"]) if area else ""
            station = next((p for p in found if p["area_code"].startswith(inside)), None)
            if station is not None:
                how = f"以“{station['name']}”为准"
                return TypedPlace(station["lat"], station["lon"], words, how)
    if not areas:
        return None
    seat = await _likeliest(services, areas)
    return TypedPlace(seat["lat"], seat["lon"], seat["full_name"], "区县中心")


def finder_router():  # type: ignore[no-untyped-def]
    """`/` (the finder), `/stations/{code}` and the station page's forms."""
    router = page_router()

    @router.get("/")
    async def finder(
        request: Request,
        services: Services_,
        service: Annotated[list[str] | None, Query()] = None,
        q: str = "",
        open: str = "",
        searched: str = "",
    ) -> Response:
        settings = request.app.state.settings
        # A link or poster opens "open now"; the form says it with its checkbox.
        open = "now" if open == "now" or not searched else "any"
        vocabulary = await services.get("stations", "/vocabulary")
        chosen = [s for s in service or () if s in {t["key"] for t in vocabulary["services"]}]
        lat = _coordinate(request.query_params.get("lat"), limit=90)
        lon = _coordinate(request.query_params.get("lon"), limit=180)
        problem = None
        place = None
        if (lat is None) != (lon is None) or (request.query_params.get("lat") and lat is None):
            problem = "位置无效，请重新定位或输入地址 (invalid_position)"
            lat = lon = None
        if lat is None and q.strip():
            place = await locate_typed_place(services, q[:100])
            if place is None:
                problem = (
                    f"未找到“{q[:40]}”，请输入区县名、街道或地标，如“福州市鼓楼区”“东街口” "
                    "(place_not_found)"
                )
            else:
                lat, lon = place.lat, place.lon
        results: list[dict[str, Any]] = []
        searched_at = None
        if lat is not None and lon is not None:
            params: dict[str, Any] = {
                "lat": lat,
                "lon": lon,
                "radius_m": SEARCH_RADIUS_M,
                "limit": RESULTS,
                "open_now": open == "now",
            }
            if chosen:
                params["service"] = chosen
            found = await services.get("stations", "/stations", params=params)
            searched_at = found["at"]
            details = await asyncio.gather(
                *(
                    services.get("stations", f"/stations/{segment(hit['code'])}")
                    for hit in found["items"]
                )
            )
            for hit, detail in zip(found["items"], details, strict=True):
                map_lat, map_lon = map_position(
                    hit["lat"], hit["lon"], datum=settings.map_tiles_datum
                )
                results.append(
                    {
                        **hit,
                        "address": detail["address"],
                        "manager_name": detail["manager_name"],
                        "manager_phone": detail["manager_phone"],
                        "navigation": navigation_links(hit["lat"], hit["lon"], name=hit["name"]),
                        "map_lat": map_lat,
                        "map_lon": map_lon,
                    }
                )
        center = (
            map_position(lat, lon, datum=settings.map_tiles_datum)
            if lat is not None and lon is not None
            else None
        )
        markers = [
            {
                "code": r["code"],
                "name": r["name"],
                "lat": r["map_lat"],
                "lon": r["map_lon"],
                "open": r["open_now"],
                "phrase": r["open_phrase"],
            }
            for r in results
        ]
        return render(
            request,
            "finder.html",
            {
                "vocabulary": vocabulary,
                "chosen": chosen,
                "q": q,
                "open": open,
                "lat": lat,
                "lon": lon,
                "place": place,
                "problem": problem,
                "results": results,
                "searched_at": searched_at,
                "map_data": json.dumps(
                    {
                        "center": center,
                        "markers": markers,
                        "tiles": settings.map_tiles_url,
                        "attribution": settings.map_attribution,
                    },
                    ensure_ascii=False,
                ).replace("<", "\\u003c"),  # never a `</script>` inside the script tag
                "done": _DONE.get(request.query_params.get("ok", "")),
            },
        )

    async def station_page(
        request: Request,
        services: Services,
        code: str,
        *,
        status: int = 200,
        feedback_error: str | None = None,
        signup_error: str | None = None,
        form: dict[str, Any] | None = None,
    ) -> Response:
        station, activities, vocabulary = await asyncio.gather(
            services.get("stations", f"/stations/{segment(code)}"),
            services.get("stations", "/activities", params={"station_code": code}),
            services.get("stations", "/vocabulary"),
        )
        documents = []
        photos = []
        titles = {
            "management_rules": "管理制度",
            "service_process": "服务流程",
            "safety_notice": "安全须知",
        }
        for key, value in (station.get("documents") or {}).items():
            if not value:
                continue
            if re.match(r"https?://\S+\.(?:jpe?g|png|webp|gif)$", value, re.IGNORECASE):
                photos.append({"title": titles.get(key, key), "url": value})
            else:
                documents.append(
                    {
                        "title": titles.get(key, key),
                        "text": value,
                        "is_link": value.startswith(("http://", "https://")),
                    }
                )
        session = current_session(request)
        return render(
            request,
            "station.html",
            {
                "station": station,
                "hours": describe_hours(station["open_hours"]),
                "documents": documents,
                "photos": photos,
                "activities": activities,
                "navigation": navigation_links(
                    station["lat"], station["lon"], name=station["name"]
                ),
                "categories": vocabulary["complaint_categories"],
                "can_sign_up": session is not None and session.role in WORKERS,
                "feedback_error": feedback_error,
                "signup_error": signup_error,
                "form": form or {},
                "done": _DONE.get(request.query_params.get("ok", "")),
            },
            status_code=status,
        )

    @router.get("/stations/{code}")
    async def station(request: Request, code: str, services: Services_) -> Response:
        return await station_page(request, services, code)

    @router.post("/stations/{code}/feedback")
    async def feedback(
        request: Request,
        code: str,
        services: Services_,
        kind: Annotated[str, Form()] = "rating",
        stars: Annotated[str, Form()] = "",
        text: Annotated[str, Form()] = "",
        category: Annotated[str, Form()] = "",
    ) -> Response:
        session = current_session(request)
        body: dict[str, Any] = {"kind": kind, "text": text.strip()[:1000]}
        if kind == "rating":
            if not stars.isdecimal():
                return await station_page(
                    request,
                    services,
                    code,
                    status=400,
                    feedback_error="请选择 1 到 5 颗星 (stars_missing)",
                    form={"kind": kind, "text": text, "category": category},
                )
            body["stars"] = int(stars)
        elif category:
            body["category"] = category
        if session is not None and session.role in WORKERS:
            body["worker_id"] = session.principal.sub
        try:
            await services.post("stations", f"/stations/{segment(code)}/feedback", json=body)
        except ServiceRefusal as exc:
            if exc.status == 404:
                raise
            return await station_page(
                request,
                services,
                code,
                status=exc.status,
                feedback_error=exc.message,
                form={"kind": kind, "stars": stars, "text": text, "category": category},
            )
        said = "rating" if kind == "rating" else "complaint"
        return RedirectResponse(f"/stations/{segment(code)}?ok=feedback_{said}", status_code=303)

    @router.post("/activities/{activity_id}/signup")
    async def sign_up(
        request: Request,
        activity_id: str,
        services: Services_,
        session: Annotated[Session, Depends(require_role(*WORKERS))],
    ) -> Response:
        activity = await services.get("stations", f"/activities/{segment(activity_id)}")
        back = activity["station_code"]
        try:
            answer = await services.post(
                "stations",
                f"/activities/{segment(activity_id)}/signups",
                json={"worker_id": session.principal.sub},
            )
        except ServiceRefusal as exc:
            if back is None or exc.status == 404:
                raise
            return await station_page(
                request, services, back, status=exc.status, signup_error=exc.message
            )
        target = f"/stations/{segment(back)}" if back else "/"
        return RedirectResponse(
            f"{target}?ok=signup_{answer['status']}#activity-{activity_id}", status_code=303
        )

    @router.post("/activities/{activity_id}/cancel")
    async def cancel(
        request: Request,
        activity_id: str,
        services: Services_,
        session: Annotated[Session, Depends(require_role(*WORKERS))],
    ) -> Response:
        activity = await services.post(
            "stations",
            f"/activities/{segment(activity_id)}/cancellations",
            json={"worker_id": session.principal.sub},
        )
        target = (
            f"/stations/{segment(activity['station_code'])}" if activity["station_code"] else "/"
        )
        return RedirectResponse(f"{target}?ok=signup_cancelled", status_code=303)

    return router
