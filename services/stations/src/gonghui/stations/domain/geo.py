"""Distances on the WGS-84 sphere, good to a metre at city scale."""

from __future__ import annotations

import math

from gonghui.shared.geo import gcj02_to_wgs84, out_of_china, wgs84_to_gcj02

__all__ = [
    "bounding_box",
    "distance_m",
    "gcj02_to_wgs84",
    "out_of_china",
    "wgs84_to_gcj02",
]

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) that contains every point within `radius_m`."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
