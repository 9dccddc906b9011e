"""The union's desk (审议督查): what the review group and the supervisors have to do, and may do.

The review group takes a case on or turns it down (小组审议), gives it to a unit (交办) or
re-assigns it (改派); a supervisor verifies a unit's result or sends it back (执行督查). The moves
offered are those the proposals service allows from the case's status; it judges them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from gonghui.front.views.cases import Names
from gonghui.front.views.work import WorkItem, by_urgency, queue_item
from gonghui.shared.auth import Role

DESK_ROLES = (Role.REVIEWER, Role.SUPERVISOR)

MOVES: dict[Role, dict[str, list[str]]] = {
    Role.REVIEWER: {
        "submitted": ["accept", "return", "reject", "merge", "offer"],
        "accepted": ["assign", "offer", "merge"],
        "offered": ["merge"],
        "assigned": ["assign"],
        "in_progress": ["assign"],
    },
    Role.SUPERVISOR: {"completed": ["verify", "send-back"]},
}
"""What each role may do from each status (the proposals service's rules for its moves)."""

TO_DO: dict[Role, tuple[str, ...]] = {
    Role.REVIEWER: ("submitted", "accepted"),
    Role.SUPERVISOR: ("completed",),
}
"""The statuses that wait on the role: the rest of the open cases are followed, not waited on."""

OPEN = ("submitted", "returned", "accepted", "offered", "assigned", "in_progress", "completed")

MOVE_LABELS = {
    "accept": "立案",
    "return": "退回补充",
    "reject": "不予立案",
    "merge": "并案",
    "offer": "零距离派单",
    "assign": "交办",
    "verify": "督查通过",
    "send-back": "退回重办",
}

DESK_TITLES = {Role.REVIEWER: "小组审议", Role.SUPERVISOR: "执行督查"}


def moves_for(case: Mapping[str, Any], role: Role) -> list[str]:
    """What `role` may do to the case now."""
    return list(MOVES.get(role, {}).get(str(case["status"]), []))


def move_label(move: str, case: Mapping[str, Any]) -> str:
    """A move's name; giving a case that has a unit to another one is 改派."""
    if move == "assign" and case.get("unit_code"):
        return "改派"
    return MOVE_LABELS[move]


def desk_item(case: Mapping[str, Any], *, role: Role, names: Names, now: datetime) -> WorkItem:
    """A case as a line of the desk: waiting on the role, or followed while it is open."""
    return queue_item(
        case,
        names=names,
        now=now,
        actions=moves_for(case, role),
        done=str(case["status"]) not in TO_DO.get(role, ()),
    )


def desk_queue(
    cases: Iterable[Mapping[str, Any]], *, role: Role, names: Names, now: datetime
) -> list[WorkItem]:
    """What waits on the role first (overdue, urgent, soonest due), then what is followed."""
    return by_urgency(desk_item(c, role=role, names=names, now=now) for c in cases)


def move_body(move: str, form: Any) -> dict[str, Any]:
    """The proposals API's request body for a move, from the desk's form (empty fields left out)."""

    def text(name: str) -> str:
        return str(form.get(name) or "").strip()

    def codes(name: str) -> list[str]:
        return [str(code) for code in form.getlist(name) if code]

    body: dict[str, Any] = {}
    fields = {
        "accept": ("note", "responsible_person"),
        "return": ("reason",),
        "reject": ("reason",),
        "merge": ("into", "note"),
        "offer": ("note",),
        "assign": ("unit_code", "note"),
        "verify": ("note",),
        "send-back": ("reason",),
    }[move]
    for name in fields:
        if value := text(name):
            body[name] = value
    if move == "offer" and (units := codes("unit_codes")):
        body["unit_codes"] = units
    if move == "assign" and (units := codes("co_unit_codes")):
        body["co_unit_codes"] = units
    return body
