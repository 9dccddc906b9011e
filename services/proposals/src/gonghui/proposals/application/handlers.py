"""Use cases: what representatives, reviewers and departments do with cases."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.domain.model import Proposal
from gonghui.shared.contracts.proposals import CaseKind, ProposalSubmitted
from gonghui.shared.envelope import new_event_id


class SubmitProposal(BaseModel):
    """线上提交: a representative submits a case."""

    kind: CaseKind = Field(CaseKind.PROPOSAL, description="Kind of case.")
    title: str = Field(min_length=4, max_length=200, description="Short title, zh-CN.")
    body: str = Field(min_length=10, max_length=20_000, description="What the problem is and what is asked.")
    area_code: str | None = Field(None, pattern=r"^\d{6}$", description="Six-digit administrative area.")
    submitted_by: str = Field(min_length=1, max_length=64, description="Opaque id of the representative.")


async def submit_proposal(cmd: SubmitProposal, *, uow: ProposalsUnitOfWork) -> Proposal:
    """Record a submitted case and announce it to the review group."""
    async with uow:
        proposal = Proposal(
            id=new_event_id(),
            kind=cmd.kind,
            title=cmd.title,
            body=cmd.body,
            area_code=cmd.area_code,
            submitted_by=cmd.submitted_by,
            submitted_at=uow.clock.now(),
        )
        uow.proposals.add(proposal)
        uow.emit(
            ProposalSubmitted(
                proposal_id=proposal.id,
                kind=proposal.kind,
                title=proposal.title,
                area_code=proposal.area_code,
                submitted_by=proposal.submitted_by,
                submitted_at=proposal.submitted_at,
            ),
            subject=proposal.id,
            correlationid=proposal.id,
        )
        await uow.commit()
        return proposal
