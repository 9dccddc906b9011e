"""Use cases: turning events into notifications and deliveries, by the rules."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gonghui.notify.adapters.repositories import RecipientRepository, RuleCache
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.domain import selectors, stations, templates
from gonghui.notify.domain.model import IN_APP, Notification, Recipient, Rule, RuleSet, Target
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


class Directory:
    """Who is who for one run of events: each person, and each (role, area), looked up once."""

    def __init__(self, recipients: RecipientRepository) -> None:
        self._recipients = recipients
        self._known: dict[str, Recipient | None] = {}
        self._people: dict[tuple[str, str | None], list[str]] = {}

    async def load(self, ids: Iterable[str]) -> None:
        """Look up, in one statement, those of `ids` not looked up yet."""
        missing = {i for i in ids if i not in self._known}
        if missing:
            found = await self._recipients.many(missing)
            self._known.update({i: found.get(i) for i in missing})

    def known(self, recipient_id: str) -> Recipient | None:
        """A recipient looked up before, or None (not in the directory, or not looked up)."""
        return self._known.get(recipient_id)

    async def get(self, recipient_id: str) -> Recipient | None:
        """One recipient, or None."""
        await self.load([recipient_id])
        return self._known[recipient_id]

    async def people(self, role: str, area: str | None) -> list[str]:
        """Ids of the people holding a role (in an area), in id order, at most PEOPLE_LIMIT."""
        key = (role, area)
        if key not in self._people:
            ids: list[str] = []
            after = None
            while len(ids) < PEOPLE_LIMIT:
                page = await self._recipients.page_with_role(
                    role, area=area, after=after, limit=500
                )
                ids += [p.id for p in page]
                self._known.update({p.id: p for p in page})  # whole rows: no second look-up
                if len(page) < 500:
                    break
                after = page[-1].id
            self._people[key] = ids[:PEOPLE_LIMIT]
        return self._people[key]


def _named_ids(data: dict[str, Any]) -> dict[str, str]:
    """The recipient id behind each id field of an event that a template shows by name."""
    return {
        field: prefix + value if not value.startswith(("dept:", "role:")) else value
        for field, (_, prefix) in NAMED_FIELDS.items()
        if isinstance(value := data.get(field), str) and value
    }


def _display_names(data: dict[str, Any], directory: Directory) -> dict[str, str]:
    """People's and units' names for the ids an event carries, from looked-up recipients."""
    names = {}
    for field, recipient_id in _named_ids(data).items():
        name_field = NAMED_FIELDS[field][0]
        if data.get(name_field):
            continue
        found = directory.known(recipient_id)
        names[name_field] = found.name if found is not None else data[field]
    return names


async def display_names(data: dict[str, Any], *, uow: NotifyUnitOfWork) -> dict[str, str]:
    """People's and units' names for the ids an event carries (the id itself if unknown).

    Names the event carries itself (`unit_name`, ...) are kept: the producer knows best.
    """
    directory = Directory(uow.recipients)
    await directory.load(_named_ids(data).values())
    return _display_names(data, directory)


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


async def resolve(text: str, data: dict[str, Any], directory: Directory) -> list[str]:
    """The recipient ids a selector means for one event."""
    selector = selectors.parse(text)
    if selector.kind == "direct":
        return selectors.substitute(selector.value, data)
    if selector.kind == "supervisor":
        assert selector.inner is not None
        levels = max(1, int(data.get("escalation_level") or 1))
        found = []
        for start in await resolve(selector.inner.value, data, directory):
            current: str | None = start
            for _ in range(levels):
                person = await directory.get(current) if current else None
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
        if len(ids) >= PEOPLE_LIMIT:
            break
        ids += await directory.people(selector.value, area)
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


def _notification(
    *,
    cause: CloudEvent,
    recipient_id: str,
    title: str,
    body: str,
    priority: str,
    at: datetime,
    notification_id: str | None = None,
    cause_event_id: str | None = None,
    area_code: str | None = None,
) -> Notification:
    return Notification(
        id=notification_id or new_event_id(),
        recipient=recipient_id,
        channel=IN_APP,
        title=title,
        body=body,
        cause_type=cause.type,
        cause_source=cause.source,
        cause_event_id=cause_event_id or cause.id,
        subject=cause.subject,
        created_at=at,
        priority=priority,
        area_code=area_code,
    )


def _announce(notification: Notification, cause: CloudEvent, *, uow: NotifyUnitOfWork) -> None:
    """Queue NotificationDelivered for a notification just stored."""
    uow.emit(
        NotificationDelivered(
            notification_id=notification.id,
            cause_event_id=cause.id,
            cause_source=cause.source,
            recipient=notification.recipient,
            channel=IN_APP,
            delivered_at=notification.created_at,
        ),
        subject=cause.subject,
        correlationid=cause.correlationid,
    )


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
    notification = _notification(
        cause=cause,
        recipient_id=recipient_id,
        title=title,
        body=body,
        priority=priority,
        at=uow.clock.now(),
        notification_id=notification_id,
        cause_event_id=cause_event_id,
        area_code=area_code,
    )
    if not await uow.notifications.add(notification):
        return None
    _announce(notification, cause, uow=uow)
    return notification


Event = tuple[CloudEvent, dict[str, Any]]
"""An event as notify applies it: its envelope and its data (untyped)."""


async def apply_rules(
    cause: CloudEvent,
    data: dict[str, Any],
    *,
    uow: NotifyUnitOfWork,
    rules: RuleCache | None = None,
) -> int:
    """Notify everyone that the rules of this event type name; return how many deliveries were made.

    Each (event, recipient, channel) becomes one delivery row under a unique key, so a
    redelivered event changes nothing; if two rules name the same person, the first (by id) wins.
    """
    return await apply_events([(cause, data)], uow=uow, rules=rules)


async def record_station(event_type: str, data: dict[str, Any], *, uow: NotifyUnitOfWork) -> None:
    """Keep notify's copy of a station (broadcasts name the nearest open one; notices its area)."""
    async with uow:
        await _areas([(event_type, data)], uow=uow, keep_stations=True, firing=False)
        await uow.commit()


