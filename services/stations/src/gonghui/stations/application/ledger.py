"""Use cases of money and goods: donations, supplies, model rest room subsidies."""

from __future__ import annotations

from datetime import datetime

from gonghui.shared.contracts.stations import (
    DonationRecorded,
    SubsidyApplied,
    SubsidyApproved,
    SubsidyDisbursed,
    SubsidyRejected,
    SubsidyReviewStarted,
    SubsidyStep,
    SubsidyUsageReported,
    SuppliesChanged,
)
from gonghui.shared.envelope import new_event_id
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import Missing, find_station
from gonghui.stations.domain.areas import area
from gonghui.stations.domain.ledger import LedgerRefused, Subsidy, Supply, SupplyItem
from gonghui.stations.domain.model import StationStatus


async def record_donation(
    *,
    donor: str,
    kind: str,
    amount_fen: int | None,
    goods: str | None,
    quantity: int | None,
    station_code: str | None,
    area_code: str | None,
    actor: str,
    uow: StationsUnitOfWork,
) -> str:
    """A donation of money or goods, to a station or to an area's stations, with the donor."""
    if kind == "money" and not (amount_fen and amount_fen > 0):
        raise ValueError("a money donation needs a positive amount_fen")
    if kind == "goods" and not (goods and quantity and quantity > 0):
        raise ValueError("a goods donation needs goods and a positive quantity")
    async with uow:
        if station_code is not None:
            area_code = (await find_station(uow, code=station_code, lock=False)).area_code
        if area_code is None:
            raise ValueError("give station_code or area_code")
        area(area_code)
        donation_id, now = new_event_id(), uow.clock.now()
        values = {
            "donor": donor,
            "kind": kind,
            "amount_fen": amount_fen if kind == "money" else None,
            "goods": goods if kind == "goods" else None,
            "quantity": quantity if kind == "goods" else None,
            "station_code": station_code,
            "area_code": area_code,
            "received_at": now,
        }
        uow.ledger.add_donation(id=donation_id, recorded_by=actor, **values)
        uow.emit(DonationRecorded(donation_id=donation_id, **values), subject=donation_id)
        await uow.commit()
        return donation_id


async def change_supplies(
    code: str,
    item: SupplyItem,
    *,
    change: int,
    low_threshold: int | None,
    actor: str,
    uow: StationsUnitOfWork,
) -> Supply:
    """Replenish (positive) or use (negative) a station's stock; the event says if it is low."""
    async with uow:
        station = await find_station(uow, code=code)
        if station.status is StationStatus.EXITED:
            raise LedgerRefused(f"station {code} has exited")
        now = uow.clock.now()
        supply = await uow.ledger.supply(code, item)
        new = supply is None
        if supply is None:
            supply = Supply(code, item, 0, low_threshold or 0, now)
        if low_threshold is not None:
            supply.low_threshold = low_threshold
        supply.change(change, at=now)
        await uow.ledger.save_supply(supply, new=new)
        uow.emit(
            SuppliesChanged(
                code=code,
                item=item.value,
                change=change,
                quantity=supply.quantity,
                low_threshold=supply.low_threshold,
                low=supply.low,
                actor=actor,
            ),
            subject=code,
        )
        await uow.commit()
        return supply


async def apply_for_subsidy(
    code: str, *, purpose: str, requested_fen: int, actor: str, uow: StationsUnitOfWork
) -> Subsidy:
    """An active station applies for a model rest room subsidy."""
    async with uow:
        station = await find_station(uow, code=code, lock=False)
        if station.status is not StationStatus.ACTIVE:
            raise LedgerRefused(f"only an active station can apply; {code} is {station.status}")
        now = uow.clock.now()
        subsidy = Subsidy(new_event_id(), code, purpose, requested_fen, now, now)
        _note(subsidy, actor, purpose, now)
        uow.ledger.add_subsidy(subsidy)
        _emit(uow, SubsidyApplied, subsidy, actor, purpose, now)
        await uow.commit()
        return subsidy


async def subsidy_step(
    subsidy_id: str,
    step: str,
    *,
    actor: str,
    note: str,
    amount_fen: int | None = None,
    uow: StationsUnitOfWork,
) -> Subsidy:
    """One step of the workflow: review, approve, reject, disburse or report (usage)."""
    async with uow:
        subsidy = await uow.ledger.subsidy(subsidy_id, for_update=True)
        if subsidy is None:
            raise Missing(f"no subsidy application {subsidy_id}")
        now = uow.clock.now()
        if step in ("approve", "disburse") and amount_fen is None:
            raise ValueError(f"{step} needs amount_fen")
        if step == "review":
            subsidy.start_review(at=now)
            event = SubsidyReviewStarted
        elif step == "approve":
            subsidy.approve(amount_fen=amount_fen or 0, at=now)
            event = SubsidyApproved
        elif step == "reject":
            subsidy.reject(at=now)
            event = SubsidyRejected
        elif step == "disburse":
            subsidy.disburse(amount_fen=amount_fen or 0, at=now)
            event = SubsidyDisbursed
        elif step == "report":
            subsidy.report_usage(note, at=now)
            event = SubsidyUsageReported
        else:
            raise ValueError(f"unknown step {step!r}")
        _note(subsidy, actor, note, now)
        await uow.ledger.save_subsidy(subsidy)
        _emit(uow, event, subsidy, actor, note, now)
        await uow.commit()
        return subsidy


def _note(subsidy: Subsidy, actor: str, note: str, at: datetime) -> None:
    subsidy.history.append(
        {"status": subsidy.status.value, "actor": actor, "note": note, "at": at.isoformat()}
    )


def _emit(
    uow: StationsUnitOfWork,
    event: type[SubsidyStep],
    subsidy: Subsidy,
    actor: str,
    note: str,
    at: datetime,
) -> None:
    uow.emit(
        event(
            subsidy_id=subsidy.id,
            code=subsidy.code,
            status=subsidy.status.value,
            requested_fen=subsidy.requested_fen,
            approved_fen=subsidy.approved_fen,
            disbursed_fen=subsidy.disbursed_fen,
            actor=actor,
            note=note,
            at=at,
        ),
        subject=subsidy.id,
    )
