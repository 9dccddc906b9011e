"""Workers take part: a member raises a problem, the representative answers, members rate."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application.handlers import (
    SubmitProposal,
    case_facts,
    get_case,
    submit_proposal,
)
from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.proposals.domain.model import Case, InvalidTransition
from gonghui.proposals.domain.problems import Problem, require_rateable
from gonghui.shared.contracts.proposals import (
    CaseKind,
    ProblemAnswered,
    ProblemRaised,
    ProposalLowSatisfaction,
    ProposalOutcomeRated,
)
from gonghui.shared.envelope import new_event_id
from gonghui.shared.errors import NotFound
from gonghui.shared.privacy import mask_text

Category = Field(None, pattern=r"^[a-z][a-z0-9_-]{1,49}$", description="Topic used for routing.")
Area = Field(None, pattern=r"^\d{6}$", description="Six-digit administrative area.")


class ProblemNotFound(NotFound):
    """No problem with this id."""


class ProblemIn(BaseModel):
    """A problem a member raises; over HTTP the member is the caller."""

    representative_id: str = Field(
        min_length=1, max_length=64, description="The representative to raise it to."
    )
    title: str = Field(min_length=4, max_length=200, description="Short title, zh-CN.")
    body: str = Field(min_length=10, max_length=20_000, description="What the problem is.")
    category: str | None = Category
    area_code: str | None = Area


class Adoption(BaseModel):
    """The representative takes the problem up as a case; anything omitted comes from it."""

    kind: CaseKind = Field(CaseKind.ISSUE, description="Kind of case it becomes.")
    title: str | None = Field(None, min_length=4, max_length=200, description="Title, zh-CN.")
    body: str | None = Field(None, min_length=10, max_length=20_000, description="Text, zh-CN.")
    category: str | None = Category
    area_code: str | None = Area
    note: str | None = Field(None, max_length=2_000, description="A word to the member, zh-CN.")


async def raise_problem(cmd: ProblemIn, *, member_id: str, uow: ProposalsUnitOfWork) -> Problem:
    """A member raises a problem to their representative; the representative is told."""
    async with uow:
        problem = Problem(
            id=new_event_id(),
            member_id=member_id,
            raised_at=uow.clock.now(),
            **cmd.model_dump(),
        )
        uow.problems.add(problem)
        uow.emit(
            ProblemRaised(
                problem_id=problem.id,
                member_id=member_id,
                representative_id=problem.representative_id,
                title=mask_text(problem.title),
                category=problem.category,
                area_code=problem.area_code,
                raised_at=problem.raised_at,
            ),
            subject=problem.id,
            correlationid=problem.id,
        )
        await uow.commit()
        return problem


async def get_problem(uow: ProposalsUnitOfWork, problem_id: str) -> Problem:
    """A problem, or ProblemNotFound."""
    problem = await uow.problems.get(problem_id)
    if problem is None:
        raise ProblemNotFound(f"no problem {problem_id}")
    return problem


async def adopt_problem(
    problem_id: str,
    cmd: Adoption,
    *,
    by: str,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
) -> tuple[Problem, Case]:
    """立项: the representative submits a case for the member, who follows it from then on."""
    async with uow:
        problem = await get_problem(uow, problem_id)
        problem.adopt(by=by, proposal_id="", at=uow.clock.now(), note=cmd.note)
        case = await submit_proposal(
            SubmitProposal(
                kind=cmd.kind,
                title=cmd.title or problem.title,
                body=cmd.body or problem.body,
                category=cmd.category or problem.category,
                area_code=cmd.area_code or problem.area_code,
                submitted_by=by,
                members=[problem.member_id],
            ),
            uow=uow,
            policy=policy,
            note=cmd.note or "由会员反映的问题立项",
        )
        problem.proposal_id = case.id
        await _answer(uow, problem, case_no=case.case_no)
        await uow.commit()
        return problem, case


async def decline_problem(
    problem_id: str, *, by: str, reason: str, uow: ProposalsUnitOfWork
) -> Problem:
    """The representative answers why the problem is not taken up; the member is told."""
    async with uow:
        problem = await get_problem(uow, problem_id)
        problem.decline(by=by, reason=reason, at=uow.clock.now())
        await _answer(uow, problem, case_no=None)
        await uow.commit()
        return problem


async def _answer(uow: ProposalsUnitOfWork, problem: Problem, *, case_no: str | None) -> None:
    if not await uow.problems.save_answer(problem):
        raise InvalidTransition("该问题刚被答复 (the problem was answered meanwhile)")
    assert problem.answered_at is not None
    uow.emit(
        ProblemAnswered(
            problem_id=problem.id,
            member_id=problem.member_id,
            representative_id=problem.representative_id,
            title=mask_text(problem.title),
            outcome=problem.status.value,
            answer=mask_text(problem.answer) if problem.answer else None,
            proposal_id=problem.proposal_id,
            case_no=case_no,
            area_code=problem.area_code,
            at=problem.answered_at,
        ),
        subject=problem.id,
        correlationid=problem.proposal_id or problem.id,
    )


async def rate_outcome(
    proposal_id: str,
    *,
    member_id: str,
    score: int,
    comment: str | None,
    threshold: int,
    uow: ProposalsUnitOfWork,
) -> bool:
    """会员评家 of the outcome, once per member; True if flagged as low satisfaction."""
    async with uow:
        case = await get_case(uow, proposal_id)
        require_rateable(case, member_id)
        if not 1 <= score <= 5:
            raise InvalidTransition("评分须为 1-5 (score must be 1-5)")
        now = uow.clock.now()
        added = await uow.outcome_ratings.add(
            proposal_id=case.id, member_id=member_id, score=score, comment=comment, at=now
        )
        if not added:
            raise InvalidTransition("您已评价过该事项的办理结果 (one rating per member and case)")
        low = score <= threshold
        fields = {
            **await case_facts(uow, case),
            "proposal_id": case.id,
            "kind": case.kind,
            "member_id": member_id,
            "score": score,
            "comment": mask_text(comment) if comment else None,
            "low": low,
            "threshold": threshold,
            "unit_code": case.unit_code,
            "submitted_by": case.submitted_by,
            "at": now,
        }
        uow.emit(ProposalOutcomeRated(**fields), subject=case.id, correlationid=case.id)
        if low:
            uow.emit(ProposalLowSatisfaction(**fields), subject=case.id, correlationid=case.id)
        await uow.commit()
        return low
