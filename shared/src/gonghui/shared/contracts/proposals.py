"""Contracts of the proposals service (云履职).

Events on `proposals.events` announce what happened to a case; work items on
`dept.<code>.inbox` tell a handling unit what to do; commands on `dept.<code>.outbox` are the
unit's answers. Personal data never travels here: key contacts appear as opaque ids and masked
phones only (DESIGN §8).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from gonghui.shared.contracts.base import Command, Event

_NOTE = 2_000


class CaseFacts(Event):
    """What every event and work item about a case carries, so a rule can reach people with it.

    All optional (added in place, without a new version): events written before a field
    existed do not have it; consumers ignore fields they do not know.
    """

    case_no: str | None = Field(
        None, description="Readable case number (area-year-sequence), e.g. `330482-2026-000042`."
    )
    priority: str = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and "
        "digests), `high` for zero-distance reports, else `normal`.",
    )
    area_code: str | None = Field(None, description="Six-digit administrative area, if known.")
    responsible_person: str | None = Field(
        None, description="Opaque id of the case's named responsible person (hotline), if any."
    )
    unit_name: str | None = Field(None, description="Display name of the handling unit, zh-CN.")
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
    )
    unit_responsible_person_name: str | None = Field(
        None, description="Display name of the unit's head, zh-CN."
    )
    submitted_by_name: str | None = Field(
        None, description="Display name of the submitting representative, zh-CN, if registered."
    )
    members: list[str] = Field(
        default_factory=list,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
    )
    co_units: list[str] = Field(
        default_factory=list, description="Codes of the co-handling units (协办), if any."
    )


class CaseKind(StrEnum):
    """What kind of case a representative brings."""

    PROPOSAL = "proposal"
    ISSUE = "issue"
    ZERO_DISTANCE = "zero_distance"
    HOTLINE = "hotline"
    PRACTICAL_PROJECT = "practical_project"


class ProposalSubmitted(CaseFacts):
    """proposal.submitted.v1: a representative submitted a case (线上提交); subject = its id."""

    type_name = "proposal.submitted.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The case id.")
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
    )
    kind: CaseKind = Field(description="Kind of case.")
    title: str = Field(description="Short title (personal numbers masked).")
    submitted_by: str = Field(description="Opaque id of the submitting representative.")
    submitted_at: datetime = Field(description="When it was submitted.")
    category: str | None = Field(None, description="Topic used for routing, e.g. `transport`.")


class ProposalTransitioned(CaseFacts):
    """proposal.transitioned.v1: a case moved through its loop; one per transition, in order."""

    type_name = "proposal.transitioned.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The case id.")
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
    )
    kind: CaseKind = Field(description="Kind of case.")
    seq: int = Field(description="Position of this transition in the case's timeline, from 1.")
    action: str = Field(description="What was done: `accept`, `assign`, `complete`, `verify`, ….")
    step: str = Field(description="Which of the five steps it belongs to: submission, review, …")
    from_status: str | None = Field(description="Status before; null for the submission.")
    to_status: str = Field(description="Status after.")
    title: str | None = Field(None, description="The case's title (personal numbers masked).")
    actor: str = Field(description="Who did it: an opaque person id, `dept:<code>` or `system`.")
    at: datetime = Field(description="When it happened.")
    note: str | None = Field(None, description="What the actor wrote, zh-CN.")
    unit_code: str | None = Field(None, description="The handling unit after the transition.")
    submitted_by: str = Field(description="Opaque id of the representative who submitted it.")


class ProposalClaimed(CaseFacts):
    """proposal.claimed.v1: a unit claimed a zero-distance report (零距离); the others stop.

    Announced on `proposals.events` (the submitter learns who took it) and put on the inbox of
    every other unit it was offered to, and of any unit whose claim came too late.
    """

    type_name = "proposal.claimed.v1"
    owner = "proposals"
    streams = ("events", "inbox")

    proposal_id: str = Field(description="The report's case id.")
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
    )
    claimed_by: str = Field(description="Code of the unit that won the claim.")
    claimed_at: datetime = Field(description="When the winning claim was applied.")
    title: str = Field(description="The report's title.")
    submitted_by: str = Field(description="Opaque id of the representative who reported it.")


class ProposalOverdue(CaseFacts):
    """proposal.overdue.v1: a step of a case passed its deadline; notify escalates it.

    Emitted once per (case, step, deadline), whatever the number of replicas checking.
    """

    type_name = "proposal.overdue.v1"
    owner = "proposals"
    streams = ("events", "inbox")

    proposal_id: str = Field(description="The case id.")
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
    )
    kind: CaseKind = Field(description="Kind of case.")
    title: str = Field(description="The case title.")
    step: str = Field(description="The step that is late: review, claim, acceptance, handling, …")
    due_at: datetime = Field(description="When that step was due.")
    detected_at: datetime = Field(description="When the lateness was detected.")
    status: str = Field(description="The case's status when detected.")
    unit_code: str | None = Field(None, description="The handling unit, if one is assigned.")
    submitted_by: str = Field(description="Opaque id of the submitting representative.")


class WorkItem(CaseFacts):
    """Common fields of everything the proposals service puts on a unit's inbox."""

    owner = "proposals"
    streams = ("inbox",)

    proposal_id: str = Field(description="The case id; answer with it.")
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
    )
    kind: CaseKind = Field(description="Kind of case.")
    title: str = Field(description="Short title, zh-CN.")


