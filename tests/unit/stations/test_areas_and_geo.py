"""Area codes from address or coordinates, and the GCJ-02 datum."""

from __future__ import annotations

import random

import pytest

from gonghui.stations.domain.areas import NATIONAL_CODE, UnknownArea, code_prefix, contains, locate
from gonghui.stations.domain.geo import distance_m, gcj02_to_wgs84, wgs84_to_gcj02


@pytest.mark.parametrize(
    ("address", "lat", "lon", "expected"),
    [
        ("福州市鼓楼区五四路154号", 26.0878, 119.3034, "350102"),
        ("厦门市海沧区沧林东路", 24.49, 117.99, "350205"),
        ("湖里大道88号", 24.51, 118.12, "350206"),  # no district in the text: the coordinates
        ("福州市某工地旁", 26.49, 119.55, "350123"),  # Luoyuan by coordinates, within Fuzhou
        ("宁德市海上平台", 25.80, 120.70, "350900"),  # nowhere near a district: the city
        ("闽东外海渔排", 25.20, 120.70, "350000"),  # in the province, no city within reach
        ("北京市朝阳区", 39.92, 116.44, NATIONAL_CODE),
    ],
)
def test_area_comes_from_address_then_coordinates_then_city_or_province(
    address: str, lat: float, lon: float, expected: str
) -> None:
    assert locate(address=address, lat=lat, lon=lon) == expected


def test_code_prefix_reads_province_city_district() -> None:
    assert code_prefix("350205") == "FJ-XM-HC"
    assert code_prefix("350200") == "FJ-XM"
    assert code_prefix("350000") == "FJ"
    assert code_prefix(NATIONAL_CODE) == "CN"
    with pytest.raises(UnknownArea):
        code_prefix("110105")


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
