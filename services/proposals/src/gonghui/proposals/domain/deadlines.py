"""How long each step of each kind of case may take (configurable; these are the defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gonghui.proposals.domain.model import CaseKind, DeadlineStep

H = timedelta(hours=1)
D = timedelta(days=1)

DEFAULT_DEADLINES: dict[CaseKind, dict[DeadlineStep, timedelta]] = {
    CaseKind.PROPOSAL: {
        DeadlineStep.REVIEW: 7 * D,
        DeadlineStep.ACCEPTANCE: 3 * D,
        DeadlineStep.HANDLING: 30 * D,
        DeadlineStep.SUPERVISION: 7 * D,
        DeadlineStep.CLOSURE: 60 * D,
    },
    CaseKind.ISSUE: {
        DeadlineStep.REVIEW: 3 * D,
        DeadlineStep.ACCEPTANCE: 2 * D,
        DeadlineStep.HANDLING: 15 * D,
        DeadlineStep.SUPERVISION: 3 * D,
        DeadlineStep.CLOSURE: 30 * D,
    },
    CaseKind.ZERO_DISTANCE: {
        DeadlineStep.REVIEW: 4 * H,
        DeadlineStep.CLAIM: 12 * H,
        DeadlineStep.ACCEPTANCE: 4 * H,
        DeadlineStep.HANDLING: 7 * D,
        DeadlineStep.SUPERVISION: 2 * D,
        DeadlineStep.CLOSURE: 14 * D,
    },
    # 12351 green channel: accepted within 2 hours, closed within 3 days.
    CaseKind.HOTLINE: {
        DeadlineStep.REVIEW: 2 * H,
        DeadlineStep.ACCEPTANCE: 2 * H,
        DeadlineStep.HANDLING: 2 * D,
        DeadlineStep.SUPERVISION: 12 * H,
        DeadlineStep.CLOSURE: 3 * D,
    },
    CaseKind.PRACTICAL_PROJECT: {
        DeadlineStep.REVIEW: 14 * D,
        DeadlineStep.ACCEPTANCE: 7 * D,
        DeadlineStep.HANDLING: 180 * D,
        DeadlineStep.SUPERVISION: 14 * D,
        DeadlineStep.CLOSURE: 365 * D,
    },
}


@dataclass(frozen=True)
class DeadlinePolicy:
    """Deadlines per kind and step; a step without one has no deadline."""

    spans: Mapping[CaseKind, Mapping[DeadlineStep, timedelta]] = field(
        default_factory=lambda: DEFAULT_DEADLINES
    )

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, Mapping[str, timedelta]]) -> DeadlinePolicy:
        """The defaults, with some (kind, step) spans replaced."""
        spans = {kind: dict(steps) for kind, steps in DEFAULT_DEADLINES.items()}
        for kind, steps in overrides.items():
            for step, span in steps.items():
                spans[CaseKind(kind)][DeadlineStep(step)] = span
        return cls(spans)

    def span(self, kind: CaseKind, step: DeadlineStep) -> timedelta | None:
        """How long `step` may take for `kind`, or None."""
        return self.spans.get(kind, {}).get(step)


@dataclass(frozen=True)
class Deadline:
    """One running or finished deadline of a case's step."""

    id: int
    proposal_id: str
    step: DeadlineStep
    started_at: datetime
    due_at: datetime
    ended_at: datetime | None = None
    escalated_at: datetime | None = None

    def state(self, now: datetime) -> str:
        """`running`, `overdue` (running, past due), `met` or `late` (ended after due)."""
        if self.ended_at is None:
            return "overdue" if now >= self.due_at else "running"
        return "met" if self.ended_at <= self.due_at else "late"
