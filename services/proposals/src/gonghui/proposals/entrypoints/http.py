"""The HTTP API of the closed loop: submit, review, assign, supervise, give feedback, follow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application import handlers as cases
from gonghui.proposals.application.handlers import Submission, SubmitProposal
from gonghui.proposals.domain.deadlines import Deadline, DeadlinePolicy
from gonghui.proposals.domain.model import (
    CASE_NO,
    Case,
    Transition,
    action_label,
    status_label,
)
from gonghui.proposals.domain.routing import Unit, UnitKind
from gonghui.proposals.entrypoints.access import (
    PEOPLE,
    STAFF,
    UNITS,
    WORKERS,
    Admin,
    CaseReader,
    Claimant,
    DirectoryReader,
    Person,
    Representative,
    Reviewer,
    Staff,
    Supervisor,
    area_scope,
    forbidden,
    in_area,
    may_read_case,
    own,
)
from gonghui.shared.auth import Principal, UserDirectory, area_prefix
from gonghui.shared.clock import SHANGHAI, LocalTime
from gonghui.shared.contracts.proposals import ClaimReport
from gonghui.shared.errors import Conflict
from gonghui.shared.http import NotFound
from gonghui.shared.inputs import RowId

PersonId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:@-]{1,64}$", description="Opaque id.")]

_NOTE = 2_000


class TransitionOut(BaseModel):
    """One step of the timeline: who did what, when."""

    seq: int
    action: str
    action_label: str = Field(description="zh-CN label of the action.")
    step: str
    from_status: str | None
    to_status: str
    actor: str
    at: LocalTime
    at_local: str = Field(description="The time in Asia/Shanghai, for people.")
    note: str | None
    unit_code: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, t: Transition) -> TransitionOut:
        """The view of one transition."""
        return cls(
            seq=t.seq,
            action=t.action.value,
            action_label=action_label(t.action),
            step=t.step.value,
            from_status=t.from_status.value if t.from_status else None,
            to_status=t.to_status.value,
            actor=t.actor,
            at=t.at,
            at_local=t.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            note=t.note,
            unit_code=t.unit_code,
            details=t.details,
        )


class DeadlineOut(BaseModel):
    """A step's deadline and how it went."""

    step: str
    started_at: LocalTime
    due_at: LocalTime
    ended_at: LocalTime | None
    escalated_at: LocalTime | None
    state: str = Field(
        description="`running`, `met`, `late` (met after due) or `overdue` (running, past due)."
    )

    @classmethod
    def of(cls, row: Deadline, now: datetime) -> DeadlineOut:
        """The view of one deadline."""
        return cls(
            step=row.step.value,
            started_at=row.started_at,
            due_at=row.due_at,
            ended_at=row.ended_at,
            escalated_at=row.escalated_at,
            state=row.state(now),
        )


class CoHandlingOut(BaseModel):
    """协办: a co-handling unit's own work item."""

    unit_code: str
    status: str = Field(description="`assigned`, `in_progress`, `completed` or `declined`.")
    progress_percent: int
    result: str | None
    handler: str | None


class OutcomeRatingOut(BaseModel):
    """A member's rating of the outcome."""

    member_id: str
    score: int
    comment: str | None
    at: LocalTime


