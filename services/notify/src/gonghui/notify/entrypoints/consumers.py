"""What notify reads: every event of the other services (by rule) and broadcast requests."""

from __future__ import annotations

from typing import Any

from gonghui.notify.adapters.repositories import RuleCache
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.broadcast import request_broadcast
from gonghui.notify.application.handlers import apply_events
from gonghui.shared.consumer import Handlers, Incoming
from gonghui.shared.contracts.notify import BroadcastRequested


def station_event_handlers(rules: RuleCache | None = None) -> Handlers:
    """`stations.events`: keep the station read model, then apply the rules, a run at a time."""
    handlers = Handlers()
    cache = rules or RuleCache()

    @handlers.otherwise_batch
    async def on_station_events(
        run: list[Incoming[Any]], uow: NotifyUnitOfWork
    ) -> list[tuple[Incoming[Any], str]]:
        events = [(msg.envelope, msg.envelope.data) for msg in run]
        await apply_events(events, uow=uow, rules=cache, keep_stations=True)
        return []

    return handlers


def proposal_event_handlers(rules: RuleCache | None = None) -> Handlers:
    """`proposals.events`: every type, typed or not, goes through the rules, a run at a time."""
    handlers = Handlers()
    cache = rules or RuleCache()

    @handlers.otherwise_batch
    async def on_proposal_events(
        run: list[Incoming[Any]], uow: NotifyUnitOfWork
    ) -> list[tuple[Incoming[Any], str]]:
        await apply_events([(msg.envelope, msg.envelope.data) for msg in run], uow=uow, rules=cache)
        return []

    return handlers


def department_handlers(*, broadcasters: frozenset[str]) -> Handlers:
    """Requests notify applies from `dept.<code>.outbox`."""
    handlers = Handlers()

    @handlers.on(BroadcastRequested)
    async def on_broadcast(msg: Incoming[BroadcastRequested], uow: NotifyUnitOfWork) -> None:
        assert msg.department is not None
        await request_broadcast(
            msg.data, cause=msg.envelope, department=msg.department, allowed=broadcasters, uow=uow
        )

    return handlers
