"""Workers' presence per grid cell, for siting; the repository never commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.stations.adapters.orm import PresenceRow
from gonghui.stations.adapters.repositories import upsert
from gonghui.stations.domain.areas import code_stem
from gonghui.stations.domain.siting import CrowdedCell, cell_of


class PresenceRepository:
    """Who was in which cell lately, as counts only ever leave it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(
        self, *, worker_ref: str, lat: float, lon: float, area_code: str, source: str, day: date
    ) -> None:
        """Record a worker in the cell of a point; a registered position replaces the last one."""
        cell_lat, cell_lon = cell_of(lat, lon)
        if source == "position":
            await self._session.execute(
                delete(PresenceRow).where(
                    PresenceRow.worker_ref == worker_ref, PresenceRow.source == "position"
                )
            )
        await upsert(
            self._session,
            PresenceRow,
            {
                "cell_lat": cell_lat,
                "cell_lon": cell_lon,
                "worker_ref": worker_ref,
                "source": source,
                "area_code": area_code,
                "last_seen": day,
            },
            keys=["cell_lat", "cell_lon", "worker_ref", "source"],
            update=["last_seen", "area_code"],
        )

    async def crowded(self, *, since: date, k: int, area_code: str | None) -> list[CrowdedCell]:
        """Cells with at least `k` distinct workers seen since `since`, most workers first."""
        query = select(
            PresenceRow.cell_lat,
            PresenceRow.cell_lon,
            func.count(func.distinct(PresenceRow.worker_ref)),
            func.max(PresenceRow.area_code),
        ).where(PresenceRow.last_seen >= since)
        if area_code:
            query = query.where(PresenceRow.area_code.startswith(code_stem(area_code)))
        workers = func.count(func.distinct(PresenceRow.worker_ref))
        query = (
            query.group_by(PresenceRow.cell_lat, PresenceRow.cell_lon)
            .having(workers >= k)
            .order_by(workers.desc(), PresenceRow.cell_lat, PresenceRow.cell_lon)
        )
        rows = await self._session.execute(query)
        return [CrowdedCell(int(a), int(b), int(n), area) for a, b, n, area in rows]

    async def forget_before(self, day: date) -> int:
        """Delete presence older than the window; returns how many rows went."""
        gone = await self._session.execute(delete(PresenceRow).where(PresenceRow.last_seen < day))
        return gone.rowcount or 0
