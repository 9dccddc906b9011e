"""Area codes from address or coordinates, and the GCJ-02 datum."""

from __future__ import annotations

import random

import pytest

from gonghui.stations.domain.areas import (
    NATIONAL_CODE,
    UnknownArea,
    all_areas,
    area,
    children,
    contains,
    full_name,
    lineage,
    locate,
    search,
    station_code,
)
from gonghui.stations.domain.geo import distance_m, gcj02_to_wgs84, wgs84_to_gcj02


@pytest.mark.parametrize(
    ("address", "lat", "lon", "expected"),
    [
        # The seed's places, with and without province and suffixes.
        ("浙江省嘉兴市平湖市当湖街道", 30.70, 121.02, "330482"),
        ("嘉兴平湖市新华北路", 30.70, 121.02, "330482"),
        ("北京市朝阳区建国路88号", 39.92, 116.44, "110105"),
        ("宁夏银川市兴庆区解放东街", 38.47, 106.29, "640104"),
        ("银川市兴庆区", 26.0, 119.3, "640104"),  # the address wins over wrong coordinates
        ("福州市鼓楼区五四路154号", 26.0878, 119.3034, "350102"),
        ("厦门市海沧区沧林东路", 24.49, 117.99, "350205"),
        # A name several areas share is settled by the province named, else the coordinates.
        ("朝阳区建国路88号", 39.92, 116.44, "110105"),
        ("朝阳区人民大街", 43.83, 125.29, "220104"),
        ("辽宁省朝阳市双塔区", 41.57, 120.45, "211302"),
        # Roads named after places are not those places.
        ("福州市鼓楼区湖南路", 26.08, 119.30, "350102"),
        ("湖南路12号", 26.08, 119.30, "350102"),
        ("湖里大道88号", 24.51, 118.12, "350206"),
        # Municipalities, directly administered cities, prefectures without counties.
        ("重庆市渝北区", 29.72, 106.63, "500112"),
        ("上海浦东新区", 31.22, 121.54, "310115"),
        ("新疆石河子市", 44.30, 86.08, "659001"),
        ("广东省东莞市长安镇", 22.80, 113.80, "441900"),
        # No county in the text: the coordinates, within the city named, or its province.
        ("福州市某工地旁", 26.49, 119.55, "350123"),
        ("宁德市海上平台", 25.80, 120.70, "350900"),
        ("闽东外海渔排", 25.20, 120.70, "350000"),
        ("London", 51.5, -0.12, NATIONAL_CODE),
    ],
)
def test_area_comes_from_address_then_coordinates(
    address: str, lat: float, lon: float, expected: str
) -> None:
    assert locate(address=address, lat=lat, lon=lon) == expected


def test_every_province_prefecture_and_county_is_known() -> None:
    every = all_areas()
    levels = {
        level: sum(a.level == level for a in every) for level in ("province", "city", "county")
    }
    assert levels["province"] == 34  # 31 on the mainland, Hong Kong, Macao and Taiwan
    assert levels["city"] > 320 and levels["county"] > 2800
    assert all(a.parent is None or area(a.parent).code == a.parent for a in every)
    assert sum(a.lat is not None for a in every if a.level == "county") / levels["county"] > 0.98


def test_lineage_children_and_full_names() -> None:
    assert [a.code for a in lineage("330482")] == ["330000", "330400", "330482"]
    assert full_name("330482") == "浙江省嘉兴市平湖市"
    assert full_name("110105") == "北京市朝阳区"  # the municipality's placeholder level is skipped
    assert "330482" in {a.code for a in children("330400")}
    assert len(children(NATIONAL_CODE)) == 34
    with pytest.raises(UnknownArea):
        area("350199")


def test_search_finds_by_name_short_name_and_code() -> None:
    assert search("平湖")[0].code == "330482"
    assert {"110105", "220104"} <= {a.code for a in search("朝阳区")}
    assert search("3304")[0].code == "330400"
    assert search("不存在的地方") == []


def test_station_codes_read_area_and_number() -> None:
    assert station_code("330482", 7) == "330482-0007"
    assert station_code(NATIONAL_CODE, 12) == "100000-0012"


def test_areas_contain_their_districts() -> None:
    assert contains("350000", "350205")
    assert contains("350200", "350205")
    assert not contains("350100", "350205")
    assert contains(NATIONAL_CODE, "350102")


def test_gcj02_matches_the_published_reference_point() -> None:
    # The reference pair of the widely used coordtransform libraries (Tiananmen).
    assert wgs84_to_gcj02(39.915, 116.404) == pytest.approx(
        (39.91640428150164, 116.41024449916938), abs=1e-12
    )


def test_gcj02_round_trip_is_within_a_centimetre_across_fujian() -> None:
    rng = random.Random(7)
    for _ in range(500):
        lat, lon = rng.uniform(23.5, 28.3), rng.uniform(115.9, 120.6)
        back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
        assert distance_m(lat, lon, *back) < 0.01


def test_gcj02_shift_in_fuzhou_is_hundreds_of_metres() -> None:
    shifted = wgs84_to_gcj02(26.0878, 119.3034)
    assert 200 < distance_m(26.0878, 119.3034, *shifted) < 700


def test_gcj02_leaves_points_outside_china_alone() -> None:
    assert wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    assert gcj02_to_wgs84(1.29, 103.85) == (1.29, 103.85)
