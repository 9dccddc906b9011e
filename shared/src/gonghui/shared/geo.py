"""Datum conversions for China's maps: WGS-84 (GPS), GCJ-02 (Amap, Tencent), BD-09 (Baidu)."""

from __future__ import annotations

import math

# GCJ-02 ("Mars coordinates") is WGS-84 with a published, deterministic obfuscation applied
# inside mainland China; Amap and Tencent maps use it. Constants of the Krasovsky 1940 ellipsoid.
_GCJ_A = 6_378_245.0
_GCJ_EE = 0.006_693_421_622_965_943


def out_of_china(lat: float, lon: float) -> bool:
    """Whether GCJ-02 leaves the point alone (the rough box the algorithm itself uses)."""
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _delta(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = lat / 180.0 * math.pi
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 (GPS) to GCJ-02 (Amap, Tencent), as (lat, lon)."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _delta(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 back to WGS-84, as (lat, lon); iterated to well under a centimetre."""
    if out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(10):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        e_lat, e_lon = g_lat - lat, g_lon - lon
        w_lat, w_lon = w_lat - e_lat, w_lon - e_lon
        if abs(e_lat) < 1e-9 and abs(e_lon) < 1e-9:
            break
    return w_lat, w_lon


# BD-09 is Baidu's further offset of GCJ-02; the constant is the one Baidu's own SDKs use.
_BD_X_PI = math.pi * 3000.0 / 180.0


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 to BD-09 (Baidu maps), as (lat, lon)."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """BD-09 back to GCJ-02, as (lat, lon)."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 (GPS) to BD-09 (Baidu maps), as (lat, lon)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
