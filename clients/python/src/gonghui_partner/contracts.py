"""Payload contracts of the gonghui bus, generated from contracts.schema.json (scripts/generate_contracts.py); do not edit."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, Field, RootModel


class GonghuiBusPayloads(RootModel[Any]):
    root: Any = Field(..., title="gonghui bus payloads")


class Handler(RootModel[str]):
    root: str = Field(
        ..., description="Who handles it in the unit.", max_length=64, title="Handler"
    )


class Note(RootModel[str]):
    root: str = Field(..., description="A note for the submitter.", max_length=2000, title="Note")


class AcceptAssignment(BaseModel):
    """
    proposal.accept_assignment.v1 (outbox): the unit takes on a case assigned to it (受理).
    """

    handler: Handler | None = Field(
        None, description="Who handles it in the unit.", title="Handler"
    )
    note: Note | None = Field(None, description="A note for the submitter.", title="Note")
    proposal_id: str = Field(
        ..., description="The case id from the work item.", title="Proposal Id"
    )


class ActivityCheckedIn(BaseModel):
    """
    activity.checked_in.v1: a confirmed worker checked in on the day.
    """

    activity_id: str = Field(..., description="The activity's id.", title="Activity Id")
    at: datetime = Field(..., description="When.", title="At")
    confirmed: int = Field(
        ..., description="Confirmed places taken after the step.", title="Confirmed"
    )
    recipient: str | None = Field(
        None,
        description="On a promotion: the worker's id in the union's directory (the subject of the token they signed up with), so they can be told; absent for anonymous sign-ups.",
        title="Recipient",
    )
    status: str = Field(..., description="The sign-up's state after the step.", title="Status")
    title: str | None = Field(None, description="The activity's title.", title="Title")
    waitlisted: int = Field(..., description="Workers waiting after the step.", title="Waitlisted")
    worker_ref: str = Field(
        ..., description="Opaque, keyed hash of the worker's id.", title="Worker Ref"
    )


class ActivityPublished(BaseModel):
    """
    activity.published.v1: a station or city union published an activity (subject = its id).
    """

    activity_id: str = Field(..., description="The activity's id.", title="Activity Id")
    area_code: str = Field(
        ..., description="Area of the organising union or station.", title="Area Code"
    )
    capacity: int = Field(..., description="Places.", title="Capacity")
    ends_at: datetime = Field(..., description="End.", title="Ends At")
    place: str = Field(..., description="Where.", title="Place")
    published_by: str = Field(..., description="Who published it.", title="Published By")
    starts_at: datetime = Field(..., description="Start.", title="Starts At")
    station_code: str | None = Field(
        None, description="The hosting station, if any.", title="Station Code"
    )
    title: str = Field(..., description="Title.", title="Title")


class ActivitySignedUp(BaseModel):
    """
    activity.signed_up.v1: a worker signed up (status `confirmed` or `waitlisted`).
    """

    activity_id: str = Field(..., description="The activity's id.", title="Activity Id")
    at: datetime = Field(..., description="When.", title="At")
    confirmed: int = Field(
        ..., description="Confirmed places taken after the step.", title="Confirmed"
    )
    recipient: str | None = Field(
        None,
        description="On a promotion: the worker's id in the union's directory (the subject of the token they signed up with), so they can be told; absent for anonymous sign-ups.",
        title="Recipient",
    )
    status: str = Field(..., description="The sign-up's state after the step.", title="Status")
    title: str | None = Field(None, description="The activity's title.", title="Title")
    waitlisted: int = Field(..., description="Workers waiting after the step.", title="Waitlisted")
    worker_ref: str = Field(
        ..., description="Opaque, keyed hash of the worker's id.", title="Worker Ref"
    )


class ActivitySignupCancelled(BaseModel):
    """
    activity.signup_cancelled.v1: a worker cancelled.
    """

    activity_id: str = Field(..., description="The activity's id.", title="Activity Id")
    at: datetime = Field(..., description="When.", title="At")
    confirmed: int = Field(
        ..., description="Confirmed places taken after the step.", title="Confirmed"
    )
    recipient: str | None = Field(
        None,
        description="On a promotion: the worker's id in the union's directory (the subject of the token they signed up with), so they can be told; absent for anonymous sign-ups.",
        title="Recipient",
    )
    status: str = Field(..., description="The sign-up's state after the step.", title="Status")
    title: str | None = Field(None, description="The activity's title.", title="Title")
    waitlisted: int = Field(..., description="Workers waiting after the step.", title="Waitlisted")
    worker_ref: str = Field(
        ..., description="Opaque, keyed hash of the worker's id.", title="Worker Ref"
    )


class ActivitySignupPromoted(BaseModel):
    """
    activity.signup_promoted.v1: a waitlisted worker got a place someone gave up.
    """

    activity_id: str = Field(..., description="The activity's id.", title="Activity Id")
    at: datetime = Field(..., description="When.", title="At")
    confirmed: int = Field(
        ..., description="Confirmed places taken after the step.", title="Confirmed"
    )
    recipient: str | None = Field(
        None,
        description="On a promotion: the worker's id in the union's directory (the subject of the token they signed up with), so they can be told; absent for anonymous sign-ups.",
        title="Recipient",
    )
    status: str = Field(..., description="The sign-up's state after the step.", title="Status")
    title: str | None = Field(None, description="The activity's title.", title="Title")
    waitlisted: int = Field(..., description="Workers waiting after the step.", title="Waitlisted")
    worker_ref: str = Field(
        ..., description="Opaque, keyed hash of the worker's id.", title="Worker Ref"
    )


class AreaCode(RootModel[str]):
    root: str = Field(
        ...,
        description="Administrative area code or prefix (`3501` = Fuzhou); everyone if omitted.",
        pattern="^\\d{2,12}$",
        title="Area Code",
    )


class WithinM(RootModel[int]):
    root: int = Field(
        ...,
        description="Only people within this distance of an open station; everyone if omitted.",
        ge=50,
        le=50000,
        title="Within M",
    )


class BroadcastAudience(BaseModel):
    """
    Who receives a broadcast: people of a role in an area, optionally near a station.
    """

    area_code: AreaCode | None = Field(
        None,
        description="Administrative area code or prefix (`3501` = Fuzhou); everyone if omitted.",
        title="Area Code",
    )
    role: str | None = Field(
        "worker",
        description="People holding this role.",
        max_length=50,
        min_length=1,
        title="Role",
    )
    within_m: WithinM | None = Field(
        None,
        description="Only people within this distance of an open station; everyone if omitted.",
        title="Within M",
    )


class BodyEn(RootModel[str]):
    root: str = Field(..., description="Body template, English.", max_length=2000, title="Body En")


class TitleEn(RootModel[str]):
    root: str = Field(..., description="Title template, English.", max_length=200, title="Title En")


class CaseKind(str, Enum):
    """
    What kind of case a representative brings.
    """

    proposal = "proposal"
    issue = "issue"
    zero_distance = "zero_distance"
    hotline = "hotline"
    practical_project = "practical_project"


class Note1(RootModel[str]):
    root: str = Field(..., description="e.g. `我们公司来处理`.", max_length=2000, title="Note")


class ClaimReport(BaseModel):
    """
    proposal.claim.v1 (outbox): take a zero-distance report; the first claim wins.
    """

    handler: Handler | None = Field(
        None, description="Who handles it in the unit.", title="Handler"
    )
    note: Note1 | None = Field(None, description="e.g. `我们公司来处理`.", title="Note")
    proposal_id: str = Field(
        ...,
        description="The report's case id from `proposal.offered.v1`.",
        title="Proposal Id",
    )


class CompleteCase(BaseModel):
    """
    proposal.complete.v1 (outbox): handling is finished; the result goes to supervision.
    """

    proposal_id: str = Field(..., description="The case id.", title="Proposal Id")
    result: str = Field(
        ...,
        description="What was achieved, zh-CN.",
        max_length=2000,
        min_length=1,
        title="Result",
    )


class CoordSystem(str, Enum):
    """
    Datum of coordinates: WGS-84 (GPS) or GCJ-02 (Amap, Tencent maps).
    """

    wgs84 = "wgs84"
    gcj02 = "gcj02"


class DeclineCase(BaseModel):
    """
    proposal.decline.v1 (outbox): not ours to handle; goes back to the reviewers.
    """

    proposal_id: str = Field(..., description="The case id.", title="Proposal Id")
    reason: str = Field(
        ..., description="Why, zh-CN.", max_length=2000, min_length=1, title="Reason"
    )


class DiscussionCommented(BaseModel):
    """
    discussion.commented.v1: someone added to a discussion.
    """

    at: datetime = Field(..., description="When.", title="At")
    author: str = Field(..., description="Opaque id of the author.", title="Author")
    comment_id: str = Field(..., description="The comment id.", title="Comment Id")
    discussion_id: str = Field(..., description="The discussion id.", title="Discussion Id")


class DiscussionConverted(BaseModel):
    """
    discussion.converted.v1: reviewers turned a discussion into a proposal.
    """

    at: datetime = Field(..., description="When.", title="At")
    converted_by: str = Field(..., description="Opaque id of the reviewer.", title="Converted By")
    discussion_id: str = Field(..., description="The discussion id.", title="Discussion Id")
    proposal_id: str = Field(..., description="The proposal it became.", title="Proposal Id")


class DiscussionOpened(BaseModel):
    """
    discussion.opened.v1: an issue was opened for everyone to discuss (职工事大家议).
    """

    discussion_id: str = Field(..., description="The discussion id.", title="Discussion Id")
    opened_at: datetime = Field(..., description="When.", title="Opened At")
    opened_by: str = Field(
        ...,
        description="Opaque id of the representative who opened it.",
        title="Opened By",
    )
    title: str = Field(..., description="Short title.", title="Title")


class DonationRecorded(BaseModel):
    """
    donation.recorded.v1: money or goods were donated to a station or an area's stations.
    """

    amount_fen: int | None = Field(
        None, description="Money, in fen (0.01 yuan).", title="Amount Fen"
    )
    area_code: str = Field(..., description="Area the donation is for.", title="Area Code")
    donation_id: str = Field(..., description="The ledger entry's id.", title="Donation Id")
    donor: str = Field(
        ...,
        description="The donor (an organisation or a person who agreed to be named).",
        title="Donor",
    )
    goods: str | None = Field(None, description="What goods.", title="Goods")
    kind: str = Field(..., description="`money` or `goods`.", title="Kind")
    quantity: int | None = Field(None, description="How many of the goods.", title="Quantity")
    received_at: datetime = Field(..., description="When it was received.", title="Received At")
    station_code: str | None = Field(
        None, description="The receiving station, if one.", title="Station Code"
    )


class EntryRejected(BaseModel):
    """
    entry.rejected.v1: an entry the department wrote was refused and dead-lettered; why.

    Put on `dept.<code>.inbox` next to the work routed to the department, at the moment the
    entry goes to `dept.<code>.outbox.dlq`. Its CloudEvents `id` is `rejected:<entry_id>`, the
    same however often it is written, so a department can apply it idempotently.
    """

    deliveries: int = Field(
        ...,
        description="How many times it was tried: 1 when it could never be applied (a broken rule), more when it kept failing and was given up.",
        title="Deliveries",
    )
    entry_id: str = Field(
        ...,
        description="The refused entry's Redis stream id on `dept.<code>.outbox` (what XADD returned), e.g. `1732867200000-0`.",
        title="Entry Id",
    )
    event_id: str | None = Field(
        None,
        description="Its CloudEvents `id`, if it had a readable one (else null).",
        title="Event Id",
    )
    event_type: str | None = Field(
        None,
        description="Its CloudEvents `type`, if it had a readable one (else null).",
        title="Event Type",
    )
    reason_en: str = Field(
        ...,
        description="Why, in English and in detail: the reason the operator sees in the dead-letter queue (which field, which rule).",
        title="Reason En",
    )
    reason_zh: str = Field(
        ...,
        description="为什么被拒绝 (zh-CN): the kind of refusal, for people.",
        title="Reason Zh",
    )
    refused_by: str = Field(
        ...,
        description="The service that refused it: `stations`, `proposals` or `notify`.",
        title="Refused By",
    )


class Actor(RootModel[str]):
    root: str = Field(
        ...,
        description="The person at the department who acts (recorded).",
        max_length=60,
        title="Actor",
    )


class Code(RootModel[str]):
    root: str = Field(..., description="The station code; or give:", max_length=40, title="Code")


class ExternalRef(RootModel[str]):
    root: str = Field(
        ...,
        description="The department's own id for the station.",
        max_length=100,
        title="External Ref",
    )


class ExitStation(BaseModel):
    """
    station.exit.v1: 退出机制: retire a station for good; its code is never reused.
    """

    actor: Actor | None = Field(
        None,
        description="The person at the department who acts (recorded).",
        title="Actor",
    )
    code: Code | None = Field(None, description="The station code; or give:", title="Code")
    external_ref: ExternalRef | None = Field(
        None,
        description="The department's own id for the station.",
        title="External Ref",
    )
    reason: str = Field(
        ...,
        description="Why it leaves the registry.",
        max_length=500,
        min_length=2,
        title="Reason",
    )


class KeyContactVisited(BaseModel):
    """
    key_contact.visited.v1: a representative visited a key contact at home (入户走访).

    Carries the contact's opaque id and masked phone only, never name or address.
    """

    key_contact_id: str = Field(
        ..., description="Opaque id of the key contact.", title="Key Contact Id"
    )
    masked_phone: str | None = Field(
        None, description="The contact's phone, masked.", title="Masked Phone"
    )
    report_id: str | None = Field(
        None, description="A zero-distance report raised from it.", title="Report Id"
    )
    representative_id: str = Field(
        ...,
        description="Opaque id of the visiting representative.",
        title="Representative Id",
    )
    visit_id: str = Field(..., description="The visit id.", title="Visit Id")
    visited_at: datetime = Field(..., description="When the visit took place.", title="Visited At")


class NotificationDelivered(BaseModel):
    """
    notification.delivered.v1: a notification reached a recipient on a channel.
    """

    cause_event_id: str = Field(
        ..., description="The `id` of the event that caused it.", title="Cause Event Id"
    )
    cause_source: str = Field(
        ...,
        description="The `source` of the event that caused it.",
        title="Cause Source",
    )
    channel: str = Field(
        ...,
        description="Channel used: in_app, webhook, dingtalk, sms, email, …",
        title="Channel",
    )
    delivered_at: datetime = Field(..., description="When it was delivered.", title="Delivered At")
    notification_id: str = Field(..., description="The notification's id.", title="Notification Id")
    recipient: str = Field(
        ...,
        description="Opaque recipient id, or `role:<name>` for a group.",
        title="Recipient",
    )


class NotificationFailed(BaseModel):
    """
    notification.failed.v1: a notification could not be delivered on any channel tried.
    """

    attempts: int = Field(
        ...,
        description="How many attempts were made, over every channel tried.",
        title="Attempts",
    )
    cause_event_id: str = Field(
        ..., description="The `id` of the event that caused it.", title="Cause Event Id"
    )
    cause_source: str = Field(
        ...,
        description="The `source` of the event that caused it.",
        title="Cause Source",
    )
    channel: str = Field(
        ...,
        description="The rule's channel: in_app, webhook, preferred, …",
        title="Channel",
    )
    delivery_id: str = Field(
        ...,
        description="The delivery's id (see `GET /deliveries`).",
        title="Delivery Id",
    )
    failed_at: datetime = Field(..., description="When notify gave up.", title="Failed At")
    reason: str = Field(..., description="The last error, for operators.", title="Reason")
    recipient: str = Field(
        ...,
        description="Opaque recipient id, or `role:<name>` for a group.",
        title="Recipient",
    )


class NotificationPosted(BaseModel):
    """
    notification.posted.v1: a message for a department, written to its `dept.<code>.inbox`.

    The envelope's `id` is the delivery id: a department that sees it twice drops the repeat.
    """

    body: str = Field(..., description="Body text.", title="Body")
    cause_event_id: str = Field(
        ..., description="The `id` of the event that caused it.", title="Cause Event Id"
    )
    cause_type: str = Field(
        ..., description="The `type` of the event that caused it.", title="Cause Type"
    )
    delivery_id: str = Field(
        ...,
        description="The delivery's id (also the envelope id).",
        title="Delivery Id",
    )
    priority: str = Field(..., description="normal, urgent or critical.", title="Priority")
    recipient: str = Field(
        ...,
        description="The department as a recipient, e.g. `dept:transport`.",
        title="Recipient",
    )
    title: str = Field(
        ...,
        description="Title, zh-CN unless the department asked for English.",
        title="Title",
    )


class ManagementRules(RootModel[str]):
    root: str = Field(..., description="管理制度.", max_length=5000, title="Management Rules")


class SafetyNotice(RootModel[str]):
    root: str = Field(..., description="安全须知.", max_length=5000, title="Safety Notice")


class ServiceProcess(RootModel[str]):
    root: str = Field(..., description="服务流程.", max_length=5000, title="Service Process")


class PostedDocuments(BaseModel):
    """
    公示上墙: the three documents every station posts (text or a URL).
    """

    management_rules: ManagementRules | None = Field(
        None, description="管理制度.", title="Management Rules"
    )
    safety_notice: SafetyNotice | None = Field(None, description="安全须知.", title="Safety Notice")
    service_process: ServiceProcess | None = Field(
        None, description="服务流程.", title="Service Process"
    )


class Priority(str, Enum):
    """
    How urgent a message is: urgent and critical pass quiet hours; critical passes opt-outs.
    """

    normal = "normal"
    urgent = "urgent"
    critical = "critical"


class ProblemAnswered(BaseModel):
    """
    problem.answered.v1: the representative adopted the problem as a case or said why not.
    """

    answer: str | None = Field(
        None, description="The representative's words, zh-CN (masked).", title="Answer"
    )
    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    at: datetime = Field(..., description="When it was answered.", title="At")
    case_no: str | None = Field(None, description="That case's readable number.", title="Case No")
    member_id: str = Field(
        ...,
        description="Opaque id of the member who raised it (tell them).",
        title="Member Id",
    )
    outcome: str = Field(
        ..., description="`adopted` (a case was opened) or `declined`.", title="Outcome"
    )
    problem_id: str = Field(..., description="The problem id.", title="Problem Id")
    proposal_id: str | None = Field(
        None, description="The case it became, when adopted.", title="Proposal Id"
    )
    representative_id: str = Field(
        ...,
        description="Opaque id of the representative who answered.",
        title="Representative Id",
    )
    title: str = Field(
        ..., description="The problem's title (personal numbers masked).", title="Title"
    )


class ProblemRaised(BaseModel):
    """
    problem.raised.v1: a member raised a problem to their representative (from the API).
    """

    area_code: str | None = Field(
        None, description="Six-digit administrative area, if given.", title="Area Code"
    )
    category: str | None = Field(None, description="Topic, if given.", title="Category")
    member_id: str = Field(
        ...,
        description="Opaque id of the member (worker) who raised it.",
        title="Member Id",
    )
    problem_id: str = Field(..., description="The problem id.", title="Problem Id")
    raised_at: datetime = Field(..., description="When.", title="Raised At")
    representative_id: str = Field(
        ...,
        description="Opaque id of the representative asked.",
        title="Representative Id",
    )
    title: str = Field(..., description="Short title (personal numbers masked).", title="Title")


class ProposalAssigned(BaseModel):
    """
    proposal.assigned.v1 (inbox): a case is now yours; answer `proposal.accept_assignment.v1`.

    Also sent, with `reason`, when your zero-distance claim won (no acceptance needed), when the
    supervisor sends the result back or when the submitter reopens the case: then go on
    handling and send progress and completion again.
    """

    accept_by: datetime | None = Field(
        None, description="Accept before this time.", title="Accept By"
    )
    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    body: str = Field(
        ..., description="What the problem is and what is asked, zh-CN.", title="Body"
    )
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
        title="Case No",
    )
    category: str | None = Field(None, description="Topic used for routing.", title="Category")
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    complete_by: datetime | None = Field(
        None,
        description="Complete before this time (handling time runs from acceptance).",
        title="Complete By",
    )
    key_contact_id: str | None = Field(
        None,
        description="Opaque id of a key contact concerned.",
        title="Key Contact Id",
    )
    kind: CaseKind = Field(..., description="Kind of case.")
    lead_unit: str | None = Field(
        None, description="Code of the lead unit, on a `co` item.", title="Lead Unit"
    )
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    note: str | None = Field(None, description="The reviewer's or supervisor's note.", title="Note")
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The case id; answer with it.", title="Proposal Id")
    reason: str | None = Field(
        "assigned",
        description="`assigned` or `reassigned` (accept it), `claimed` (your claim won: it is already yours, go on with progress), `sent_back` or `reopened` (handle it again), `co_assigned` (协办: handle your part and report it; the lead unit completes the case).",
        title="Reason",
    )
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    role: str | None = Field(
        "lead",
        description="`lead` (主办: your completion completes the case) or `co` (协办).",
        title="Role",
    )
    submitted_by: str = Field(
        ...,
        description="Opaque id of the representative to contact.",
        title="Submitted By",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    title: str = Field(..., description="Short title, zh-CN.", title="Title")
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class ProposalClaimed(BaseModel):
    """
    proposal.claimed.v1: a unit claimed a zero-distance report (零距离); the others stop.

    Announced on `proposals.events` (the submitter learns who took it) and put on the inbox of
    every other unit it was offered to, and of any unit whose claim came too late.
    """

    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
        title="Case No",
    )
    claimed_at: datetime = Field(
        ..., description="When the winning claim was applied.", title="Claimed At"
    )
    claimed_by: str = Field(
        ..., description="Code of the unit that won the claim.", title="Claimed By"
    )
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The report's case id.", title="Proposal Id")
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    submitted_by: str = Field(
        ...,
        description="Opaque id of the representative who reported it.",
        title="Submitted By",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    title: str = Field(..., description="The report's title.", title="Title")
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class ProposalLowSatisfaction(BaseModel):
    """
    proposal.low_satisfaction.v1: an outcome rated at or below the threshold; for supervisors
    and the review group to look into (same fields as `proposal.outcome_rated.v1`).
    """

    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    at: datetime = Field(..., description="When.", title="At")
    case_no: str | None = Field(
        None,
        description="Readable case number (area-year-sequence), e.g. `330482-2026-000042`.",
        title="Case No",
    )
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    comment: str | None = Field(
        None, description="The member's comment, zh-CN (masked).", title="Comment"
    )
    kind: CaseKind = Field(..., description="Kind of case.")
    low: bool = Field(
        ...,
        description="Whether the score is at or below the deployment's threshold.",
        title="Low",
    )
    member_id: str = Field(..., description="Opaque id of the member who rated.", title="Member Id")
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The case id.", title="Proposal Id")
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    score: int = Field(
        ..., description="1 (very unsatisfied) to 5 (very satisfied).", title="Score"
    )
    submitted_by: str = Field(
        ...,
        description="Opaque id of the representative who submitted it.",
        title="Submitted By",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    threshold: int = Field(
        ...,
        description="Scores at or below this are flagged (default 3).",
        title="Threshold",
    )
    title: str = Field(
        ..., description="The case's title (personal numbers masked).", title="Title"
    )
    unit_code: str | None = Field(None, description="The handling (lead) unit.", title="Unit Code")
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class ProposalOffered(BaseModel):
    """
    proposal.offered.v1 (inbox): a zero-distance report anyone eligible may claim first.
    """

    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    body: str = Field(..., description="What the representative found, zh-CN.", title="Body")
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
        title="Case No",
    )
    category: str | None = Field(None, description="Topic used for routing.", title="Category")
    claim_by: datetime | None = Field(None, description="Claim before this time.", title="Claim By")
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    key_contact_id: str | None = Field(
        None,
        description="Opaque id of the key contact concerned.",
        title="Key Contact Id",
    )
    key_contact_phone: str | None = Field(
        None, description="The key contact's phone, masked.", title="Key Contact Phone"
    )
    kind: CaseKind = Field(..., description="Kind of case.")
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The case id; answer with it.", title="Proposal Id")
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    submitted_by: str = Field(
        ...,
        description="Opaque id of the representative to contact.",
        title="Submitted By",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    title: str = Field(..., description="Short title, zh-CN.", title="Title")
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class ProposalOutcomeRated(BaseModel):
    """
    proposal.outcome_rated.v1: a member the case is for rated its outcome (会员评家), 1-5.
    """

    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    at: datetime = Field(..., description="When.", title="At")
    case_no: str | None = Field(
        None,
        description="Readable case number (area-year-sequence), e.g. `330482-2026-000042`.",
        title="Case No",
    )
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    comment: str | None = Field(
        None, description="The member's comment, zh-CN (masked).", title="Comment"
    )
    kind: CaseKind = Field(..., description="Kind of case.")
    low: bool = Field(
        ...,
        description="Whether the score is at or below the deployment's threshold.",
        title="Low",
    )
    member_id: str = Field(..., description="Opaque id of the member who rated.", title="Member Id")
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The case id.", title="Proposal Id")
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    score: int = Field(
        ..., description="1 (very unsatisfied) to 5 (very satisfied).", title="Score"
    )
    submitted_by: str = Field(
        ...,
        description="Opaque id of the representative who submitted it.",
        title="Submitted By",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    threshold: int = Field(
        ...,
        description="Scores at or below this are flagged (default 3).",
        title="Threshold",
    )
    title: str = Field(
        ..., description="The case's title (personal numbers masked).", title="Title"
    )
    unit_code: str | None = Field(None, description="The handling (lead) unit.", title="Unit Code")
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class ProposalOverdue(BaseModel):
    """
    proposal.overdue.v1: a step of a case passed its deadline; notify escalates it.

    Emitted once per (case, step, deadline), whatever the number of replicas checking.
    """

    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
        title="Case No",
    )
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    detected_at: datetime = Field(
        ..., description="When the lateness was detected.", title="Detected At"
    )
    due_at: datetime = Field(..., description="When that step was due.", title="Due At")
    kind: CaseKind = Field(..., description="Kind of case.")
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The case id.", title="Proposal Id")
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    status: str = Field(..., description="The case's status when detected.", title="Status")
    step: str = Field(
        ...,
        description="The step that is late: review, claim, acceptance, handling, …",
        title="Step",
    )
    submitted_by: str = Field(
        ...,
        description="Opaque id of the submitting representative.",
        title="Submitted By",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    title: str = Field(..., description="The case title.", title="Title")
    unit_code: str | None = Field(
        None, description="The handling unit, if one is assigned.", title="Unit Code"
    )
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class ProposalSubmitted(BaseModel):
    """
    proposal.submitted.v1: a representative submitted a case (线上提交); subject = its id.
    """

    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
        title="Case No",
    )
    category: str | None = Field(
        None, description="Topic used for routing, e.g. `transport`.", title="Category"
    )
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    kind: CaseKind = Field(..., description="Kind of case.")
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The case id.", title="Proposal Id")
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    submitted_at: datetime = Field(..., description="When it was submitted.", title="Submitted At")
    submitted_by: str = Field(
        ...,
        description="Opaque id of the submitting representative.",
        title="Submitted By",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    title: str = Field(..., description="Short title (personal numbers masked).", title="Title")
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class ProposalTransitioned(BaseModel):
    """
    proposal.transitioned.v1: a case moved through its loop; one per transition, in order.
    """

    action: str = Field(
        ...,
        description="What was done: `accept`, `assign`, `complete`, `verify`, ….",
        title="Action",
    )
    actor: str = Field(
        ...,
        description="Who did it: an opaque person id, `dept:<code>` or `system`.",
        title="Actor",
    )
    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    at: datetime = Field(..., description="When it happened.", title="At")
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
        title="Case No",
    )
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    from_status: str | None = Field(
        ..., description="Status before; null for the submission.", title="From Status"
    )
    kind: CaseKind = Field(..., description="Kind of case.")
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    note: str | None = Field(None, description="What the actor wrote, zh-CN.", title="Note")
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The case id.", title="Proposal Id")
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    seq: int = Field(
        ...,
        description="Position of this transition in the case's timeline, from 1.",
        title="Seq",
    )
    step: str = Field(
        ...,
        description="Which of the five steps it belongs to: submission, review, …",
        title="Step",
    )
    submitted_by: str = Field(
        ...,
        description="Opaque id of the representative who submitted it.",
        title="Submitted By",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    title: str | None = Field(
        None, description="The case's title (personal numbers masked).", title="Title"
    )
    to_status: str = Field(..., description="Status after.", title="To Status")
    unit_code: str | None = Field(
        None, description="The handling unit after the transition.", title="Unit Code"
    )
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class ProposalWithdrawn(BaseModel):
    """
    proposal.withdrawn.v1 (inbox): the case was re-assigned away from you; stop work on it.
    """

    area_code: str | None = Field(
        None, description="Six-digit administrative area, if known.", title="Area Code"
    )
    case_no: str | None = Field(
        None,
        description="Readable case number `<area>-<year>-<sequence>`, e.g. `330482-2026-000042`.",
        title="Case No",
    )
    co_units: list[str] | None = Field(
        None,
        description="Codes of the co-handling units (协办), if any.",
        title="Co Units",
    )
    kind: CaseKind = Field(..., description="Kind of case.")
    members: list[str] | None = Field(
        None,
        description="Opaque ids of the members (workers) the case is for: they follow it.",
        title="Members",
    )
    note: str | None = Field(None, description="Why, zh-CN.", title="Note")
    priority: str | None = Field(
        "normal",
        description="`urgent` for 12351 hotline cases (green channel: pass quiet hours and digests), `high` for zero-distance reports, else `normal`.",
        title="Priority",
    )
    proposal_id: str = Field(..., description="The case id; answer with it.", title="Proposal Id")
    responsible_person: str | None = Field(
        None,
        description="Opaque id of the case's named responsible person (hotline), if any.",
        title="Responsible Person",
    )
    submitted_by_name: str | None = Field(
        None,
        description="Display name of the submitting representative, zh-CN, if registered.",
        title="Submitted By Name",
    )
    title: str = Field(..., description="Short title, zh-CN.", title="Title")
    unit_name: str | None = Field(
        None, description="Display name of the handling unit, zh-CN.", title="Unit Name"
    )
    unit_responsible_person: str | None = Field(
        None,
        description="Opaque id of the handling unit's head (一把手), to be told personally.",
        title="Unit Responsible Person",
    )
    unit_responsible_person_name: str | None = Field(
        None,
        description="Display name of the unit's head, zh-CN.",
        title="Unit Responsible Person Name",
    )


class RecordVisit(BaseModel):
    """
    visit.record.v1: a worker used a station (the partner's own check-in system).
    """

    actor: Actor | None = Field(
        None,
        description="The person at the department who acts (recorded).",
        title="Actor",
    )
    code: Code | None = Field(None, description="The station code; or give:", title="Code")
    external_ref: ExternalRef | None = Field(
        None,
        description="The department's own id for the station.",
        title="External Ref",
    )
    visited_at: datetime = Field(
        ..., description="When the worker checked in (RFC 3339).", title="Visited At"
    )
    worker_id: str = Field(
        ...,
        description="The partner's id of the worker; hashed.",
        max_length=100,
        min_length=1,
        title="Worker Id",
    )


class AreaCode1(RootModel[str]):
    root: str = Field(
        ...,
        description="GB/T 2260 six-digit area code; derived from address or coordinates if absent.",
        pattern="^\\d{6}$",
        title="Area Code",
    )


class FundingSource(RootModel[str]):
    root: str = Field(
        ...,
        description="Who funds the station.",
        max_length=100,
        title="Funding Source",
    )


class Milestone(RootModel[str]):
    root: str = Field(..., description="A milestone reached.", max_length=200, title="Milestone")


class Note2(RootModel[str]):
    root: str = Field(..., description="What was done, zh-CN.", max_length=2000, title="Note")


class ReportProgress(BaseModel):
    """
    proposal.progress.v1 (outbox): how far the handling has come (办理落实).
    """

    milestone: Milestone | None = Field(None, description="A milestone reached.", title="Milestone")
    note: Note2 | None = Field(None, description="What was done, zh-CN.", title="Note")
    percent: int = Field(..., description="How much is done, 0-100.", ge=0, le=100, title="Percent")
    proposal_id: str = Field(..., description="The case id.", title="Proposal Id")


class RepresentativeRated(BaseModel):
    """
    representative.rated.v1: a member rated their representative (会员评家).
    """

    at: datetime = Field(..., description="When.", title="At")
    period: str = Field(..., description="Rating period, e.g. `2026-Q4`.", title="Period")
    representative_id: str = Field(
        ..., description="Opaque id of the representative.", title="Representative Id"
    )
    score: int = Field(..., description="1-5.", title="Score")


class ResumeStation(BaseModel):
    """
    station.resume.v1: reopen a suspended station.
    """

    actor: Actor | None = Field(
        None,
        description="The person at the department who acts (recorded).",
        title="Actor",
    )
    code: Code | None = Field(None, description="The station code; or give:", title="Code")
    external_ref: ExternalRef | None = Field(
        None,
        description="The department's own id for the station.",
        title="External Ref",
    )
    reason: str | None = Field(
        "reopened",
        description="Why it reopens.",
        max_length=500,
        min_length=2,
        title="Reason",
    )


class StationActivated(BaseModel):
    """
    station.activated.v1: the station passed the six-point gate and hung the plaque.
    """

    actor: str = Field(
        ...,
        description="Who did it: a staff member, or `dept/<code>[:person]`.",
        title="Actor",
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The station code.", title="Code")
    from_status: str = Field(..., description="State before.", title="From Status")
    reason: str = Field(..., description="Why.", title="Reason")
    to_status: str = Field(..., description="State after.", title="To Status")


class StationAssessed(BaseModel):
    """
    station.assessed.v1: a six-point (六有) assessment was recorded.
    """

    assessed_at: datetime = Field(..., description="When.", title="Assessed At")
    assessment_id: str = Field(..., description="The assessment's id.", title="Assessment Id")
    assessor: str = Field(..., description="Who assessed.", title="Assessor")
    code: str = Field(..., description="The station code.", title="Code")
    failed: list[str] = Field(..., description="Criteria that did not pass.", title="Failed")
    map_verified_on: date | None = Field(
        None,
        description="When the map entry was last checked.",
        title="Map Verified On",
    )
    passed: bool = Field(..., description="Whether all six criteria passed.", title="Passed")


class Operator(RootModel[str]):
    root: str = Field(
        ...,
        description="A department's code, e.g. `cib-bank`.",
        pattern="^[a-z][a-z0-9-]{1,30}[a-z0-9]$",
        title="Operator",
    )


class StationComplaintReceived(BaseModel):
    """
    station.complaint_received.v1: a worker complained about a station (投诉).

    For the station's managers (its operator, `dept:<operator>`) and the union's station admins
    of its area (`area_code`).
    """

    area_code: str = Field(..., description="The station's GB/T 2260 area code.", title="Area Code")
    area_name: str = Field(
        ...,
        description="The area's names from the province down, zh-CN.",
        title="Area Name",
    )
    category: str = Field(
        ...,
        description="Why: a key of GET /vocabulary `complaint_categories`.",
        title="Category",
    )
    category_label: str = Field(..., description="The category in zh-CN.", title="Category Label")
    code: str = Field(..., description="The station code.", title="Code")
    complaints_in_window: int = Field(
        ...,
        description="Complaints about this station within the re-inspection window, this included.",
        title="Complaints In Window",
    )
    feedback_id: str = Field(..., description="The complaint's id.", title="Feedback Id")
    name: str = Field(..., description="The station's public name.", title="Name")
    operator: Operator | None = Field(
        None, description="The department that runs it.", title="Operator"
    )
    received_at: datetime = Field(..., description="When it was received.", title="Received At")
    text: str = Field(
        ...,
        description="What the worker wrote; phone and ID numbers masked.",
        title="Text",
    )


class StationExited(BaseModel):
    """
    station.exited.v1: 退出: the station left the registry; its code is never reused.
    """

    actor: str = Field(
        ...,
        description="Who did it: a staff member, or `dept/<code>[:person]`.",
        title="Actor",
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The station code.", title="Code")
    from_status: str = Field(..., description="State before.", title="From Status")
    reason: str = Field(..., description="Why.", title="Reason")
    to_status: str = Field(..., description="State after.", title="To Status")


class StationRated(BaseModel):
    """
    station.rated.v1: a worker rated a station's service (服务评价), 1 to 5 stars.
    """

    area_code: str = Field(..., description="The station's GB/T 2260 area code.", title="Area Code")
    code: str = Field(..., description="The station code.", title="Code")
    feedback_id: str = Field(..., description="The rating's id.", title="Feedback Id")
    received_at: datetime = Field(..., description="When it was received.", title="Received At")
    stars: int = Field(..., description="1 (poor) to 5 (excellent).", ge=1, le=5, title="Stars")


class StationReinspectionClosed(BaseModel):
    """
    station.reinspection_closed.v1: a six-point assessment closed the re-inspection.
    """

    area_code: str = Field(..., description="The station's GB/T 2260 area code.", title="Area Code")
    assessment_id: str = Field(
        ..., description="The assessment that closed it.", title="Assessment Id"
    )
    closed_at: datetime = Field(..., description="When.", title="Closed At")
    code: str = Field(..., description="The station code.", title="Code")
    failed: list[str] = Field(..., description="Criteria that did not pass.", title="Failed")
    outcome: str = Field(
        ...,
        description="`passed` or `failed` (then marked in search results).",
        title="Outcome",
    )


class StationReinspectionOpened(BaseModel):
    """
    station.reinspection_opened.v1: complaints reached the threshold; a re-inspection is due.
    """

    area_code: str = Field(..., description="The station's GB/T 2260 area code.", title="Area Code")
    code: str = Field(..., description="The station code.", title="Code")
    complaints: int = Field(
        ...,
        description="Complaints within the window that opened it.",
        title="Complaints",
    )
    name: str = Field(..., description="The station's public name.", title="Name")
    opened_at: datetime = Field(..., description="When.", title="Opened At")
    operator: Operator | None = Field(
        None, description="The department that runs it.", title="Operator"
    )
    window_days: int = Field(..., description="The window, in days.", title="Window Days")


class StationResumed(BaseModel):
    """
    station.resumed.v1: a suspended station reopened.
    """

    actor: str = Field(
        ...,
        description="Who did it: a staff member, or `dept/<code>[:person]`.",
        title="Actor",
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The station code.", title="Code")
    from_status: str = Field(..., description="State before.", title="From Status")
    reason: str = Field(..., description="Why.", title="Reason")
    to_status: str = Field(..., description="State after.", title="To Status")


class StationService(str, Enum):
    """
    A free service a station offers (the seed's list, plus hot water, charging and toilets).
    """

    drinking_water = "drinking_water"
    hot_water = "hot_water"
    heating = "heating"
    cooling = "cooling"
    rest = "rest"
    meal_heating = "meal_heating"
    wifi = "wifi"
    first_aid = "first_aid"
    umbrella = "umbrella"
    charging = "charging"
    toilet = "toilet"


class StationSuspended(BaseModel):
    """
    station.suspended.v1: the station is closed for a while.
    """

    actor: str = Field(
        ...,
        description="Who did it: a staff member, or `dept/<code>[:person]`.",
        title="Actor",
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The station code.", title="Code")
    from_status: str = Field(..., description="State before.", title="From Status")
    reason: str = Field(..., description="Why.", title="Reason")
    to_status: str = Field(..., description="State after.", title="To Status")
    until: datetime = Field(..., description="Until when it is closed.", title="Until")


class StationUpdated(BaseModel):
    """
    station.updated.v1: a registered station's public information changed.
    """

    actor: str | None = Field(None, description="Who changed it.", title="Actor")
    address: str | None = Field(
        None, description="Street address after the change.", title="Address"
    )
    area_code: str | None = Field(
        None, description="GB/T 2260 area code of the station.", title="Area Code"
    )
    changed: list[str] = Field(
        ..., description="Names of the fields that changed.", title="Changed"
    )
    code: str = Field(..., description="The station code.", title="Code")
    lat: float = Field(..., description="Latitude, WGS-84, after the change.", title="Lat")
    lon: float = Field(..., description="Longitude, WGS-84, after the change.", title="Lon")
    name: str = Field(..., description="Public name after the change.", title="Name")
    open_hours: str = Field(
        ..., description="OSM opening_hours after the change.", title="Open Hours"
    )
    services: list[StationService] = Field(
        ..., description="Free services after the change.", title="Services"
    )


class SubsidyApplied(BaseModel):
    """
    subsidy.applied.v1: a station applied for a model rest room subsidy.
    """

    actor: str = Field(..., description="Who took the step.", title="Actor")
    approved_fen: int | None = Field(
        None, description="Amount approved, in fen.", title="Approved Fen"
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The applying station.", title="Code")
    disbursed_fen: int | None = Field(
        None, description="Amount paid out, in fen.", title="Disbursed Fen"
    )
    note: str = Field(..., description="Why, or what was reported.", title="Note")
    requested_fen: int = Field(..., description="Amount asked for, in fen.", title="Requested Fen")
    status: str = Field(
        ...,
        description="applied, under_review, approved, rejected, disbursed, reported.",
        title="Status",
    )
    subsidy_id: str = Field(..., description="The application's id.", title="Subsidy Id")


class SubsidyApproved(BaseModel):
    """
    subsidy.approved.v1: the application was approved, with the amount.
    """

    actor: str = Field(..., description="Who took the step.", title="Actor")
    approved_fen: int | None = Field(
        None, description="Amount approved, in fen.", title="Approved Fen"
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The applying station.", title="Code")
    disbursed_fen: int | None = Field(
        None, description="Amount paid out, in fen.", title="Disbursed Fen"
    )
    note: str = Field(..., description="Why, or what was reported.", title="Note")
    requested_fen: int = Field(..., description="Amount asked for, in fen.", title="Requested Fen")
    status: str = Field(
        ...,
        description="applied, under_review, approved, rejected, disbursed, reported.",
        title="Status",
    )
    subsidy_id: str = Field(..., description="The application's id.", title="Subsidy Id")


class SubsidyDisbursed(BaseModel):
    """
    subsidy.disbursed.v1: the approved money was paid out.
    """

    actor: str = Field(..., description="Who took the step.", title="Actor")
    approved_fen: int | None = Field(
        None, description="Amount approved, in fen.", title="Approved Fen"
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The applying station.", title="Code")
    disbursed_fen: int | None = Field(
        None, description="Amount paid out, in fen.", title="Disbursed Fen"
    )
    note: str = Field(..., description="Why, or what was reported.", title="Note")
    requested_fen: int = Field(..., description="Amount asked for, in fen.", title="Requested Fen")
    status: str = Field(
        ...,
        description="applied, under_review, approved, rejected, disbursed, reported.",
        title="Status",
    )
    subsidy_id: str = Field(..., description="The application's id.", title="Subsidy Id")


class SubsidyRejected(BaseModel):
    """
    subsidy.rejected.v1: the application was rejected, with the reason.
    """

    actor: str = Field(..., description="Who took the step.", title="Actor")
    approved_fen: int | None = Field(
        None, description="Amount approved, in fen.", title="Approved Fen"
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The applying station.", title="Code")
    disbursed_fen: int | None = Field(
        None, description="Amount paid out, in fen.", title="Disbursed Fen"
    )
    note: str = Field(..., description="Why, or what was reported.", title="Note")
    requested_fen: int = Field(..., description="Amount asked for, in fen.", title="Requested Fen")
    status: str = Field(
        ...,
        description="applied, under_review, approved, rejected, disbursed, reported.",
        title="Status",
    )
    subsidy_id: str = Field(..., description="The application's id.", title="Subsidy Id")


class SubsidyReviewStarted(BaseModel):
    """
    subsidy.review_started.v1: the union started reviewing the application.
    """

    actor: str = Field(..., description="Who took the step.", title="Actor")
    approved_fen: int | None = Field(
        None, description="Amount approved, in fen.", title="Approved Fen"
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The applying station.", title="Code")
    disbursed_fen: int | None = Field(
        None, description="Amount paid out, in fen.", title="Disbursed Fen"
    )
    note: str = Field(..., description="Why, or what was reported.", title="Note")
    requested_fen: int = Field(..., description="Amount asked for, in fen.", title="Requested Fen")
    status: str = Field(
        ...,
        description="applied, under_review, approved, rejected, disbursed, reported.",
        title="Status",
    )
    subsidy_id: str = Field(..., description="The application's id.", title="Subsidy Id")


class SubsidyUsageReported(BaseModel):
    """
    subsidy.usage_reported.v1: the station reported how the money was used.
    """

    actor: str = Field(..., description="Who took the step.", title="Actor")
    approved_fen: int | None = Field(
        None, description="Amount approved, in fen.", title="Approved Fen"
    )
    at: datetime = Field(..., description="When.", title="At")
    code: str = Field(..., description="The applying station.", title="Code")
    disbursed_fen: int | None = Field(
        None, description="Amount paid out, in fen.", title="Disbursed Fen"
    )
    note: str = Field(..., description="Why, or what was reported.", title="Note")
    requested_fen: int = Field(..., description="Amount asked for, in fen.", title="Requested Fen")
    status: str = Field(
        ...,
        description="applied, under_review, approved, rejected, disbursed, reported.",
        title="Status",
    )
    subsidy_id: str = Field(..., description="The application's id.", title="Subsidy Id")


class SuppliesChanged(BaseModel):
    """
    supplies.changed.v1: a station's stock of one kind of supplies went up or down.
    """

    actor: str = Field(..., description="Who recorded it.", title="Actor")
    change: int = Field(
        ..., description="Units added (positive) or used (negative).", title="Change"
    )
    code: str = Field(..., description="The station code.", title="Code")
    item: str = Field(..., description="water, food, medicine or protective_kit.", title="Item")
    low: bool = Field(
        ..., description="Whether the stock is low now: time to replenish.", title="Low"
    )
    low_threshold: int = Field(
        ..., description="At or below this the stock is low.", title="Low Threshold"
    )
    quantity: int = Field(..., description="Units in stock after the change.", title="Quantity")


class SuspendStation(BaseModel):
    """
    station.suspend.v1: close a station for a while (临时关闭), with a reason and an end.
    """

    actor: Actor | None = Field(
        None,
        description="The person at the department who acts (recorded).",
        title="Actor",
    )
    code: Code | None = Field(None, description="The station code; or give:", title="Code")
    external_ref: ExternalRef | None = Field(
        None,
        description="The department's own id for the station.",
        title="External Ref",
    )
    reason: str = Field(
        ..., description="Why it closes.", max_length=500, min_length=2, title="Reason"
    )
    until: datetime = Field(..., description="Until when (RFC 3339, with a zone).", title="Until")


class Address(RootModel[str]):
    root: str = Field(..., description="Address.", max_length=300, min_length=4, title="Address")


class CoBuilders(RootModel[list[str]]):
    root: list[str] = Field(..., description="Co-builders.", max_length=20, title="Co Builders")


class FundingSource1(RootModel[str]):
    root: str = Field(..., description="Funding source.", max_length=100, title="Funding Source")


class Lat(RootModel[float]):
    root: float = Field(
        ...,
        description="Latitude (datum: coord_system).",
        ge=-90.0,
        le=90.0,
        title="Lat",
    )


class Lon(RootModel[float]):
    root: float = Field(
        ...,
        description="Longitude (datum: coord_system).",
        ge=-180.0,
        le=180.0,
        title="Lon",
    )


class ManagerName(RootModel[str]):
    root: str = Field(
        ..., description="Manager.", max_length=50, min_length=1, title="Manager Name"
    )


class Name(RootModel[str]):
    root: str = Field(..., description="Public name.", max_length=120, min_length=2, title="Name")


class OpenHours(RootModel[str]):
    root: str = Field(..., description="OSM opening_hours.", max_length=500, title="Open Hours")


class Services(RootModel[list[StationService]]):
    root: list[StationService] = Field(..., description="Services.", min_length=1, title="Services")


class UpdateStation(BaseModel):
    """
    station.update.v1: change a station's public information; absent fields stay as they are.
    """

    actor: Actor | None = Field(
        None,
        description="The person at the department who acts (recorded).",
        title="Actor",
    )
    address: Address | None = Field(None, description="Address.", title="Address")
    co_builders: CoBuilders | None = Field(None, description="Co-builders.", title="Co Builders")
    code: Code | None = Field(None, description="The station code; or give:", title="Code")
    coord_system: CoordSystem | None = Field(CoordSystem.wgs84, description="Datum of `lat`/`lon`.")
    documents: PostedDocuments | None = Field(None, description="Posted documents.")
    external_ref: ExternalRef | None = Field(
        None,
        description="The department's own id for the station.",
        title="External Ref",
    )
    funding_source: FundingSource1 | None = Field(
        None, description="Funding source.", title="Funding Source"
    )
    lat: Lat | None = Field(None, description="Latitude (datum: coord_system).", title="Lat")
    lon: Lon | None = Field(None, description="Longitude (datum: coord_system).", title="Lon")
    manager_name: ManagerName | None = Field(None, description="Manager.", title="Manager Name")
    manager_phone: str | None = Field(None, description="Manager's phone.", title="Manager Phone")
    name: Name | None = Field(None, description="Public name.", title="Name")
    open_hours: OpenHours | None = Field(None, description="OSM opening_hours.", title="Open Hours")
    services: Services | None = Field(None, description="Services.", title="Services")


class BroadcastRequested(BaseModel):
    """
    notify.broadcast.v1: a permitted department asks notify to tell everyone in an audience.

    Templates are Jinja2; they may use `recipient.name`, `nearest_station.name`,
    `nearest_station.address` and `nearest_station.distance_m` (each person's nearest open station).
    """

    audience: BroadcastAudience = Field(..., description="Who receives it.")
    body_en: BodyEn | None = Field(None, description="Body template, English.", title="Body En")
    body_zh: str = Field(
        ...,
        description="Body template, zh-CN.",
        max_length=2000,
        min_length=1,
        title="Body Zh",
    )
    broadcast_id: str = Field(
        ...,
        description="The department's own id for this broadcast.",
        max_length=100,
        min_length=1,
        title="Broadcast Id",
    )
    channels: list[str] | None = Field(
        None,
        description="Channels: `in_app`, `preferred` (each person's failover order), or a kind.",
        min_length=1,
        title="Channels",
    )
    priority: Priority | None = Field(Priority.urgent, description="normal, urgent or critical.")
    title_en: TitleEn | None = Field(None, description="Title template, English.", title="Title En")
    title_zh: str = Field(
        ...,
        description="Title template, zh-CN.",
        max_length=200,
        min_length=1,
        title="Title Zh",
    )


class RegisterStation(BaseModel):
    """
    station.register.v1: a partner registers a station it operates, or re-sends it to update.
    """

    address: str = Field(
        ...,
        description="Street address, zh-CN.",
        max_length=300,
        min_length=4,
        title="Address",
    )
    area_code: AreaCode1 | None = Field(
        None,
        description="GB/T 2260 six-digit area code; derived from address or coordinates if absent.",
        title="Area Code",
    )
    co_builders: list[str] | None = Field(
        None,
        description="Co-building partners (共建单位), by name.",
        max_length=20,
        title="Co Builders",
    )
    coord_system: CoordSystem | None = Field(
        CoordSystem.wgs84,
        description="Datum of `lat`/`lon`; stored as WGS-84 either way.",
    )
    documents: PostedDocuments | None = Field(None, description="Posted documents (公示上墙).")
    external_ref: str = Field(
        ...,
        description="The partner's own id for the station; stable.",
        max_length=100,
        min_length=1,
        title="External Ref",
    )
    funding_source: FundingSource | None = Field(
        None, description="Who funds the station.", title="Funding Source"
    )
    lat: float = Field(
        ...,
        description="Latitude in degrees (datum: `coord_system`).",
        ge=-90.0,
        le=90.0,
        title="Lat",
    )
    lon: float = Field(
        ...,
        description="Longitude in degrees (datum: `coord_system`).",
        ge=-180.0,
        le=180.0,
        title="Lon",
    )
    manager_name: str = Field(
        ...,
        description="The manager's name (public).",
        max_length=50,
        min_length=1,
        title="Manager Name",
    )
    manager_phone: str = Field(
        ...,
        description="The manager's phone (public by design).",
        title="Manager Phone",
    )
    name: str = Field(
        ...,
        description="Public name, e.g. `兴业银行鼓楼支行爱心驿站`.",
        max_length=120,
        min_length=2,
        title="Name",
    )
    open_hours: str = Field(
        ...,
        description="Opening hours in OSM `opening_hours` syntax, e.g. `Mo-Su 08:00-20:00; PH off` (PH: China's public holidays); stored in the strict form.",
        max_length=500,
        min_length=1,
        title="Open Hours",
    )
    services: list[StationService] = Field(
        ...,
        description="Free services offered; keys from the fixed taxonomy.",
        min_length=1,
        title="Services",
    )


class StationRegistered(BaseModel):
    """
    station.registered.v1: a station entered the registry (subject = its code).
    """

    actor: str | None = Field(
        None, description="Who registered it: staff, or `dept/<code>`.", title="Actor"
    )
    address: str = Field(..., description="Street address.", title="Address")
    area_code: str | None = Field(
        None,
        description="GB/T 2260 area code the code was issued in.",
        title="Area Code",
    )
    code: str = Field(
        ...,
        description="The station code assigned by the registry, never reused.",
        title="Code",
    )
    external_ref: str = Field(
        ..., description="The operator's own id for the station.", title="External Ref"
    )
    lat: float = Field(..., description="Latitude, WGS-84.", title="Lat")
    lon: float = Field(..., description="Longitude, WGS-84.", title="Lon")
    name: str = Field(..., description="Public name.", title="Name")
    open_hours: str = Field(..., description="OSM opening_hours.", title="Open Hours")
    operator: Operator | None = Field(
        None,
        description="The department that operates the station, if any.",
        title="Operator",
    )
    registered_at: datetime = Field(
        ..., description="When the registry accepted it.", title="Registered At"
    )
    services: list[StationService] = Field(
        ..., description="Free services offered.", title="Services"
    )
    status: str = Field(
        ...,
        description="Lifecycle state: proposed, active, suspended or exited.",
        title="Status",
    )
    test_data: bool | None = Field(
        False,
        description="测试数据: registered by a sandbox department; never offered to workers.",
        title="Test Data",
    )


TYPES: dict[str, type[BaseModel]] = {
    "activity.checked_in.v1": ActivityCheckedIn,
    "activity.published.v1": ActivityPublished,
    "activity.signed_up.v1": ActivitySignedUp,
    "activity.signup_cancelled.v1": ActivitySignupCancelled,
    "activity.signup_promoted.v1": ActivitySignupPromoted,
    "discussion.commented.v1": DiscussionCommented,
    "discussion.converted.v1": DiscussionConverted,
    "discussion.opened.v1": DiscussionOpened,
    "donation.recorded.v1": DonationRecorded,
    "entry.rejected.v1": EntryRejected,
    "key_contact.visited.v1": KeyContactVisited,
    "notification.delivered.v1": NotificationDelivered,
    "notification.failed.v1": NotificationFailed,
    "notification.posted.v1": NotificationPosted,
    "notify.broadcast.v1": BroadcastRequested,
    "problem.answered.v1": ProblemAnswered,
    "problem.raised.v1": ProblemRaised,
    "proposal.accept_assignment.v1": AcceptAssignment,
    "proposal.assigned.v1": ProposalAssigned,
    "proposal.claim.v1": ClaimReport,
    "proposal.claimed.v1": ProposalClaimed,
    "proposal.complete.v1": CompleteCase,
    "proposal.decline.v1": DeclineCase,
    "proposal.low_satisfaction.v1": ProposalLowSatisfaction,
    "proposal.offered.v1": ProposalOffered,
    "proposal.outcome_rated.v1": ProposalOutcomeRated,
    "proposal.overdue.v1": ProposalOverdue,
    "proposal.progress.v1": ReportProgress,
    "proposal.submitted.v1": ProposalSubmitted,
    "proposal.transitioned.v1": ProposalTransitioned,
    "proposal.withdrawn.v1": ProposalWithdrawn,
    "representative.rated.v1": RepresentativeRated,
    "station.activated.v1": StationActivated,
    "station.assessed.v1": StationAssessed,
    "station.complaint_received.v1": StationComplaintReceived,
    "station.exit.v1": ExitStation,
    "station.exited.v1": StationExited,
    "station.rated.v1": StationRated,
    "station.register.v1": RegisterStation,
    "station.registered.v1": StationRegistered,
    "station.reinspection_closed.v1": StationReinspectionClosed,
    "station.reinspection_opened.v1": StationReinspectionOpened,
    "station.resume.v1": ResumeStation,
    "station.resumed.v1": StationResumed,
    "station.suspend.v1": SuspendStation,
    "station.suspended.v1": StationSuspended,
    "station.update.v1": UpdateStation,
    "station.updated.v1": StationUpdated,
    "subsidy.applied.v1": SubsidyApplied,
    "subsidy.approved.v1": SubsidyApproved,
    "subsidy.disbursed.v1": SubsidyDisbursed,
    "subsidy.rejected.v1": SubsidyRejected,
    "subsidy.review_started.v1": SubsidyReviewStarted,
    "subsidy.usage_reported.v1": SubsidyUsageReported,
    "supplies.changed.v1": SuppliesChanged,
    "visit.record.v1": RecordVisit,
}
"""The payload model of every type on the bus, by CloudEvents `type`."""

COMMANDS: frozenset[str] = frozenset(
    {
        "notify.broadcast.v1",
        "proposal.accept_assignment.v1",
        "proposal.claim.v1",
        "proposal.complete.v1",
        "proposal.decline.v1",
        "proposal.progress.v1",
        "station.exit.v1",
        "station.register.v1",
        "station.resume.v1",
        "station.suspend.v1",
        "station.update.v1",
        "visit.record.v1",
    }
)
"""The types a department may send on its outbox."""
