"""Links that open a station in the map apps people have, each in its own datum:
Amap and Tencent read GCJ-02, Baidu reads BD-09; stations keep WGS-84."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from gonghui.shared.geo import wgs84_to_bd09, wgs84_to_gcj02


@dataclass(frozen=True)
class NavigationLink:
    """One map app's "navigate there" link."""

    app: str
    label: str
    url: str


def navigation_links(lat: float, lon: float, *, name: str) -> list[NavigationLink]:
    """Walking directions to a WGS-84 point in Amap, Baidu and Tencent maps."""
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    b_lat, b_lon = wgs84_to_bd09(lat, lon)
    amap = "https://uri.amap.com/navigation?" + urlencode(
        {
            "to": f"{g_lon:.6f},{g_lat:.6f},{name}",
            "mode": "walk",
            "coordinate": "gaode",
            "callnative": "1",
            "src": "gonghui",
        },
        quote_via=quote,
    )
    baidu = "https://api.map.baidu.com/direction?" + urlencode(
        {
            "destination": f"latlng:{b_lat:.6f},{b_lon:.6f}|name:{name}",
            "mode": "walking",
            "coord_type": "bd09ll",
            "output": "html",
            "src": "webapp.gonghui.finder",
        },
        quote_via=quote,
    )
    tencent = "https://apis.map.qq.com/uri/v1/routeplan?" + urlencode(
        {
            "type": "walk",
            "to": name,
            "tocoord": f"{g_lat:.6f},{g_lon:.6f}",
            "referer": "gonghui",
        },
        quote_via=quote,
    )
    return [
        NavigationLink("amap", "高德地图", amap),
        NavigationLink("baidu", "百度地图", baidu),
        NavigationLink("tencent", "腾讯地图", tencent),
    ]


def map_position(lat: float, lon: float, *, datum: str) -> tuple[float, float]:
    """Where a WGS-84 point goes on the configured tiles (`gcj02` tiles need it shifted)."""
    return wgs84_to_gcj02(lat, lon) if datum == "gcj02" else (lat, lon)
