"""The HTTP API of the notify service: inboxes, rules, recipients, the delivery log, broadcasts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, field_validator

from gonghui.notify.adapters.channels import check_target, smtp_server
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.broadcast import request_broadcast
from gonghui.notify.application.handlers import preview, put_recipient, put_rule
from gonghui.notify.domain import selectors, templates
from gonghui.notify.domain.model import (
    EMAIL,
    RULE_CHANNELS,
    TARGET_KINDS,
    WEBHOOK,
    Recipient,
    Rule,
    Target,
)
from gonghui.notify.domain.policy import check_hhmm
from gonghui.shared.auth import Principal, Role, require
from gonghui.shared.clock import LocalTime
from gonghui.shared.consumer import Rejected
from gonghui.shared.contracts.notify import BroadcastRequested
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.http import Conflict, NotFound
from gonghui.shared.receivers import ReceiverAddresses, ReceiverRefused
from gonghui.shared.streams import service_source

UNION = "union"
"""The department name of broadcasts the union itself starts over HTTP."""

Priority = Literal["normal", "urgent", "critical"]


Caller = Annotated[Principal, Depends(require(*Role))]
InboxQuery = Annotated[
    str | None,
    Query(
        max_length=100,
        description="One inbox, e.g. `role:station_admin`; all the caller's if omitted",
    ),
]
Admin = Annotated[Principal, Depends(require(Role.UNION_ADMIN))]
Broadcaster = Annotated[Principal, Depends(require(Role.UNION_ADMIN, Role.PARTNER))]

ROLE_GROUPS: dict[Role, tuple[str, ...]] = {
    Role.REVIEWER: ("review_group",),
    Role.UNION_ADMIN: ("station_admin",),
}
"""Notify's group inboxes a role reads besides `role:<its own name>`."""


def forbidden(zh: str, en: str) -> HTTPException:
    """A 403 with the reason in zh-CN, then English."""
    return HTTPException(403, f"{zh} / {en}")


def inboxes(principal: Principal) -> set[str]:
    """The inboxes a caller may read: their own, their role's group and, for staff, their unit's."""
    own = {principal.sub, f"role:{principal.role.value}"}
    own |= {f"role:{group}" for group in ROLE_GROUPS.get(principal.role, ())}
    if principal.department and principal.role in (Role.HANDLER, Role.PARTNER):
        own.add(f"dept:{principal.department}")
    return own


def own_inbox(principal: Principal, recipient: str | None) -> str:
    """`recipient` (the caller's own inbox if omitted), or 403 if it is someone else's."""
    recipient = recipient or principal.sub
    if recipient not in inboxes(principal):
        raise forbidden(
            f"只能查看本人或所属角色组的通知，不能查看 {recipient}",
            f"you may read only your own inbox or your group's, not {recipient}",
        )
    return recipient


def check_area(principal: Principal, area_code: str | None, what: str) -> None:
    """403 unless the caller's area contains `area_code` (no area: only an unscoped admin)."""
    if not principal.covers(area_code):
        where = area_code or "不限地区 / every area"
        raise forbidden(
            f"{what}（{where}）不在您的辖区 {principal.area} 内",
            f"{what} ({where}) is outside your area {principal.area}",
        )


def check_rule_area(principal: Principal, rule: Rule) -> None:
    """A rule for every area is changed only by an unscoped admin; a district's by its admins."""
    if principal.area is None:
        return
    if rule.area_code is None:
        raise forbidden(
            "该规则对所有地区生效，只有不限地区的工会管理员可以修改；"
            "请为本辖区的规则填写 area_code",
            "this rule applies to every area; only a union admin without an area may change it "
            "(give your rule an area_code inside your area)",
        )
    check_area(principal, rule.area_code, "规则的地区 / the rule's area")


class NotificationOut(BaseModel):
    """A notification in an inbox."""

    id: str
    recipient: str
    channel: str
    title: str
    body: str
    cause_type: str
    cause_event_id: str
    subject: str | None
    created_at: LocalTime
    read_at: LocalTime | None
    priority: str
    area_code: str | None = Field(None, description="The area the cause is about.")


class NotificationPage(BaseModel):
    """The newest notifications."""

    items: list[NotificationOut]