class ProposalOut(BaseModel):
    """A case as its submitter sees it: where it stands and everything that happened (进度可视)."""

    id: str = Field(description="Internal id (use it in the other routes).")
    case_no: str | None = Field(
        description="Readable number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`."
    )
    kind: str
    title: str
    body: str
    category: str | None
    area_code: str | None
    submitted_by: str
    submitted_at: LocalTime
    status: str
    status_label: str = Field(description="zh-CN label of the status.")
    priority: str
    unit_code: str | None
    claimed_by: str | None
    offered_to: list[str]
    responsible_person: str | None
    handler: str | None
    progress_percent: int
    milestones: list[str]
    result: str | None
    merged_into: str | None
    reopened: bool
    satisfaction: int | None
    feedback_comment: str | None
    discussion_id: str | None
    members: list[str] = Field(description="Opaque ids of the members the case is for.")
    co_handling: list[CoHandlingOut] = Field(
        description="协办: each co-handling unit's own work item and its progress."
    )
    timeline: list[TransitionOut]
    deadlines: list[DeadlineOut]
    outcome_ratings: list[OutcomeRatingOut] = Field(
        default_factory=list,
        description="会员评家 of the outcome by the members (on the single-case answers).",
    )
    names: dict[str, str] = Field(
        default_factory=dict,
        description="Names of the people this case mentions, by id, so whoever may read the "
        "case can say who: its submitter and the people on its timeline (a list's items: the "
        "submitter's); representatives' from their registry, staff's from their accounts.",
    )

    @classmethod
    def of(
        cls,
        case: Case,
        deadlines: list[Deadline] | None = None,
        now: datetime | None = None,
        ratings: list[Any] | None = None,
    ) -> ProposalOut:
        """The view of a domain case."""
        return cls(
            id=case.id,
            case_no=case.case_no,
            kind=case.kind.value,
            title=case.title,
            body=case.body,
            category=case.category,
            area_code=case.area_code,
            submitted_by=case.submitted_by,
            submitted_at=case.submitted_at,
            status=case.status.value,
            status_label=status_label(case.status),
            priority=case.priority,
            unit_code=case.unit_code,
            claimed_by=case.claimed_by,
            offered_to=case.offered_to,
            responsible_person=case.responsible_person,
            handler=case.handler,
            progress_percent=case.progress_percent,
            milestones=[
                str(t.details["milestone"]) for t in case.timeline if "milestone" in t.details
            ],
            result=case.result,
            merged_into=case.merged_into,
            reopened=case.reopened,
            satisfaction=case.satisfaction,
            feedback_comment=case.feedback_comment,
            discussion_id=case.discussion_id,
            members=case.members,
            co_handling=[CoHandlingOut(**vars(c)) for c in case.co_handling],
            timeline=[TransitionOut.of(t) for t in case.timeline],
            deadlines=[DeadlineOut.of(d, now) for d in deadlines or []] if now else [],
            outcome_ratings=[OutcomeRatingOut(**r._mapping) for r in ratings or []],
        )


class Note(BaseModel):
    """An optional note; the caller's token names who acts."""

    note: str | None = Field(None, max_length=_NOTE, description="A note for the timeline, zh-CN.")


class Reason(BaseModel):
    """Why (required); the caller's token names who acts."""

    reason: str = Field(min_length=1, max_length=_NOTE, description="Why, zh-CN.")


class Resubmission(Note):
    """More information for a returned case."""

    body: str | None = Field(
        None, min_length=10, max_length=20_000, description="The completed text."
    )


class Acceptance(Note):
    """立案."""

    responsible_person: str | None = Field(
        None, max_length=64, description="Named person responsible."
    )


class Merge(Note):
    """并案."""

    into: str = Field(description="The case this one duplicates.")


class Assignment(Note):
    """交办 / 改派."""

    unit_code: str | None = Field(
        None, description="The lead unit (主办), overriding the routing rules; omit to route."
    )
    co_unit_codes: list[str] | None = Field(
        None,
        max_length=20,
        description="协办: co-handling units, each with its own work item; omit to keep those "
        "named before, `[]` for none.",
    )


class Offer(Note):
    """零距离: offer a report for claiming."""

    unit_codes: list[str] | None = Field(
        None, min_length=1, description="Units to offer it to; omit for every eligible unit."
    )


class Claim(Note):
    """零距离: claim a report for the caller's unit (the token's department)."""

    handler: str | None = Field(
        None, max_length=64, description="Who handles it in the unit; default the caller."
    )