class ProposalAssigned(WorkItem):
    """proposal.assigned.v1 (inbox): a case is now yours; answer `proposal.accept_assignment.v1`.

    Also sent, with `reason`, when your zero-distance claim won (no acceptance needed), when the
    supervisor sends the result back or when the submitter reopens the case: then go on
    handling and send progress and completion again.
    """

    type_name = "proposal.assigned.v1"
    disclosed_to_recipient = frozenset({"body"})
    """The unit it is assigned to reads the body in full (a hotline caller's phone to call back);
    on every other stream it is masked like all free text."""

    body: str = Field(description="What the problem is and what is asked, zh-CN.")
    category: str | None = Field(None, description="Topic used for routing.")
    submitted_by: str = Field(description="Opaque id of the representative to contact.")
    accept_by: datetime | None = Field(None, description="Accept before this time.")
    complete_by: datetime | None = Field(
        None, description="Complete before this time (handling time runs from acceptance)."
    )
    reason: str = Field(
        "assigned",
        description="`assigned` or `reassigned` (accept it), `claimed` (your claim won: it is "
        "already yours, go on with progress), `sent_back` or `reopened` (handle it again), "
        "`co_assigned` (协办: handle your part and report it; the lead unit completes the case).",
    )
    role: str = Field(
        "lead", description="`lead` (主办: your completion completes the case) or `co` (协办)."
    )
    lead_unit: str | None = Field(None, description="Code of the lead unit, on a `co` item.")
    note: str | None = Field(None, description="The reviewer's or supervisor's note.")
    key_contact_id: str | None = Field(None, description="Opaque id of a key contact concerned.")


class ProposalOffered(WorkItem):
    """proposal.offered.v1 (inbox): a zero-distance report anyone eligible may claim first."""

    type_name = "proposal.offered.v1"

    body: str = Field(description="What the representative found, zh-CN.")
    category: str | None = Field(None, description="Topic used for routing.")
    submitted_by: str = Field(description="Opaque id of the representative to contact.")
    claim_by: datetime | None = Field(None, description="Claim before this time.")
    key_contact_id: str | None = Field(None, description="Opaque id of the key contact concerned.")
    key_contact_phone: str | None = Field(None, description="The key contact's phone, masked.")


class ProposalWithdrawn(WorkItem):
    """proposal.withdrawn.v1 (inbox): the case was re-assigned away from you; stop work on it."""

    type_name = "proposal.withdrawn.v1"

    note: str | None = Field(None, description="Why, zh-CN.")


class AcceptAssignment(Command):
    """proposal.accept_assignment.v1 (outbox): the unit takes on a case assigned to it (受理)."""

    type_name = "proposal.accept_assignment.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The case id from the work item.")
    handler: str | None = Field(None, max_length=64, description="Who handles it in the unit.")
    note: str | None = Field(None, max_length=_NOTE, description="A note for the submitter.")


class ReportProgress(Command):
    """proposal.progress.v1 (outbox): how far the handling has come (办理落实)."""

    type_name = "proposal.progress.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The case id.")
    percent: int = Field(ge=0, le=100, description="How much is done, 0-100.")
    milestone: str | None = Field(None, max_length=200, description="A milestone reached.")
    note: str | None = Field(None, max_length=_NOTE, description="What was done, zh-CN.")


class CompleteCase(Command):
    """proposal.complete.v1 (outbox): handling is finished; the result goes to supervision."""

    type_name = "proposal.complete.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The case id.")
    result: str = Field(min_length=1, max_length=_NOTE, description="What was achieved, zh-CN.")


class DeclineCase(Command):
    """proposal.decline.v1 (outbox): not ours to handle; goes back to the reviewers."""

    type_name = "proposal.decline.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The case id.")
    reason: str = Field(min_length=1, max_length=_NOTE, description="Why, zh-CN.")


class ClaimReport(Command):
    """proposal.claim.v1 (outbox): take a zero-distance report; the first claim wins."""

    type_name = "proposal.claim.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The report's case id from `proposal.offered.v1`.")
    handler: str | None = Field(None, max_length=64, description="Who handles it in the unit.")
    note: str | None = Field(None, max_length=_NOTE, description="e.g. `我们公司来处理`.")


class DiscussionOpened(Event):
    """discussion.opened.v1: an issue was opened for everyone to discuss (职工事大家议)."""

    type_name = "discussion.opened.v1"
    owner = "proposals"

    discussion_id: str = Field(description="The discussion id.")
    title: str = Field(description="Short title.")
    opened_by: str = Field(description="Opaque id of the representative who opened it.")
    opened_at: datetime = Field(description="When.")