class UnreadCount(BaseModel):
    """How many notifications the caller has not read, in one inbox or in all theirs."""

    recipient: str | None = Field(description="The inbox counted; none: all the caller's.")
    unread: int


class MarkRead(BaseModel):
    """Mark a recipient's notifications read: the given ids, or all when `ids` is omitted.

    A group's inbox (`role:...`, `dept:...`) is marked for the caller alone: the other members
    still see its notices unread.
    """

    recipient: str | None = Field(
        None, max_length=100, description="Whose inbox: the caller's own if omitted."
    )
    ids: list[str] | None = Field(
        None, max_length=1000, description="Notification ids; all if omitted."
    )


class Marked(BaseModel):
    """How many notifications changed to read."""

    marked: int


def notifications_router(uow_factory: Callable[[], NotifyUnitOfWork]) -> APIRouter:
    """Routes for reading inboxes."""
    router = APIRouter(prefix="/notifications", tags=["notifications"])

    @router.get("", summary="Newest notifications of the caller, their groups and their unit")
    async def list_notifications(
        caller: Caller,
        recipient: InboxQuery = None,
        unread: Annotated[bool, Query(description="Only unread ones")] = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        before: Annotated[
            str | None,
            Query(
                max_length=40,
                description="A notification's id: the page of those older than it",
            ),
        ] = None,
    ) -> NotificationPage:
        readable = {own_inbox(caller, recipient)} if recipient else inboxes(caller)
        async with uow_factory() as uow:
            found = await uow.notifications.list(
                recipient=readable,
                unread=unread,
                limit=limit,
                scope=caller.area,
                reader=caller.sub,
                before=before,
            )
        return NotificationPage(items=[NotificationOut(**vars(n)) for n in found])

    @router.get("/unread-count", summary="How many notifications the caller has not read")
    async def unread_count(
        caller: Caller,
        recipient: InboxQuery = None,
        most: Annotated[
            int | None,
            Query(ge=1, le=10_000, description="Count no further (a badge shows `99+`)"),
        ] = None,
    ) -> UnreadCount:
        readable = {own_inbox(caller, recipient)} if recipient else inboxes(caller)
        async with uow_factory() as uow:
            unread = await uow.notifications.unread_count(
                readable, scope=caller.area, reader=caller.sub, most=most
            )
        return UnreadCount(recipient=recipient, unread=unread)

    @router.post("/read", summary="Mark notifications read")
    async def mark_read(request: MarkRead, caller: Caller) -> Marked:
        recipient = own_inbox(caller, request.recipient)
        async with uow_factory() as uow:
            marked = await uow.notifications.mark_read(
                request.ids,
                recipient=recipient,
                at=uow.clock.now(),
                scope=caller.area,
                reader=caller.sub,
            )
            await uow.commit()
        return Marked(marked=marked)

    return router


async def check_receivers(
    channels: list[TargetIn],
    receivers: ReceiverAddresses,
    *,
    kept: Sequence[Target] = (),
    persons_own: bool = False,
) -> None:
    """Refuse channels that would reach where the platform may not post (422, with why): a
    webhook's host, and the SMTP host of a person's own email channel (an admin may name the
    union's internal mail server). A channel on record as it is now is not looked up again, so
    a receiver whose name does not resolve today does not block editing the rest."""
    on_record = {(target.kind, target.address) for target in kept}
    for index, target in enumerate(channels):
        if (target.kind, target.address) in on_record:
            continue
        try:
            if target.kind == WEBHOOK:
                await receivers.check_url(target.address)
            elif target.kind == EMAIL and persons_own and (server := smtp_server(target.address)):
                await receivers.resolve(*server)
        except ReceiverRefused as exc:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("body", "channels", index, "address"),
                        "msg": str(exc),
                        "input": target.address,
                    }
                ]
            ) from exc


