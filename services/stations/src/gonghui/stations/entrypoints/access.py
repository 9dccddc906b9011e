"""Who may do what over HTTP: roles from the bearer token, areas and operators from the station."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from gonghui.shared.auth import Principal, Role, require
from gonghui.stations.application.handlers import partner_actor
from gonghui.stations.domain.model import Station

# Union staff of the station's area, or the partner that operates it.
Staff = Annotated[Principal, Depends(require(Role.UNION_ADMIN, Role.PARTNER))]
# Union staff of the station's area only: the six-point gate, approving money.
Admin = Annotated[Principal, Depends(require(Role.UNION_ADMIN))]
# Staff, plus supervisors who read the books of their area.
Reader = Annotated[Principal, Depends(require(Role.UNION_ADMIN, Role.SUPERVISOR, Role.PARTNER))]
# Area-wide figures: union staff and supervisors.
AreaReader = Annotated[Principal, Depends(require(Role.UNION_ADMIN, Role.SUPERVISOR))]


def actor_of(principal: Principal) -> str:
    """How the caller is recorded: the person's id, or `dept/<code>` for a partner."""
    if principal.role is Role.PARTNER and principal.department:
        return partner_actor(principal.department, None)
    return principal.sub


def may_see(principal: Principal, station: Station) -> bool:
    """Whether the station is in the caller's area and, for a partner, operated by it."""
    if principal.role is Role.PARTNER and not _operates(principal, station):
        return False
    return principal.covers(station.area_code)


def check_station(principal: Principal, station: Station) -> None:
    """403 with the reason unless the caller may act on `station`."""
    if principal.role is Role.PARTNER and not _operates(principal, station):
        raise HTTPException(
            403,
            f"该站点不由贵单位运营 / station {station.code} is not operated by "
            f"{principal.department or 'your department'}",
        )
    check_area(principal, station.area_code, what=f"station {station.code}")


def check_area(principal: Principal, area_code: str, *, what: str | None = None) -> None:
    """403 with the reason unless `area_code` lies in the caller's area."""
    if not principal.covers(area_code):
        raise HTTPException(
            403,
            f"不在您管辖的区域 / {what or 'area'} ({area_code}) is outside your area "
            f"{principal.area}",
        )


def _operates(principal: Principal, station: Station) -> bool:
    # A partner token without a department operates nothing, not the union's own stations.
    return principal.department is not None and station.operator == principal.department
