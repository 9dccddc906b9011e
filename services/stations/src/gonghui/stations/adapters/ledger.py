"""Donations, supplies and subsidies as stored; repositories never commit."""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.stations.adapters.orm import DonationRow, SubsidyRow, SupplyRow
from gonghui.stations.domain.areas import code_stem
from gonghui.stations.domain.ledger import Subsidy, SubsidyStatus, Supply, SupplyItem

_SUBSIDY_FIELDS = tuple(f.name for f in fields(Subsidy))


class LedgerRepository:
    """The money-and-goods ledger of the registry."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add_donation(self, **values: object) -> None:
        """Record a donation."""
        self._session.add(DonationRow(**values))

    async def donations(self, area_code: str) -> list[dict[str, object]]:
        """Donations for stations or unions inside an area, newest first."""
        rows = await self._session.scalars(
            select(DonationRow)
            .where(DonationRow.area_code.startswith(code_stem(area_code)))
            .order_by(DonationRow.received_at.desc())
        )
        names = [c.name for c in DonationRow.__table__.columns]
        return [{n: getattr(r, n) for n in names} for r in rows]

    async def supply(self, code: str, item: SupplyItem) -> Supply | None:
        """One station's stock of one item (locked for the transaction)."""
        row = await self._session.scalar(
            select(SupplyRow)
            .where(SupplyRow.code == code, SupplyRow.item == item.value)
            .with_for_update()
        )
        return _to_supply(row) if row else None

    async def supplies(self, *, code: str | None = None, low_only: bool = False) -> list[Supply]:
        """Stock of one station, or of every station; only low ones if asked."""
        query = select(SupplyRow).order_by(SupplyRow.code, SupplyRow.item)
        if code is not None:
            query = query.where(SupplyRow.code == code)
        if low_only:
            query = query.where(SupplyRow.quantity <= SupplyRow.low_threshold)
        return [_to_supply(r) for r in await self._session.scalars(query)]

    async def save_supply(self, supply: Supply, *, new: bool) -> None:
        """Write a stock level."""
        values = {
            "quantity": supply.quantity,
            "low_threshold": supply.low_threshold,
            "updated_at": supply.updated_at,
        }
        if new:
            self._session.add(SupplyRow(code=supply.code, item=supply.item.value, **values))
            await self._session.flush()
            return
        await self._session.execute(
            update(SupplyRow)
            .where(SupplyRow.code == supply.code, SupplyRow.item == supply.item.value)
            .values(**values)
        )

    def add_subsidy(self, subsidy: Subsidy) -> None:
        """Record a new application."""
        self._session.add(SubsidyRow(**_subsidy_row(subsidy)))

    async def subsidy(self, subsidy_id: str, *, for_update: bool = False) -> Subsidy | None:
        """One application (locked for the transaction if `for_update`)."""
        query = select(SubsidyRow).where(SubsidyRow.id == subsidy_id)
        if for_update:
            query = query.with_for_update()
        row = await self._session.scalar(query)
        return _to_subsidy(row) if row else None

    async def subsidies(self, code: str | None = None) -> list[Subsidy]:
        """Applications, newest first."""
        query = select(SubsidyRow).order_by(SubsidyRow.applied_at.desc())
        if code is not None:
            query = query.where(SubsidyRow.code == code)
        return [_to_subsidy(row) for row in await self._session.scalars(query)]

    async def save_subsidy(self, subsidy: Subsidy) -> None:
        """Write back an application."""
        values = _subsidy_row(subsidy)
        subsidy_id = values.pop("id")
        await self._session.execute(
            update(SubsidyRow).where(SubsidyRow.id == subsidy_id).values(**values)
        )


def _to_supply(row: SupplyRow) -> Supply:
    return Supply(row.code, SupplyItem(row.item), row.quantity, row.low_threshold, row.updated_at)


def _to_subsidy(row: SubsidyRow) -> Subsidy:
    values = {n: getattr(row, n) for n in _SUBSIDY_FIELDS}
    values["status"] = SubsidyStatus(row.status)
    values["history"] = list(row.history)
    return Subsidy(**values)


def _subsidy_row(subsidy: Subsidy) -> dict[str, object]:
    values = {n: getattr(subsidy, n) for n in _SUBSIDY_FIELDS}
    values["status"] = subsidy.status.value
    values["history"] = list(subsidy.history)
    return values
