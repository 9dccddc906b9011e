"""A case a representative brings, and the five-step closed loop it goes through.

线上提交—小组审议—办理落实—执行督查—总结反馈: submission, group review, handling (after
assignment to a unit), supervision, feedback. Every move is a `Transition` kept in the case's
timeline; a move the current status does not allow raises `InvalidTransition` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from gonghui.shared.contracts.proposals import CaseKind
from gonghui.shared.errors import Conflict


class InvalidTransition(Conflict):
    """The case's status does not allow this action; the message says why (zh-CN and English)."""


class CaseStatus(StrEnum):
    """Where a case stands."""

    SUBMITTED = "submitted"
    """线上提交: waiting for group review."""
    RETURNED = "returned"
    """退回补充: the reviewers asked the submitter for more information."""
    REJECTED = "rejected"
    """不予立案: refused with a reason (final)."""
    MERGED = "merged"
    """并案: a duplicate, merged into another case (final)."""
    ACCEPTED = "accepted"
    """立案: accepted, waiting for assignment to a unit."""
    OFFERED = "offered"
    """零距离: offered to every eligible unit; the first claim wins."""
    ASSIGNED = "assigned"
    """交办: sent to a unit, waiting for it to accept."""
    IN_PROGRESS = "in_progress"
    """办理落实: the unit is handling it."""
    COMPLETED = "completed"
    """办结待督查: the unit reported a result; the supervisor verifies it."""
    VERIFIED = "verified"
    """督查通过: waiting for the submitter's feedback."""
    CLOSED = "closed"
    """总结反馈: closed, with the submitter's satisfaction."""


class Action(StrEnum):
    """What someone does to a case."""

    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    ACCEPT = "accept"
    REJECT = "reject"
    MERGE = "merge"
    RETURN = "return"
    OFFER = "offer"
    CLAIM = "claim"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    ACCEPT_ASSIGNMENT = "accept_assignment"
    DECLINE = "decline"
    PROGRESS = "progress"
    COMPLETE = "complete"
    VERIFY = "verify"
    SEND_BACK = "send_back"
    FEEDBACK = "feedback"
    REOPEN = "reopen"
    CO_ACCEPT = "co_accept"
    CO_PROGRESS = "co_progress"
    CO_COMPLETE = "co_complete"
    CO_DECLINE = "co_decline"


class Step(StrEnum):
    """The five steps of the loop, as shown on the timeline."""

    SUBMISSION = "submission"
    REVIEW = "review"
    ASSIGNMENT = "assignment"
    HANDLING = "handling"
    SUPERVISION = "supervision"
    FEEDBACK = "feedback"


class DeadlineStep(StrEnum):
    """The spans that carry a deadline (each configurable per kind)."""

    REVIEW = "review"
    """From submission to the review decision (受理)."""
    CLAIM = "claim"
    """From a zero-distance offer to the first claim."""
    ACCEPTANCE = "acceptance"
    """From assignment to the unit accepting it."""
    HANDLING = "handling"
    """From acceptance to the unit's result."""
    SUPERVISION = "supervision"
    """From the result to the supervisor's verdict."""
    CLOSURE = "closure"
    """From submission to closure, whatever happens in between."""


S = CaseStatus
A = Action

CO_HANDLING_OPEN = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.COMPLETED, S.VERIFIED})
"""While co-handling units (协办) may report: from assignment until the case is closed."""

