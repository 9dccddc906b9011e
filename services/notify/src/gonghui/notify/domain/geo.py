"""The nearest open station to a person: a grid index over a few thousand stations."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

_EARTH_M = 6_371_000.0
_M_PER_DEG = math.pi * _EARTH_M / 180
_CELL_DEG = 0.01
"""About 1.1 km: a city's stations spread over many cells, so few are compared per person."""


@dataclass(frozen=True)
class Place:
    """A station as a broadcast names it."""

    code: str
    name: str
    address: str | None
    lat: float
    lon: float


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(math.sqrt(a))


class NearestIndex:
    """Finds the nearest place by searching grid rings outward until none can be nearer.

    Candidates are compared on a flat (equirectangular) distance, which ranks places the
    same way as the great-circle one at city scale; the winner's distance is the haversine.
    """

    def __init__(self, places: list[Place]) -> None:
        self._cells: dict[tuple[int, int], list[Place]] = defaultdict(list)
        for place in places:
            self._cells[self._cell(place.lat, place.lon)].append(place)
        if places:
            rows = [i for i, _ in self._cells]
            cols = [j for _, j in self._cells]
            self._extent = (min(rows), max(rows), min(cols), max(cols))

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / _CELL_DEG), math.floor(lon / _CELL_DEG)

    def nearest(
        self, lat: float, lon: float, *, within_m: float | None = None
    ) -> tuple[Place, float] | None:
        """The nearest place and its distance, or None (none at all, or none within range)."""
        if not self._cells:
            return None
        ci, cj = self._cell(lat, lon)
        scale = math.cos(math.radians(lat))
        # Every cell of ring r is at least (r - 1) cells away along one axis.
        ring_deg = _CELL_DEG * max(scale, 0.01)
        limit = None if within_m is None else within_m / _M_PER_DEG
        lo_i, hi_i, lo_j, hi_j = self._extent
        last_ring = max(abs(ci - lo_i), abs(ci - hi_i), abs(cj - lo_j), abs(cj - hi_j))
        best: Place | None = None
        best_sq = math.inf
        for ring in range(last_ring + 1):
            floor_deg = (ring - 1) * ring_deg
            beyond_best = floor_deg**2 > best_sq
            beyond_limit = limit is not None and floor_deg > limit
            if floor_deg > 0 and (beyond_best or beyond_limit):
                break
            for i in range(ci - ring, ci + ring + 1):
                edge = abs(i - ci) == ring
                step = 1 if edge else 2 * ring
                for j in range(cj - ring, cj + ring + 1, step or 1):
                    for place in self._cells.get((i, j), ()):
                        dy, dx = place.lat - lat, (place.lon - lon) * scale
                        d_sq = dy * dy + dx * dx
                        if d_sq < best_sq:
                            best, best_sq = place, d_sq
        if best is None:
            return None
        found = distance_m(lat, lon, best.lat, best.lon)
        if within_m is not None and found > within_m:
            return None
        return best, found
