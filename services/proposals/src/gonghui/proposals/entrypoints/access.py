"""Who may call what: roles from the bearer token, the caller's area, the caller as the actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from gonghui.proposals.domain.model import Case
from gonghui.shared.auth import Principal, Role, area_prefix, require

STAFF = (Role.REVIEWER, Role.SUPERVISOR, Role.UNION_ADMIN)
UNITS = (Role.HANDLER, Role.PARTNER)
PEOPLE = (Role.MEMBER, Role.REPRESENTATIVE)
WORKERS = (Role.WORKER, Role.MEMBER)

Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]
Supervisor = Annotated[Principal, Depends(require(Role.SUPERVISOR))]
Admin = Annotated[Principal, Depends(require(Role.UNION_ADMIN))]
Representative = Annotated[Principal, Depends(require(Role.REPRESENTATIVE))]
Member = Annotated[Principal, Depends(require(Role.MEMBER))]
Person = Annotated[Principal, Depends(require(*PEOPLE))]
Staff = Annotated[Principal, Depends(require(*STAFF))]
CaseReader = Annotated[Principal, Depends(require(Role.WORKER, *PEOPLE, *STAFF, *UNITS))]
Claimant = Annotated[Principal, Depends(require(Role.HANDLER, Role.PARTNER, Role.REPRESENTATIVE))]
Worker = Annotated[Principal, Depends(require(*WORKERS))]
ProblemReader = Annotated[Principal, Depends(require(*WORKERS, Role.REPRESENTATIVE, *STAFF))]
DiscussionReader = Annotated[Principal, Depends(require(*PEOPLE, *STAFF))]
Overseer = Annotated[Principal, Depends(require(Role.UNION_ADMIN, Role.SUPERVISOR))]
DutyReader = Annotated[
    Principal, Depends(require(Role.UNION_ADMIN, Role.SUPERVISOR, Role.REPRESENTATIVE))
]
DirectoryReader = Annotated[Principal, Depends(require(Role.WORKER, *PEOPLE, *STAFF))]
ContactKeeper = Annotated[Principal, Depends(require(Role.REPRESENTATIVE, Role.UNION_ADMIN))]


def forbidden(zh: str, en: str) -> HTTPException:
    """A 403 with the reason, zh-CN first."""
    return HTTPException(403, f"{zh} ({en})")


def in_area(caller: Principal, area_code: str | None) -> None:
    """Refuse a caller whose area does not contain `area_code` (unscoped callers cover all)."""
    if not caller.covers(area_code):
        raise forbidden(
            f"{area_code or '未标注地区'}的事项不在您的管辖范围（{caller.area}）内",
            f"area {area_code or 'unset'} is outside your area {caller.area}",
        )


def own(caller: Principal, person: str, what_zh: str, what_en: str) -> None:
    """Refuse a caller who is not `person`."""
    if caller.sub != person:
        raise forbidden(f"只能{what_zh}", f"only {what_en}")


def may_read_case(caller: Principal, case: Case) -> None:
    """The submitter, a member it is for, staff of its area, or a unit it was given or offered."""
    if caller.sub == case.submitted_by or caller.sub in case.members:
        return
    if caller.role in STAFF:
        in_area(caller, case.area_code)
        return
    if caller.role in UNITS and caller.department is not None:
        if caller.department in (case.unit_code, *case.offered_to, *case.co_units):
            return
        raise forbidden(
            "该事项未交办给您的单位", f"the case is not assigned to {caller.department}"
        )
    raise forbidden(
        "只能查看自己提交或涉及自己的事项", "you may read only your cases and those for you"
    )


def area_scope(caller: Principal, area: str | None) -> str | None:
    """The area prefix a listing is limited to (in SQL): the one asked for, within the caller's."""
    if area is None:
        return area_prefix(caller.area) if caller.area else None
    asked = area_prefix(area.ljust(6, "0"))
    if caller.area and not asked.startswith(area_prefix(caller.area)):
        raise forbidden(
            f"地区 {area} 不在您的管辖范围（{caller.area}）内",
            f"area {area} is outside your area {caller.area}",
        )
    return asked