class DiscussionCommented(Event):
    """discussion.commented.v1: someone added to a discussion."""

    type_name = "discussion.commented.v1"
    owner = "proposals"

    discussion_id: str = Field(description="The discussion id.")
    comment_id: str = Field(description="The comment id.")
    author: str = Field(description="Opaque id of the author.")
    at: datetime = Field(description="When.")


class DiscussionConverted(Event):
    """discussion.converted.v1: reviewers turned a discussion into a proposal."""

    type_name = "discussion.converted.v1"
    owner = "proposals"

    discussion_id: str = Field(description="The discussion id.")
    proposal_id: str = Field(description="The proposal it became.")
    converted_by: str = Field(description="Opaque id of the reviewer.")
    at: datetime = Field(description="When.")


class RepresentativeRated(Event):
    """representative.rated.v1: a member rated their representative (会员评家)."""

    type_name = "representative.rated.v1"
    owner = "proposals"

    representative_id: str = Field(description="Opaque id of the representative.")
    period: str = Field(description="Rating period, e.g. `2026-Q4`.")
    score: int = Field(description="1-5.")
    at: datetime = Field(description="When.")


class KeyContactVisited(Event):
    """key_contact.visited.v1: a representative visited a key contact at home (入户走访).

    Carries the contact's opaque id and masked phone only, never name or address.
    """

    type_name = "key_contact.visited.v1"
    owner = "proposals"

    visit_id: str = Field(description="The visit id.")
    key_contact_id: str = Field(description="Opaque id of the key contact.")
    masked_phone: str | None = Field(None, description="The contact's phone, masked.")
    representative_id: str = Field(description="Opaque id of the visiting representative.")
    visited_at: datetime = Field(description="When the visit took place.")
    report_id: str | None = Field(None, description="A zero-distance report raised from it.")


class ProblemRaised(Event):
    """problem.raised.v1: a member raised a problem to their representative (from the API)."""

    type_name = "problem.raised.v1"
    owner = "proposals"

    problem_id: str = Field(description="The problem id.")
    member_id: str = Field(description="Opaque id of the member (worker) who raised it.")
    representative_id: str = Field(description="Opaque id of the representative asked.")
    title: str = Field(description="Short title (personal numbers masked).")
    category: str | None = Field(None, description="Topic, if given.")
    area_code: str | None = Field(None, description="Six-digit administrative area, if given.")
    raised_at: datetime = Field(description="When.")


class ProblemAnswered(Event):
    """problem.answered.v1: the representative adopted the problem as a case or said why not."""

    type_name = "problem.answered.v1"
    owner = "proposals"

    problem_id: str = Field(description="The problem id.")
    member_id: str = Field(description="Opaque id of the member who raised it (tell them).")
    representative_id: str = Field(description="Opaque id of the representative who answered.")
    title: str = Field(description="The problem's title (personal numbers masked).")
    outcome: str = Field(description="`adopted` (a case was opened) or `declined`.")
    answer: str | None = Field(None, description="The representative's words, zh-CN (masked).")
    proposal_id: str | None = Field(None, description="The case it became, when adopted.")
    case_no: str | None = Field(None, description="That case's readable number.")
    area_code: str | None = Field(None, description="Six-digit administrative area, if known.")
    at: datetime = Field(description="When it was answered.")


class ProposalOutcomeRated(CaseFacts):
    """proposal.outcome_rated.v1: a member the case is for rated its outcome (会员评家), 1-5."""

    type_name = "proposal.outcome_rated.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The case id.")
    kind: CaseKind = Field(description="Kind of case.")
    title: str = Field(description="The case's title (personal numbers masked).")
    member_id: str = Field(description="Opaque id of the member who rated.")
    score: int = Field(description="1 (very unsatisfied) to 5 (very satisfied).")
    comment: str | None = Field(None, description="The member's comment, zh-CN (masked).")
    low: bool = Field(description="Whether the score is at or below the deployment's threshold.")
    threshold: int = Field(description="Scores at or below this are flagged (default 3).")
    unit_code: str | None = Field(None, description="The handling (lead) unit.")
    submitted_by: str = Field(description="Opaque id of the representative who submitted it.")
    at: datetime = Field(description="When.")


class ProposalLowSatisfaction(ProposalOutcomeRated):
    """proposal.low_satisfaction.v1: an outcome rated at or below the threshold; for supervisors
    and the review group to look into (same fields as `proposal.outcome_rated.v1`)."""

    type_name = "proposal.low_satisfaction.v1"


PROPOSAL_CONTRACTS = (
    ProposalSubmitted,
    ProposalTransitioned,
    ProposalClaimed,
    ProposalOverdue,
    ProposalAssigned,
    ProposalOffered,
    ProposalWithdrawn,
    AcceptAssignment,
    ReportProgress,
    CompleteCase,
    DeclineCase,
    ClaimReport,
    DiscussionOpened,
    DiscussionCommented,
    DiscussionConverted,
    RepresentativeRated,
    KeyContactVisited,
    ProblemRaised,
    ProblemAnswered,
    ProposalOutcomeRated,
    ProposalLowSatisfaction,
)
"""Every contract of the proposals service, for the catalogue."""