class Feedback(BaseModel):
    """总结反馈."""

    satisfaction: int = Field(ge=1, le=5, description="1 (very unsatisfied) to 5 (very satisfied).")
    comment: str | None = Field(None, max_length=_NOTE, description="A comment, zh-CN.")


class UnitIn(BaseModel):
    """A handling unit."""

    name: str = Field(min_length=2, max_length=120, description="Name, zh-CN.")
    kind: UnitKind = Field(description="department, organisation or legal_service.")
    active: bool = Field(True, description="Whether cases may be routed to it.")
    responsible_person: str | None = Field(
        None,
        max_length=64,
        description="Opaque id of the unit's head (一把手), told personally of urgent cases.",
    )
    responsible_person_name: str | None = Field(
        None, max_length=50, description="The head's display name, zh-CN."
    )


class UnitOut(UnitIn):
    """A handling unit and its code (= its department code on the bus)."""

    code: str


class RepresentativeIn(BaseModel):
    """A member representative as people see them."""

    name: str = Field(min_length=1, max_length=50, description="Display name, zh-CN.")
    area_code: str | None = Field(None, pattern=r"^\d{6}$", description="The area served.")
    active: bool = Field(True, description="Whether members can raise problems to them.")


class RepresentativeOut(BaseModel):
    """A representative: opaque id, display name, area."""

    id: str
    name: str
    area_code: str | None
    active: bool = True


class RuleIn(BaseModel):
    """Cases of this category from this area go to this unit."""

    unit_code: str = Field(description="The unit.")
    category: str | None = Field(None, description="Category; omit for any.")
    area_prefix: str | None = Field(
        None,
        pattern=r"^\d{2,6}$",
        description="Area code prefix (`3304` = all of Jiaxing); omit for any.",
    )


class RuleOut(RuleIn):
    """A routing rule."""

    id: int