def preferences_router(
    uow_factory: Callable[[], NotifyUnitOfWork], receivers: ReceiverAddresses
) -> APIRouter:
    """Routes for a person's own channels and preferences."""
    router = APIRouter(prefix="/me", tags=["preferences"])

    async def own_record(caller: Principal) -> Recipient:
        async with uow_factory() as uow:
            recipient = await uow.recipients.get(caller.sub)
        if recipient is None:
            raise NotFound(
                f"{caller.sub} 不在通讯录中，请联系工会管理员 / "
                f"{caller.sub} is not in the directory; ask a union admin to add you"
            )
        return recipient

    @router.get("/preferences", summary="The caller's own channels and preferences")
    async def get_preferences(caller: Caller) -> RecipientOut:
        return _recipient_out(await own_record(caller))

    @router.put("/preferences", summary="Set the caller's own channels and preferences")
    async def put_preferences(preferences: PreferencesIn, caller: Caller) -> RecipientOut:
        current = await own_record(caller)
        await check_receivers(
            preferences.channels, receivers, kept=current.channels, persons_own=True
        )
        data = preferences.model_dump()
        data["channels"] = [Target(**t) for t in data["channels"]]
        stored = await put_recipient(replace(current, **data), uow=uow_factory())
        return _recipient_out(stored)

    return router


class RuleIn(BaseModel):
    """A rule as an admin writes it."""

    event_type: str = Field(
        pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[0-9]+$",
        description="The event type it fires on, e.g. `proposal.overdue.v1`.",
    )
    description: str = Field("", max_length=300, description="What it is for.")
    recipients: list[str] = Field(
        min_length=1, max_length=20, description="Selectors (see docs/notify.md)."
    )
    channels: list[str] = Field(min_length=1, description=f"Any of {', '.join(RULE_CHANNELS)}.")
    title_zh: str = Field(
        min_length=1, max_length=500, description="Title template (Jinja2), zh-CN."
    )
    body_zh: str = Field(
        min_length=1, max_length=5000, description="Body template (Jinja2), zh-CN."
    )
    title_en: str | None = Field(None, max_length=500, description="Title template, English.")
    body_en: str | None = Field(None, max_length=5000, description="Body template, English.")
    priority: Priority = Field("normal", description="urgent and critical pass quiet hours.")
    enabled: bool = Field(True, description="Whether it fires.")
    remind_before_minutes: list[int] = Field(
        default_factory=list, description="Send reminders this many minutes before the due time."
    )
    due_field: str | None = Field(
        None, max_length=50, description="The data field with the due time."
    )
    cancel_on: list[str] = Field(
        default_factory=list, description="Event types that cancel reminders."
    )
    conditions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Fire only if each data field has one of these values, e.g. "
        '`{"action": ["assign", "reassign"]}`.',
    )
    not_via: list[str] = Field(
        default_factory=list,
        description="Channel kinds never used, e.g. `inbox` when the department's inbox "
        "already has the work item for the same fact.",
    )
    urgent_when: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Conditions making it urgent, e.g. `{"kind": ["hotline"]}`.',
    )
    area_code: str | None = Field(
        None,
        pattern=r"^\d{2,12}$",
        description="Only events about this area (GB/T 2260 prefix); a district admin's rules "
        "must name an area inside theirs.",
    )

    @field_validator("recipients")
    @classmethod
    def _selectors(cls, value: list[str]) -> list[str]:
        for text in value:
            selectors.parse(text)
        return value

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in RULE_CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; choose from {list(RULE_CHANNELS)}")
        return list(dict.fromkeys(value))

    @field_validator("not_via")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in TARGET_KINDS]
        if unknown:
            raise ValueError(f"unknown channel kind(s) {unknown}; choose from {list(TARGET_KINDS)}")
        return value

    @field_validator("title_zh", "body_zh", "title_en", "body_en")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None:
            templates.check(value)
        return value

    @field_validator("remind_before_minutes")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(m <= 0 for m in value):
            raise ValueError("reminder offsets are positive minutes")
        return value


class RuleOut(RuleIn):
    """A stored rule."""

    id: str


class PreviewIn(BaseModel):
    """A sample event's data to try a rule on."""

    data: dict[str, Any] = Field(description="The event's `data`, as the producer would send it.")
    subject: str | None = Field(None, max_length=100, description="The event's subject.")


class PreviewOut(BaseModel):
    """What one recipient would get."""

    recipient: str
    registered: bool = Field(description="False: not in the directory, so in-app only.")
    title: str
    body: str
    channels: dict[str, list[str]] = Field(description="Per rule channel, the kinds it would use.")
    opted_out: bool


