"""Where the map apps' links point, and opening hours in words."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from gonghui.front.hours import describe_hours
from gonghui.front.navigation import map_position, navigation_links
from gonghui.shared.geo import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# The reference pairs every implementation checks against (wandergis/coordtransform's
# fixtures at 116.404, 39.915), as (lat, lon).
TIANANMEN_WGS84 = (39.915, 116.404)
TIANANMEN_GCJ02 = (39.91640428150164, 116.41024449916938)
TIANANMEN_BD09 = (39.922699552216216, 116.41662724378733)
GCJ02_POINT = (39.915, 116.404)
GCJ02_POINT_IN_BD09 = (39.92133699351021, 116.41036949371029)


def close(a: tuple[float, float], b: tuple[float, float], tolerance: float) -> bool:
    return abs(a[0] - b[0]) < tolerance and abs(a[1] - b[1]) < tolerance


def test_wgs84_becomes_the_gcj02_and_bd09_positions_the_apps_use() -> None:
    assert close(wgs84_to_gcj02(*TIANANMEN_WGS84), TIANANMEN_GCJ02, 1e-9)
    assert close(gcj02_to_bd09(*GCJ02_POINT), GCJ02_POINT_IN_BD09, 1e-9)
    assert close(wgs84_to_bd09(*TIANANMEN_WGS84), TIANANMEN_BD09, 1e-9)


def test_the_conversions_go_back_to_within_a_few_centimetres() -> None:
    for lat, lon in [(26.08, 119.30), (30.70, 121.02), (45.75, 126.65), (22.54, 114.06)]:
        gcj = wgs84_to_gcj02(lat, lon)
        assert close(gcj02_to_wgs84(*gcj), (lat, lon), 1e-7)
        assert close(bd09_to_gcj02(*gcj02_to_bd09(*gcj)), gcj, 1e-6)


def test_outside_china_gcj02_leaves_the_point_alone() -> None:
    assert wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)


def test_each_app_gets_the_station_in_its_own_datum() -> None:
    links = {link.app: link for link in navigation_links(*TIANANMEN_WGS84, name="天安门驿站")}
    assert [links[a].label for a in ("amap", "baidu", "tencent")] == [
        "高德地图",
        "百度地图",
        "腾讯地图",
    ]
    amap = parse_qs(urlparse(links["amap"].url).query)
    lon, lat, name = amap["to"][0].split(",")
    assert close((float(lat), float(lon)), TIANANMEN_GCJ02, 2e-5) and name == "天安门驿站"
    assert amap["coordinate"] == ["gaode"]
    baidu = parse_qs(urlparse(links["baidu"].url).query)
    point, name = baidu["destination"][0].removeprefix("latlng:").split("|name:")
    lat, lon = point.split(",")
    assert close((float(lat), float(lon)), TIANANMEN_BD09, 2e-5) and name == "天安门驿站"
    assert baidu["coord_type"] == ["bd09ll"]
    tencent = parse_qs(urlparse(links["tencent"].url).query)
    lat, lon = tencent["tocoord"][0].split(",")
    assert close((float(lat), float(lon)), TIANANMEN_GCJ02, 2e-5)
    assert tencent["to"] == ["天安门驿站"]


def test_markers_follow_the_tiles_datum() -> None:
    assert map_position(*TIANANMEN_WGS84, datum="wgs84") == TIANANMEN_WGS84
    assert close(map_position(*TIANANMEN_WGS84, datum="gcj02"), TIANANMEN_GCJ02, 2e-5)


@pytest.mark.parametrize(
    ("hours", "words"),
    [
        (
            "Mo-Fr 08:00-20:00; Sa,Su 09:00-17:00",
            ["周一至周五 08:00–20:00", "周六、周日 09:00–17:00"],
        ),
        ("24/7", ["全天 24 小时开放"]),
        ("08:00-20:00", ["每天 08:00–20:00"]),
        ("Mo-Su 06:00-22:00; PH off", ["每天 06:00–22:00", "法定节假日 休息"]),
        ("sunrise-sunset", ["每天 日出–日落"]),
        ('Mo-Fr 08:00-12:00,14:00-18:00 "午休"', ["周一至周五 08:00–12:00、14:00–18:00（午休）"]),
        ("", ["未公布营业时间"]),
    ],
)
def test_opening_hours_read_as_words(hours: str, words: list[str]) -> None:
    assert describe_hours(hours) == words
