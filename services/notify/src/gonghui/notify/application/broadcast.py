"""Broadcasts: one request, every person in an audience told once, in pages of bounded size."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from gonghui.notify.adapters.orm import BroadcastRow, StationRow
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.handlers import delivery_row
from gonghui.notify.application.policy import DeliveryPolicy
from gonghui.notify.domain import stations, templates
from gonghui.notify.domain.geo import NearestIndex, Place
from gonghui.notify.domain.model import IN_APP, Notification, Recipient
from gonghui.shared.consumer import Rejected
from gonghui.shared.contracts.notify import BroadcastRequested
from gonghui.shared.envelope import CloudEvent, new_event_id

log = logging.getLogger(__name__)


async def request_broadcast(
    command: BroadcastRequested,
    *,
    cause: CloudEvent,
    department: str,
    allowed: frozenset[str],
    uow: NotifyUnitOfWork,
) -> bool:
    """Accept a broadcast from a permitted department; the fan-out runs in the background."""
    if department not in allowed:
        raise Rejected(f"department {department!r} is not permitted to broadcast")
    for source in (
        command.title_zh,
        command.body_zh,
        command.title_en or "",
        command.body_en or "",
    ):
        try:
            templates.check(source)
        except templates.TemplateInvalid as exc:
            raise Rejected(str(exc)) from exc
    async with uow:
        added = await uow.broadcasts.add(
            {
                "id": f"{department}:{command.broadcast_id}",
                "department": department,
                "event_source": cause.source,
                "event_id": cause.id,
                "spec": {**command.model_dump(mode="json"), "type": cause.type},
                "status": "pending",
                "cursor": None,
                "sent": 0,
                "lease_until": None,
                "claim_token": None,
                "created_at": uow.clock.now(),
                "finished_at": None,
            }
        )
        await uow.commit()
        return added


def open_stations(rows: list[StationRow], *, at: datetime) -> NearestIndex:
    """The stations open at `at`, as the stations service decides it, for nearest lookups."""
    places = []
    for row in rows:
        try:
            if not stations.is_open(
                status=row.status,
                open_hours=row.open_hours,
                lat=row.lat,
                lon=row.lon,
                at=at,
                test_data=row.test_data,
            ):
                continue
        except Exception:
            log.warning("station %s: opening hours unreadable; left out", row.code)
            continue
        places.append(Place(row.code, row.name, row.address, row.lat, row.lon))
    return NearestIndex(places)


class BroadcastWorker:
    """Claims a broadcast and fans it out page by page; a crash resumes at the last page."""

    def __init__(
        self, uow_factory: Callable[[], NotifyUnitOfWork], *, policy: DeliveryPolicy
    ) -> None:
        self._uow_factory = uow_factory
        self._policy = policy

    async def run_once(self) -> int:
        """Fan out one claimed broadcast to the end; return how many people it reached."""
        claimed = await self._claim()
        if claimed is None:
            return 0
        token, row = claimed
        async with self._uow_factory() as uow:
            index = open_stations(await uow.stations.all(), at=uow.clock.now())
        spec = row.spec
        cause = CloudEvent(
            id=row.event_id, source=row.event_source, type=spec["type"], data={}, subject=row.id
        )
        cursor, total = row.cursor, row.sent
        while True:
            page = await self._page(row.id, token, spec, cause, index, after=cursor)
            if page is None:
                log.warning("broadcast %s: lost the claim; another replica goes on", row.id)
                return total
            cursor, reached, done = page
            total += reached
            if done:
                return total

    async def run(self, stop: asyncio.Event, *, interval_s: float = 1.0) -> None:
        """Work off broadcasts until `stop` is set."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("broadcast fan-out failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)

    async def _claim(self) -> tuple[str, BroadcastRow] | None:
        token = new_event_id()
        async with self._uow_factory() as uow:
            now = uow.clock.now()
            claimable = (BroadcastRow.status.in_(["pending", "running"])) & or_(
                BroadcastRow.lease_until.is_(None), BroadcastRow.lease_until < now
            )
            found = await uow.session.scalar(
                select(BroadcastRow.id).where(claimable).order_by(BroadcastRow.created_at).limit(1)
            )
            if found is None:
                return None
            taken = await uow.session.execute(
                update(BroadcastRow)
                .where(BroadcastRow.id == found, claimable)
                .values(status="running", claim_token=token, lease_until=self._lease(now))
            )
            await uow.commit()
            if not taken.rowcount:
                return None
            row = await uow.session.get(BroadcastRow, found)
            return (token, row) if row is not None else None

    def _lease(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self._policy.lease_s)

    async def _page(
        self,
        broadcast_id: str,
        token: str,
        spec: dict[str, Any],
        cause: CloudEvent,
        index: NearestIndex,
        *,
        after: str | None,
    ) -> tuple[str | None, int, bool] | None:
        """One page in one transaction: messages, deliveries and the cursor move together."""
        audience = spec["audience"]
        async with self._uow_factory() as uow:
            now = uow.clock.now()
            people = await uow.recipients.page_with_role(
                audience.get("role") or "worker",
                area=audience.get("area_code"),
                after=after,
                limit=self._policy.broadcast_page,
                brief=True,
            )
            notifications, deliveries = self._messages(people, spec, cause, index, now=now)
            await uow.notifications.add_many(notifications)
            await uow.deliveries.add_many(deliveries)
            done = len(people) < self._policy.broadcast_page
            cursor = people[-1].id if people else after
            reached = len(
                {n.recipient for n in notifications} | {d["recipient"] for d in deliveries}
            )
            moved = await uow.session.execute(
                update(BroadcastRow)
                .where(BroadcastRow.id == broadcast_id, BroadcastRow.claim_token == token)
                .values(
                    cursor=cursor,
                    sent=BroadcastRow.sent + reached,
                    lease_until=self._lease(now),
                    status="done" if done else "running",
                    finished_at=now if done else None,
                )
            )
            if not moved.rowcount:
                return None
            await uow.commit()
            return cursor, reached, done

    def _messages(
        self,
        people: list[Recipient],
        spec: dict[str, Any],
        cause: CloudEvent,
        index: NearestIndex,
        *,
        now: datetime,
    ) -> tuple[list[Notification], list[dict[str, Any]]]:
        within = spec["audience"].get("within_m")
        priority = spec.get("priority", "urgent")
        notifications: list[Notification] = []
        deliveries: list[dict[str, Any]] = []
        for person in people:
            if person.opted_out_of(event_type=cause.type, rule_id=None, priority=priority):
                continue
            nearest = (
                index.nearest(person.lat, person.lon, within_m=within)
                if person.lat is not None and person.lon is not None
                else None
            )
            if within is not None and nearest is None:
                continue
            context = {
                "recipient": {"id": person.id, "name": person.name},
                "nearest_station": None
                if nearest is None
                else {
                    "code": nearest[0].code,
                    "name": nearest[0].name,
                    "address": nearest[0].address or "",
                    "distance_m": round(nearest[1]),
                },
            }
            english = person.locale.lower().startswith("en") and spec.get("title_en")
            title = templates.render(spec["title_en"] if english else spec["title_zh"], context)
            body_source = (spec.get("body_en") if english else None) or spec["body_zh"]
            body = templates.render(body_source, context)
            for channel in spec.get("channels") or [IN_APP]:
                if channel == IN_APP:
                    notifications.append(
                        Notification(
                            id=new_event_id(),
                            recipient=person.id,
                            channel=IN_APP,
                            title=title[:200],
                            body=body,
                            cause_type=cause.type,
                            cause_source=cause.source,
                            cause_event_id=cause.id,
                            subject=cause.subject,
                            created_at=now,
                            priority=priority,
                        )
                    )
                    continue
                targets = person.targets_for(channel)
                if targets:
                    deliveries.append(
                        delivery_row(
                            cause=cause,
                            recipient=person,
                            channel=channel,
                            purpose="broadcast",
                            rule=None,
                            priority=priority,
                            title=title[:200],
                            body=body,
                            targets=targets,
                            status="pending",
                            now=now,
                        )
                    )
        return notifications, deliveries
