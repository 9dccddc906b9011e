"""Where the next station should go (规划选址): grid cells where workers are, far from service.

Workers are counted per cell of a 0.01° grid (about 1.1 km north-south, 1.0 km east-west in
southern China), from their registered positions and their visit check-ins, each worker once per
cell. Cells with fewer than k workers are never shown (k-anonymity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CELL_DEGREES = 0.01


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    """The grid cell a point lies in."""
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


def centre_of(cell_lat: int, cell_lon: int) -> tuple[float, float]:
    """The centre of a grid cell, as (lat, lon)."""
    return (cell_lat + 0.5) * CELL_DEGREES, (cell_lon + 0.5) * CELL_DEGREES


def ring_of(cell_lat: int, cell_lon: int) -> list[list[float]]:
    """The cell's outline as a closed GeoJSON ring of [lon, lat], counter-clockwise."""
    south, west = cell_lat * CELL_DEGREES, cell_lon * CELL_DEGREES
    north, east = south + CELL_DEGREES, west + CELL_DEGREES
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return [[round(x, 6), round(y, 6)] for x, y in corners]


@dataclass(frozen=True)
class CrowdedCell:
    """A cell with at least k workers."""

    cell_lat: int
    cell_lon: int
    workers: int
    area_code: str


@dataclass(frozen=True)
class Gap:
    """A cell whose workers have no open station with the service within the distance."""

    cell: CrowdedCell
    nearest_m: float | None
    """The nearest such station within three times the distance, if any."""
