"""Commands departments send on their outboxes, applied through the use cases."""

from __future__ import annotations

from gonghui.shared.consumer import Handlers, Incoming
from gonghui.shared.contracts.stations import RegisterStation
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import register_station


def department_handlers(*, code_prefix: str) -> Handlers:
    """What the registry accepts on `dept.<code>.outbox`."""
    handlers = Handlers()

    @handlers.on(RegisterStation)
    async def on_register(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        await register_station(msg.data, operator=msg.department, code_prefix=code_prefix, uow=uow)

    return handlers
