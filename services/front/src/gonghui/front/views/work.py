"""A unit's work queue: the cases routed or offered to it, what is due when, what it may do next."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gonghui.front.views.cases import (
    KIND_LABELS,
    Names,
    case_number,
    category_label,
    deadline_views,
)
from gonghui.shared.privacy import mask_text

ACTION_LABELS = {
    "accept": "受理",
    "decline": "退回",
    "progress": "报告进度",
    "complete": "办结",
    "claim": "认领",
}

_DONE = ("completed", "verified", "closed")


@dataclass(frozen=True)
class WorkItem:
    """One case in a unit's queue."""

    id: str
    number: str
    kind_label: str
    title: str
    body: str
    category_label: str
    status: str
    status_label: str
    priority_high: bool
    responsible_person: str
    submitted_by: str
    progress_percent: int
    due_label: str
    due_at: str
    due_words: str
    overdue: bool
    actions: list[str]
    done: bool
    role_label: str


_CO_HANDLING_OPEN = ("assigned", "in_progress", "completed", "verified")


def actions_for(case: Mapping[str, Any], unit_code: str) -> list[str]:
    """What the unit may do now; the same moves its own system could send on its outbox.

    A co-handling unit (协办) makes the same moves on its own part while the case is open.
    """
    status = case["status"]
    if status == "offered" and unit_code in (case.get("offered_to") or []):
        return ["claim"]
    part = next((p for p in case.get("co_handling") or [] if p["unit_code"] == unit_code), None)
    if part is not None:
        if status not in _CO_HANDLING_OPEN:
            return []
        return {
            "assigned": ["accept", "decline"],
            "in_progress": ["progress", "complete", "decline"],
        }.get(part["status"], [])
    if case.get("unit_code") != unit_code:
        return []
    if status == "assigned":
        return ["accept", "decline"]
    if status == "in_progress":
        return ["progress", "complete", "decline"]
    return []


def work_item(case: Mapping[str, Any], *, unit_code: str, names: Names, now: datetime) -> WorkItem:
    """A case of `GET /proposals/{id}` as a line of the unit's queue."""
    actions = actions_for(case, unit_code)
    return queue_item(
        case,
        names=names,
        now=now,
        actions=actions,
        done=not actions and str(case["status"]) in _DONE,
        role_label=_role_label(case, unit_code),
    )


def queue_item(
    case: Mapping[str, Any],
    *,
    names: Names,
    now: datetime,
    actions: list[str],
    done: bool,
    role_label: str = "",
) -> WorkItem:
    """A case of `GET /proposals/{id}` as a line of a queue; its body masked (others' data)."""
    names = names.knowing(case)
    open_deadlines = [
        d
        for d in deadline_views(case.get("deadlines") or [], now=now, only_open=True)
        if d.label != "办结"
    ]
    first = min(open_deadlines, key=lambda d: (not d.overdue, d.due_at), default=None)
    return WorkItem(
        id=str(case["id"]),
        number=case_number(case),
        kind_label=KIND_LABELS.get(str(case["kind"]), str(case["kind"])),
        title=mask_text(str(case["title"])),
        body=mask_text(str(case["body"])),
        category_label=category_label(case.get("category")),
        status=str(case["status"]),
        status_label=str(case.get("status_label") or case["status"]),
        priority_high=case.get("priority") == "high",
        responsible_person=str(case.get("responsible_person") or ""),
        submitted_by=names.person(case["submitted_by"]),
        progress_percent=int(case.get("progress_percent") or 0),
        due_label=f"{first.label}期限" if first else "",
        due_at=first.due_at if first else "",
        due_words=first.words if first else "",
        overdue=any(d.overdue for d in open_deadlines),
        actions=actions,
        done=done,
        role_label=role_label,
    )


def _role_label(case: Mapping[str, Any], unit_code: str) -> str:
    if case.get("unit_code") == unit_code:
        return "主办" if case.get("co_handling") else "承办"
    if any(p["unit_code"] == unit_code for p in case.get("co_handling") or []):
        return "协办"
    return "可认领"


def work_queue(
    cases: Iterable[Mapping[str, Any]], *, unit_code: str, names: Names, now: datetime
) -> list[WorkItem]:
    """The queue: what needs doing first (overdue, then soonest due, urgent first), done last."""
    return by_urgency(work_item(c, unit_code=unit_code, names=names, now=now) for c in cases)


def by_urgency(items: Iterable[WorkItem]) -> list[WorkItem]:
    """What needs doing first: open before done, overdue, then urgent, then the soonest due."""
    return sorted(
        items,
        key=lambda i: (i.done, not i.overdue, not i.priority_high, i.due_at or "9999"),
    )