RULES: dict[Action, tuple[frozenset[CaseStatus], CaseStatus | None, Step]] = {
    A.RESUBMIT: (frozenset({S.RETURNED}), S.SUBMITTED, Step.SUBMISSION),
    A.ACCEPT: (frozenset({S.SUBMITTED}), S.ACCEPTED, Step.REVIEW),
    A.REJECT: (frozenset({S.SUBMITTED}), S.REJECTED, Step.REVIEW),
    A.MERGE: (frozenset({S.SUBMITTED, S.ACCEPTED, S.OFFERED}), S.MERGED, Step.REVIEW),
    A.RETURN: (frozenset({S.SUBMITTED}), S.RETURNED, Step.REVIEW),
    A.OFFER: (frozenset({S.SUBMITTED, S.ACCEPTED}), S.OFFERED, Step.ASSIGNMENT),
    A.CLAIM: (frozenset({S.OFFERED}), S.IN_PROGRESS, Step.ASSIGNMENT),
    A.ASSIGN: (frozenset({S.ACCEPTED}), S.ASSIGNED, Step.ASSIGNMENT),
    A.REASSIGN: (frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.ASSIGNED, Step.ASSIGNMENT),
    A.ACCEPT_ASSIGNMENT: (frozenset({S.ASSIGNED}), S.IN_PROGRESS, Step.HANDLING),
    A.DECLINE: (frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.ACCEPTED, Step.HANDLING),
    A.PROGRESS: (frozenset({S.IN_PROGRESS}), None, Step.HANDLING),
    A.COMPLETE: (frozenset({S.IN_PROGRESS}), S.COMPLETED, Step.HANDLING),
    A.VERIFY: (frozenset({S.COMPLETED}), S.VERIFIED, Step.SUPERVISION),
    A.SEND_BACK: (frozenset({S.COMPLETED}), S.IN_PROGRESS, Step.SUPERVISION),
    A.FEEDBACK: (frozenset({S.VERIFIED}), S.CLOSED, Step.FEEDBACK),
    A.REOPEN: (frozenset({S.VERIFIED, S.CLOSED}), S.IN_PROGRESS, Step.FEEDBACK),
    A.CO_ACCEPT: (CO_HANDLING_OPEN, None, Step.HANDLING),
    A.CO_PROGRESS: (CO_HANDLING_OPEN, None, Step.HANDLING),
    A.CO_COMPLETE: (CO_HANDLING_OPEN, None, Step.HANDLING),
    A.CO_DECLINE: (CO_HANDLING_OPEN, None, Step.HANDLING),
}
"""Action -> (statuses it is allowed from, status after (None = unchanged), step)."""

DEADLINES_OPENED: dict[Action, tuple[DeadlineStep, ...]] = {
    A.SUBMIT: (DeadlineStep.REVIEW, DeadlineStep.CLOSURE),
    A.RESUBMIT: (DeadlineStep.REVIEW,),
    A.OFFER: (DeadlineStep.CLAIM,),
    A.CLAIM: (DeadlineStep.HANDLING,),
    A.ASSIGN: (DeadlineStep.ACCEPTANCE,),
    A.REASSIGN: (DeadlineStep.ACCEPTANCE,),
    A.ACCEPT_ASSIGNMENT: (DeadlineStep.HANDLING,),
    A.SEND_BACK: (DeadlineStep.HANDLING,),
    A.REOPEN: (DeadlineStep.HANDLING,),
    A.COMPLETE: (DeadlineStep.SUPERVISION,),
}
"""Deadlines that start running when an action is taken."""

DEADLINES_ENDED: dict[Action, tuple[DeadlineStep, ...]] = {
    A.ACCEPT: (DeadlineStep.REVIEW,),
    A.REJECT: (DeadlineStep.REVIEW, DeadlineStep.CLOSURE),
    A.MERGE: tuple(DeadlineStep),
    A.RETURN: (DeadlineStep.REVIEW,),
    A.OFFER: (DeadlineStep.REVIEW,),
    A.CLAIM: (DeadlineStep.CLAIM,),
    A.REASSIGN: (DeadlineStep.ACCEPTANCE, DeadlineStep.HANDLING),
    A.ACCEPT_ASSIGNMENT: (DeadlineStep.ACCEPTANCE,),
    A.DECLINE: (DeadlineStep.ACCEPTANCE, DeadlineStep.HANDLING),
    A.COMPLETE: (DeadlineStep.HANDLING,),
    A.VERIFY: (DeadlineStep.SUPERVISION,),
    A.SEND_BACK: (DeadlineStep.SUPERVISION,),
    A.FEEDBACK: (DeadlineStep.CLOSURE,),
}
"""Deadlines an action satisfies (or makes moot)."""

PRIORITY_KINDS = frozenset({CaseKind.HOTLINE, CaseKind.ZERO_DISTANCE})
"""Kinds handled first: the 12351 green channel and zero-distance reports."""

UNKNOWN_AREA = "000000"
"""The area part of the number of a case whose area is not known."""

CASE_NO = re.compile(r"^(\d{6})-(\d{4})-(\d{6,})$")
"""A readable case number: area, year (Beijing time), sequence in that area and year."""