def proposals_router(
    uow_factory: Callable[[], ProposalsUnitOfWork],
    policy: DeadlinePolicy,
    accounts: UserDirectory,
) -> APIRouter:
    """Routes for submitting, reviewing, assigning, supervising and following cases."""
    router = APIRouter(prefix="/proposals", tags=["proposals"])

    async def names_of(uow: ProposalsUnitOfWork, ids: set[str]) -> dict[str, str]:
        """Representatives' names from the registry, other staff's from their accounts."""
        return {
            **await accounts.names(ids),
            **await uow.routing.representative_names(ids),
        }

    async def view(case: Case) -> ProposalOut:
        mentioned = {case.submitted_by, *(t.actor for t in case.timeline)}
        async with uow_factory() as uow:
            answer = ProposalOut.of(
                case,
                await uow.deadlines.of(case.id),
                uow.clock.now(),
                await uow.outcome_ratings.of(case.id),
            )
            answer.names = await names_of(uow, mentioned)
            return answer

    async def checked(proposal_id: str, check: Callable[[Case], None]) -> None:
        async with uow_factory() as uow:
            check(await _found(uow, proposal_id))

    async def staff_of_area(proposal_id: str, caller: Principal) -> str:
        await checked(proposal_id, lambda case: in_area(caller, case.area_code))
        return caller.sub

    async def submitter(proposal_id: str, caller: Principal) -> str:
        await checked(
            proposal_id,
            lambda case: own(
                caller, case.submitted_by, "由提交人本人操作", "the submitter may do this"
            ),
        )
        return caller.sub

    @router.post("", status_code=status.HTTP_201_CREATED, summary="Submit a case (线上提交)")
    async def submit(cmd: Submission, caller: Representative) -> ProposalOut:
        if cmd.area_code is not None:
            in_area(caller, cmd.area_code)
        submitted = SubmitProposal(**cmd.model_dump(), submitted_by=caller.sub)
        return await view(await cases.submit_proposal(submitted, uow=uow_factory(), policy=policy))

    @router.get("", summary="Cases, newest first, with their deadlines (without their timelines)")
    async def list_cases(
        caller: CaseReader,
        status_: str | None = Query(None, alias="status"),
        kind: str | None = None,
        unit: str | None = None,
        submitted_by: str | None = None,
        case_no: str | None = Query(
            None, pattern=CASE_NO.pattern, description="A readable case number."
        ),
        area: str | None = Query(
            None,
            pattern=r"^\d{2,6}$",
            description="Only cases of this area (a code or its leading digits), within yours.",
        ),
        limit: int = Query(100, ge=1, le=1000),
    ) -> dict[str, list[ProposalOut]]:
        person = None
        if caller.role in (*PEOPLE, *WORKERS):
            own(caller, submitted_by or caller.sub, "查看自己提交的事项", "your own cases")
            person = caller.sub
        elif caller.role in UNITS:
            if caller.department is None or unit not in (None, caller.department):
                raise forbidden("只能查看交办给本单位的事项", "only your unit's cases")
            unit = caller.department
        scope = area_scope(caller, area) if caller.role in STAFF else area
        async with uow_factory() as uow:
            found = await uow.proposals.search(
                status=status_,
                kind=kind,
                unit=unit,
                submitted_by=submitted_by,
                case_no=case_no,
                area_prefix=scope,
                person=person,
                limit=limit,
            )
            deadlines = await uow.deadlines.of_each([c.id for c in found])
            names = await names_of(uow, {c.submitted_by for c in found})
            now = uow.clock.now()
        items = [ProposalOut.of(c, deadlines[c.id], now) for c in found]
        for item in items:
            if item.submitted_by in names:
                item.names = {item.submitted_by: names[item.submitted_by]}
        return {"items": items}

    @router.get("/by-number/{case_no}", summary="A case by its readable number, with its timeline")
    async def by_number(case_no: str, caller: CaseReader) -> ProposalOut:
        return await get_proposal(case_no, caller)

    @router.get(
        "/{proposal_id}",
        summary="A case (by id or readable number), its full timeline and deadlines (进度可视)",
    )
    async def get_proposal(proposal_id: str, caller: CaseReader) -> ProposalOut:
        async with uow_factory() as uow:
            case = await _found(uow, proposal_id)
            may_read_case(caller, case)
        return await view(case)

    @router.post("/{proposal_id}/resubmit", summary="Answer a return with more information")
    async def resubmit(proposal_id: str, cmd: Resubmission, caller: Person) -> ProposalOut:
        by = await submitter(proposal_id, caller)
        return await view(
            await cases.resubmit(
                proposal_id, by=by, body=cmd.body, note=cmd.note, uow=uow_factory(), policy=policy
            )
        )

    @router.post("/{proposal_id}/accept", summary="Group review: accept (立案)")
    async def accept(proposal_id: str, cmd: Acceptance, caller: Reviewer) -> ProposalOut:
        by = await staff_of_area(proposal_id, caller)
        return await view(
            await cases.accept(
                proposal_id,
                by=by,
                note=cmd.note,
                responsible_person=cmd.responsible_person,
                uow=uow_factory(),
                policy=policy,
            )
        )

    @router.post("/{proposal_id}/reject", summary="Group review: reject with a reason")
    async def reject(proposal_id: str, cmd: Reason, caller: Reviewer) -> ProposalOut:
        by = await staff_of_area(proposal_id, caller)
        return await view(
            await cases.reject(
                proposal_id, by=by, reason=cmd.reason, uow=uow_factory(), policy=policy
            )
        )

    @router.post("/{proposal_id}/return", summary="Group review: return for more information")
    async def return_case(proposal_id: str, cmd: Reason, caller: Reviewer) -> ProposalOut:
        by = await staff_of_area(proposal_id, caller)
        return await view(
            await cases.return_for_information(
                proposal_id, by=by, note=cmd.reason, uow=uow_factory(), policy=policy
            )
        )

    @router.post("/{proposal_id}/merge", summary="Group review: merge as a duplicate (并案)")
    async def merge(proposal_id: str, cmd: Merge, caller: Reviewer) -> ProposalOut:
        by = await staff_of_area(proposal_id, caller)
        await checked(cmd.into, lambda case: in_area(caller, case.area_code))
        return await view(
            await cases.merge(
                proposal_id, into=cmd.into, by=by, note=cmd.note, uow=uow_factory(), policy=policy
            )
        )

    @router.post(
        "/{proposal_id}/assign", summary="Assign or re-assign to a handling unit (交办/改派)"
    )
    async def assign(proposal_id: str, cmd: Assignment, caller: Reviewer) -> ProposalOut:
        by = await staff_of_area(proposal_id, caller)
        return await view(
            await cases.assign(
                proposal_id,
                by=by,
                unit_code=cmd.unit_code,
                note=cmd.note,
                uow=uow_factory(),
                policy=policy,
                co_unit_codes=cmd.co_unit_codes,
            )
        )

    @router.post("/{proposal_id}/offer", summary="Offer a zero-distance report for claiming again")
    async def offer(proposal_id: str, cmd: Offer, caller: Reviewer) -> ProposalOut:
        by = await staff_of_area(proposal_id, caller)
        return await view(
            await cases.offer(
                proposal_id,
                by=by,
                units=cmd.unit_codes,
                note=cmd.note,
                uow=uow_factory(),
                policy=policy,
            )
        )

    @router.post(
        "/{proposal_id}/claim",
        summary="零距离: a person claims an offered report for their unit; the first claim wins",
        responses={409: {"description": "Someone claimed it first (the answer says who)."}},
    )
    async def claim(proposal_id: str, cmd: Claim, caller: Claimant) -> ProposalOut:
        await checked(proposal_id, lambda case: None)
        if caller.department is None:
            raise forbidden(
                "认领须以所在单位名义进行，您的账号未关联单位",
                "a claim is made for a unit; your account names none (--department)",
            )
        won = await cases.claim(
            ClaimReport(proposal_id=proposal_id, handler=cmd.handler or caller.sub, note=cmd.note),
            unit=caller.department,
            by=caller.sub,
            uow=uow_factory(),
            policy=policy,
        )
        async with uow_factory() as uow:
            case = await _found(uow, proposal_id)
        if not won:
            raise Conflict(
                f"该事项已被 {case.claimed_by} 认领 (already claimed by {case.claimed_by})"
            )
        return await view(case)

    @router.post("/{proposal_id}/verify", summary="Supervision: the result is verified (督查通过)")
    async def verify(proposal_id: str, cmd: Note, caller: Supervisor) -> ProposalOut:
        by = await staff_of_area(proposal_id, caller)
        return await view(
            await cases.verify(proposal_id, by=by, note=cmd.note, uow=uow_factory(), policy=policy)
        )

    @router.post("/{proposal_id}/send-back", summary="Supervision: send the result back (退回重办)")
    async def send_back(proposal_id: str, cmd: Reason, caller: Supervisor) -> ProposalOut:
        by = await staff_of_area(proposal_id, caller)
        return await view(
            await cases.send_back(
                proposal_id, by=by, note=cmd.reason, uow=uow_factory(), policy=policy
            )
        )

    @router.post(
        "/{proposal_id}/feedback", summary="The submitter's satisfaction closes the case (总结反馈)"
    )
    async def feedback(proposal_id: str, cmd: Feedback, caller: Person) -> ProposalOut:
        by = await submitter(proposal_id, caller)
        return await view(
            await cases.give_feedback(
                proposal_id,
                by=by,
                satisfaction=cmd.satisfaction,
                comment=cmd.comment,
                uow=uow_factory(),
                policy=policy,
            )
        )

    @router.post("/{proposal_id}/reopen", summary="The submitter reopens the case (once)")
    async def reopen(proposal_id: str, cmd: Reason, caller: Person) -> ProposalOut:
        by = await submitter(proposal_id, caller)
        return await view(
            await cases.reopen(
                proposal_id, by=by, reason=cmd.reason, uow=uow_factory(), policy=policy
            )
        )

    return router


