"""Use cases of the closed loop: what representatives, reviewers, supervisors and units do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.proposals.domain.model import (
    CASE_NO,
    DEADLINES_ENDED,
    DEADLINES_OPENED,
    UNKNOWN_AREA,
    Action,
    Case,
    CaseStatus,
    DeadlineStep,
    InvalidTransition,
    Transition,
    case_number,
)
from gonghui.proposals.domain.routing import eligible, route
from gonghui.shared.clock import SHANGHAI
from gonghui.shared.contracts.base import Event
from gonghui.shared.contracts.common import mask_phone
from gonghui.shared.contracts.proposals import (
    AcceptAssignment,
    CaseKind,
    ClaimReport,
    CompleteCase,
    DeclineCase,
    ProposalAssigned,
    ProposalClaimed,
    ProposalOffered,
    ProposalOverdue,
    ProposalSubmitted,
    ProposalTransitioned,
    ProposalWithdrawn,
    ReportProgress,
)
from gonghui.shared.envelope import new_event_id
from gonghui.shared.errors import ChangedMeanwhile, NotFound
from gonghui.shared.privacy import mask_text

SYSTEM = "system"


class CaseNotFound(NotFound):
    """No case with this id or readable number."""


class ConcurrentChange(ChangedMeanwhile):
    """Someone else changed the case at the same moment; try again."""


class Submission(BaseModel):
    """What a case says; over HTTP the submitter is the caller."""

    kind: CaseKind = Field(CaseKind.PROPOSAL, description="Kind of case.")
    title: str = Field(min_length=4, max_length=200, description="Short title, zh-CN.")
    body: str = Field(
        min_length=10, max_length=20_000, description="What the problem is and what is asked."
    )
    area_code: str | None = Field(
        None, pattern=r"^\d{6}$", description="Six-digit administrative area."
    )
    category: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_-]{1,49}$",
        description="Topic used for routing, e.g. `transport`.",
    )
    responsible_person: str | None = Field(
        None,
        max_length=64,
        description="Named person responsible (required for hotline cases by acceptance).",
    )
    key_contact_id: str | None = Field(
        None, max_length=40, description="The key contact concerned, if any."
    )
    members: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=50,
        description="Opaque ids of the members (workers) the case is for: they read its "
        "timeline, are told of its steps and rate its outcome.",
    )


class SubmitProposal(Submission):
    """线上提交: a representative submits a case."""

    submitted_by: str = Field(
        min_length=1, max_length=64, description="Opaque id of the representative."
    )


async def submit_proposal(
    cmd: SubmitProposal,
    *,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
    discussion_id: str | None = None,
    key_contact_phone: str | None = None,
    note: str | None = None,
) -> Case:
    """Record a submitted case; a zero-distance report is offered to every eligible unit at once."""
    async with uow:
        now = uow.clock.now()
        year = now.astimezone(SHANGHAI).year
        area = cmd.area_code or UNKNOWN_AREA
        case = Case.submit(
            id=new_event_id(),
            case_no=case_number(area, year, await uow.proposals.next_number(area, year)),
            kind=cmd.kind,
            title=cmd.title,
            body=cmd.body,
            submitted_by=cmd.submitted_by,
            at=now,
            category=cmd.category,
            area_code=cmd.area_code,
            responsible_person=cmd.responsible_person,
            key_contact_id=cmd.key_contact_id,
            discussion_id=discussion_id,
            note=note,
            members=cmd.members,
        )
        submission = case.new_transitions[0]
        if case.kind is CaseKind.ZERO_DISTANCE:
            units = eligible(
                await uow.routing.rules(), category=case.category, area_code=case.area_code
            )
            if units:
                case.offer(units, by=SYSTEM, at=now, note="零距离事项自动发布给可认领单位")
        transitions = list(case.new_transitions)
        await uow.proposals.add(case)
        uow.emit(
            ProposalSubmitted(
                **await case_facts(uow, case),
                proposal_id=case.id,
                kind=case.kind,
                submitted_by=case.submitted_by,
                submitted_at=submission.at,
                category=case.category,
            ),
            subject=case.id,
            correlationid=case.id,
        )
        await _record(uow, case, transitions, policy)
        if case.status is CaseStatus.OFFERED:
            _send_offers(
                uow,
                case,
                policy,
                now=now,
                key_contact_phone=key_contact_phone,
                facts=await case_facts(uow, case),
            )
        await uow.commit()
        return case


async def get_case(uow: ProposalsUnitOfWork, proposal_id: str) -> Case:
    """A case by id or readable number (`330482-2026-000123`), or CaseNotFound.

    Every move names its case this way, so whatever a person or a page can name a case by is
    enough to act on it (and to merge into it).
    """
    case = await uow.proposals.get(proposal_id)
    if case is None and CASE_NO.match(proposal_id):
        case = await uow.proposals.by_number(proposal_id)
    if case is None:
        raise CaseNotFound(f"no case {proposal_id}")
    return case


# Group review, supervision and feedback (over HTTP)


async def resubmit(
    proposal_id: str,
    *,
    by: str,
    body: str | None,
    note: str | None,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
) -> Case:
    """The submitter answers a return with more information."""
    return await _change(
        uow, proposal_id, policy, lambda c, now: c.resubmit(by=by, at=now, body=body, note=note)
    )


async def accept(
    proposal_id: str,
    *,
    by: str,
    note: str | None,
    responsible_person: str | None,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
) -> Case:
    """立案."""
    return await _change(
        uow,
        proposal_id,
        policy,
        lambda c, now: c.accept(by=by, at=now, note=note, responsible_person=responsible_person),
    )


async def reject(
    proposal_id: str, *, by: str, reason: str, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """不予立案, with the reason."""
    return await _change(
        uow, proposal_id, policy, lambda c, now: c.reject(by=by, at=now, reason=reason)
    )


async def return_for_information(
    proposal_id: str, *, by: str, note: str, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """退回补充: ask the submitter for more information."""
    return await _change(
        uow, proposal_id, policy, lambda c, now: c.return_for_information(by=by, at=now, note=note)
    )


async def merge(
    proposal_id: str,
    *,
    into: str,
    by: str,
    note: str | None,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
) -> Case:
    """并案: a duplicate joins another case."""
    async with uow:
        target = await get_case(uow, into)
        case = await _change(
            uow, proposal_id, policy, lambda c, now: c.merge_into(target, by=by, at=now, note=note)
        )
        await uow.commit()  # `_change` runs inside this scope: its commit is this one's to make
        return case


async def assign(
    proposal_id: str,
    *,
    by: str,
    unit_code: str | None,
    note: str | None,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
    co_unit_codes: list[str] | None = None,
) -> Case:
    """交办 or 改派: to `unit_code` (a reviewer's override) or to where the routing rules say.

    协办: `co_unit_codes` are co-handling units, each with its own work item (None keeps them).
    """
    async with uow:
        case = await get_case(uow, proposal_id)
        override = unit_code is not None
        if unit_code is None:
            unit_code = route(
                await uow.routing.rules(), category=case.category, area_code=case.area_code
            )
            if unit_code is None:
                raise InvalidTransition(
                    f"没有匹配的路由规则，请指定办理单位 (no routing rule matches category "
                    f"{case.category!r} and area {case.area_code!r}; name a unit)"
                )
        for code in [unit_code, *(co_unit_codes or [])]:
            unit = await uow.routing.unit(code)
            if unit is None or not unit.active:
                raise InvalidTransition(f"办理单位 {code} 不存在或已停用 (no active unit {code})")
        previous = (
            case.unit_code if case.status in (CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS) else None
        )
        co_before = set(case.co_units)
        now = uow.clock.now()
        transition = case.assign(
            unit_code, by=by, at=now, note=note, override=override, co_units=co_unit_codes
        )
        await _save(uow, case, [transition], policy)
        facts = await case_facts(uow, case)
        withdrawn = ProposalWithdrawn(**facts, proposal_id=case.id, kind=case.kind, note=note)
        still_working = {case.unit_code, *case.co_units}
        for gone in sorted(({previous} | co_before) - still_working - {None}):
            _to_inbox(uow, gone, case, withdrawn)
        if previous != case.unit_code:
            _send_work(
                uow,
                case,
                policy,
                now=now,
                reason="reassigned" if previous else "assigned",
                note=note,
                facts=facts,
            )
        for code in case.co_units:
            if code not in co_before or code == previous:
                _send_work(
                    uow,
                    case,
                    policy,
                    now=now,
                    reason="co_assigned",
                    note=note,
                    facts=facts,
                    to=code,
                )
        await uow.commit()
        return case


async def offer(
    proposal_id: str,
    *,
    by: str,
    units: list[str] | None,
    note: str | None,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
) -> Case:
    """零距离: offer a report for claiming again, to `units` or to every eligible unit."""
    async with uow:
        case = await get_case(uow, proposal_id)
        if units is None:
            units = eligible(
                await uow.routing.rules(), category=case.category, area_code=case.area_code
            )
        for code in units:
            unit = await uow.routing.unit(code)
            if unit is None or not unit.active:
                raise InvalidTransition(f"办理单位 {code} 不存在或已停用 (no active unit {code})")
        now = uow.clock.now()
        transition = case.offer(units, by=by, at=now, note=note)
        await _save(uow, case, [transition], policy)
        phone = None
        if case.key_contact_id is not None:
            contact = await uow.key_contacts.get(case.key_contact_id)
            phone = contact.phone if contact else None
        _send_offers(
            uow, case, policy, now=now, key_contact_phone=phone, facts=await case_facts(uow, case)
        )
        await uow.commit()
        return case


async def verify(
    proposal_id: str, *, by: str, note: str | None, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """督查: the supervisor confirms the unit's result."""
    return await _change(
        uow, proposal_id, policy, lambda c, now: c.verify(by=by, at=now, note=note)
    )


async def send_back(
    proposal_id: str, *, by: str, note: str, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """督查: the supervisor sends the result back; the unit gets the case again."""
    async with uow:
        case = await _change(
            uow, proposal_id, policy, lambda c, now: c.send_back(by=by, at=now, note=note)
        )
        await _resend_work(uow, case, policy, reason="sent_back", note=note)
        await uow.commit()
        return case


async def give_feedback(
    proposal_id: str,
    *,
    by: str,
    satisfaction: int,
    comment: str | None,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
) -> Case:
    """总结反馈: the submitter's satisfaction closes the case."""
    return await _change(
        uow,
        proposal_id,
        policy,
        lambda c, now: c.give_feedback(by=by, at=now, satisfaction=satisfaction, comment=comment),
    )


async def reopen(
    proposal_id: str, *, by: str, reason: str, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """The submitter reopens the case once; its unit handles it again."""
    async with uow:
        case = await _change(
            uow, proposal_id, policy, lambda c, now: c.reopen(by=by, at=now, reason=reason)
        )
        await _resend_work(uow, case, policy, reason="reopened", note=reason)
        await uow.commit()
        return case


# Handling: the unit's answers from its outbox


async def accept_assignment(
    cmd: AcceptAssignment, *, unit: str, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """受理: the unit takes on the case."""
    return await _change(
        uow,
        cmd.proposal_id,
        policy,
        lambda c, now: c.accept_assignment(unit, at=now, handler=cmd.handler, note=cmd.note),
    )


async def report_progress(
    cmd: ReportProgress, *, unit: str, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """A progress update from the unit."""
    return await _change(
        uow,
        cmd.proposal_id,
        policy,
        lambda c, now: c.report_progress(
            unit, at=now, percent=cmd.percent, milestone=cmd.milestone, note=cmd.note
        ),
    )


async def complete(
    cmd: CompleteCase, *, unit: str, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """办结: the unit's result goes to supervision."""
    return await _change(
        uow, cmd.proposal_id, policy, lambda c, now: c.complete(unit, at=now, result=cmd.result)
    )


async def decline(
    cmd: DeclineCase, *, unit: str, uow: ProposalsUnitOfWork, policy: DeadlinePolicy
) -> Case:
    """The unit declines; the case is back with the reviewers for another assignment."""
    return await _change(
        uow, cmd.proposal_id, policy, lambda c, now: c.decline(unit, at=now, reason=cmd.reason)
    )


async def claim(
    cmd: ClaimReport,
    *,
    unit: str,
    uow: ProposalsUnitOfWork,
    policy: DeadlinePolicy,
    by: str | None = None,
) -> bool:
    """零距离: the first claim wins (a conditional UPDATE); a late claimer is told who won.

    One path for a unit's system on the bus and for a person of the unit over HTTP (`by`).
    """
    async with uow:
        for _ in range(10):
            case = await get_case(uow, cmd.proposal_id)
            winner = case.claimed_by
            if winner is not None:
                if winner != unit:
                    late = _claimed_event(case, winner, await case_facts(uow, case))
                    _to_inbox(uow, unit, case, late)
                await uow.commit()
                return winner == unit
            now = uow.clock.now()
            transition = case.claim(unit, at=now, by=by, handler=cmd.handler, note=cmd.note)
            if not await uow.proposals.save(case):
                continue
            await _record(uow, case, [transition], policy)
            facts = await case_facts(uow, case)
            claimed = _claimed_event(case, unit, facts)
            uow.emit(claimed, subject=case.id, correlationid=case.id)
            for other in case.offered_to:
                if other != unit:
                    _to_inbox(uow, other, case, claimed)
            _send_work(uow, case, policy, now=now, reason="claimed", note=cmd.note, facts=facts)
            await uow.commit()
            return True
        raise ConcurrentChange(f"case {cmd.proposal_id} kept changing while being claimed")


# Deadlines


async def check_deadlines(*, uow: ProposalsUnitOfWork, limit: int = 200) -> int:
    """Escalate every step past its deadline, each exactly once across all replicas."""
    async with uow:
        now = uow.clock.now()
        escalated = 0
        for deadline in await uow.deadlines.overdue(now, limit=limit):
            if not await uow.deadlines.claim_escalation(deadline.id, at=now):
                continue
            case = await get_case(uow, deadline.proposal_id)
            event = ProposalOverdue(
                **await case_facts(uow, case),
                proposal_id=case.id,
                kind=case.kind,
                step=deadline.step,
                due_at=deadline.due_at,
                detected_at=now,
                status=case.status.value,
                unit_code=case.unit_code,
                submitted_by=case.submitted_by,
            )
            uow.emit(event, subject=case.id, correlationid=case.id)
            if case.unit_code and deadline.step in (DeadlineStep.ACCEPTANCE, DeadlineStep.HANDLING):
                _to_inbox(uow, case.unit_code, case, event)
            escalated += 1
        await uow.commit()
        return escalated


# Plumbing of the use cases


async def _change(
    uow: ProposalsUnitOfWork,
    proposal_id: str,
    policy: DeadlinePolicy,
    act: Callable[[Case, datetime], Transition],
) -> Case:
    async with uow:
        case = await get_case(uow, proposal_id)
        transition: Transition = act(case, uow.clock.now())
        await _save(uow, case, [transition], policy)
        await uow.commit()
        return case


async def _save(
    uow: ProposalsUnitOfWork, case: Case, transitions: list[Transition], policy: DeadlinePolicy
) -> None:
    if not await uow.proposals.save(case):
        raise ConcurrentChange(
            f"案件 {case.id} 刚被他人修改，请刷新后重试 (case changed meanwhile; retry)"
        )
    await _record(uow, case, transitions, policy)


async def _record(
    uow: ProposalsUnitOfWork, case: Case, transitions: list[Transition], policy: DeadlinePolicy
) -> None:
    """Announce each transition and move the deadlines it ends and starts."""
    facts = await case_facts(uow, case) if transitions else {}
    for t in transitions:
        uow.emit(
            ProposalTransitioned(
                **facts,
                proposal_id=case.id,
                kind=case.kind,
                seq=t.seq,
                action=t.action.value,
                step=t.step.value,
                from_status=t.from_status.value if t.from_status else None,
                to_status=t.to_status.value,
                actor=t.actor,
                at=t.at,
                note=t.note,
                unit_code=t.unit_code,
                submitted_by=case.submitted_by,
            ),
            subject=case.id,
            correlationid=case.id,
        )
        await uow.deadlines.end(
            case.id, [s.value for s in DEADLINES_ENDED.get(t.action, ())], at=t.at
        )
        for step in DEADLINES_OPENED.get(t.action, ()):
            due = _due(case, step, t.at, policy)
            if due is not None:
                uow.deadlines.start(case.id, step.value, seq=t.seq, at=t.at, due_at=due)


def _due(
    case: Case, step: DeadlineStep, start: datetime, policy: DeadlinePolicy
) -> datetime | None:
    span = policy.span(case.kind, step)
    return start + span if span is not None else None


async def case_facts(uow: ProposalsUnitOfWork, case: Case) -> dict[str, Any]:
    """What every event about the case carries (CaseFacts), the title with numbers masked."""
    unit = await uow.routing.unit(case.unit_code) if case.unit_code else None
    return {
        "case_no": case.case_no,
        "title": mask_text(case.title),
        "priority": case.priority,
        "area_code": case.area_code,
        "responsible_person": case.responsible_person,
        "unit_name": unit.name if unit else None,
        "unit_responsible_person": unit.responsible_person if unit else None,
        "unit_responsible_person_name": unit.responsible_person_name if unit else None,
        "submitted_by_name": await uow.routing.representative_name(case.submitted_by),
        "members": list(case.members),
        "co_units": list(case.co_units),
    }


async def _resend_work(
    uow: ProposalsUnitOfWork, case: Case, policy: DeadlinePolicy, *, reason: str, note: str | None
) -> None:
    facts = await case_facts(uow, case)
    _send_work(uow, case, policy, now=uow.clock.now(), reason=reason, note=note, facts=facts)


def _send_work(
    uow: ProposalsUnitOfWork,
    case: Case,
    policy: DeadlinePolicy,
    *,
    now: datetime,
    reason: str,
    note: str | None,
    facts: dict[str, Any],
    to: str | None = None,
) -> None:
    """The work item of the lead unit, or of co-handling unit `to` (协办)."""
    assert case.unit_code is not None
    co = to is not None and to != case.unit_code
    _to_inbox(
        uow,
        to or case.unit_code,
        case,
        ProposalAssigned(
            **facts,
            proposal_id=case.id,
            kind=case.kind,
            body=case.body,  # masked by the plumbing except on this unit's own inbox (audited)
            category=case.category,
            submitted_by=case.submitted_by,
            accept_by=_due(case, DeadlineStep.ACCEPTANCE, now, policy)
            if reason in ("assigned", "reassigned")
            else None,
            complete_by=None if co else _due(case, DeadlineStep.HANDLING, now, policy),
            role="co" if co else "lead",
            lead_unit=case.unit_code if co else None,
            reason=reason,
            note=note,
            key_contact_id=case.key_contact_id,
        ),
    )


def _send_offers(
    uow: ProposalsUnitOfWork,
    case: Case,
    policy: DeadlinePolicy,
    *,
    now: datetime,
    key_contact_phone: str | None,
    facts: dict[str, Any],
) -> None:
    claim_by = _due(case, DeadlineStep.CLAIM, now, policy)
    for unit in case.offered_to:
        _to_inbox(
            uow,
            unit,
            case,
            ProposalOffered(
                **facts,
                proposal_id=case.id,
                kind=case.kind,
                body=mask_text(case.body),
                category=case.category,
                submitted_by=case.submitted_by,
                claim_by=claim_by,
                key_contact_id=case.key_contact_id,
                key_contact_phone=mask_phone(key_contact_phone) if key_contact_phone else None,
            ),
        )


def _to_inbox(uow: ProposalsUnitOfWork, unit: str, case: Case, item: Event) -> None:
    uow.emit(item, subject=case.id, correlationid=case.id, stream=uow.keys.inbox(unit))


def _claimed_event(case: Case, winner: str, facts: dict[str, Any]) -> ProposalClaimed:
    at = next((t.at for t in reversed(case.timeline) if t.action is Action.CLAIM), None)
    return ProposalClaimed(
        **facts,
        proposal_id=case.id,
        claimed_by=winner,
        claimed_at=at or case.submitted_at,
        submitted_by=case.submitted_by,
    )
