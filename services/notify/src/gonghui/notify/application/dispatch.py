"""The dispatcher: claim due deliveries, send them, record the outcome (any number of replicas)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, update

from gonghui.notify.adapters.channels import Channels, Outcome, Outgoing
from gonghui.notify.adapters.orm import AttemptRow, DeliveryRow
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.handlers import deliver_in_app
from gonghui.notify.application.policy import DeliveryPolicy
from gonghui.notify.domain.model import IN_APP, INBOX, Recipient, Target
from gonghui.notify.domain.policy import backoff, quiet_until
from gonghui.shared.clock import SHANGHAI
from gonghui.shared.contracts.notify import (
    NotificationDelivered,
    NotificationFailed,
    NotificationPosted,
)
from gonghui.shared.deadletters import Burial, DeadLetters
from gonghui.shared.envelope import CloudEvent, new_event_id
from gonghui.shared.streams import StreamKeys, service_source

log = logging.getLogger(__name__)


def delivery_dlq_stream(keys: StreamKeys) -> str:
    """The stream name under which failed deliveries are dead-lettered (`notify.deliveries.dlq`)."""
    return f"{keys.prefix}notify.deliveries"


class Dispatcher:
    """Sends what is due, at least once per attempt and exactly once per delivery row."""

    def __init__(
        self,
        uow_factory: Callable[[], NotifyUnitOfWork],
        *,
        channels: Channels,
        dead_letters: DeadLetters,
        keys: StreamKeys,
        policy: DeliveryPolicy,
        rng: random.Random | None = None,
        concurrency: int = 32,
    ) -> None:
        self._uow_factory = uow_factory
        self._channels = channels
        self._dead_letters = dead_letters
        self._keys = keys
        self._policy = policy
        self._rng = rng or random.Random()
        self._limit = asyncio.Semaphore(concurrency)

    async def run_once(self) -> int:
        """Claim one batch, send it, record it; return how many were attempted."""
        token, claimed = await self._claim()
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._send(row) for row in claimed))
        await self._record(token, list(zip(claimed, outcomes, strict=True)))
        return len(claimed)

    async def run(self, stop: asyncio.Event, *, interval_s: float = 0.2) -> None:
        """Dispatch until `stop` is set; errors are logged and retried."""
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:
                log.exception("dispatching failed; retrying")
                done = 0
            if done < self._policy.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval_s)

    async def _claim(self) -> tuple[str, list[DeliveryRow]]:
        """Take due rows: SKIP LOCKED on PostgreSQL, then a conditional UPDATE (both backends)."""
        token = new_event_id()
        async with self._uow_factory() as uow:
            now = uow.clock.now()
            due = or_(
                and_(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now),
                and_(DeliveryRow.status == "sending", DeliveryRow.lease_until < now),
            )
            query = (
                select(DeliveryRow.id)
                .where(due)
                .order_by(DeliveryRow.next_attempt_at)
                .limit(self._policy.batch_size)
            )
            if uow.session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(await uow.session.scalars(query))
            if not ids:
                return token, []
            # The same condition again: a row another replica claimed meanwhile is not taken twice.
            await uow.session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(ids), due)
                .values(
                    status="sending",
                    claim_token=token,
                    lease_until=now + timedelta(seconds=self._policy.lease_s),
                )
            )
            rows = list(
                await uow.session.scalars(
                    select(DeliveryRow).where(DeliveryRow.claim_token == token)
                )
            )
            await uow.commit()
            return token, rows

    async def _send(self, row: DeliveryRow) -> Outcome:
        target = Target(**row.targets[row.target_index])
        if target.kind in (IN_APP, INBOX):
            return Outcome(ok=True)  # written in the recording transaction (inbox, outbox)
        async with self._limit:
            return await self._channels.send(
                target,
                Outgoing(
                    delivery_id=row.id,
                    event_type=row.event_type,
                    subject=row.subject,
                    recipient=row.recipient,
                    title=row.title,
                    body=row.body,
                    priority=row.priority,
                    # The wall clock, not the injected one: receivers check it against theirs.
                    sent_at=datetime.now(UTC),
                ),
            )

    async def _record(self, token: str, results: list[tuple[DeliveryRow, Outcome]]) -> None:
        burials: list[Burial] = []
        async with self._uow_factory() as uow:
            now = uow.clock.now()
            ids = [claimed.id for claimed, _ in results]
            current = {
                row.id: row
                for row in await uow.session.scalars(
                    select(DeliveryRow).where(DeliveryRow.id.in_(ids))
                )
            }
            failing = [c.recipient for c, o in results if not o.ok and c.priority == "normal"]
            people = await uow.recipients.many(failing)
            for claimed, outcome in results:
                row = current.get(claimed.id)
                if row is None or row.claim_token != token or row.status != "sending":
                    continue  # our lease ran out and another replica took it over
                target = Target(**row.targets[row.target_index])
                row.attempts += 1
                uow.session.add(
                    AttemptRow(
                        delivery_id=row.id,
                        number=row.attempts,
                        channel=target.kind,
                        at=now,
                        ok=outcome.ok,
                        error=outcome.error,
                    )
                )
                row.claim_token = None
                row.lease_until = None
                if outcome.ok:
                    await self._delivered(row, target, uow=uow, now=now)
                else:
                    burial = self._failed(row, outcome, uow=uow, now=now)
                    if burial is not None:
                        burials.append(burial)
                    elif (person := people.get(row.recipient)) is not None:
                        self._respect_quiet_hours(row, person)
            # Dead letters first: if the commit then fails, the retry buries again (a duplicate
            # dead letter) rather than never.
            await self._dead_letters.bury(burials)
            await uow.commit()

    async def _delivered(
        self, row: DeliveryRow, target: Target, *, uow: NotifyUnitOfWork, now: datetime
    ) -> None:
        row.status = "delivered"
        row.delivered_via = target.kind
        row.finished_at = now
        row.last_error = None
        cause = _cause_of(row)
        if target.kind == IN_APP:
            # A reminder in the inbox: its own cause id, so it never collides with the first notice.
            await deliver_in_app(
                cause=cause,
                recipient_id=row.recipient,
                title=row.title,
                body=row.body,
                priority=row.priority,
                uow=uow,
                notification_id=row.id,
                cause_event_id=f"{row.event_id}#{row.purpose}",
            )
            return
        if target.kind == INBOX:
            # Through the outbox, in this transaction; the delivery id is the envelope id.
            posted = NotificationPosted(
                delivery_id=row.id,
                cause_event_id=row.event_id,
                cause_type=row.event_type,
                recipient=row.recipient,
                title=row.title,
                body=row.body,
                priority=row.priority,
            )
            envelope = CloudEvent.create(
                source=service_source("notify"),
                type=posted.type_name,
                data=posted,
                subject=row.subject,
                correlationid=row.correlationid,
                time=now,
                id=row.id,
            )
            uow.publish(envelope, stream=self._keys.inbox(target.address))
        uow.emit(
            NotificationDelivered(
                notification_id=row.id,
                cause_event_id=row.event_id,
                cause_source=row.event_source,
                recipient=row.recipient,
                channel=target.kind,
                delivered_at=now,
            ),
            subject=row.subject,
            correlationid=row.correlationid,
        )

    @staticmethod
    def _respect_quiet_hours(row: DeliveryRow, person: Recipient) -> None:
        """A normal message's retry that would fall in quiet hours waits for the morning."""
        held = quiet_until(
            row.next_attempt_at,
            start=person.quiet_start,
            end=person.quiet_end,
            priority=row.priority,
        )
        if held is not None:
            row.next_attempt_at = held
            row.note = f"retry held for quiet hours until {held.astimezone(SHANGHAI):%H:%M}"

    def _failed(
        self, row: DeliveryRow, outcome: Outcome, *, uow: NotifyUnitOfWork, now: datetime
    ) -> Burial | None:
        row.last_error = outcome.error
        row.target_attempts += 1
        exhausted = outcome.permanent or row.target_attempts >= self._policy.attempts_per_channel
        if not exhausted:
            row.status = "pending"
            row.next_attempt_at = now + backoff(
                row.target_attempts,
                base_s=self._policy.retry_base_s,
                cap_s=self._policy.retry_cap_s,
                rng=self._rng,
            )
            return None
        if row.target_index + 1 < len(row.targets):
            row.target_index += 1
            row.target_attempts = 0
            row.status = "pending"
            row.next_attempt_at = now
            row.note = f"failed over to {row.targets[row.target_index]['kind']}"
            return None
        row.status = "failed"
        row.finished_at = now
        reason = f"gave up after {row.attempts} attempts: {outcome.error}"
        uow.emit(
            NotificationFailed(
                delivery_id=row.id,
                cause_event_id=row.event_id,
                cause_source=row.event_source,
                recipient=row.recipient,
                channel=row.channel,
                attempts=row.attempts,
                reason=reason,
                failed_at=now,
            ),
            subject=row.subject,
            correlationid=row.correlationid,
        )
        summary = {
            "delivery_id": row.id,
            "event_id": row.event_id,
            "event_source": row.event_source,
            "event_type": row.event_type,
            "recipient": row.recipient,
            "channel": row.channel,
            "channels_tried": json.dumps([t["kind"] for t in row.targets]),
        }
        return Burial(
            stream=delivery_dlq_stream(self._keys),
            group="notify",
            entry_id=row.id,
            fields={k.encode(): v.encode() for k, v in summary.items()},
            reason=reason,
            deliveries=row.attempts,
        )


def _cause_of(row: DeliveryRow) -> CloudEvent:
    return CloudEvent(
        id=row.event_id,
        source=row.event_source,
        type=row.event_type,
        data={},
        subject=row.subject,
        correlationid=row.correlationid,
    )
