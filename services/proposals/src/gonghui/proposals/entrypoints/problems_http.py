"""HTTP routes for workers taking part: raise a problem, follow the case, rate its outcome."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application import problems as work
from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.proposals.domain.problems import Problem, ProblemStatus
from gonghui.proposals.entrypoints.access import (
    STAFF,
    WORKERS,
    ProblemReader,
    Representative,
    Worker,
    area_scope,
    forbidden,
    in_area,
)
from gonghui.proposals.entrypoints.http import ProposalOut, Reason
from gonghui.shared.auth import Principal, Role
from gonghui.shared.clock import LocalTime


class ProblemOut(BaseModel):
    """A problem a member raised and the representative's answer."""

    id: str
    member_id: str
    representative_id: str
    title: str
    body: str
    category: str | None
    area_code: str | None
    raised_at: LocalTime
    status: str = Field(description="`raised`, `adopted` (a case was opened) or `declined`.")
    status_label: str = Field(description="zh-CN label of the status.")
    answer: str | None = Field(description="The representative's words (why not, or a note).")
    answered_at: LocalTime | None
    proposal_id: str | None = Field(description="The case it became, when adopted.")

    @classmethod
    def of(cls, problem: Problem) -> ProblemOut:
        """The view of a problem."""
        return cls(
            **{**vars(problem), "status": problem.status.value},
            status_label=_STATUS_ZH[problem.status],
        )


class AdoptedOut(BaseModel):
    """The answered problem and the case it became."""

    problem: ProblemOut
    case: ProposalOut


class OutcomeRatingIn(BaseModel):
    """会员评家 of a case's outcome; the caller's token names the member."""

    score: int = Field(ge=1, le=5, description="1 (very unsatisfied) to 5 (very satisfied).")
    comment: str | None = Field(None, max_length=2_000, description="A comment, zh-CN.")


class OutcomeRatedOut(BaseModel):
    """The rating as recorded."""

    proposal_id: str
    member_id: str
    score: int
    low: bool = Field(description="At or below the threshold: supervisors and reviewers are told.")


def problems_router(
    uow_factory: Callable[[], ProposalsUnitOfWork],
    policy: DeadlinePolicy,
    *,
    low_satisfaction_threshold: int,
) -> APIRouter:
    """Routes for members' problems and outcome ratings."""
    router = APIRouter()

    def may_read(caller: Principal, problem: Problem) -> None:
        if caller.sub in (problem.member_id, problem.representative_id):
            return
        if caller.role in STAFF:
            in_area(caller, problem.area_code)
            return
        raise forbidden("只能查看自己反映或收到的问题", "only problems you raised or received")

    @router.post(
        "/problems",
        status_code=status.HTTP_201_CREATED,
        tags=["problems"],
        summary="A member raises a problem to their representative",
    )
    async def raise_problem(cmd: work.ProblemIn, caller: Worker) -> ProblemOut:
        if cmd.representative_id == caller.sub:
            raise forbidden("不能向自己反映问题", "you cannot raise a problem to yourself")
        return ProblemOut.of(await work.raise_problem(cmd, member_id=caller.sub, uow=uow_factory()))

    @router.get("/problems", tags=["problems"], summary="Problems, newest first")
    async def problems(
        caller: ProblemReader,
        status_: ProblemStatus | None = Query(None, alias="status"),
        area: str | None = Query(
            None, pattern=r"^\d{2,6}$", description="An area code or its leading digits."
        ),
        limit: int = Query(100, ge=1, le=1000),
    ) -> dict[str, list[ProblemOut]]:
        member = caller.sub if caller.role in WORKERS else None
        representative = caller.sub if caller.role is Role.REPRESENTATIVE else None
        scope = area_scope(caller, area) if caller.role in STAFF else area
        async with uow_factory() as uow:
            found = await uow.problems.listing(
                member_id=member,
                representative_id=representative,
                status=status_.value if status_ else None,
                area_prefix=scope,
                limit=limit,
            )
        return {"items": [ProblemOut.of(p) for p in found]}

    @router.get("/problems/{problem_id}", tags=["problems"], summary="A problem and its answer")
    async def problem(problem_id: str, caller: ProblemReader) -> ProblemOut:
        async with uow_factory() as uow:
            found = await work.get_problem(uow, problem_id)
        may_read(caller, found)
        return ProblemOut.of(found)

    @router.post(
        "/problems/{problem_id}/adopt",
        status_code=status.HTTP_201_CREATED,
        tags=["problems"],
        summary="The representative takes it up as a case the member follows (立项)",
    )
    async def adopt(problem_id: str, cmd: work.Adoption, caller: Representative) -> AdoptedOut:
        area = cmd.area_code
        if area is None:
            async with uow_factory() as uow:
                area = (await work.get_problem(uow, problem_id)).area_code
        if area is not None:
            in_area(caller, area)
        problem, case = await work.adopt_problem(
            problem_id, cmd, by=caller.sub, uow=uow_factory(), policy=policy
        )
        return AdoptedOut(problem=ProblemOut.of(problem), case=ProposalOut.of(case))

    @router.post(
        "/problems/{problem_id}/decline",
        tags=["problems"],
        summary="The representative answers why it is not taken up",
    )
    async def decline(problem_id: str, cmd: Reason, caller: Representative) -> ProblemOut:
        return ProblemOut.of(
            await work.decline_problem(
                problem_id, by=caller.sub, reason=cmd.reason, uow=uow_factory()
            )
        )

    @router.post(
        "/proposals/{proposal_id}/outcome-rating",
        status_code=status.HTTP_201_CREATED,
        tags=["proposals"],
        summary="A member the case is for rates its outcome (会员评家), once",
    )
    async def rate_outcome(
        proposal_id: str, cmd: OutcomeRatingIn, caller: Worker
    ) -> OutcomeRatedOut:
        low = await work.rate_outcome(
            proposal_id,
            member_id=caller.sub,
            score=cmd.score,
            comment=cmd.comment,
            threshold=low_satisfaction_threshold,
            uow=uow_factory(),
        )
        return OutcomeRatedOut(
            proposal_id=proposal_id, member_id=caller.sub, score=cmd.score, low=low
        )

    return router


_STATUS_ZH = {
    ProblemStatus.RAISED: "待代表答复",
    ProblemStatus.ADOPTED: "已立项",
    ProblemStatus.DECLINED: "不予立项",
}
