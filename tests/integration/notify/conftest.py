"""Notify fixtures: a movable clock, units of work on it, the default rules, a dispatcher."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.notify.adapters.channels import Channels, new_webhook_secret
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.dispatch import Dispatcher
from gonghui.notify.application.handlers import install_rules, put_recipient
from gonghui.notify.application.policy import DeliveryPolicy
from gonghui.notify.domain.defaults import DEFAULT_RULES
from gonghui.notify.domain.model import Recipient, Target
from gonghui.shared.clock import SHANGHAI, ManualClock
from gonghui.shared.db import OutboxRow, session_factory
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.receivers import ReceiverAddresses
from gonghui.shared.streams import StreamKeys

POLICY = DeliveryPolicy(retry_base_s=10, retry_cap_s=600, attempts_per_channel=3, lease_s=30)
Uow = Callable[[], NotifyUnitOfWork]


@pytest.fixture
def clock() -> ManualClock:
    """10:00 on a Monday in Shanghai."""
    return ManualClock(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
async def uow(notify_engine: AsyncEngine, keys: StreamKeys, clock: ManualClock) -> Uow:
    """Notify units of work on the movable clock, with the default rules installed."""
    sessions = session_factory(notify_engine)

    def make() -> NotifyUnitOfWork:
        return NotifyUnitOfWork(sessions, service="notify", keys=keys, clock=clock)

    await install_rules(DEFAULT_RULES, uow=make())
    return make


@pytest.fixture
async def dispatcher(uow: Uow, redis: Redis, keys: StreamKeys) -> AsyncIterator[Dispatcher]:
    """A dispatcher with real channels; retries 10 s, 20 s, ... with jitter; 3 tries a channel."""
    channels = Channels(ReceiverAddresses(anywhere=True), timeout_s=5)
    yield Dispatcher(
        uow,
        channels=channels,
        dead_letters=DeadLetters(redis, keys),
        keys=keys,
        policy=POLICY,
        rng=random.Random(7),
    )
    await channels.aclose()


def event(
    type_name: str, subject: str, data: dict[str, Any], *, event_id: str | None = None
) -> CloudEvent:
    """An event as proposals (or stations) would announce it."""
    source = "gonghui/stations" if type_name.startswith("station.") else "gonghui/proposals"
    return CloudEvent.create(
        source=source,
        type=type_name,
        data=data,
        subject=subject,
        id=event_id or f"{type_name}:{subject}",
    )


async def person(uow: Uow, recipient_id: str, *targets: Target, **fields: Any) -> Recipient:
    """Put a person in the directory."""
    recipient = Recipient(
        id=recipient_id, name=fields.pop("name", recipient_id), channels=list(targets), **fields
    )
    return await put_recipient(recipient, uow=uow())


def webhook(url: str) -> Target:
    """A webhook target with a fresh secret."""
    return Target("webhook", url, new_webhook_secret())


async def outbox(uow: Uow, type_name: str) -> list[dict[str, Any]]:
    """Data of the events notify queued for its stream, of one type."""
    async with uow() as unit:
        rows = await unit.session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        return [
            CloudEvent.from_fields(r.fields).data for r in rows if r.fields["type"] == type_name
        ]


async def inbox(uow: Uow, recipient: str) -> list[Any]:
    """A recipient's in-app notifications, newest first."""
    async with uow() as unit:
        return await unit.notifications.list(recipient=recipient, limit=500)


async def deliveries(uow: Uow, **filters: Any) -> list[Any]:
    """Delivery rows with their attempts."""
    async with uow() as unit:
        return await unit.deliveries.log(**filters, limit=1000)


async def drain(dispatcher: Dispatcher) -> int:
    """Dispatch until nothing is due now."""
    total = 0
    while done := await dispatcher.run_once():
        total += done
    return total
