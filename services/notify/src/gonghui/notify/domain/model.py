"""Notifications, recipients, rules and deliveries: plain data with their rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gonghui.shared.auth import area_prefix

IN_APP = "in_app"
PREFERRED = "preferred"
WEBHOOK = "webhook"
INBOX = "inbox"
"""A department's own `dept.<code>.inbox` stream on the bus; the address is its code."""
EMAIL = "email"
APPRISE_KINDS = ("dingtalk", "wecom", "feishu", EMAIL, "sms", "apprise")
TARGET_KINDS = (WEBHOOK, INBOX, *APPRISE_KINDS)
RULE_CHANNELS = (IN_APP, PREFERRED, *TARGET_KINDS)


@dataclass
class Notification:
    """A message caused by an event, for a person or a role, in the in-app inbox."""

    id: str
    recipient: str
    channel: str
    title: str
    body: str
    cause_type: str
    cause_source: str
    cause_event_id: str
    subject: str | None
    created_at: datetime
    read_at: datetime | None = None
    priority: str = "normal"
    area_code: str | None = None
    """The area the cause is about: a group inbox shows it only to readers covering it."""


@dataclass(frozen=True)
class Target:
    """One channel address of a recipient: a webhook URL or an Apprise URL."""

    kind: str
    address: str
    secret: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form kept in the database."""
        return {"kind": self.kind, "address": self.address, "secret": self.secret}


@dataclass
class Recipient:
    """A person, a role's group (`role:<name>`) or a department (`dept:<code>`)."""

    id: str
    name: str
    kind: str = "person"
    roles: list[str] = field(default_factory=list)
    area_code: str | None = None
    department: str | None = None
    supervisor: str | None = None
    locale: str = "zh-CN"
    channels: list[Target] = field(default_factory=list)
    """Outbound channels in failover order (first that works wins)."""
    quiet_start: str | None = None
    quiet_end: str | None = None
    opt_outs: list[str] = field(default_factory=list)
    """Event types or rule ids this recipient does not want (`*` = everything not critical)."""
    digest: bool = False
    """Normal-priority outbound messages are gathered into one daily digest."""
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def unknown(cls, recipient_id: str) -> Recipient:
        """Someone named by an event but not in the directory: in-app inbox only."""
        return cls(id=recipient_id, name=recipient_id)

    def opted_out_of(self, *, event_type: str, rule_id: str | None, priority: str) -> bool:
        """Whether this recipient declined it; critical messages cannot be declined."""
        if priority == "critical":
            return False
        return bool({"*", event_type, rule_id} & set(self.opt_outs))

    def targets_for(self, channel: str) -> list[Target]:
        """The addresses a rule channel means for this recipient."""
        if channel == PREFERRED:
            return list(self.channels)
        return [t for t in self.channels if t.kind == channel]


def _meets(conditions: dict[str, list[str]], data: dict[str, Any]) -> bool:
    return all(str(data.get(name)) in values for name, values in conditions.items())


def covers(scope: str | None, area_code: str | None) -> bool:
    """Whether an area scope (350000, 3501, None = everywhere) contains `area_code`."""
    if scope is None:
        return True
    return area_code is not None and area_code.startswith(area_prefix(scope))


@dataclass
class Rule:
    """When an event of `event_type` arrives, tell `recipients` on `channels` with a template."""

    id: str
    event_type: str
    recipients: list[str]
    channels: list[str]
    title_zh: str
    body_zh: str
    title_en: str | None = None
    body_en: str | None = None
    priority: str = "normal"
    enabled: bool = True
    description: str = ""
    remind_before_minutes: list[int] = field(default_factory=list)
    """If set, this rule sends reminders this long before `data[due_field]`, not at once."""
    due_field: str | None = None
    cancel_on: list[str] = field(default_factory=list)
    """Event types (same subject) that cancel this rule's pending reminders."""
    conditions: dict[str, list[str]] = field(default_factory=dict)
    """Fire only if each named data field has one of the listed values (e.g. `action`)."""
    not_via: list[str] = field(default_factory=list)
    """Channel kinds this rule never uses: `inbox` when the department's inbox already has the
    work item for the same fact (one notice per fact)."""
    urgent_when: dict[str, list[str]] = field(default_factory=dict)
    """Conditions under which the message is urgent (`{"kind": ["hotline"]}`): it passes quiet
    hours and the digest."""
    area_code: str | None = None
    """Only events about this area (and inside it); a district admin's own rules."""

    def applies_to(self, data: dict[str, Any], *, area_code: str | None = None) -> bool:
        """Whether the event's data meets every condition and lies in the rule's area."""
        if self.area_code is not None and not covers(self.area_code, area_code):
            return False
        return _meets(self.conditions, data)

    def priority_for(self, data: dict[str, Any]) -> str:
        """The rule's priority, raised to urgent when `urgent_when` holds."""
        if self.priority == "normal" and self.urgent_when and _meets(self.urgent_when, data):
            return "urgent"
        return self.priority

    @property
    def is_reminder(self) -> bool:
        """Whether it schedules reminders before a deadline."""
        return bool(self.remind_before_minutes)

    def templates(self, locale: str) -> tuple[str, str]:
        """(title, body) templates for a locale: zh-CN first, English when asked and present."""
        if locale.lower().startswith("en") and self.title_en and self.body_en:
            return self.title_en, self.body_en
        return self.title_zh, self.body_zh


class RuleSet:
    """Every rule, found by the event type that fires it and by those that cancel its reminders."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        """`rules` in the order they apply (by id)."""
        self._firing: dict[str, list[Rule]] = {}
        self._cancelling: dict[str, list[Rule]] = {}
        for rule in rules:
            if rule.enabled:
                self._firing.setdefault(rule.event_type, []).append(rule)
            if rule.due_field is not None:
                for event_type in dict.fromkeys(rule.cancel_on):
                    self._cancelling.setdefault(event_type, []).append(rule)

    def firing(self, event_type: str) -> list[Rule]:
        """Enabled rules that fire on an event type, in order."""
        return self._firing.get(event_type, [])

    def cancelling(self, event_type: str) -> list[Rule]:
        """Reminder rules whose pending reminders an event of this type cancels."""
        return self._cancelling.get(event_type, [])
