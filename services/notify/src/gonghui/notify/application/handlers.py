"""Use cases: turning events into notifications and deliveries, by the rules."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.domain import selectors, stations, templates
from gonghui.notify.domain.model import IN_APP, Notification, Recipient, Rule, Target
from gonghui.notify.domain.policy import quiet_until
from gonghui.shared.clock import SHANGHAI
from gonghui.shared.contracts.notify import NotificationDelivered
from gonghui.shared.envelope import CloudEvent, new_event_id

log = logging.getLogger(__name__)

PEOPLE_LIMIT = 10_000
"""At most this many people per `people:` selector of a rule; broadcasts are for more."""


NAMED_FIELDS = {
    "unit_code": ("unit_name", "dept:"),
    "claimed_by": ("claimed_by_name", "dept:"),
    "operator": ("operator_name", "dept:"),
    "submitted_by": ("submitted_by_name", ""),
    "actor": ("actor_name", ""),
    "responsible_person": ("responsible_person_name", ""),
}
"""Id fields of events and the `<name>` a template shows instead: the directory's name."""


async def display_names(data: dict[str, Any], *, uow: NotifyUnitOfWork) -> dict[str, str]:
    """People's and units' names for the ids an event carries (the id itself if unknown).

    Names the event carries itself (`unit_name`, ...) are kept: the producer knows best.
    """
    wanted = {
        field: prefix + value if not value.startswith(("dept:", "role:")) else value
        for field, (_, prefix) in NAMED_FIELDS.items()
        if isinstance(value := data.get(field), str) and value
    }
    known = await uow.recipients.many(wanted.values()) if wanted else {}
    names = {}
    for field, recipient_id in wanted.items():
        name_field = NAMED_FIELDS[field][0]
        if data.get(name_field):
            continue
        found = known.get(recipient_id)
        names[name_field] = found.name if found is not None else data[field]
    return names


def message_context(
    cause: CloudEvent, data: dict[str, Any], recipient: Recipient
) -> dict[str, Any]:
    """What a rule template can use: the data's fields, `data`, `event` and `recipient`."""
    return {
        **data,
        "data": data,
        "event": {
            "type": cause.type,
            "id": cause.id,
            "subject": cause.subject,
            "time": cause.time.isoformat() if cause.time else None,
        },
        "recipient": {"id": recipient.id, "name": recipient.name},
    }


def render_for(rule: Rule, context: dict[str, Any], *, locale: str) -> tuple[str, str]:
    """(title, body) of a rule for one recipient."""
    title_template, body_template = rule.templates(locale)
    try:
        title = templates.render(title_template, context)[:200]
        body = templates.render(body_template, context)
    except Exception as exc:
        # A template that fails on this event's data (say, `| local` on a non-time) must not
        # hold up the event: send a plain message and say why in the log.
        log.warning("rule %s could not render for %s: %s", rule.id, context["event"]["id"], exc)
        subject = context["event"]["subject"] or ""
        return f"{rule.event_type} {subject}".strip(), f"（模板无法渲染）{rule.description}"
    return title or rule.event_type, body


async def resolve(text: str, data: dict[str, Any], uow: NotifyUnitOfWork) -> list[str]:
    """The recipient ids a selector means for one event."""
    selector = selectors.parse(text)
    if selector.kind == "direct":
        return selectors.substitute(selector.value, data)
    if selector.kind == "supervisor":
        assert selector.inner is not None
        levels = max(1, int(data.get("escalation_level") or 1))
        found = []
        for start in await resolve(selector.inner.value, data, uow):
            current: str | None = start
            for _ in range(levels):
                person = await uow.recipients.get(current) if current else None
                if person is None or not person.supervisor:
                    break
                current = person.supervisor
            if current and current != start:
                found.append(current)
            else:
                log.warning("no supervisor on record above %s for %s", start, text)
        return found
    ids: list[str] = []
    areas = selectors.substitute(selector.area, data) if selector.area else [None]
    for area in areas:
        after = None
        while len(ids) < PEOPLE_LIMIT:
            page = await uow.recipients.page_with_role(
                selector.value, area=area, after=after, limit=500
            )
            ids += [p.id for p in page]
            if len(page) < 500:
                break
            after = page[-1].id
    if len(ids) >= PEOPLE_LIMIT:
        log.warning("selector %s reached %d people and stopped; use a broadcast", text, len(ids))
    return ids[:PEOPLE_LIMIT]