async def apply_events(
    events: Sequence[Event],
    *,
    uow: NotifyUnitOfWork,
    rules: RuleCache | None = None,
    keep_stations: bool = False,
) -> int:
    """Apply a run of events of one type as `apply_rules` would one by one, in a few statements.

    `keep_stations`: they are the stations' events, so notify's copy of the stations follows
    them first. `rules`: the process's cache of the rules (else they are read). Returns how
    many deliveries were made.
    """
    if not events:
        return 0
    event_type = events[0][0].type
    assert all(cause.type == event_type for cause, _ in events), "a run is of one type"
    async with uow:
        rule_set = await rules.current(uow.rules) if rules else RuleSet(await uow.rules.all())
        firing = rule_set.firing(event_type)
        about = await _areas(
            [(event_type, data) for _, data in events],
            uow=uow,
            keep_stations=keep_stations,
            firing=bool(firing),
        )
        cancelling = [rule.id for rule in rule_set.cancelling(event_type)]
        await uow.deliveries.cancel_reminders(
            rule_ids=cancelling,
            subjects={cause.subject for cause, _ in events if cause.subject},
            at=uow.clock.now(),
        )
        made = await _tell(events, about, firing, cancelling=cancelling, uow=uow)
        await uow.commit()
        return made


def _station_code(data: dict[str, Any]) -> str | None:
    code = data.get("code") or data.get("station_code")
    return code if isinstance(code, str) else None


@dataclass(frozen=True)
class _About:
    """What an event is about, for its rules: its area, and whether it is a sandbox's test data
    (a rehearsing department's stations tell no one: rules do not fire for them)."""

    area: str | None = None
    test_data: bool = False


async def _areas(
    events: Sequence[tuple[str, dict[str, Any]]],
    *,
    uow: NotifyUnitOfWork,
    keep_stations: bool,
    firing: bool,
) -> list[_About]:
    """What each event is about (if rules fire): its own `area_code`, else its station's in
    notify's copy as that event left it, and whether it or its station is test data; the copy
    follows the events first if `keep_stations`.

    The copy's rows are read in one statement and written in one.
    """
    followed = [
        keep_stations and stations.changes(event_type, data) is not None
        for event_type, data in events
    ]
    wanted = {data["code"] for (_, data), follows in zip(events, followed, strict=True) if follows}
    if firing:
        wanted |= {code for _, data in events if (code := _station_code(data))}
    copy = await uow.stations.rows(wanted)
    changed: set[str] = set()
    about: list[_About] = []
    for (event_type, data), follows in zip(events, followed, strict=True):
        if follows:
            code = data["code"]
            row = stations.follow(copy.get(code), event_type, data, at=uow.clock.now())
            if row is not None:
                copy[code] = row
                changed.add(code)
        if not firing:
            about.append(_About())
            continue
        row = copy.get(_station_code(data) or "")
        area = data.get("area_code")
        about.append(
            _About(
                area=area if isinstance(area, str) else row["area_code"] if row else None,
                test_data=data.get("test_data") is True or bool(row and row["test_data"]),
            )
        )
    await uow.stations.put_rows([copy[code] for code in changed])
    return about


async def _tell(
    events: Sequence[Event],
    about: Sequence[_About],
    firing: list[Rule],
    *,
    cancelling: list[str],
    uow: NotifyUnitOfWork,
) -> int:
    """Notices and deliveries of a run: recipients resolved, then everyone looked up at once."""
    directory = Directory(uow.recipients)
    plans: list[tuple[CloudEvent, dict[str, Any], str | None, list[tuple[Rule, list[str]]]]] = []
    for (cause, data), subject in zip(events, about, strict=True):
        told = []
        for rule in [] if subject.test_data else firing:
            if rule.applies_to(data, area_code=subject.area):
                told.append((rule, await _recipients_of(rule, data, directory)))
        plans.append((cause, data, subject.area, told))
    await directory.load(
        [i for *_, told in plans for _, ids in told for i in ids]
        + [i for _, data, _, told in plans if told for i in _named_ids(data).values()]
    )
    writes = _Writes()
    for cause, data, area, told in plans:
        now = uow.clock.now()
        if cancelling and cause.subject:
            writes.cancel_reminders(cancelling, subject=cause.subject, at=now)
        if not told:
            continue
        shown = {**_display_names(data, directory), **data}
        for rule, ids in told:
            writes.add_rule(
                rule, cause, data, shown=shown, ids=ids, directory=directory, now=now, area=area
            )
    return await writes.save(uow)


