"""Statistics of the closed loop, as the seed reports them (187 submitted, 178 closed, …)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from gonghui.proposals.domain.deadlines import Deadline
from gonghui.proposals.domain.model import Action, Case, CaseStatus, DeadlineStep
from gonghui.shared.clock import SHANGHAI

STEP_OF_STATUS = {
    CaseStatus.SUBMITTED: "review",
    CaseStatus.RETURNED: "review",
    CaseStatus.ACCEPTED: "assignment",
    CaseStatus.OFFERED: "assignment",
    CaseStatus.ASSIGNED: "assignment",
    CaseStatus.IN_PROGRESS: "handling",
    CaseStatus.COMPLETED: "supervision",
    CaseStatus.VERIFIED: "feedback",
}
"""Time spent in a status counts towards this step."""

ACCEPTING = frozenset({Action.ACCEPT, Action.OFFER})

GROUPINGS: dict[str, Callable[[Case], str]] = {
    "area": lambda c: c.area_code or "unknown",
    "unit": lambda c: c.unit_code or "unassigned",
    "kind": lambda c: c.kind.value,
    "period": lambda c: c.submitted_at.astimezone(SHANGHAI).strftime("%Y-%m"),
}


@dataclass
class Figures:
    """Submitted, accepted, closed, the rates and the average hours per step of a set of cases."""

    submitted: int = 0
    accepted: int = 0
    closed: int = 0
    closed_on_time: int = 0
    closed_with_deadline: int = 0
    _step_hours: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, case: Case, deadlines: list[Deadline]) -> None:
        """Count one case in."""
        self.submitted += 1
        if any(t.action in ACCEPTING for t in case.timeline):
            self.accepted += 1
        if case.status is CaseStatus.CLOSED:
            self.closed += 1
            closure = [d for d in deadlines if d.step is DeadlineStep.CLOSURE and d.ended_at]
            if closure:
                self.closed_with_deadline += 1
                self.closed_on_time += closure[-1].state(closure[-1].ended_at) == "met"  # type: ignore[arg-type]
        spent: dict[str, float] = defaultdict(float)
        for before, after in zip(case.timeline, case.timeline[1:], strict=False):
            step = STEP_OF_STATUS.get(before.to_status)
            if step is not None:
                spent[step] += (after.at - before.at).total_seconds() / 3600
        for step, hours in spent.items():
            self._step_hours[step].append(hours)

    def as_dict(self) -> dict[str, object]:
        """The figures, rates rounded to 0.001 and hours to 0.1."""
        return {
            "submitted": self.submitted,
            "accepted": self.accepted,
            "closed": self.closed,
            "closure_rate": _rate(self.closed, self.accepted),
            "on_time_rate": _rate(self.closed_on_time, self.closed_with_deadline),
            "avg_hours_per_step": {
                step: round(sum(hours) / len(hours), 1)
                for step, hours in sorted(self._step_hours.items())
            },
        }


def statistics(
    cases: Iterable[Case], deadlines: dict[str, list[Deadline]], *, by: list[str]
) -> dict[str, object]:
    """Totals and, for each grouping asked for, the same figures per group."""
    total = Figures()
    groups: dict[str, dict[str, Figures]] = {name: defaultdict(Figures) for name in by}
    for case in cases:
        own = deadlines.get(case.id, [])
        total.add(case, own)
        for name in by:
            groups[name][GROUPINGS[name](case)].add(case, own)
    return {
        "total": total.as_dict(),
        "by": {
            name: {key: figures.as_dict() for key, figures in sorted(found.items())}
            for name, found in groups.items()
        },
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
