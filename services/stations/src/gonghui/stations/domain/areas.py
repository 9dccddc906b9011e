"""Administrative areas (GB/T 2260) of Fujian, enough to number stations by district.

A compact built-in table: the province, its nine prefecture-level cities and their districts and
counties, each with a readable abbreviation (for station codes) and an approximate centroid (for
telling the area of a point). Centroids are rough (a few km); the address text and an explicit
`area_code` take precedence over them.
"""

from __future__ import annotations

from dataclasses import dataclass

from gonghui.stations.domain.geo import distance_m

NATIONAL_CODE = "100000"


@dataclass(frozen=True)
class Area:
    """One administrative division."""

    code: str
    name: str
    abbr: str
    lat: float
    lon: float
    level: str  # province, city, district

    @property
    def city_code(self) -> str:
        """The prefecture-level city this area lies in (itself for a city)."""
        return self.code[:4] + "00"

    @property
    def province_code(self) -> str:
        """The province this area lies in."""
        return self.code[:2] + "0000"


_PROVINCES = [("350000", "福建省", "FJ", 26.10, 118.30)]
_CITIES = [
    ("350100", "福州市", "FZ", 26.074, 119.296),
    ("350200", "厦门市", "XM", 24.480, 118.089),
    ("350300", "莆田市", "PT", 25.454, 119.007),
    ("350400", "三明市", "SM", 26.263, 117.639),
    ("350500", "泉州市", "QZ", 24.874, 118.676),
    ("350600", "漳州市", "ZZ", 24.513, 117.647),
    ("350700", "南平市", "NP", 26.642, 118.178),
    ("350800", "龙岩市", "LY", 25.075, 117.017),
    ("350900", "宁德市", "ND", 26.666, 119.548),
]
_DISTRICTS = [
    ("350102", "鼓楼区", "GL", 26.082, 119.296),
    ("350103", "台江区", "TJ", 26.053, 119.314),
    ("350104", "仓山区", "CS", 26.030, 119.310),
    ("350105", "马尾区", "MW", 26.000, 119.450),
    ("350111", "晋安区", "JA", 26.150, 119.330),
    ("350112", "长乐区", "CL", 25.960, 119.520),
    ("350121", "闽侯县", "MH", 26.150, 119.130),
    ("350122", "连江县", "LJ", 26.200, 119.540),
    ("350123", "罗源县", "LY", 26.490, 119.550),
    ("350124", "闽清县", "MQ", 26.220, 118.860),
    ("350125", "永泰县", "YT", 25.870, 118.930),
    ("350128", "平潭县", "PT", 25.500, 119.790),
    ("350181", "福清市", "FQ", 25.720, 119.380),
    ("350203", "思明区", "SM", 24.450, 118.080),
    ("350205", "海沧区", "HC", 24.480, 117.980),
    ("350206", "湖里区", "HL", 24.510, 118.120),
    ("350211", "集美区", "JM", 24.580, 118.100),
    ("350212", "同安区", "TA", 24.720, 118.150),
    ("350213", "翔安区", "XA", 24.620, 118.250),
    ("350302", "城厢区", "CX", 25.420, 118.990),
    ("350303", "涵江区", "HJ", 25.460, 119.110),
    ("350304", "荔城区", "LC", 25.430, 119.020),
    ("350305", "秀屿区", "XY", 25.320, 119.100),
    ("350322", "仙游县", "XIY", 25.360, 118.690),
    ("350404", "三元区", "SY", 26.230, 117.610),
    ("350405", "沙县区", "SX", 26.400, 117.790),
    ("350421", "明溪县", "MX", 26.360, 117.200),
    ("350423", "清流县", "QL", 26.180, 116.820),
    ("350424", "宁化县", "NH", 26.260, 116.650),
    ("350425", "大田县", "DT", 25.690, 117.850),
    ("350426", "尤溪县", "YX", 26.170, 118.190),
    ("350428", "将乐县", "JL", 26.730, 117.470),
    ("350429", "泰宁县", "TN", 26.900, 117.180),
    ("350430", "建宁县", "JN", 26.830, 116.850),
    ("350481", "永安市", "YA", 25.940, 117.360),
    ("350502", "鲤城区", "LC", 24.910, 118.590),
    ("350503", "丰泽区", "FZ", 24.890, 118.610),
    ("350504", "洛江区", "LJ", 24.940, 118.670),
    ("350505", "泉港区", "QG", 25.130, 118.920),
    ("350521", "惠安县", "HA", 25.030, 118.800),
    ("350524", "安溪县", "AX", 25.060, 118.190),
    ("350525", "永春县", "YC", 25.320, 118.290),
    ("350526", "德化县", "DH", 25.490, 118.240),
    ("350527", "金门县", "JM", 24.440, 118.320),
    ("350581", "石狮市", "SS", 24.730, 118.650),
    ("350582", "晋江市", "JJ", 24.780, 118.550),
    ("350583", "南安市", "NA", 24.960, 118.390),
    ("350602", "芗城区", "XC", 24.510, 117.650),
    ("350603", "龙文区", "LW", 24.500, 117.710),
    ("350604", "龙海区", "LH", 24.450, 117.820),
    ("350605", "长泰区", "CT", 24.630, 117.760),
    ("350622", "云霄县", "YX", 23.960, 117.340),
    ("350623", "漳浦县", "ZP", 24.120, 117.610),
    ("350624", "诏安县", "ZA", 23.710, 117.180),
    ("350626", "东山县", "DS", 23.700, 117.430),
    ("350627", "南靖县", "NJ", 24.510, 117.360),
    ("350628", "平和县", "PH", 24.360, 117.310),
    ("350629", "华安县", "HA", 25.000, 117.530),
    ("350702", "延平区", "YP", 26.640, 118.180),
    ("350703", "建阳区", "JY", 27.330, 118.120),
    ("350721", "顺昌县", "SC", 26.790, 117.810),
    ("350722", "浦城县", "PC", 27.920, 118.540),
    ("350723", "光泽县", "GZ", 27.540, 117.340),
    ("350724", "松溪县", "SX", 27.530, 118.790),
    ("350725", "政和县", "ZH", 27.370, 118.860),
    ("350781", "邵武市", "SW", 27.340, 117.490),
    ("350782", "武夷山市", "WYS", 27.760, 118.040),
    ("350783", "建瓯市", "JO", 27.020, 118.320),
    ("350802", "新罗区", "XL", 25.100, 117.040),
    ("350803", "永定区", "YD", 24.720, 116.730),
    ("350821", "长汀县", "CT", 25.830, 116.360),
    ("350823", "上杭县", "SH", 25.050, 116.420),
    ("350824", "武平县", "WP", 25.100, 116.100),
    ("350825", "连城县", "LC", 25.710, 116.750),
    ("350881", "漳平市", "ZP", 25.290, 117.420),
    ("350902", "蕉城区", "JC", 26.660, 119.530),
    ("350921", "霞浦县", "XP", 26.890, 120.010),
    ("350922", "古田县", "GT", 26.580, 118.750),
    ("350923", "屏南县", "PN", 26.910, 118.990),
    ("350924", "寿宁县", "SN", 27.450, 119.510),
    ("350925", "周宁县", "ZN", 27.100, 119.340),
    ("350926", "柘荣县", "ZR", 27.230, 119.900),
    ("350981", "福安市", "FA", 27.090, 119.650),
    ("350982", "福鼎市", "FD", 27.320, 120.220),
]

