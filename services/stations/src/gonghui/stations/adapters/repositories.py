"""Reading and writing stations; repositories never commit."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.stations.adapters.orm import CodeSequence, StationRow
from gonghui.stations.domain.geo import bounding_box
from gonghui.stations.domain.model import Station, StationStatus

_COLUMNS = (
    "code",
    "external_ref",
    "operator",
    "name",
    "address",
    "lat",
    "lon",
    "services",
    "open_hours",
    "manager_name",
    "manager_phone",
    "registered_at",
    "updated_at",
)


class StationRepository:
    """Stations by code, by the operator's own reference, and by area on the map."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, code: str) -> Station | None:
        """A station by its code."""
        row = await self._session.get(StationRow, code)
        return _to_domain(row) if row else None

    async def by_external_ref(self, operator: str | None, external_ref: str) -> Station | None:
        """The station an operator knows as `external_ref`."""
        row = await self._session.scalar(
            select(StationRow).where(
                StationRow.operator.is_(None) if operator is None else StationRow.operator == operator,
                StationRow.external_ref == external_ref,
            )
        )
        return _to_domain(row) if row else None

    async def within_box(self, lat: float, lon: float, radius_m: float) -> list[Station]:
        """Every station in the bounding box of a circle (callers filter by exact distance)."""
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        rows = await self._session.scalars(
            select(StationRow).where(
                StationRow.lat.between(min_lat, max_lat),
                StationRow.lon.between(min_lon, max_lon),
                StationRow.status != StationStatus.EXITED.value,
            )
        )
        return [_to_domain(row) for row in rows]

    def add(self, station: Station) -> None:
        """Store a new station."""
        self._session.add(StationRow(**_to_row(station)))

    async def save(self, station: Station) -> None:
        """Write back a changed station."""
        values = _to_row(station)
        code = values.pop("code")
        await self._session.execute(update(StationRow).where(StationRow.code == code).values(**values))


class CodeAllocator:
    """Hands out increasing numbers per prefix; concurrent callers never get the same one."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def next(self, prefix: str) -> int:
        """The next number under `prefix`, starting at 1."""
        dialect = self._session.bind.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await self._session.execute(
            insert(CodeSequence).values(prefix=prefix, last_value=0).on_conflict_do_nothing()
        )
        # The UPDATE takes the row lock, so two replicas allocating at once are serialised.
        return await self._session.scalar(
            update(CodeSequence)
            .where(CodeSequence.prefix == prefix)
            .values(last_value=CodeSequence.last_value + 1)
            .returning(CodeSequence.last_value)
        )


def _to_domain(row: StationRow) -> Station:
    return Station(
        **{name: getattr(row, name) for name in _COLUMNS},
        status=StationStatus(row.status),
    )


def _to_row(station: Station) -> dict[str, object]:
    return {**{name: getattr(station, name) for name in _COLUMNS}, "status": station.status.value}
