"""What the statistics count, as the seed reports them (187 submitted, 178 closed, …).

The counting itself is done by the database (`adapters/stats.py`); these are its definitions.
"""

from __future__ import annotations

from gonghui.proposals.domain.model import Action, CaseStatus

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
"""Time spent in a status counts towards this step; a case in it is at this step."""

FINAL_STEP = {
    CaseStatus.CLOSED: "closed",
    CaseStatus.REJECTED: "rejected",
    CaseStatus.MERGED: "merged",
}
"""Where a case that left the loop stands."""

ACCEPTING = frozenset({Action.ACCEPT, Action.OFFER})
"""A case counts as accepted (立案) once it was accepted or offered for claiming."""

BREAKDOWNS = ("area", "unit", "kind", "period")
"""What `/stats` can break its figures down by (`period` = month of submission, +08:00)."""


def cases_by_step(by_status: dict[str, int]) -> dict[str, int]:
    """Case counts per status, summed per step of the loop (or final state)."""
    steps: dict[str, int] = {}
    for status, count in by_status.items():
        step = {**STEP_OF_STATUS, **FINAL_STEP}[CaseStatus(status)]
        steps[step] = steps.get(step, 0) + count
    return steps
