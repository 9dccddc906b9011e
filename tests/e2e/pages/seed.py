"""A few stations in Fuzhou's Gulou district and an activity, as union staff register them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from gonghui.shared.auth import Role
from gonghui.shared.clock import SHANGHAI
from tests.support.auth import bearer
from tests.support.builders import station_data

SIX_PASS = {
    c: {"passed": True, "note": "现场核查"}
    for c in ("sign", "layout", "facilities", "services", "rules", "map_info")
}
RULES = {
    "management_rules": "驿站由网点负责人管理，每日开门前检查饮水机和急救箱。",
    "service_process": "进站 → 扫码签到 → 休息、饮水、充电 → 离站时请保持整洁。",
    "safety_notice": "请勿在站内吸烟；雷雨天气请在站内避雨。",
}


@dataclass(frozen=True)
class Seeded:
    """The codes of what was registered."""

    open_with_water: str
    closed_nearest: str
    open_without_water: str
    farther_with_water: str
    activity_id: str
    case_no: str = ""
    """A representative's case (tests/e2e/pages/seed_cases.py), when seeded."""


def closed_now_hours() -> str:
    """Opening hours that exclude the present hour in Beijing (the station is closed now)."""
    start = (datetime.now(SHANGHAI).hour + 2) % 24
    return f"Mo-Su {start:02d}:00-{start + 1:02d}:00"


def _call(stations: str, method: str, path: str, body: Any = None) -> Any:
    staff = bearer(Role.UNION_ADMIN, sub="福州市总-陈")
    answer = httpx.request(method, stations + path, json=body, headers=staff, timeout=15)
    assert answer.is_success, (path, answer.status_code, answer.text)
    return answer.json()


def _active_station(stations: str, **overrides: Any) -> str:
    code = _call(stations, "POST", "/stations", station_data(**overrides))["code"]
    verified = datetime.now(SHANGHAI).date().isoformat()
    assessment = {"criteria": SIX_PASS, "map_verified_on": verified}
    _call(stations, "POST", f"/stations/{code}/assessments", assessment)
    _call(stations, "POST", f"/stations/{code}/activate", {"reason": "六有达标"})
    return code


def seed_fuzhou(stations: str) -> Seeded:
    """Four active stations around 26.08, 119.30 and, at the nearest open one with water, an
    activity tomorrow."""
    closed = _active_station(
        stations,
        external_ref="FZ-GL-CLOSED",
        name="东街口环卫工人驿站",
        address="福建省福州市鼓楼区东街口",
        lat=26.0803,
        lon=119.3003,
        services=["drinking_water", "rest"],
        open_hours=closed_now_hours(),
        manager_name="郑伟",
        manager_phone="13905910001",
    )
    without_water = _active_station(
        stations,
        external_ref="FZ-GL-NOWATER",
        name="三坊七巷快递小哥之家",
        address="福建省福州市鼓楼区南后街",
        lat=26.0812,
        lon=119.3012,
        services=["rest", "toilet", "charging"],
        open_hours="24/7",
        manager_name="黄丽",
        manager_phone="13905910002",
    )
    with_water = _active_station(
        stations,
        external_ref="FZ-GL-0154",
        name="兴业银行五四路爱心驿站",
        address="福建省福州市鼓楼区五四路154号",
        lat=26.0830,
        lon=119.3040,
        services=["drinking_water", "rest", "charging", "meal_heating", "toilet"],
        open_hours="Mo-Su 00:00-24:00",
        manager_name="林晓",
        manager_phone="13800138000",
        documents=RULES,
    )
    farther = _active_station(
        stations,
        external_ref="FZ-TJ-0001",
        name="台江区总工会户外劳动者服务站",
        address="福建省福州市台江区八一七中路",
        lat=26.0650,
        lon=119.3100,
        services=["drinking_water", "rest"],
        open_hours="24/7",
        manager_name="王芳",
        manager_phone="13905910003",
    )
    tomorrow = datetime.now(SHANGHAI).replace(hour=15, minute=0, second=0, microsecond=0)
    tomorrow += timedelta(days=1)
    activity = _call(
        stations,
        "POST",
        "/activities",
        {
            "title": "夏送清凉：免费体检与防暑用品发放",
            "description": "福州市总工会联合鼓楼区医院，为户外劳动者免费测血压、发放防暑包。",
            "station_code": with_water,
            "place": "兴业银行五四路爱心驿站门前",
            "starts_at": tomorrow.isoformat(),
            "ends_at": (tomorrow + timedelta(hours=2)).isoformat(),
            "capacity": 30,
        },
    )
    return Seeded(with_water, closed, without_water, farther, activity["id"])
