"""Reference data over HTTP: China's areas (search, hierarchy) and the vocabulary's labels."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gonghui.shared.http import NotFound
from gonghui.stations.domain.areas import (
    NATIONAL_CODE,
    Area,
    UnknownArea,
    area,
    children,
    full_name,
    lineage,
    search,
)
from gonghui.stations.domain.vocabulary import (
    COMPLAINT_CATEGORY_LABELS,
    CRITERION_LABELS,
    FEEDBACK_KIND_LABELS,
    OPEN_STATE_LABELS,
    REINSPECTION_LABELS,
    SERVICE_LABELS,
    STATUS_LABELS,
    SUPPLY_LABELS,
    labelled,
)


class AreaOut(BaseModel):
    """One GB/T 2260 area."""

    code: str = Field(description="Six-digit GB/T 2260 code, e.g. `330482`.")
    name: str = Field(description="Official name, e.g. `平湖市`.")
    short_name: str = Field(description="Short name used in addresses, e.g. `平湖`.")
    level: str = Field(description="`province`, `city` (prefecture level) or `county`.")
    parent: str | None = Field(description="The area it lies in (none for a province).")
    full_name: str = Field(description="Names from the province down, e.g. `浙江省嘉兴市平湖市`.")
    lat: float | None = Field(description="Latitude of its seat (WGS-84), if known.")
    lon: float | None = Field(description="Longitude of its seat, if known.")
    has_children: bool = Field(description="Whether areas lie inside it (for a cascading picker).")


class Term(BaseModel):
    """A key of the API and its zh-CN label."""

    key: str
    label: str


class Vocabulary(BaseModel):
    """Every key the station API uses, with its zh-CN label, in display order."""

    services: list[Term] = Field(description="Free services a station offers.")
    statuses: list[Term] = Field(description="Where a station stands in its life.")
    open_states: list[Term] = Field(description="Open, closed or unknown at a moment.")
    feedback_kinds: list[Term] = Field(description="Rating (服务评价) or complaint (投诉).")
    complaint_categories: list[Term] = Field(description="Why a worker complains.")
    reinspection: list[Term] = Field(description="States of a re-inspection.")
    criteria: list[Term] = Field(description="The six-point (六有) assessment's criteria.")
    supplies: list[Term] = Field(description="What a station keeps in stock for workers.")


class AreaDetail(AreaOut):
    """An area with the areas it lies in and those directly inside it."""

    lineage: list[AreaOut] = Field(description="Province, prefecture, county: outermost first.")
    children: list[AreaOut] = Field(description="Areas directly inside it, by code.")


def area_out(found: Area) -> AreaOut:
    """The public shape of an area."""
    return AreaOut(
        code=found.code,
        name=found.name,
        short_name=found.short,
        level=found.level,
        parent=found.parent,
        full_name=full_name(found.code),
        lat=found.lat,
        lon=found.lon,
        has_children=bool(children(found.code)),
    )


def areas_router() -> APIRouter:
    """Routes of the area table and the vocabulary (public)."""
    router = APIRouter(tags=["reference"])

    @router.get("/vocabulary", summary="The API's keys with their zh-CN labels")
    async def vocabulary() -> Vocabulary:
        return Vocabulary(
            services=labelled(SERVICE_LABELS),
            statuses=labelled(STATUS_LABELS),
            open_states=labelled(OPEN_STATE_LABELS),
            feedback_kinds=labelled(FEEDBACK_KIND_LABELS),
            complaint_categories=labelled(COMPLAINT_CATEGORY_LABELS),
            reinspection=labelled(REINSPECTION_LABELS),
            criteria=labelled(CRITERION_LABELS),
            supplies=labelled(SUPPLY_LABELS),
        )

    @router.get("/areas", summary="Areas: search by name or code, or one level of the hierarchy")
    async def areas(
        q: Annotated[
            str | None,
            Query(max_length=40, description="Name, short name or code prefix, e.g. `平湖`."),
        ] = None,
        parent: Annotated[
            str | None,
            Query(
                pattern=r"^\d{6}$",
                description="List the areas directly inside this one (default: the provinces).",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> list[AreaOut]:
        if q:
            found = [a for a in search(q, limit=limit) if parent is None or a.parent == parent]
            return [area_out(a) for a in found]
        try:
            inside = children(parent or NATIONAL_CODE)
        except UnknownArea as exc:
            raise NotFound(str(exc)) from exc
        return [area_out(a) for a in sorted(inside, key=lambda a: a.code)]

    @router.get("/areas/{code}", summary="One area, the areas it lies in and its children")
    async def one_area(code: str) -> AreaDetail:
        try:
            found = area(code)
        except UnknownArea as exc:
            raise NotFound(str(exc)) from exc
        if code == NATIONAL_CODE:
            chain: list[Area] = []
        else:
            chain = lineage(code)[:-1]
        return AreaDetail(
            **area_out(found).model_dump(),
            lineage=[area_out(a) for a in chain],
            children=[area_out(a) for a in sorted(children(code), key=lambda a: a.code)],
        )

    return router