def case_number(area_code: str | None, year: int, sequence: int) -> str:
    """案件编号: `330482-2026-000042`, the 42nd case of Pinghu in 2026."""
    return f"{area_code or UNKNOWN_AREA}-{year}-{sequence:06d}"


class CoStatus(StrEnum):
    """Where a co-handling unit's own work item stands."""

    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DECLINED = "declined"


@dataclass
class CoHandling:
    """协办: a co-handling unit's own part of a case, reported by the unit itself."""

    unit_code: str
    status: CoStatus = CoStatus.ASSIGNED
    progress_percent: int = 0
    result: str | None = None
    handler: str | None = None


@dataclass(frozen=True)
class Transition:
    """One entry of the timeline: who did what, when, and what they wrote."""

    seq: int
    action: Action
    step: Step
    from_status: CaseStatus | None
    to_status: CaseStatus
    actor: str
    at: datetime
    note: str | None = None
    unit_code: str | None = None
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class Case:
    """A proposal, issue, zero-distance report, hotline case or practical project."""

    id: str
    kind: CaseKind
    title: str
    body: str
    category: str | None
    area_code: str | None
    submitted_by: str
    submitted_at: datetime
    status: CaseStatus = CaseStatus.SUBMITTED
    case_no: str | None = None
    unit_code: str | None = None
    responsible_person: str | None = None
    handler: str | None = None
    progress_percent: int = 0
    result: str | None = None
    merged_into: str | None = None
    offered_to: list[str] = field(default_factory=list)
    reopened: bool = False
    satisfaction: int | None = None
    feedback_comment: str | None = None
    key_contact_id: str | None = None
    discussion_id: str | None = None
    members: list[str] = field(default_factory=list)
    co_handling: list[CoHandling] = field(default_factory=list)
    version: int = 0
    timeline: list[Transition] = field(default_factory=list)
    new_transitions: list[Transition] = field(default_factory=list, repr=False)

    @classmethod
    def submit(
        cls,
        *,
        id: str,
        kind: CaseKind,
        title: str,
        body: str,
        submitted_by: str,
        at: datetime,
        category: str | None = None,
        area_code: str | None = None,
        responsible_person: str | None = None,
        key_contact_id: str | None = None,
        discussion_id: str | None = None,
        note: str | None = None,
        case_no: str | None = None,
        members: list[str] | None = None,
    ) -> Case:
        """线上提交: a new case, with the submission as the first entry of its timeline."""
        case = cls(
            id=id,
            case_no=case_no,
            kind=kind,
            title=title,
            body=body,
            category=category,
            area_code=area_code,
            submitted_by=submitted_by,
            submitted_at=at,
            responsible_person=responsible_person,
            key_contact_id=key_contact_id,
            discussion_id=discussion_id,
            members=sorted(set(members or [])),
        )
        case._record(A.SUBMIT, Step.SUBMISSION, None, S.SUBMITTED, submitted_by, at, note)
        return case

    @property
    def priority(self) -> str:
        """`urgent` for the 12351 green channel, `high` for zero-distance reports, else `normal`."""
        if self.kind is CaseKind.HOTLINE:
            return "urgent"
        return "high" if self.kind in PRIORITY_KINDS else "normal"

    @property
    def co_units(self) -> list[str]:
        """Codes of the co-handling units (协办), in the order they were named."""
        return [c.unit_code for c in self.co_handling]

    @property
    def claimed_by(self) -> str | None:
        """The unit whose claim won the latest offer of a zero-distance report, if any."""
        for transition in reversed(self.timeline):
            if transition.action is A.CLAIM:
                return transition.unit_code
            if transition.action is A.OFFER:
                return None
        return None

    # 2. Group review (小组审议)

    def resubmit(
        self, *, by: str, at: datetime, body: str | None = None, note: str | None = None
    ) -> Transition:
        """The submitter answers a return with more information."""
        self._require_submitter(by)
        transition = self._move(A.RESUBMIT, by, at, note)
        if body:
            self.body = body
        return transition

    def accept(
        self,
        *,
        by: str,
        at: datetime,
        note: str | None = None,
        responsible_person: str | None = None,
    ) -> Transition:
        """立案: the review group takes the case on; a hotline case needs a named person."""
        person = responsible_person or self.responsible_person
        if self.kind is CaseKind.HOTLINE and not person:
            self._refuse(
                "12351 热线事项须指定责任人 (a hotline case needs a named responsible person)"
            )
        transition = self._move(A.ACCEPT, by, at, note)
        self.responsible_person = person
        return transition

    def reject(self, *, by: str, at: datetime, reason: str) -> Transition:
        """不予立案: refused; the reason is required."""
        if not reason.strip():
            self._refuse("不予立案须说明理由 (a rejection needs a reason)")
        return self._move(A.REJECT, by, at, reason)

    def merge_into(
        self, other: Case, *, by: str, at: datetime, note: str | None = None
    ) -> Transition:
        """并案: a duplicate joins another open case."""
        if other.id == self.id:
            self._refuse("不能与自身并案 (a case cannot be merged into itself)")
        if other.status in (S.REJECTED, S.MERGED, S.CLOSED):
            self._refuse(
                f"目标事项 {other.id} 已{_ZH[other.status]}，不能并入 (target is {other.status})"
            )
        transition = self._move(A.MERGE, by, at, note, details={"merged_into": other.id})
        self.merged_into = other.id
        return transition

    def return_for_information(self, *, by: str, at: datetime, note: str) -> Transition:
        """退回补充: the submitter is asked for more information."""
        if not note.strip():
            self._refuse("退回须说明需补充的内容 (say what information is missing)")
        return self._move(A.RETURN, by, at, note)

    # 3. Assignment (交办)

    def offer(
        self, units: list[str], *, by: str, at: datetime, note: str | None = None
    ) -> Transition:
        """零距离: offer the report to every eligible unit at once."""
        if self.kind is not CaseKind.ZERO_DISTANCE:
            self._refuse(
                "只有零距离事项可以认领 (only zero-distance reports are offered for claiming)"
            )
        if not units:
            self._refuse("没有可认领的单位 (no eligible unit to offer it to)")
        transition = self._move(A.OFFER, by, at, note, details={"offered_to": sorted(units)})
        self.offered_to = sorted(units)
        return transition

    def claim(
        self,
        unit: str,
        *,
        at: datetime,
        by: str | None = None,
        handler: str | None = None,
        note: str | None = None,
    ) -> Transition:
        """A unit claims an offered report (its system, or a person of it); the first claim wins."""
        if self.status is S.OFFERED and unit not in self.offered_to:
            self._refuse(f"该事项未向 {unit} 开放认领 (the report was not offered to {unit})")
        transition = self._move(A.CLAIM, by or f"dept:{unit}", at, note, unit=unit)
        self.handler = handler
        return transition

    def assign(
        self,
        unit: str,
        *,
        by: str,
        at: datetime,
        note: str | None = None,
        override: bool = False,
        co_units: list[str] | None = None,
    ) -> Transition:
        """交办: send a case to a lead unit and, for 协办, co-handling units (None keeps them)."""
        if self.kind is CaseKind.ZERO_DISTANCE and self.status is S.OFFERED:
            self._refuse("零距离事项正在等待认领 (the report is waiting to be claimed)")
        action = A.REASSIGN if self.status in (S.ASSIGNED, S.IN_PROGRESS) else A.ASSIGN
        if action is A.REASSIGN and unit == self.unit_code:
            self._refuse(f"事项已由 {unit} 办理 (already assigned to {unit})")
        wanted = self.co_units if co_units is None else list(dict.fromkeys(co_units))
        if unit in wanted:
            if co_units is not None:
                self._refuse(f"{unit} 已是主办单位，不能同时协办 (the lead cannot also co-handle)")
            wanted = [c for c in wanted if c != unit]
        details: dict[str, object] = {"override": override, "previous_unit": self.unit_code}
        if wanted:
            details["co_units"] = wanted
        transition = self._move(action, by, at, note, unit=unit, details=details)
        kept = {c.unit_code: c for c in self.co_handling}
        self.co_handling = [kept.get(code) or CoHandling(code) for code in wanted]
        self.handler = None
        self.progress_percent = 0
        return transition

    # 4. Handling (办理落实), by the unit only

    def accept_assignment(
        self, unit: str, *, at: datetime, handler: str | None = None, note: str | None = None
    ) -> Transition:
        """受理: the unit takes the case on (a co-handling unit, its own part of it)."""
        if (part := self._co_part(unit)) is not None:
            if part.status is not CoStatus.ASSIGNED:
                self._refuse(f"{unit} 已受理协办 (already accepted by {unit})")
            part.status, part.handler = CoStatus.IN_PROGRESS, handler
            return self._co_report(A.CO_ACCEPT, unit, at, note)
        self._require_unit(unit)
        transition = self._move(A.ACCEPT_ASSIGNMENT, f"dept:{unit}", at, note, unit=unit)
        self.handler = handler
        return transition

    def decline(self, unit: str, *, at: datetime, reason: str) -> Transition:
        """The unit says it is not theirs; the case goes back to the reviewers to re-assign.

        A co-handling unit that declines only ends its own part; the case goes on.
        """
        if (part := self._co_part(unit)) is not None:
            if not reason.strip():
                self._refuse("退回须说明理由 (declining needs a reason)")
            part.status = CoStatus.DECLINED
            return self._co_report(A.CO_DECLINE, unit, at, reason)
        self._require_unit(unit)
        transition = self._move(
            A.DECLINE, f"dept:{unit}", at, reason, unit=None, details={"declined_by": unit}
        )
        self.handler = None
        return transition

    def report_progress(
        self,
        unit: str,
        *,
        at: datetime,
        percent: int,
        milestone: str | None = None,
        note: str | None = None,
    ) -> Transition:
        """A progress update with a percentage and, optionally, a milestone."""
        if not 0 <= percent <= 100:
            self._refuse("进度须在 0-100 之间 (percent must be 0-100)")
        details: dict[str, object] = {"percent": percent}
        if milestone:
            details["milestone"] = milestone
        if (part := self._co_part(unit)) is not None:
            part.status, part.progress_percent = CoStatus.IN_PROGRESS, percent
            return self._co_report(A.CO_PROGRESS, unit, at, note, details)
        self._require_unit(unit)
        transition = self._move(A.PROGRESS, f"dept:{unit}", at, note, unit=unit, details=details)
        self.progress_percent = percent
        return transition

    def complete(self, unit: str, *, at: datetime, result: str) -> Transition:
        """办结: the lead unit's result completes the case; a co-handling unit's, its own part."""
        if (part := self._co_part(unit)) is not None:
            part.status, part.progress_percent, part.result = CoStatus.COMPLETED, 100, result
            return self._co_report(A.CO_COMPLETE, unit, at, result, {"result": result})
        self._require_unit(unit)
        transition = self._move(
            A.COMPLETE, f"dept:{unit}", at, result, unit=unit, details={"result": result}
        )
        self.result = result
        self.progress_percent = 100
        return transition

    # 5. Supervision (执行督查)

    def verify(self, *, by: str, at: datetime, note: str | None = None) -> Transition:
        """The supervisor confirms the result."""
        return self._move(A.VERIFY, by, at, note)

    def send_back(self, *, by: str, at: datetime, note: str) -> Transition:
        """The supervisor is not satisfied; the unit handles it again."""
        if not note.strip():
            self._refuse("退回重办须说明理由 (sending back needs a reason)")
        return self._move(A.SEND_BACK, by, at, note)

    # Feedback (总结反馈)

    def give_feedback(
        self, *, by: str, at: datetime, satisfaction: int, comment: str | None = None
    ) -> Transition:
        """The submitter rates the outcome 1-5; the case is closed."""
        self._require_submitter(by)
        if not 1 <= satisfaction <= 5:
            self._refuse("满意度须为 1-5 (satisfaction must be 1-5)")
        transition = self._move(A.FEEDBACK, by, at, comment, details={"satisfaction": satisfaction})
        self.satisfaction = satisfaction
        self.feedback_comment = comment
        return transition

    def reopen(self, *, by: str, at: datetime, reason: str) -> Transition:
        """The submitter reopens the case, once; the same unit handles it again."""
        self._require_submitter(by)
        if self.reopened:
            self._refuse("每个事项只能重新打开一次 (a case can be reopened only once)")
        if self.unit_code is None:
            self._refuse("事项没有办理单位 (the case has no handling unit)")
        if not reason.strip():
            self._refuse("重新打开须说明理由 (reopening needs a reason)")
        transition = self._move(A.REOPEN, by, at, reason)
        self.reopened = True
        self.satisfaction = None
        self.feedback_comment = None
        return transition

    # Rules

    def _move(
        self,
        action: Action,
        actor: str,
        at: datetime,
        note: str | None,
        *,
        unit: str | object | None = ...,
        details: dict[str, object] | None = None,
    ) -> Transition:
        allowed, after, step = RULES[action]
        if self.status not in allowed:
            expected = "、".join(_ZH[s] for s in sorted(allowed))
            self._refuse(
                f"事项当前为“{_ZH[self.status]}”，不能{_ACTION_ZH[action]}（须为：{expected}） "
                f"(cannot {action.value} a case that is {self.status.value}; "
                f"allowed from: {', '.join(sorted(s.value for s in allowed))})"
            )
        if unit is not ...:
            self.unit_code = unit  # type: ignore[assignment]
        return self._record(
            action, step, self.status, after or self.status, actor, at, note, details or {}
        )

    def _record(
        self,
        action: Action,
        step: Step,
        before: CaseStatus | None,
        after: CaseStatus,
        actor: str,
        at: datetime,
        note: str | None,
        details: dict[str, object] | None = None,
    ) -> Transition:
        transition = Transition(
            seq=len(self.timeline) + 1,
            action=action,
            step=step,
            from_status=before,
            to_status=after,
            actor=actor,
            at=at,
            note=note,
            unit_code=self.unit_code,
            details=details or {},
        )
        self.status = after
        self.timeline.append(transition)
        self.new_transitions.append(transition)
        return transition

    def _co_part(self, unit: str) -> CoHandling | None:
        """The unit's own part if it co-handles (and does not lead) the case."""
        if unit == self.unit_code:
            return None
        part = next((c for c in self.co_handling if c.unit_code == unit), None)
        if part is not None and part.status in (CoStatus.COMPLETED, CoStatus.DECLINED):
            self._refuse(
                f"{unit} 的协办已{_CO_ZH[part.status]} (its co-handling is {part.status.value})"
            )
        return part

    def _co_report(
        self,
        action: Action,
        unit: str,
        at: datetime,
        note: str | None,
        details: dict[str, object] | None = None,
    ) -> Transition:
        return self._move(
            action, f"dept:{unit}", at, note, details={"co_unit": unit, **(details or {})}
        )

    def _require_unit(self, unit: str) -> None:
        if self.unit_code != unit:
            self._refuse(
                f"事项 {self.id} 未交办给 {unit} (case {self.id} is not assigned to {unit})"
            )

    def _require_submitter(self, person: str) -> None:
        if person != self.submitted_by:
            self._refuse("只有提交人可以进行此操作 (only the submitter may do this)")

    def _refuse(self, reason: str) -> None:
        raise InvalidTransition(reason)


