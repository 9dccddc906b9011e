"""The nearest search's index: every searchable station in memory, following the database.

Each process keeps the stations that are not exited and not a sandbox's test data in a grid of
0.02° cells, and reads back from the database only what changed: every write stamps the row
with a search version (migration 0009), and the index re-reads the rows stamped since it last
looked. It looks before answering a search when this process wrote stations since its last
look (`changed`, called by the unit of work after its commit), and otherwise at most every
`refresh_s` seconds, so a change another replica (or any tool) commits is found within that.
"""

from __future__ import annotations

import asyncio
import gc
import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gonghui.stations.adapters.orm import StationRow
from gonghui.stations.adapters.repositories import CANDIDATE_COLUMNS, Candidate
from gonghui.stations.domain.geo import bounding_box
from gonghui.stations.domain.model import StationStatus

_COLUMNS = (*CANDIDATE_COLUMNS, StationRow.test_data)
_EXITED = StationStatus.EXITED.value
_FREEZE_FROM = 20_000
"""Stations loaded at start from which the collector is told to leave them alone."""

CELL_DEGREES = 0.02
"""Side of one cell of the grid (about 2.2 km): a 2 km search looks into about nine cells."""
_COLUMNS_PER_BAND = 1 << 16
"""More than the 18,000 columns around the globe."""


def cell_of(lat: float, lon: float) -> int:
    """The grid cell of a point: its latitude band and longitude column, as one small int
    (a tuple key would cost 150 bytes more for each of the ~50,000 cells of 200,000 stations)."""
    return _cell(math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES))


def _cell(band: int, column: int) -> int:
    return band * _COLUMNS_PER_BAND + column


class NearbyIndex:
    """Stations by grid cell, kept in step with the database; one per process."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        refresh_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._refresh_s = refresh_s
        self._monotonic = monotonic
        self._cells: dict[int, list[Candidate]] = {}
        self._stations: dict[str, Candidate] = {}
        self._services: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._from: int | None = None
        """Rows stamped with this version or later are re-read at the next look; None: all."""
        self._looked_at = -math.inf
        self._changed = True
        self._lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._stations)

    def changed(self) -> None:
        """This process committed station writes: look before answering the next search."""
        self._changed = True

    async def candidates_near(self, lat: float, lon: float, radius_m: float) -> list[Candidate]:
        """Stations (not exited, not test data) in the bounding box of a circle."""
        if self._changed or self._monotonic() - self._looked_at >= self._refresh_s:
            await self.catch_up()
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        low_column = math.floor(min_lon / CELL_DEGREES)
        high_column = math.floor(max_lon / CELL_DEGREES)
        cells = self._cells
        found = []
        for band in range(
            math.floor(min_lat / CELL_DEGREES), math.floor(max_lat / CELL_DEGREES) + 1
        ):
            first = _cell(band, low_column)
            for key in range(first, first + high_column - low_column + 1):
                for c in cells.get(key, ()):
                    if min_lat <= c.lat <= max_lat and min_lon <= c.lon <= max_lon:
                        found.append(c)
        return found

    async def catch_up(self) -> None:
        """Read the stations written since the last look (all of them the first time)."""
        async with self._lock:
            if not self._changed and self._monotonic() - self._looked_at < self._refresh_s:
                return  # another search looked while this one waited
            started = self._monotonic()
            self._changed = False
            try:
                async with self._engine.connect() as connection:
                    # Taken before the rows are read: a write committed in between is read
                    # again next time (reading a row twice is harmless; missing one is not).
                    next_from = await _version_floor(connection)
                    query = select(*_COLUMNS)
                    if self._from is not None:
                        query = query.where(StationRow.search_version >= self._from)
                    # Streamed in slices: the first look reads the whole registry.
                    rows = await connection.stream(query.execution_options(yield_per=2_000))
                    async for part in rows.partitions():
                        for row in part:
                            self._put(*row)
            except BaseException:
                self._changed = True
                raise
            if self._from is None and len(self._stations) >= _FREEZE_FROM:
                # The registry just loaded lives as long as the process: the collector need
                # not walk its hundreds of thousands of objects again (a pause of ~0.1 s each
                # time it would). Stations that change later are freed as usual.
                gc.freeze()
            self._from = next_from
            self._looked_at = started

    def _put(
        self,
        code: str,
        name: str,
        status: str,
        lat: float,
        lon: float,
        services: Sequence[str],
        open_hours: str,
        suspended_until: Any,
        reinspection: str | None,
        test_data: bool,
    ) -> None:
        old = self._stations.pop(code, None)
        if old is not None:
            neighbours = self._cells[cell_of(old.lat, old.lon)]
            neighbours.remove(old)
            if not neighbours:
                del self._cells[cell_of(old.lat, old.lon)]
        if status == _EXITED or test_data:
            return
        # Stations share a few service lists and expressions: one copy of each.
        kept = tuple(services)
        station = Candidate(
            code,
            name,
            sys.intern(status),
            lat,
            lon,
            self._services.setdefault(kept, kept),
            sys.intern(open_hours),
            suspended_until,
            reinspection and sys.intern(reinspection),
        )
        self._stations[code] = station
        self._cells.setdefault(cell_of(lat, lon), []).append(station)


async def _version_floor(connection: AsyncConnection) -> int:
    """The lowest search version a write not yet visible to this connection can carry.

    PostgreSQL stamps rows with the writer's transaction id: every transaction still running
    (so invisible now) has an id at least the oldest running one's. SQLite stamps one more than
    the highest stamp, and has one writer at a time, so later writes stamp higher.
    """
    if connection.dialect.name == "postgresql":
        floor = await connection.scalar(
            text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        )
        return int(floor)
    highest = await connection.scalar(select(func.max(StationRow.search_version)))
    return (highest or 0) + 1
