"""Reading and writing cases; repositories never commit."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.proposals.adapters.orm import ProposalRow
from gonghui.proposals.domain.model import CaseKind, CaseStatus, Proposal


class ProposalRepository:
    """Cases by id."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, proposal_id: str) -> Proposal | None:
        """A case by its id."""
        row = await self._session.get(ProposalRow, proposal_id)
        if row is None:
            return None
        return Proposal(
            id=row.id,
            kind=CaseKind(row.kind),
            title=row.title,
            body=row.body,
            area_code=row.area_code,
            submitted_by=row.submitted_by,
            submitted_at=row.submitted_at,
            status=CaseStatus(row.status),
        )

    def add(self, proposal: Proposal) -> None:
        """Store a new case."""
        values = asdict(proposal)
        self._session.add(ProposalRow(**{**values, "kind": proposal.kind.value, "status": proposal.status.value}))
