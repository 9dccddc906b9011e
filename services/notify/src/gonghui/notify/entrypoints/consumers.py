"""What notify reads: every event of the other services (by rule) and broadcast requests."""

from __future__ import annotations

from typing import Any

from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.broadcast import request_broadcast
from gonghui.notify.application.handlers import apply_rules, record_station
from gonghui.shared.consumer import Handlers, Incoming
from gonghui.shared.contracts.notify import BroadcastRequested


def station_event_handlers() -> Handlers:
    """`stations.events`: keep the station read model, then apply the rules."""
    handlers = Handlers()

    @handlers.otherwise
    async def on_station_event(msg: Incoming[Any], uow: NotifyUnitOfWork) -> None:
        data = msg.envelope.data
        await record_station(msg.envelope.type, data, uow=uow)
        await apply_rules(msg.envelope, data, uow=uow)

    return handlers


def proposal_event_handlers() -> Handlers:
    """`proposals.events`: every type, typed or not, goes through the rules."""
    handlers = Handlers()

    @handlers.otherwise
    async def on_proposal_event(msg: Incoming[Any], uow: NotifyUnitOfWork) -> None:
        await apply_rules(msg.envelope, msg.envelope.data, uow=uow)

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