def delivery_row(
    *,
    cause: CloudEvent,
    recipient: Recipient,
    channel: str,
    purpose: str,
    rule: Rule | None,
    priority: str,
    title: str,
    body: str,
    targets: list[Target],
    status: str,
    now: datetime,
    next_attempt_at: datetime | None = None,
    note: str | None = None,
    delivery_id: str | None = None,
) -> dict[str, Any]:
    """A new row of the deliveries table."""
    finished = status in ("delivered", "skipped")
    return {
        "id": delivery_id or new_event_id(),
        "event_source": cause.source,
        "event_id": cause.id,
        "event_type": cause.type,
        "subject": cause.subject,
        "correlationid": cause.correlationid,
        "recipient": recipient.id,
        "channel": channel,
        "purpose": purpose,
        "rule_id": rule.id if rule else None,
        "priority": priority,
        "title": title,
        "body": body,
        "targets": [t.as_dict() for t in targets],
        "target_index": 0,
        "status": status,
        "attempts": 1 if status == "delivered" else 0,
        "target_attempts": 0,
        "next_attempt_at": next_attempt_at or now,
        "lease_until": None,
        "claim_token": None,
        "note": note,
        "last_error": None,
        "delivered_via": IN_APP if status == "delivered" else None,
        "created_at": now,
        "finished_at": now if finished else None,
    }


async def deliver_in_app(
    *,
    cause: CloudEvent,
    recipient_id: str,
    title: str,
    body: str,
    priority: str,
    uow: NotifyUnitOfWork,
    notification_id: str | None = None,
    cause_event_id: str | None = None,
    area_code: str | None = None,
) -> Notification | None:
    """Put a message in an inbox and announce it; None if this cause already reached them."""
    notification = Notification(
        id=notification_id or new_event_id(),
        recipient=recipient_id,
        channel=IN_APP,
        title=title,
        body=body,
        cause_type=cause.type,
        cause_source=cause.source,
        cause_event_id=cause_event_id or cause.id,
        subject=cause.subject,
        created_at=uow.clock.now(),
        priority=priority,
        area_code=area_code,
    )
    if not await uow.notifications.add(notification):
        return None
    uow.emit(
        NotificationDelivered(
            notification_id=notification.id,
            cause_event_id=cause.id,
            cause_source=cause.source,
            recipient=recipient_id,
            channel=IN_APP,
            delivered_at=notification.created_at,
        ),
        subject=cause.subject,
        correlationid=cause.correlationid,
    )
    return notification


async def apply_rules(cause: CloudEvent, data: dict[str, Any], *, uow: NotifyUnitOfWork) -> int:
    """Notify everyone that the rules of this event type name; return how many deliveries were made.

    Each (event, recipient, channel) becomes one delivery row under a unique key, so a
    redelivered event changes nothing; if two rules name the same person, the first (by id) wins.
    """
    async with uow:
        now = uow.clock.now()
        if cause.subject:
            cancelling = await uow.rules.cancelled_by(cause.type)
            await uow.deliveries.cancel_reminders(
                rule_ids=[r.id for r in cancelling], subject=cause.subject, at=now
            )
        rules = await uow.rules.for_type(cause.type)
        area = await area_of(data, uow=uow) if rules else None
        made = 0
        for rule in rules:
            if rule.applies_to(data, area_code=area):
                made += await _apply_rule(rule, cause, data, uow=uow, now=now, area=area)
        await uow.commit()
        return made


async def area_of(data: dict[str, Any], *, uow: NotifyUnitOfWork) -> str | None:
    """The area an event is about: its own `area_code`, else its station's from notify's copy."""
    if isinstance(data.get("area_code"), str):
        return data["area_code"]
    code = data.get("code") or data.get("station_code")
    if isinstance(code, str):
        station = await uow.stations.get(code)
        return station.area_code if station is not None else None
    return None


async def _apply_rule(
    rule: Rule,
    cause: CloudEvent,
    data: dict[str, Any],
    *,
    uow: NotifyUnitOfWork,
    now: datetime,
    area: str | None,
) -> int:
    # Nobody is told of what they did themselves.
    actor = data.get("actor")
    ids: list[str] = []
    for text in rule.recipients:
        for recipient_id in await resolve(text, data, uow):
            if recipient_id not in ids and recipient_id != actor:
                ids.append(recipient_id)
    priority = rule.priority_for(data)
    data = {**await display_names(data, uow=uow), **data}
    known = await uow.recipients.many(ids)
    schedule = _reminder_times(rule, data, now=now) if rule.is_reminder else [("notify", now)]
    rows: list[dict[str, Any]] = []
    for recipient in (known.get(i) or Recipient.unknown(i) for i in ids):
        context = message_context(cause, data, recipient)
        title, body = render_for(rule, context, locale=recipient.locale)
        declined = recipient.opted_out_of(event_type=cause.type, rule_id=rule.id, priority=priority)
        for purpose, at in schedule:
            for channel in rule.channels:
                common = {
                    "cause": cause,
                    "recipient": recipient,
                    "channel": channel,
                    "purpose": purpose,
                    "rule": rule,
                    "priority": priority,
                    "title": title,
                    "body": body,
                    "now": now,
                }
                if declined:
                    rows.append(
                        delivery_row(**common, targets=[], status="skipped", note="opted out")
                    )
                    continue
                if channel == IN_APP and purpose == "notify":
                    made = await deliver_in_app(
                        cause=cause,
                        recipient_id=recipient.id,
                        title=title,
                        body=body,
                        priority=priority,
                        uow=uow,
                        area_code=area,
                    )
                    if made is not None:
                        rows.append(
                            delivery_row(
                                **common, targets=[], status="delivered", delivery_id=made.id
                            )
                        )
                    continue
                targets = (
                    [Target(IN_APP, recipient.id)]
                    if channel == IN_APP
                    else recipient.targets_for(channel)
                )
                usable = [t for t in targets if t.kind not in rule.not_via]
                if not usable:
                    note = f"no {channel} channel"
                    if targets:
                        note = f"not via {', '.join(rule.not_via)}: it has this fact there already"
                    rows.append(delivery_row(**common, targets=[], status="skipped", note=note))
                    continue
                targets = usable
                rows.append(_scheduled(common, recipient, targets, at=at, channel=channel))
    return await uow.deliveries.add_many(rows)


