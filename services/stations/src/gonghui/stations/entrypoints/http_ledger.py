"""The HTTP API of money and goods: donations, supplies, model rest room subsidies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gonghui.shared.contracts.stations import AREA_CODE
from gonghui.shared.http import NotFound
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application import ledger as uc
from gonghui.stations.domain.ledger import Subsidy, Supply, SupplyItem
from gonghui.stations.entrypoints.http import Actor, http_errors

Fen = Annotated[int, Field(gt=0, le=10**12, description="Money in fen (0.01 yuan).")]


class DonationIn(BaseModel):
    """Money or goods, with the donor, to a station or to an area's stations."""

    donor: str = Field(min_length=1, max_length=120)
    kind: Literal["money", "goods"]
    amount_fen: Fen | None = None
    goods: str | None = Field(None, max_length=200)
    quantity: int | None = Field(None, gt=0)
    station_code: str | None = None
    area_code: str | None = Field(None, pattern=AREA_CODE)
    actor: Actor


class SupplyChange(BaseModel):
    """Units added (positive: replenished) or used (negative)."""

    change: int = Field(ge=-100_000, le=100_000)
    low_threshold: int | None = Field(None, ge=0, description="Set the low-stock level.")
    actor: Actor


class SubsidyIn(BaseModel):
    """An application for a model rest room subsidy."""

    purpose: str = Field(min_length=4, max_length=500)
    requested_fen: Fen
    actor: Actor


class SubsidyStepIn(BaseModel):
    """One step; `amount_fen` for approve and disburse, `note` the reason or the usage report."""

    actor: Actor
    note: str = Field(min_length=1, max_length=5000)
    amount_fen: Fen | None = None


def _supply(s: Supply) -> dict[str, Any]:
    return {
        "code": s.code,
        "item": s.item.value,
        "quantity": s.quantity,
        "low_threshold": s.low_threshold,
        "low": s.low,
        "updated_at": s.updated_at,
    }


def _subsidy(s: Subsidy) -> dict[str, Any]:
    return {**vars(s), "status": s.status.value}


def ledger_router(uow_factory: Callable[[], StationsUnitOfWork]) -> APIRouter:
    """Routes of the money-and-goods ledger."""
    router = APIRouter(tags=["money and goods"])

    @router.post("/donations", status_code=201, summary="Record a donation")
    async def donate(body: DonationIn) -> dict[str, str]:
        with http_errors():
            donation_id = await uc.record_donation(**body.model_dump(), uow=uow_factory())
        return {"id": donation_id}

    @router.get("/donations", summary="Donations in an area, with totals")
    async def donations(
        area_code: Annotated[str, Query(pattern=AREA_CODE)] = "350000",
    ) -> dict[str, Any]:
        async with uow_factory() as uow:
            items = await uow.ledger.donations(area_code)
        return {
            "area_code": area_code,
            "money_fen": sum(d["amount_fen"] or 0 for d in items),
            "goods_items": sum(d["quantity"] or 0 for d in items),
            "items": items,
        }

    @router.post("/stations/{code}/supplies/{item}", summary="Replenish or use supplies")
    async def change_supplies(code: str, item: SupplyItem, body: SupplyChange) -> dict[str, Any]:
        with http_errors():
            supply = await uc.change_supplies(
                code,
                item,
                change=body.change,
                low_threshold=body.low_threshold,
                actor=body.actor,
                uow=uow_factory(),
            )
        return _supply(supply)

    @router.get("/stations/{code}/supplies", summary="A station's stock, with low-stock flags")
    async def supplies(code: str) -> list[dict[str, Any]]:
        async with uow_factory() as uow:
            return [_supply(s) for s in await uow.ledger.supplies(code=code)]

    @router.get("/supplies/low", summary="Every station's low stock: what to replenish")
    async def low_supplies() -> list[dict[str, Any]]:
        async with uow_factory() as uow:
            return [_supply(s) for s in await uow.ledger.supplies(low_only=True)]

    @router.post("/stations/{code}/subsidies", status_code=201, summary="Apply for a subsidy")
    async def apply(code: str, body: SubsidyIn) -> dict[str, Any]:
        with http_errors():
            subsidy = await uc.apply_for_subsidy(
                code,
                purpose=body.purpose,
                requested_fen=body.requested_fen,
                actor=body.actor,
                uow=uow_factory(),
            )
        return _subsidy(subsidy)

    @router.get("/subsidies", summary="Subsidy applications, newest first")
    async def subsidies(code: str | None = None) -> list[dict[str, Any]]:
        async with uow_factory() as uow:
            return [_subsidy(s) for s in await uow.ledger.subsidies(code)]

    @router.get("/subsidies/{subsidy_id}", summary="One application with its history")
    async def subsidy(subsidy_id: str) -> dict[str, Any]:
        async with uow_factory() as uow:
            found = await uow.ledger.subsidy(subsidy_id)
        if found is None:
            raise NotFound(f"no subsidy application {subsidy_id}")
        return _subsidy(found)

    @router.post(
        "/subsidies/{subsidy_id}/{step}", summary="review, approve, reject, disburse, report"
    )
    async def step(
        subsidy_id: str,
        step: Literal["review", "approve", "reject", "disburse", "report"],
        body: SubsidyStepIn,
    ) -> dict[str, Any]:
        with http_errors():
            subsidy = await uc.subsidy_step(
                subsidy_id,
                step,
                actor=body.actor,
                note=body.note,
                amount_fen=body.amount_fen,
                uow=uow_factory(),
            )
        return _subsidy(subsidy)

    return router
