"""A member's problem raised to their representative, and the outcome ratings of members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gonghui.proposals.domain.model import Case, CaseStatus, InvalidTransition


class ProblemStatus(StrEnum):
    """Where a raised problem stands."""

    RAISED = "raised"
    """Waiting for the representative."""
    ADOPTED = "adopted"
    """The representative took it up as a case (立项)."""
    DECLINED = "declined"
    """The representative answered why it is not taken up."""


@dataclass
class Problem:
    """云履职 for workers: a member raises a problem to their representative."""

    id: str
    member_id: str
    representative_id: str
    title: str
    body: str
    category: str | None
    area_code: str | None
    raised_at: datetime
    status: ProblemStatus = ProblemStatus.RAISED
    answer: str | None = None
    answered_at: datetime | None = None
    proposal_id: str | None = None

    def adopt(self, *, by: str, proposal_id: str, at: datetime, note: str | None) -> None:
        """The representative takes the problem up as a case the member follows."""
        self._require_open(by)
        self.status = ProblemStatus.ADOPTED
        self.proposal_id = proposal_id
        self.answer = note
        self.answered_at = at

    def decline(self, *, by: str, reason: str, at: datetime) -> None:
        """The representative answers why the problem is not taken up."""
        self._require_open(by)
        if not reason.strip():
            raise InvalidTransition("不予立项须说明理由 (say why it is not taken up)")
        self.status = ProblemStatus.DECLINED
        self.answer = reason
        self.answered_at = at

    def _require_open(self, by: str) -> None:
        if by != self.representative_id:
            raise InvalidTransition(
                "只有收到问题的代表可以答复 (only the representative it was raised to may answer)"
            )
        if self.status is not ProblemStatus.RAISED:
            raise InvalidTransition(
                f"该问题已答复（{self.status.value}） (the problem was already answered)"
            )


RATEABLE = frozenset({CaseStatus.COMPLETED, CaseStatus.VERIFIED, CaseStatus.CLOSED})
"""A case's outcome can be rated once its unit has reported a result."""


def require_rateable(case: Case, member_id: str) -> None:
    """会员评家 of an outcome: a member the case is for, once there is a result."""
    if member_id not in case.members:
        raise InvalidTransition(
            "只有该事项涉及的会员可以评价办理结果 (only the members the case is for may rate it)"
        )
    if case.status not in RATEABLE:
        raise InvalidTransition(
            f"事项尚无办理结果，暂不能评价 (no result to rate yet: {case.status.value})"
        )