class TargetIn(BaseModel):
    """One channel address."""

    kind: str = Field(description=f"One of {', '.join(TARGET_KINDS)}.")
    address: str = Field(min_length=3, max_length=1000, description="Webhook URL or Apprise URL.")
    secret: str | None = Field(
        None, max_length=200, description="Webhook signing secret `whsec_...`."
    )


class RecipientFields(BaseModel):
    """A person, a role's group or a department, with channels and preferences."""

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["person", "role", "department"] = "person"
    roles: list[str] = Field(
        default_factory=list, description="Roles held (for `people:` selectors)."
    )
    area_code: str | None = Field(
        None, pattern=r"^\d{2,12}$", description="Area covered or lived in."
    )
    department: str | None = Field(None, max_length=40)
    supervisor: str | None = Field(
        None, max_length=100, description="Recipient id of the supervisor."
    )
    locale: str = Field("zh-CN", max_length=10)
    channels: list[TargetIn] = Field(
        default_factory=list, description="Failover order: first works, wins."
    )
    quiet_start: str | None = Field(None, description="Quiet hours start, HH:MM Shanghai time.")
    quiet_end: str | None = Field(None, description="Quiet hours end, HH:MM Shanghai time.")
    opt_outs: list[str] = Field(
        default_factory=list, description="Event types or rule ids; `*` = all."
    )
    digest: bool = Field(False, description="Gather normal messages into a daily digest.")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


def _usable(value: list[TargetIn]) -> list[TargetIn]:
    for target in value:
        problem = check_target(Target(target.kind, target.address, target.secret))
        if problem:
            raise ValueError(problem)
    return value


class RecipientIn(RecipientFields):
    """A recipient as an admin writes it: times and channels are checked."""

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        return check_hhmm(value) if value else value

    @field_validator("channels")
    @classmethod
    def _usable(cls, value: list[TargetIn]) -> list[TargetIn]:
        return _usable(value)


SET_BY_ADMINS = ("sms", "apprise")
"""Channel kinds whose URL names a gateway host to post to: a union admin sets them (an in-house
SMS gateway is on an internal network), as a person's own could aim the platform anywhere."""


class PreferencesIn(BaseModel):
    """What a person sets for themselves: language, channels, quiet hours, opt-outs, digest."""

    locale: str = Field("zh-CN", max_length=10)
    channels: list[TargetIn] = Field(
        default_factory=list, description="Failover order: first works, wins."
    )
    quiet_start: str | None = Field(None, description="Quiet hours start, HH:MM Shanghai time.")
    quiet_end: str | None = Field(None, description="Quiet hours end, HH:MM Shanghai time.")
    opt_outs: list[str] = Field(
        default_factory=list, description="Event types or rule ids; `*` = all."
    )
    digest: bool = Field(False, description="Gather normal messages into a daily digest.")

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        return check_hhmm(value) if value else value

    @field_validator("channels")
    @classmethod
    def _usable(cls, value: list[TargetIn]) -> list[TargetIn]:
        for target in value:
            if target.kind in SET_BY_ADMINS:
                raise ValueError(
                    f"{target.kind} 渠道由工会管理员设置 / a {target.kind} channel is set by a "
                    "union admin"
                )
        return _usable(value)


class RecipientOut(RecipientFields):
    """A stored recipient; secrets are never shown back."""

    id: str


class AttemptOut(BaseModel):
    """One try."""

    number: int
    channel: str
    at: LocalTime
    ok: bool
    error: str | None


class DeliveryOut(BaseModel):
    """One delivery and its attempts."""

    id: str
    event_id: str
    event_source: str
    event_type: str
    subject: str | None
    recipient: str
    channel: str
    purpose: str
    rule_id: str | None
    priority: str
    title: str
    status: str
    note: str | None
    attempts: int
    next_attempt_at: LocalTime
    delivered_via: str | None
    last_error: str | None
    created_at: LocalTime
    finished_at: LocalTime | None
    log: list[AttemptOut]


class DeliveryPage(BaseModel):
    """Deliveries, newest first."""

    items: list[DeliveryOut]


class BroadcastOut(BaseModel):
    """A broadcast's progress."""

    id: str
    department: str
    status: str
    sent: int
    created_at: LocalTime
    finished_at: LocalTime | None