def _scheduled(
    common: dict[str, Any],
    recipient: Recipient,
    targets: list[Target],
    *,
    at: datetime,
    channel: str,
) -> dict[str, Any]:
    """A pending delivery: now, at its reminder time, after quiet hours, or into the digest."""
    priority = common["priority"]
    if recipient.digest and priority == "normal" and channel != IN_APP:
        return delivery_row(**common, targets=targets, status="digest", note="in the daily digest")
    held = quiet_until(at, start=recipient.quiet_start, end=recipient.quiet_end, priority=priority)
    note = None
    if held is not None:
        note = f"held for quiet hours until {held.astimezone(SHANGHAI):%H:%M}"
    return delivery_row(
        **common, targets=targets, status="pending", next_attempt_at=held or at, note=note
    )


def _reminder_times(
    rule: Rule, data: dict[str, Any], *, now: datetime
) -> list[tuple[str, datetime]]:
    """(purpose, when) of each reminder still ahead of the deadline in `data[due_field]`."""
    raw = data.get(rule.due_field or "")
    if not raw:
        return []
    try:
        due = datetime.fromisoformat(str(raw))
    except ValueError:
        log.warning("rule %s: %r in %s is not a time", rule.id, raw, rule.due_field)
        return []
    if due.tzinfo is None or due <= now:
        return []
    return [
        (f"remind-{minutes}", max(now, due - timedelta(minutes=minutes)))
        for minutes in sorted(rule.remind_before_minutes, reverse=True)
    ]


async def preview(
    rule: Rule, data: dict[str, Any], *, subject: str | None, uow: NotifyUnitOfWork
) -> list[dict[str, Any]]:
    """Who a rule would tell about an event with this data, and what: nothing is stored or sent."""
    if not rule.applies_to(data, area_code=data.get("area_code")):
        return []
    cause = CloudEvent.create(
        source="gonghui/preview", type=rule.event_type, data=data, subject=subject
    )
    async with uow:
        ids: list[str] = []
        for text in rule.recipients:
            ids += [i for i in await resolve(text, data, uow) if i not in ids]
        known = await uow.recipients.many(ids)
        data = {**await display_names(data, uow=uow), **data}
    shown = []
    for recipient in (known.get(i) or Recipient.unknown(i) for i in ids):
        title, body = render_for(
            rule, message_context(cause, data, recipient), locale=recipient.locale
        )
        shown.append(
            {
                "recipient": recipient.id,
                "registered": recipient.id in known,
                "title": title,
                "body": body,
                "channels": {c: [t.kind for t in recipient.targets_for(c)] for c in rule.channels},
                "opted_out": recipient.opted_out_of(
                    event_type=rule.event_type, rule_id=rule.id, priority=rule.priority_for(data)
                ),
            }
        )
    return shown


async def put_rule(rule: Rule, *, uow: NotifyUnitOfWork) -> Rule:
    """Create or replace a rule after checking its selectors, channels and templates."""
    async with uow:
        await uow.rules.put(rule, at=uow.clock.now())
        await uow.commit()
    return rule


async def put_recipient(recipient: Recipient, *, uow: NotifyUnitOfWork) -> Recipient:
    """Create or replace a recipient."""
    async with uow:
        await uow.recipients.put(recipient, at=uow.clock.now())
        await uow.commit()
    return recipient


async def install_rules(rules: list[Rule], *, uow: NotifyUnitOfWork) -> int:
    """Add the default rules whose ids are not taken (an admin's edits are kept)."""
    async with uow:
        added = await uow.rules.add_missing(rules, at=uow.clock.now())
        await uow.commit()
        return added


async def record_station(event_type: str, data: dict[str, Any], *, uow: NotifyUnitOfWork) -> None:
    """Keep notify's copy of a station (broadcasts name the nearest open one; notices its area)."""
    values = stations.changes(event_type, data)
    if values is None:
        return
    async with uow:
        await uow.stations.upsert(
            data["code"],
            {**values, "updated_at": uow.clock.now()},
            create=event_type == "station.registered.v1",
        )
        await uow.commit()
