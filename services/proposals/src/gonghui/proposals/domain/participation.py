"""职工事大家议, 会员评家, 重点联系人员 and 履职记录: the representatives' work around the cases."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gonghui.proposals.domain.model import InvalidTransition
from gonghui.shared.clock import SHANGHAI
from gonghui.shared.contracts.common import mask_phone


@dataclass
class Discussion:
    """职工事大家议: an issue open for comments and support until reviewers convert it."""

    id: str
    title: str
    body: str
    category: str | None
    area_code: str | None
    opened_by: str
    opened_at: datetime
    status: str = "open"
    support_count: int = 0
    proposal_id: str | None = None

    def require_open(self) -> None:
        """Comments, supports and conversion need an open discussion."""
        if self.status != "open":
            raise InvalidTransition(
                f"议题已转为提案 {self.proposal_id}，不再接受操作 (discussion is {self.status})"
            )

    def convert(self, proposal_id: str) -> None:
        """A reviewer turns the discussion into a proposal."""
        self.require_open()
        self.status = "converted"
        self.proposal_id = proposal_id


def rating_period(at: datetime) -> str:
    """会员评家 runs by calendar quarter in Asia/Shanghai, e.g. `2026-Q4`."""
    local = at.astimezone(SHANGHAI)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def mask_name(name: str) -> str:
    """张** : keep the family name only."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_address(address: str | None) -> str | None:
    """Keep the first six characters (the district), hide the rest."""
    if address is None:
        return None
    return address[:6] + "****" if len(address) > 6 else "****"


@dataclass(frozen=True)
class KeyContact:
    """重点联系人员: a vulnerable worker a representative keeps in touch with."""

    id: str
    name: str
    phone: str | None
    address: str | None
    situation: str | None
    area_code: str | None
    representative_id: str
    created_at: datetime
    visits: int = 0
    last_visit_at: datetime | None = None

    def masked(self) -> KeyContact:
        """What anyone without an allowed role sees (DESIGN §8)."""
        return replace(
            self,
            name=mask_name(self.name),
            phone=mask_phone(self.phone) if self.phone else None,
            address=mask_address(self.address),
            situation=None,
        )


class DutyKind(StrEnum):
    """Kinds of representative work recorded automatically."""

    SUBMISSION = "submission"
    FOLLOW_UP = "follow_up"
    DISCUSSION = "discussion"
    HOME_VISIT = "home_visit"


@dataclass(frozen=True)
class DutyRecord:
    """One thing a representative did, derived from an event."""

    event_id: str
    representative_id: str
    kind: DutyKind
    at: datetime
    ref: str | None
    summary: str


FOLLOW_UP_ACTIONS = {"resubmit": "补充材料", "feedback": "评价办理结果", "reopen": "重新打开事项"}
"""Submitter actions on their own cases that count as follow-up work."""
