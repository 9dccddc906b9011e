"""`gonghui demo`: a realistic, generated data set of Fujian's stations (no real people's data)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from gonghui.shared.contracts.stations import RegisterStation
from gonghui.shared.envelope import new_event_id
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application import handlers as uc
from gonghui.stations.domain.activities import Activity
from gonghui.stations.domain.areas import Area, all_areas, area
from gonghui.stations.domain.model import Criterion, CriterionScore

BANKS = {"cib-bank": ("兴业银行", 300), "fj-rcc": ("福建农信", 219)}
"""The two bank partners and how many of the 519 bank-branch stations each operates."""

PARTNERS = {
    "fz-cgj": "城管局",
    "fj-post": "邮政",
    "fj-power": "国网电力",
    "fj-telecom": "电信",
    "fj-transport": "交通运输局",
}
_SURNAMES = "陈林黄张吴王李郑刘蔡杨许洪郭曾叶苏谢周方罗庄徐江游"
_GIVEN = "晓敏静涛磊芳军丽华强燕明玲伟杰婷勇秀红建国文娟志鹏"
_ROADS = [
    "五一路",
    "八一七路",
    "湖东路",
    "工业路",
    "滨海大道",
    "中山路",
    "人民路",
    "新华路",
    "解放路",
]
_KINDS = ["爱心驿站", "户外劳动者服务站", "职工驿站", "暖心驿站", "工会服务站"]
_HOURS = ["24/7", "Mo-Su 07:00-21:00", "Mo-Fr 08:30-17:30; Sa,Su 09:00-17:00", "Mo-Su 08:00-20:00"]
_SERVICES = [
    "drinking_water",
    "rest",
    "charging",
    "toilet",
    "meal_heating",
    "wifi",
    "heating",
    "cooling",
    "first_aid",
    "umbrella",
]
# Rough urban weight of each city, so Fuzhou and Xiamen get more stations than the hills.
_CITY_WEIGHT = {
    "3501": 5,
    "3502": 4,
    "3503": 2,
    "3504": 1,
    "3505": 4,
    "3506": 2,
    "3507": 1,
    "3508": 1,
    "3509": 1,
}


@dataclass(frozen=True)
class DemoReport:
    """What the demo loaded."""

    stations: int
    bank_stations: int
    active: int
    visits: int
    activities: int
    signups: int


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


@cache
def _fujian_counties() -> list[Area]:
    """Fujian's counties and districts with a known seat (the demo scatters stations round it)."""
    return [
        a
        for a in all_areas()
        if a.level == "county" and a.code[:4] in _CITY_WEIGHT and a.lat is not None
    ]


def _station(rng: random.Random, i: int, operator: str | None) -> RegisterStation:
    counties = _fujian_counties()
    weights = [_CITY_WEIGHT[d.code[:4]] for d in counties]
    district = rng.choices(counties, weights=weights)[0]
    city = area(district.code[:4] + "00")
    assert district.lat is not None and district.lon is not None
    road = rng.choice(_ROADS)
    host = BANKS[operator][0] + district.name[:-1] + "支行" if operator in BANKS else ""
    host = host or (PARTNERS.get(operator or "", "") + district.name[:-1])
    return RegisterStation(
        external_ref=f"{(operator or 'union').upper()}-{i:05d}",
        name=f"{host or district.name[:-1] + road}{rng.choice(_KINDS)}",
        address=f"{city.name}{district.name}{road}{rng.randint(1, 400)}号",
        lat=rng.gauss(district.lat, 0.03),
        lon=rng.gauss(district.lon, 0.03),
        services=rng.sample(_SERVICES, rng.randint(3, 8)),
        open_hours=rng.choice(_HOURS),
        manager_name=_person(rng),
        manager_phone=_phone(rng),
        area_code=district.code,
        co_builders=[rng.choice(list(PARTNERS.values()))] if rng.random() < 0.4 else [],
        funding_source=BANKS[operator][0] if operator in BANKS else "市总工会",
    )


async def load_demo(
    *,
    uow_factory: Callable[[], StationsUnitOfWork],
    stations: int = 2_600,
    bank_stations: int = 519,
    seed: int = 2026,
    secret: str,
    progress: Callable[[int], None] = lambda _: None,
) -> DemoReport:
    """Register, assess and open stations, then add visits and activities; skips what exists."""
    rng = random.Random(seed)
    share = bank_stations / sum(n for _, n in BANKS.values())
    operators: list[str | None] = [
        b for b, (_, n) in BANKS.items() for _ in range(round(n * share))
    ]
    others = list(PARTNERS) + [None] * 5
    operators += [rng.choice(others) for _ in range(max(0, stations - len(operators)))]
    full = [Criterion(c) for c in Criterion]
    active = visits = banks = 0
    codes: list[str] = []
    uow = uow_factory()
    for start in range(0, len(operators), 200):
        async with uow:  # one transaction per 200 stations; the use cases join it
            now = uow.clock.now()
            for i in range(start, min(start + 200, len(operators))):
                cmd = _station(rng, i, operators[i])
                if await uow.stations.by_external_ref(operators[i], cmd.external_ref):
                    progress(1)
                    continue
                station = await uc.register_station(cmd, operator=operators[i], uow=uow)
                codes.append(station.code)
                banks += operators[i] in BANKS
                if rng.random() < 0.9:
                    passed = rng.random() < 0.95
                    scores = {
                        c: CriterionScore(passed or c != Criterion.LAYOUT, "现场核查") for c in full
                    }
                    await uc.assess_station(
                        station.code,
                        assessor=f"{station.area_code[:4]}00 工会 {_person(rng)}",
                        scores=scores,
                        map_verified_on=now.date() - timedelta(days=rng.randint(1, 200)),
                        uow=uow,
                    )
                    if passed:
                        await uc.activate_station(
                            station.code, actor="demo", reason="六有达标，挂牌", uow=uow
                        )
                        active += 1
                        for day in range(3):
                            at = now - timedelta(days=day, hours=rng.randint(0, 10))
                            for _ in range(rng.randint(0, 2)):
                                await uc.record_visit(
                                    code=station.code,
                                    worker_id=f"worker-{rng.randint(1, 50_000)}",
                                    at=at,
                                    secret=secret,
                                    uow=uow,
                                )
                                visits += 1
                progress(1)
            await uow.commit()
    activities = signups = 0
    async with uow:
        now = uow.clock.now()
        for code in rng.sample(codes, min(60, len(codes) // 40)):
            station = await uow.stations.get(code)
            if station is None or station.status.value != "active":
                continue
            starts = datetime.combine(
                now.date() + timedelta(days=rng.randint(1, 20)), datetime.min.time(), now.tzinfo
            ) + timedelta(hours=rng.choice([1, 2, 6, 7]))
            activity = Activity(
                id=new_event_id(),
                title=rng.choice(
                    ["骑手安全骑行讲座", "冬日送温暖", "免费体检", "法律咨询进驿站", "亲子观影"]
                ),
                description="由驿站与所在地工会联合举办，免费参加。",
                station_code=code,
                area_code=station.area_code,
                place=station.name,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=rng.choice([10, 20, 30]),
                published_by=f"{station.area_code[:4]}00 工会",
                published_at=now,
            )
            await uc.publish_activity(activity, uow=uow)
            activities += 1
            for _ in range(rng.randint(0, 35)):
                await uc.sign_up(
                    activity.id,
                    worker_id=f"worker-{rng.randint(1, 50_000)}",
                    secret=secret,
                    uow=uow,
                )
                signups += 1
        await uow.commit()
    return DemoReport(len(codes), banks, active, visits, activities, signups)
