"""The HTTP API of money and goods: donations, supplies, model rest room subsidies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from gonghui.shared.auth import Principal, Role
from gonghui.shared.clock import local
from gonghui.shared.contracts.stations import AREA_CODE
from gonghui.shared.http import NotFound
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application import ledger as uc
from gonghui.stations.domain.ledger import Subsidy, Supply, SupplyItem
from gonghui.stations.domain.model import Station
from gonghui.stations.entrypoints.access import (
    AreaReader,
    Reader,
    Staff,
    actor_of,
    check_area,
    check_station,
    may_see,
)
from gonghui.stations.entrypoints.http import http_errors

Fen = Annotated[int, Field(gt=0, le=10**12, description="Money in fen (0.01 yuan).")]
Count = Annotated[int, Field(ge=0, le=1_000_000_000, description="Units of goods.")]
"""A number of goods: what a 32-bit column holds, on every database."""


class DonationIn(BaseModel):
    """Money or goods, with the donor, to a station or to an area's stations."""

    donor: str = Field(min_length=1, max_length=120)
    kind: Literal["money", "goods"]
    amount_fen: Fen | None = None
    goods: str | None = Field(None, max_length=200)
    quantity: Count | None = Field(None, gt=0)
    station_code: str | None = None
    area_code: str | None = Field(None, pattern=AREA_CODE)


class SupplyChange(BaseModel):
    """Units added (positive: replenished) or used (negative)."""

    change: int = Field(ge=-100_000, le=100_000)
    low_threshold: Count | None = Field(None, description="Set the low-stock level.")


class SubsidyIn(BaseModel):
    """An application for a model rest room subsidy."""

    purpose: str = Field(min_length=4, max_length=500)
    requested_fen: Fen


class SubsidyStepIn(BaseModel):
    """One step; `amount_fen` for approve and disburse, `note` the reason or the usage report."""

    note: str = Field(min_length=1, max_length=5000)
    amount_fen: Fen | None = None


def _supply(s: Supply) -> dict[str, Any]:
    return {
        "code": s.code,
        "item": s.item.value,
        "quantity": s.quantity,
        "low_threshold": s.low_threshold,
        "low": s.low,
        "updated_at": local(s.updated_at),
    }


def _subsidy(s: Subsidy) -> dict[str, Any]:
    history = [{**step, "at": local(datetime.fromisoformat(str(step["at"])))} for step in s.history]
    return {
        **vars(s),
        "status": s.status.value,
        "applied_at": local(s.applied_at),
        "updated_at": local(s.updated_at),
        "history": history,
    }