def routing_router(
    uow_factory: Callable[[], ProposalsUnitOfWork], accounts: UserDirectory
) -> APIRouter:
    """Routes for handling units and routing rules."""
    router = APIRouter(tags=["routing"])

    @router.put("/units/{code}", summary="Register or update a handling unit")
    async def put_unit(code: str, unit: UnitIn, caller: Admin) -> UnitOut:
        async with uow_factory() as uow:
            await uow.routing.put_unit(Unit(code=code, **unit.model_dump()))
            await uow.commit()
        return UnitOut(code=code, **unit.model_dump())

    @router.get("/units", summary="Handling units")
    async def units(caller: Staff) -> dict[str, list[UnitOut]]:
        async with uow_factory() as uow:
            found = await uow.routing.units()
        return {"items": [UnitOut(**vars(u)) for u in found]}

    @router.put(
        "/representatives/{representative_id}",
        tags=["representatives"],
        summary="Register or update a representative's display name and area",
    )
    async def put_representative(
        representative_id: PersonId, body: RepresentativeIn, caller: Admin
    ) -> RepresentativeOut:
        if body.area_code is not None:
            in_area(caller, body.area_code)
        async with uow_factory() as uow:
            await uow.routing.put_representative(representative_id, **body.model_dump())
            await uow.commit()
        await accounts.rename(representative_id, body.name)  # their header, once signed in
        return RepresentativeOut(id=representative_id, **body.model_dump())

    @router.get(
        "/representatives",
        tags=["representatives"],
        summary="Representatives a member can raise a problem to, by area",
    )
    async def representatives(
        caller: DirectoryReader,
        area: str | None = Query(
            None, pattern=r"^\d{2,6}$", description="An area code or its leading digits."
        ),
        limit: int = Query(200, ge=1, le=2000),
    ) -> dict[str, list[RepresentativeOut]]:
        prefix = area_prefix(area.ljust(6, "0")) if area else None
        async with uow_factory() as uow:
            found = await uow.routing.representatives(area_prefix=prefix, limit=limit)
        return {
            "items": [RepresentativeOut(id=r.id, name=r.name, area_code=r.area_code) for r in found]
        }

    @router.post(
        "/routing-rules", status_code=status.HTTP_201_CREATED, summary="Add a routing rule"
    )
    async def add_rule(rule: RuleIn, caller: Admin) -> RuleOut:
        async with uow_factory() as uow:
            if await uow.routing.unit(rule.unit_code) is None:
                raise NotFound(f"no unit {rule.unit_code}; PUT /units/{rule.unit_code} first")
            added = await uow.routing.add_rule(
                unit_code=rule.unit_code, category=rule.category, area_prefix=rule.area_prefix
            )
            await uow.commit()
        return RuleOut(
            id=added.id,
            unit_code=added.unit_code,
            category=added.category,
            area_prefix=added.area_prefix,
        )

    @router.get("/routing-rules", summary="Routing rules")
    async def rules(caller: Staff) -> dict[str, list[RuleOut]]:
        async with uow_factory() as uow:
            found = await uow.routing.rules()
        return {
            "items": [
                RuleOut(
                    id=r.id, unit_code=r.unit_code, category=r.category, area_prefix=r.area_prefix
                )
                for r in found
            ]
        }

    @router.delete(
        "/routing-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a rule"
    )
    async def delete_rule(rule_id: RowId, caller: Admin) -> None:
        async with uow_factory() as uow:
            if not await uow.routing.delete_rule(rule_id):
                raise NotFound(f"no routing rule {rule_id}")
            await uow.commit()

    return router


async def _found(uow: ProposalsUnitOfWork, proposal_id: str) -> Case:
    return await cases.get_case(uow, proposal_id)
