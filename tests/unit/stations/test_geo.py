"""Distances on the map."""

import pytest

from gonghui.stations.domain.geo import bounding_box, distance_m


def test_distance_between_known_points() -> None:
    # One degree of arc on the mean-radius sphere is 111.195 km, along a meridian or the equator.
    assert distance_m(26.0, 119.3, 27.0, 119.3) == pytest.approx(111_195, abs=1)
    assert distance_m(0.0, 119.0, 0.0, 120.0) == pytest.approx(111_195, abs=1)
    assert distance_m(26.0878, 119.3034, 26.0878, 119.3034) == 0


def test_bounding_box_contains_the_circle() -> None:
    lat, lon, radius = 26.0878, 119.3034, 2_000
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    assert distance_m(lat, lon, max_lat, lon) == pytest.approx(radius, rel=1e-6)
    assert distance_m(lat, lon, lat, max_lon) == pytest.approx(radius, rel=1e-3)
    assert min_lat < lat < max_lat and min_lon < lon < max_lon