def _recipient_out(recipient: Recipient) -> RecipientOut:
    return RecipientOut(
        **{
            **vars(recipient),
            "channels": [
                TargetIn(kind=t.kind, address=t.address, secret="whsec_***" if t.secret else None)
                for t in recipient.channels
            ],
        }
    )


def admin_router(
    uow_factory: Callable[[], NotifyUnitOfWork],
    receivers: ReceiverAddresses,
    *,
    broadcasters: frozenset[str],
) -> APIRouter:
    """Routes for admins and operators."""
    router = APIRouter()

    @router.get("/rules", tags=["rules"], summary="Every rule")
    async def list_rules(_: Admin) -> list[RuleOut]:
        async with uow_factory() as uow:
            return [RuleOut(**vars(rule)) for rule in await uow.rules.all()]

    @router.get("/rules/{rule_id}", tags=["rules"], summary="One rule")
    async def get_rule(rule_id: str, _: Admin) -> RuleOut:
        async with uow_factory() as uow:
            rule = await uow.rules.get(rule_id)
        if rule is None:
            raise NotFound(f"no rule {rule_id!r}")
        return RuleOut(**vars(rule))

    @router.put("/rules/{rule_id}", tags=["rules"], summary="Create or replace a rule")
    async def put_rule_route(
        rule_id: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")],
        rule: RuleIn,
        caller: Admin,
    ) -> RuleOut:
        async with uow_factory() as uow:
            existing = await uow.rules.get(rule_id)
        if existing is not None:
            check_rule_area(caller, existing)
        wanted = Rule(id=rule_id, **rule.model_dump())
        check_rule_area(caller, wanted)
        stored = await put_rule(wanted, uow=uow_factory())
        return RuleOut(**vars(stored))

    @router.post(
        "/rules/{rule_id}/preview", tags=["rules"], summary="Who a rule would tell, and what"
    )
    async def preview_rule(rule_id: str, sample: PreviewIn, _: Admin) -> list[PreviewOut]:
        async with uow_factory() as uow:
            rule = await uow.rules.get(rule_id)
        if rule is None:
            raise NotFound(f"no rule {rule_id!r}")
        shown = await preview(rule, sample.data, subject=sample.subject, uow=uow_factory())
        return [PreviewOut(**item) for item in shown]

    @router.delete("/rules/{rule_id}", tags=["rules"], status_code=204, summary="Delete a rule")
    async def delete_rule(rule_id: str, caller: Admin) -> Response:
        async with uow_factory() as uow:
            existing = await uow.rules.get(rule_id)
            if existing is None:
                raise NotFound(f"no rule {rule_id!r}")
            check_rule_area(caller, existing)
            await uow.rules.delete(rule_id)
            await uow.commit()
        return Response(status_code=204)

    @router.get("/recipients/{recipient_id}", tags=["recipients"], summary="One recipient")
    async def get_recipient(recipient_id: str, caller: Admin) -> RecipientOut:
        async with uow_factory() as uow:
            recipient = await uow.recipients.get(recipient_id)
        if recipient is None:
            raise NotFound(f"no recipient {recipient_id!r}")
        check_area(caller, recipient.area_code, "该联系人 / this recipient")
        return _recipient_out(recipient)

    @router.put(
        "/recipients/{recipient_id}", tags=["recipients"], summary="Create or replace a recipient"
    )
    async def put_recipient_route(
        recipient_id: str, recipient: RecipientIn, caller: Admin
    ) -> RecipientOut:
        async with uow_factory() as uow:
            existing = await uow.recipients.get(recipient_id)
        if existing is not None:
            check_area(caller, existing.area_code, "该联系人 / this recipient")
        check_area(caller, recipient.area_code, "该联系人 / this recipient")
        await check_receivers(
            recipient.channels, receivers, kept=existing.channels if existing else ()
        )
        data = recipient.model_dump()
        data["channels"] = [Target(**t) for t in data["channels"]]
        stored = await put_recipient(Recipient(id=recipient_id, **data), uow=uow_factory())
        return _recipient_out(stored)

    @router.delete("/recipients/{recipient_id}", tags=["recipients"], status_code=204)
    async def delete_recipient(recipient_id: str, caller: Admin) -> Response:
        async with uow_factory() as uow:
            existing = await uow.recipients.get(recipient_id)
            if existing is None:
                raise NotFound(f"no recipient {recipient_id!r}")
            check_area(caller, existing.area_code, "该联系人 / this recipient")
            await uow.recipients.delete(recipient_id)
            await uow.commit()
        return Response(status_code=204)

    @router.get("/deliveries", tags=["deliveries"], summary="The delivery log")
    async def list_deliveries(
        _: Admin,
        event_id: Annotated[str | None, Query(max_length=200)] = None,
        recipient: Annotated[str | None, Query(max_length=100)] = None,
        status: Annotated[str | None, Query(max_length=20)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> DeliveryPage:
        async with uow_factory() as uow:
            found = await uow.deliveries.log(
                event_id=event_id, recipient=recipient, status=status, limit=limit
            )
        items = [
            DeliveryOut(
                **{name: getattr(row, name) for name in DeliveryOut.model_fields if name != "log"},
                log=[
                    AttemptOut(number=a.number, channel=a.channel, at=a.at, ok=a.ok, error=a.error)
                    for a in attempts
                ],
            )
            for row, attempts in found
        ]
        return DeliveryPage(items=items)

    @router.post(
        "/deliveries/{delivery_id}/retry",
        tags=["deliveries"],
        summary="Try a failed delivery again",
    )
    async def retry_delivery(delivery_id: str, _: Admin) -> dict[str, str]:
        async with uow_factory() as uow:
            row = await uow.deliveries.get(delivery_id)
            if row is None:
                raise NotFound(f"no delivery {delivery_id!r}")
            if row.status != "failed":
                raise Conflict(
                    f"delivery {delivery_id} is {row.status}; only failed ones are retried"
                )
            row.status, row.target_index, row.target_attempts = "pending", 0, 0
            row.next_attempt_at, row.finished_at, row.note = (
                uow.clock.now(),
                None,
                "retried by an operator",
            )
            await uow.commit()
        return {"id": delivery_id, "status": "pending"}

    @router.post(
        "/broadcasts", tags=["broadcasts"], status_code=202, summary="The union starts a broadcast"
    )
    async def start_broadcast(command: BroadcastRequested, caller: Broadcaster) -> BroadcastOut:
        department = broadcaster_department(caller)
        if department != UNION and department not in broadcasters:
            raise forbidden(
                f"部门 {department} 未获准发送群发通知",
                f"department {department} is not permitted to broadcast",
            )
        check_area(caller, command.audience.area_code, "群发范围 / the audience")
        cause = CloudEvent.create(
            source=service_source("notify"), type=command.type_name, data=command
        )
        try:
            await request_broadcast(
                command,
                cause=cause,
                department=department,
                allowed=broadcasters | {UNION},
                uow=uow_factory(),
            )
        except Rejected as exc:
            raise Conflict(str(exc)) from exc
        async with uow_factory() as uow:
            row = await uow.broadcasts.get(f"{department}:{command.broadcast_id}")
        if row is None:
            raise NotFound(f"broadcast {command.broadcast_id!r} was not stored")
        return _broadcast_out(row)

    @router.get("/broadcasts/{broadcast_id}", tags=["broadcasts"], summary="A broadcast's progress")
    async def get_broadcast(broadcast_id: str, caller: Broadcaster) -> BroadcastOut:
        async with uow_factory() as uow:
            row = await uow.broadcasts.get(broadcast_id)
        if row is None:
            raise NotFound(f"no broadcast {broadcast_id!r}")
        if caller.role is Role.PARTNER and row.department != caller.department:
            raise forbidden(
                f"只能查看本部门（{caller.department}）的群发",
                f"you may see only your department's ({caller.department}) broadcasts",
            )
        return _broadcast_out(row)

    return router


def broadcaster_department(caller: Principal) -> str:
    """Who a broadcast is from: the union for its admins, the partner's own department."""
    if caller.role is Role.UNION_ADMIN:
        return UNION
    if not caller.department:
        raise forbidden("该伙伴账号没有所属部门", "this partner account names no department")
    return caller.department


def _broadcast_out(row) -> BroadcastOut:  # type: ignore[no-untyped-def]
    return BroadcastOut(
        id=row.id,
        department=row.department,
        status=row.status,
        sent=row.sent,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
