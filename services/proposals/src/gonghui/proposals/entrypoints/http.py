"""The HTTP API of the proposals service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application.handlers import SubmitProposal, submit_proposal
from gonghui.proposals.domain.model import Proposal
from gonghui.shared.http import NotFound


class ProposalOut(BaseModel):
    """A case as its submitter sees it."""

    id: str
    kind: str
    title: str
    body: str
    area_code: str | None
    submitted_by: str
    submitted_at: datetime
    status: str

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalOut:
        """The view of a domain case."""
        return cls(
            id=proposal.id,
            kind=proposal.kind.value,
            title=proposal.title,
            body=proposal.body,
            area_code=proposal.area_code,
            submitted_by=proposal.submitted_by,
            submitted_at=proposal.submitted_at,
            status=proposal.status.value,
        )


def proposals_router(uow_factory: Callable[[], ProposalsUnitOfWork]) -> APIRouter:
    """Routes for submitting and following cases."""
    router = APIRouter(prefix="/proposals", tags=["proposals"])

    @router.post("", status_code=status.HTTP_201_CREATED, summary="Submit a case (线上提交)")
    async def submit(cmd: SubmitProposal) -> ProposalOut:
        return ProposalOut.of(await submit_proposal(cmd, uow=uow_factory()))

    @router.get("/{proposal_id}", summary="A case and where it stands")
    async def get_proposal(proposal_id: str) -> ProposalOut:
        async with uow_factory() as uow:
            proposal = await uow.proposals.get(proposal_id)
        if proposal is None:
            raise NotFound(f"no case {proposal_id}")
        return ProposalOut.of(proposal)

    return router