async def _recipients_of(rule: Rule, data: dict[str, Any], directory: Directory) -> list[str]:
    """Whom a rule names for an event, each once; nobody is told of what they did themselves."""
    actor = data.get("actor")
    ids: list[str] = []
    for text in rule.recipients:
        for recipient_id in await resolve(text, data, directory):
            if recipient_id not in ids and recipient_id != actor:
                ids.append(recipient_id)
    return ids


class _Writes:
    """What a run of events writes, in the order the events would have written it one by one."""

    def __init__(self) -> None:
        self._notifications: list[tuple[Notification, CloudEvent]] = []
        self._noticed: set[tuple[str, str, str]] = set()
        self._deliveries: list[tuple[dict[str, Any], str | None]] = []
        """Each row with the notification it goes with (it is made only if that one is)."""

    def cancel_reminders(self, rule_ids: list[str], *, subject: str, at: datetime) -> None:
        """What the database's cancellation would do to reminders an earlier event of the run
        scheduled (the database's own rows were cancelled before the run)."""
        for row, _ in self._deliveries:
            if (
                row["rule_id"] in rule_ids
                and row["subject"] == subject
                and row["status"] == "pending"
                and row["purpose"].startswith("remind-")
            ):
                row.update(status="cancelled", note="the case moved on", finished_at=at)

    def add_rule(
        self,
        rule: Rule,
        cause: CloudEvent,
        data: dict[str, Any],
        *,
        shown: dict[str, Any],
        ids: list[str],
        directory: Directory,
        now: datetime,
        area: str | None,
    ) -> None:
        """The notices and deliveries of one rule for one event."""
        priority = rule.priority_for(data)
        schedule = _reminder_times(rule, shown, now=now) if rule.is_reminder else [("notify", now)]
        for recipient in (directory.known(i) or Recipient.unknown(i) for i in ids):
            context = message_context(cause, shown, recipient)
            title, body = render_for(rule, context, locale=recipient.locale)
            declined = recipient.opted_out_of(
                event_type=cause.type, rule_id=rule.id, priority=priority
            )
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
                        self._add(
                            delivery_row(**common, targets=[], status="skipped", note="opted out")
                        )
                        continue
                    if channel == IN_APP and purpose == "notify":
                        notice = (cause.source, cause.id, recipient.id)
                        if notice in self._noticed:
                            continue  # this cause already reached them
                        self._noticed.add(notice)
                        notification = _notification(
                            cause=cause,
                            recipient_id=recipient.id,
                            title=title,
                            body=body,
                            priority=priority,
                            at=now,
                            area_code=area,
                        )
                        self._notifications.append((notification, cause))
                        self._add(
                            delivery_row(
                                **common,
                                targets=[],
                                status="delivered",
                                delivery_id=notification.id,
                            ),
                            notification=notification.id,
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
                            note = (
                                f"not via {', '.join(rule.not_via)}: it has this fact there already"
                            )
                        self._add(delivery_row(**common, targets=[], status="skipped", note=note))
                        continue
                    self._add(_scheduled(common, recipient, usable, at=at, channel=channel))

    def _add(self, row: dict[str, Any], *, notification: str | None = None) -> None:
        self._deliveries.append((row, notification))

    async def save(self, uow: NotifyUnitOfWork) -> int:
        """Notifications in one statement (those already sent are not sent again), their
        announcements, then deliveries in one; return how many deliveries were made."""
        stored = await uow.notifications.add_new(n for n, _ in self._notifications)
        for notification, cause in self._notifications:
            if notification.id in stored:
                _announce(notification, cause, uow=uow)
        rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row, notification in self._deliveries:
            if notification is None or notification in stored:
                # The first row of a key wins, as the unique key would have it one by one.
                rows.setdefault(_delivery_key(row), row)
        return await uow.deliveries.add_many(list(rows.values()))


def _delivery_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["event_source"], row["event_id"], row["recipient"], row["channel"], row["purpose"])


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
        directory = Directory(uow.recipients)
        ids: list[str] = []
        for text in rule.recipients:
            ids += [i for i in await resolve(text, data, directory) if i not in ids]
        await directory.load([*ids, *_named_ids(data).values()])
        data = {**_display_names(data, directory), **data}
    shown = []
    for recipient in (directory.known(i) or Recipient.unknown(i) for i in ids):
        title, body = render_for(
            rule, message_context(cause, data, recipient), locale=recipient.locale
        )
        shown.append(
            {
                "recipient": recipient.id,
                "registered": directory.known(recipient.id) is not None,
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
