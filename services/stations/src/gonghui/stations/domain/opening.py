"""Whether a station is open, when that changes, and how to say it to a worker (zh-CN)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gonghui.shared.clock import SHANGHAI
from gonghui.shared.hours import OpenState, period


@dataclass(frozen=True)
class Opening:
    """A station's opening at one moment."""

    state: OpenState
    next_change: datetime | None
    """When the state changes next, +08:00; for a suspended station, its until-date."""
    phrase: str
    """For people: `营业中，20:00 关门`, `08:00 开门`, `营业时间不确定`, `暂停服务…`."""


def opening(
    *,
    status: str,
    open_hours: str,
    lat: float,
    lon: float,
    at: datetime,
    suspended_until: datetime | None = None,
) -> Opening:
    """The station's state at `at`: its hours if it is active, closed otherwise."""
    if status != "active":
        until = suspended_until.astimezone(SHANGHAI) if suspended_until else None
        return Opening("closed", until, _not_active(status, until, at))
    found = period(open_hours, at=at, lat=lat, lon=lon)
    return Opening(
        found.state, found.next_change, _phrase(found.state, found.next_change, found.after, at)
    )


def when(moment: datetime, now: datetime) -> str:
    """`20:00` today, `明天 08:00`, else `12月1日 08:00` (Asia/Shanghai)."""
    local, today = moment.astimezone(SHANGHAI), now.astimezone(SHANGHAI).date()
    days = (local.date() - today).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return clock
    if days == 1:
        return f"明天 {clock}"
    return f"{local.month}月{local.day}日 {clock}"


def _phrase(
    state: OpenState, change: datetime | None, after: OpenState | None, now: datetime
) -> str:
    if state == "unknown":
        return "营业时间不确定"
    if state == "open":
        if change is None:
            return "营业中"
        ending = "关门" if after == "closed" else "后营业时间不确定"
        return f"营业中，{when(change, now)} {ending}"
    if change is None:
        return "近期不营业"
    return (
        f"{when(change, now)} 开门" if after == "open" else f"{when(change, now)} 后营业时间不确定"
    )


def _not_active(status: str, until: datetime | None, now: datetime) -> str:
    if status == "suspended":
        return f"暂停服务，预计 {when(until, now)} 恢复" if until else "暂停服务"
    if status == "proposed":
        return "尚未挂牌，暂不开放"
    return "已退出，不再开放"
