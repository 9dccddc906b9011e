"""How often coordinates alone give a station's area right (no address text).

Ground truth is the county polygon a point falls in, from `geotool-cn` 3.1.0 (boundaries from
DataV.GeoAtlas, for study only: used here to measure, never shipped). Two samples of 4,000 points
each: uniform over China's land, and scattered round prefecture seats (σ ≈ 15 km), where most
stations are. Run:

    uv run --with geotool-cn==3.1.0 python services/stations/scripts/locate_accuracy.py
"""

from __future__ import annotations

import random

from GeoToolCN import GeoTool

from gonghui.stations.domain.areas import area, locate

SAMPLE = 4_000
SKIPPED = ("71", "81", "82")  # Taiwan, Hong Kong, Macao: provinces only in the table


def sample(geo: GeoTool, rng: random.Random, near_cities: bool) -> list[tuple[float, float, str]]:
    """Points with the county the polygons put them in."""
    cities = geo.list_regions("city")
    points: list[tuple[float, float, str]] = []
    while len(points) < SAMPLE:
        if near_cities:
            seat = rng.choice(cities)
            lat, lon = seat.latitude + rng.gauss(0, 0.15), seat.longitude + rng.gauss(0, 0.15)
        else:
            lat, lon = rng.uniform(18, 53), rng.uniform(73, 135)
        found = geo.reverse(lat, lon)
        if found.district is not None and not found.province.code.startswith(SKIPPED):
            points.append((lat, lon, found.district.code))
    return points


def main() -> None:
    """Print the share right at county, prefecture and province level for each sample."""
    geo, rng = GeoTool(), random.Random(42)
    for name, near in (("round prefecture seats", True), ("uniform over the land", False)):
        points = sample(geo, rng, near)
        right = {"county": 0, "prefecture": 0, "province": 0}
        for lat, lon, truth in points:
            got = locate(address="", lat=lat, lon=lon)
            right["county"] += got == truth and area(got).level == "county"
            right["prefecture"] += got[:4] == truth[:4]
            right["province"] += got[:2] == truth[:2]
        shares = ", ".join(f"{level} {n / len(points):.0%}" for level, n in right.items())
        print(f"{name}: {shares} right ({len(points)} points)")


if __name__ == "__main__":
    main()