AREAS: dict[str, Area] = {
    code: Area(code, name, abbr, lat, lon, level)
    for level, rows in (("province", _PROVINCES), ("city", _CITIES), ("district", _DISTRICTS))
    for code, name, abbr, lat, lon in rows
}
DISTRICTS = [a for a in AREAS.values() if a.level == "district"]
CITIES = [a for a in AREAS.values() if a.level == "city"]

# Fujian's extent, a little generous; a point outside it is not given a Fujian code.
_FUJIAN_BOX = (23.4, 28.4, 115.8, 120.8)
_DISTRICT_REACH_M = 35_000
_CITY_REACH_M = 120_000


class UnknownArea(ValueError):
    """An area code the registry does not know."""


def area(code: str) -> Area:
    """The area with this GB/T 2260 code."""
    try:
        return AREAS[code]
    except KeyError:
        raise UnknownArea(f"unknown area code {code}; known: Fujian and its areas") from None


def code_prefix(code: str) -> str:
    """`FJ-XM-HC`: the readable part of station codes issued in an area."""
    if code == NATIONAL_CODE:
        return "CN"
    found = area(code)
    parts = [AREAS[found.province_code].abbr]
    if found.level in ("city", "district"):
        parts.append(AREAS[found.city_code].abbr)
    if found.level == "district":
        parts.append(found.abbr)
    return "-".join(parts)


def locate(*, address: str, lat: float, lon: float) -> str:
    """The most precise area code the address text or, failing that, the coordinates tell."""
    city = next((c for c in CITIES if c.name in address or c.name[:-1] in address), None)
    for district in DISTRICTS:
        if district.name in address and (city is None or district.city_code == city.code):
            return district.code
    in_fujian = _FUJIAN_BOX[0] <= lat <= _FUJIAN_BOX[1] and _FUJIAN_BOX[2] <= lon <= _FUJIAN_BOX[3]
    if not in_fujian:
        return city.code if city else NATIONAL_CODE
    candidates = [d for d in DISTRICTS if city is None or d.city_code == city.code]
    nearest, meters = _nearest(candidates, lat, lon)
    if nearest is not None and meters <= _DISTRICT_REACH_M:
        return nearest.code
    if city is not None:
        return city.code
    nearest_city, meters = _nearest(CITIES, lat, lon)
    if nearest_city is not None and meters <= _CITY_REACH_M:
        return nearest_city.code
    return "350000"


def children(code: str) -> list[Area]:
    """The areas inside an area (cities of a province, districts of a city)."""
    if code == NATIONAL_CODE:
        return [a for a in AREAS.values() if a.level == "province"]
    parent = area(code)
    if parent.level == "province":
        return [c for c in CITIES if c.province_code == code]
    if parent.level == "city":
        return [d for d in DISTRICTS if d.city_code == code]
    return []


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


def _nearest(areas: list[Area], lat: float, lon: float) -> tuple[Area | None, float]:
    best, best_m = None, float("inf")
    for candidate in areas:
        meters = distance_m(lat, lon, candidate.lat, candidate.lon)
        if meters < best_m:
            best, best_m = candidate, meters
    return best, best_m
