"""Commands departments send on their outboxes, applied through the use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from gonghui.shared.consumer import Handlers, Incoming, Rejected
from gonghui.shared.contracts.stations import (
    ExitStation,
    RecordVisit,
    RegisterStation,
    ResumeStation,
    SuspendStation,
    UpdateStation,
)
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application import handlers as uc
from gonghui.stations.domain.areas import UnknownArea


async def _or_reject(step: Awaitable[Any]) -> None:
    """Someone else's station or an unknown area is refused for good: the DLQ, with the reason.

    (Unknown stations and steps the state forbids are the shared NotFound and Conflict,
    which the plumbing dead-letters on its own.)
    """
    try:
        await step
    except (uc.NotYourStation, UnknownArea) as exc:
        raise Rejected(str(exc)) from exc


def department_handlers(*, worker_id_secret: str) -> Handlers:
    """What the registry accepts on `dept.<code>.outbox`; a partner acts only on its stations."""
    handlers = Handlers()

    def on(contract: type, use: Callable[[Any, str, StationsUnitOfWork], Awaitable[Any]]) -> None:
        @handlers.on(contract)
        async def apply(msg: Incoming[Any], uow: StationsUnitOfWork) -> None:
            assert msg.department is not None
            await _or_reject(use(msg.data, msg.department, uow))

    def ref(cmd: Any, dept: str) -> dict[str, Any]:
        return {"code": cmd.code, "external_ref": cmd.external_ref, "operator": dept}

    @handlers.on(RegisterStation)
    async def register(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        await _or_reject(
            uc.register_station(msg.data, operator=msg.department, uow=uow, test_data=msg.test_data)
        )

    on(
        UpdateStation,
        lambda c, d, uow: uc.update_station(
            c, operator=d, actor=uc.partner_actor(d, c.actor), uow=uow
        ),
    )
    on(
        SuspendStation,
        lambda c, d, uow: uc.suspend_station(
            **ref(c, d),
            actor=uc.partner_actor(d, c.actor),
            reason=c.reason,
            until=c.until,
            uow=uow,
        ),
    )
    on(
        ResumeStation,
        lambda c, d, uow: uc.resume_station(
            **ref(c, d), actor=uc.partner_actor(d, c.actor), reason=c.reason, uow=uow
        ),
    )
    on(
        ExitStation,
        lambda c, d, uow: uc.exit_station(
            **ref(c, d), actor=uc.partner_actor(d, c.actor), reason=c.reason, uow=uow
        ),
    )
    on(
        RecordVisit,
        lambda c, d, uow: uc.record_visit(
            **ref(c, d), worker_id=c.worker_id, at=c.visited_at, secret=worker_id_secret, uow=uow
        ),
    )
    return handlers
