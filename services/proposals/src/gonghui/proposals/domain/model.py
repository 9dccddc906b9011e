"""A case a representative brings, and where it stands in the five-step loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gonghui.shared.contracts.proposals import CaseKind


class CaseStatus(StrEnum):
    """线上提交—小组审议—办理落实—执行督查—总结反馈."""

    SUBMITTED = "submitted"


@dataclass
class Proposal:
    """A proposal, issue, zero-distance report, hotline case or practical project."""

    id: str
    kind: CaseKind
    title: str
    body: str
    area_code: str | None
    submitted_by: str
    submitted_at: datetime
    status: CaseStatus = CaseStatus.SUBMITTED