_ZH = {
    S.SUBMITTED: "已提交",
    S.RETURNED: "退回补充",
    S.REJECTED: "不予立案",
    S.MERGED: "已并案",
    S.ACCEPTED: "已立案",
    S.OFFERED: "待认领",
    S.ASSIGNED: "已交办",
    S.IN_PROGRESS: "办理中",
    S.COMPLETED: "待督查",
    S.VERIFIED: "待反馈",
    S.CLOSED: "已办结",
}

_CO_ZH = {
    CoStatus.ASSIGNED: "交办",
    CoStatus.IN_PROGRESS: "办理中",
    CoStatus.COMPLETED: "办结",
    CoStatus.DECLINED: "退回",
}

_ACTION_ZH = {
    A.SUBMIT: "提交",
    A.RESUBMIT: "补充后重新提交",
    A.ACCEPT: "立案",
    A.REJECT: "不予立案",
    A.MERGE: "并案",
    A.RETURN: "退回补充",
    A.OFFER: "发布认领",
    A.CLAIM: "认领",
    A.ASSIGN: "交办",
    A.REASSIGN: "改派",
    A.ACCEPT_ASSIGNMENT: "受理",
    A.DECLINE: "退回交办",
    A.PROGRESS: "报告进度",
    A.COMPLETE: "办结",
    A.VERIFY: "督查通过",
    A.SEND_BACK: "退回重办",
    A.FEEDBACK: "评价",
    A.REOPEN: "重新打开",
    A.CO_ACCEPT: "协办受理",
    A.CO_PROGRESS: "协办进度",
    A.CO_COMPLETE: "协办办结",
    A.CO_DECLINE: "协办退回",
}


def status_label(status: CaseStatus) -> str:
    """The zh-CN label of a status, for people."""
    return _ZH[status]


def action_label(action: Action) -> str:
    """The zh-CN label of an action, for people."""
    return _ACTION_ZH[action]
