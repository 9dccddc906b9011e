"""The daily digest: supervisors get one message a day instead of a flood."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select, update

from gonghui.notify.adapters.orm import DeliveryRow
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.handlers import delivery_row
from gonghui.notify.domain.model import PREFERRED, Recipient, Target
from gonghui.notify.domain.policy import digest_due
from gonghui.shared.clock import SHANGHAI
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.streams import service_source

MAX_LINES = 50


async def send_digests(*, uow: NotifyUnitOfWork, hour: int) -> int:
    """Gather messages queued for digest before today's digest hour into one per recipient.

    The digest's key is (notify, day, recipient), so replicas racing here send it once.
    """
    async with uow:
        now = uow.clock.now()
        cutoff = digest_due(now, hour=hour)
        query = (
            select(DeliveryRow)
            .where(DeliveryRow.status == "digest", DeliveryRow.created_at < cutoff)
            .order_by(DeliveryRow.recipient, DeliveryRow.created_at)
            .limit(5000)
        )
        if uow.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        queued = list(await uow.session.scalars(query))
        if not queued:
            return 0
        by_recipient: dict[str, list[DeliveryRow]] = defaultdict(list)
        for row in queued:
            by_recipient[row.recipient].append(row)
        people = await uow.recipients.many(by_recipient)
        day = cutoff.astimezone(SHANGHAI).date().isoformat()
        cause = CloudEvent(
            id=f"digest-{day}",
            source=service_source("notify"),
            type="notification.digest.v1",
            data={},
            time=now,
        )
        digests: list[dict[str, Any]] = []
        for recipient_id, rows in by_recipient.items():
            person = people.get(recipient_id) or Recipient.unknown(recipient_id)
            lines = _unique_lines(rows)
            body = "\n".join(f"· {line}" for line in lines[:MAX_LINES])
            if len(lines) > MAX_LINES:
                body += f"\n……另有 {len(lines) - MAX_LINES} 条，请在站内信查看。"
            targets = person.channels or [Target(**t) for t in rows[0].targets]
            digests.append(
                delivery_row(
                    cause=cause,
                    recipient=person,
                    channel=PREFERRED,
                    purpose="digest",
                    rule=None,
                    priority="normal",
                    title=f"每日汇总（{day}）：{len(lines)} 条待关注事项",
                    body=body,
                    targets=targets,
                    status="pending",
                    now=now,
                )
            )
        await uow.deliveries.add_many(digests)
        await uow.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_([row.id for row in queued]))
            .values(status="digested", finished_at=now, note=f"sent in the digest of {day}")
        )
        await uow.commit()
        return len(digests)


def _unique_lines(rows: list[DeliveryRow]) -> list[str]:
    """One line per message (a rule with two channels queues it twice)."""
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        seen.setdefault((row.event_id, row.title), row.title)
    return list(seen.values())
