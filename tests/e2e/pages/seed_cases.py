"""A representative's case in Fuzhou's Gulou district, routed to a town office that uses the
work queue, another waiting on the review group's desk, and the accounts that see them: what the
case pages' screenshots show."""

from __future__ import annotations

import asyncio

import httpx
from redis.asyncio import Redis

from gonghui.shared.auth import Principal, Role, UserDirectory, auth_secret
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.streams import StreamKeys
from tests.support.auth import bearer

AREA = "350102"
UNIT = "gulou-street"
REPRESENTATIVE = Principal(sub="shots-rep-lin", role=Role.REPRESENTATIVE, area=AREA)
UNIT_DESK = Principal(sub="shots-gulou-desk", role=Role.HANDLER, department=UNIT)
ADMIN = Principal(sub="shots-admin-fz", role=Role.UNION_ADMIN, area="350100")
REVIEW_GROUP = Principal(sub="shots-review-group", role=Role.REVIEWER, area=AREA)
STAFF_NAMES = {
    UNIT_DESK.sub: "王科长（东街街道）",
    ADMIN.sub: "李明（福州市总工会）",
    REVIEW_GROUP.sub: "陈静（审议小组）",
}
"""How pages name the staff accounts (the representative is named by the registry)."""


def seed_case(proposals_url: str, redis_url: str, prefix: str, *, password: str) -> str:
    """Units, people, a case accepted and assigned to the street office (its number is returned)
    and one waiting for review.

    Call it before Playwright starts (its sync API runs an event loop in this thread).
    """
    asyncio.run(_provision(redis_url, prefix, password))
    admin = bearer(Role.UNION_ADMIN, sub=ADMIN.sub, area=ADMIN.area)
    rep = bearer(Role.REPRESENTATIVE, sub=REPRESENTATIVE.sub, area=AREA)
    group = bearer(Role.REVIEWER, sub=REVIEW_GROUP.sub, area=AREA)
    with httpx.Client(base_url=proposals_url, timeout=30) as http:
        http.put(
            f"/units/{UNIT}",
            json={"name": "鼓楼区东街街道办事处", "kind": "department"},
            headers=admin,
        ).raise_for_status()
        http.put(
            "/units/gulou-city-management",
            json={"name": "鼓楼区城市管理局", "kind": "department"},
            headers=admin,
        ).raise_for_status()
        http.put(
            f"/representatives/{REPRESENTATIVE.sub}",
            json={"name": "林秀英", "area_code": AREA},
            headers=admin,
        ).raise_for_status()
        http.post(
            "/proposals",
            json={
                "kind": "zero_distance",
                "title": "三坊七巷驿站冬季缺少热水",
                "body": "驿站饮水机只有温水，骑手和环卫工冬天想喝口热水，希望加装开水器。",
                "category": "rest",
                "area_code": AREA,
            },
            headers=rep,
        ).raise_for_status()
        case = http.post(
            "/proposals",
            json={
                "kind": "issue",
                "title": "东街口环卫工休息点夏季缺少降温设备",
                "body": "东街口片区环卫工午间无处纳凉，建议在休息点加装空调和饮水机。"
                "联系人 13812345678。",
                "category": "rest",
                "area_code": AREA,
            },
            headers=rep,
        )
        case.raise_for_status()
        case_id = case.json()["id"]
        http.post(
            f"/proposals/{case_id}/accept", json={"note": "小组审议通过，立案"}, headers=group
        ).raise_for_status()
        http.post(
            f"/proposals/{case_id}/assign",
            json={"unit_code": UNIT, "note": "请东街街道牵头落实"},
            headers=group,
        ).raise_for_status()
        return str(http.get(f"/proposals/{case_id}", headers=admin).json()["case_no"])


async def _provision(redis_url: str, prefix: str, password: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        keys = StreamKeys(prefix)
        await DepartmentDirectory(redis, keys).add(UNIT, "鼓楼区东街街道办事处")
        users = UserDirectory(redis, keys)
        for person in (REPRESENTATIVE, UNIT_DESK, ADMIN, REVIEW_GROUP):
            if person.sub in STAFF_NAMES:
                await users.add(person, secret=auth_secret(), name=STAFF_NAMES[person.sub])
            await users.set_password(person, password, must_change=False)
    finally:
        await redis.aclose()