def ledger_router(uow_factory: Callable[[], StationsUnitOfWork]) -> APIRouter:
    """Routes of the money-and-goods ledger."""
    router = APIRouter(tags=["money and goods"])

    async def station_for(code: str, principal: Principal) -> Station:
        """The station, if it exists and the caller may act on it (404, 403)."""
        async with uow_factory() as uow:
            station = await uow.stations.get(code)
        if station is None:
            raise NotFound(f"no station {code}")
        check_station(principal, station)
        return station

    async def visible(principal: Principal) -> dict[str, Station] | None:
        """The stations the caller may see by code, or None when it sees them all."""
        if principal.role is not Role.PARTNER and principal.area is None:
            return None
        async with uow_factory() as uow:
            stations = await uow.stations.every(include_exited=True)
        return {s.code: s for s in stations if may_see(principal, s)}

    async def subsidy_for(subsidy_id: str, principal: Principal) -> Subsidy:
        async with uow_factory() as uow:
            found = await uow.ledger.subsidy(subsidy_id)
        if found is None:
            raise NotFound(f"no subsidy application {subsidy_id}")
        await station_for(found.code, principal)
        return found

    @router.post("/donations", status_code=201, summary="Record a donation")
    async def donate(body: DonationIn, principal: Staff) -> dict[str, str]:
        if body.station_code is not None:
            await station_for(body.station_code, principal)
        elif principal.role is Role.PARTNER:
            raise HTTPException(
                403,
                "合作单位只能为自己运营的站点登记捐赠 / a partner records donations only to a "
                "station it operates (give `station_code`)",
            )
        elif body.area_code is not None:
            check_area(principal, body.area_code)
        with http_errors():
            donation_id = await uc.record_donation(
                **body.model_dump(), actor=actor_of(principal), uow=uow_factory()
            )
        return {"id": donation_id}

    @router.get("/donations", summary="Donations in an area, with totals")
    async def donations(
        principal: AreaReader,
        area_code: Annotated[
            str | None, Query(pattern=AREA_CODE, description="Default: your area, else 350000.")
        ] = None,
    ) -> dict[str, Any]:
        area_code = area_code or principal.area or "350000"
        check_area(principal, area_code)
        async with uow_factory() as uow:
            items = await uow.ledger.donations(area_code)
        items = [{**d, "received_at": local(d["received_at"])} for d in items]  # type: ignore[arg-type]
        return {
            "area_code": area_code,
            "money_fen": sum(d["amount_fen"] or 0 for d in items),
            "goods_items": sum(d["quantity"] or 0 for d in items),
            "items": items,
        }

    @router.post("/stations/{code}/supplies/{item}", summary="Replenish or use supplies")
    async def change_supplies(
        code: str, item: SupplyItem, body: SupplyChange, principal: Staff
    ) -> dict[str, Any]:
        await station_for(code, principal)
        with http_errors():
            supply = await uc.change_supplies(
                code,
                item,
                change=body.change,
                low_threshold=body.low_threshold,
                actor=actor_of(principal),
                uow=uow_factory(),
            )
        return _supply(supply)

    @router.get("/stations/{code}/supplies", summary="A station's stock, with low-stock flags")
    async def supplies(code: str, principal: Reader) -> list[dict[str, Any]]:
        await station_for(code, principal)
        async with uow_factory() as uow:
            return [_supply(s) for s in await uow.ledger.supplies(code=code)]

    @router.get("/supplies/low", summary="Every station's low stock: what to replenish")
    async def low_supplies(principal: Reader) -> list[dict[str, Any]]:
        seen = await visible(principal)
        async with uow_factory() as uow:
            low = await uow.ledger.supplies(low_only=True)
        return [_supply(s) for s in low if seen is None or s.code in seen]

    @router.post("/stations/{code}/subsidies", status_code=201, summary="Apply for a subsidy")
    async def apply(code: str, body: SubsidyIn, principal: Staff) -> dict[str, Any]:
        await station_for(code, principal)
        with http_errors():
            subsidy = await uc.apply_for_subsidy(
                code,
                purpose=body.purpose,
                requested_fen=body.requested_fen,
                actor=actor_of(principal),
                uow=uow_factory(),
            )
        return _subsidy(subsidy)

    @router.get("/subsidies", summary="Subsidy applications, newest first")
    async def subsidies(principal: Reader, code: str | None = None) -> list[dict[str, Any]]:
        seen = await visible(principal)
        async with uow_factory() as uow:
            found = await uow.ledger.subsidies(code)
        return [_subsidy(s) for s in found if seen is None or s.code in seen]

    @router.get("/subsidies/{subsidy_id}", summary="One application with its history")
    async def subsidy(subsidy_id: str, principal: Reader) -> dict[str, Any]:
        return _subsidy(await subsidy_for(subsidy_id, principal))

    @router.post(
        "/subsidies/{subsidy_id}/{step}", summary="review, approve, reject, disburse, report"
    )
    async def step(
        subsidy_id: str,
        step: Literal["review", "approve", "reject", "disburse", "report"],
        body: SubsidyStepIn,
        principal: Staff,
    ) -> dict[str, Any]:
        if step != "report" and principal.role is not Role.UNION_ADMIN:
            raise HTTPException(
                403,
                f"只有工会管理员可以审核、批准、驳回或拨付 / only union_admin may {step} a subsidy",
            )
        await subsidy_for(subsidy_id, principal)
        with http_errors():
            subsidy = await uc.subsidy_step(
                subsidy_id,
                step,
                actor=actor_of(principal),
                note=body.note,
                amount_fen=body.amount_fen,
                uow=uow_factory(),
            )
        return _subsidy(subsidy)

    return router
