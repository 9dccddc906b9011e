"""The nearest open station to a person: a grid index over a few thousand stations."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

_EARTH_M = 6_371_000.0
_CELL_DEG = 0.05


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
    """Finds the nearest place by searching grid rings outward until none can be nearer."""

    def __init__(self, places: list[Place]) -> None:
        self._cells: dict[tuple[int, int], list[Place]] = defaultdict(list)
        for place in places:
            self._cells[self._cell(place.lat, place.lon)].append(place)
        self._max_ring = 1 + int(180 / _CELL_DEG) if places else -1

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / _CELL_DEG), math.floor(lon / _CELL_DEG)

    def nearest(
        self, lat: float, lon: float, *, within_m: float | None = None
    ) -> tuple[Place, float] | None:
        """The nearest place and its distance, or None (none at all, or none within range)."""
        ci, cj = self._cell(lat, lon)
        best: tuple[Place, float] | None = None
        # One ring of cells is at least this far away (latitude shrinks only longitude cells).
        ring_m = _CELL_DEG * 111_000 * max(math.cos(math.radians(min(abs(lat) + 1, 89))), 0.01)
        ring = 0
        while ring <= self._max_ring:
            if best is not None and (ring - 1) * ring_m > best[1]:
                break
            if within_m is not None and (ring - 1) * ring_m > within_m:
                break
            for i in range(ci - ring, ci + ring + 1):
                for j in range(cj - ring, cj + ring + 1):
                    if ring and abs(i - ci) != ring and abs(j - cj) != ring:
                        continue
                    for place in self._cells.get((i, j), ()):
                        d = distance_m(lat, lon, place.lat, place.lon)
                        if best is None or d < best[1]:
                            best = (place, d)
            ring += 1
        if best is None or (within_m is not None and best[1] > within_m):
            return None
        return best
