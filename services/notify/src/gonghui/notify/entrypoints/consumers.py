"""The events the notify service turns into notifications."""

from __future__ import annotations

from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.handlers import notify_in_app
from gonghui.notify.domain import messages
from gonghui.shared.consumer import Handlers, Incoming
from gonghui.shared.contracts.proposals import ProposalSubmitted
from gonghui.shared.contracts.stations import StationRegistered


def station_event_handlers() -> Handlers:
    """What notify does with `stations.events`."""
    handlers = Handlers()

    @handlers.on(StationRegistered)
    async def on_registered(msg: Incoming[StationRegistered], uow: NotifyUnitOfWork) -> None:
        await notify_in_app(messages.station_registered(msg.data), cause=msg.envelope, uow=uow)

    return handlers


def proposal_event_handlers() -> Handlers:
    """What notify does with `proposals.events`."""
    handlers = Handlers()

    @handlers.on(ProposalSubmitted)
    async def on_submitted(msg: Incoming[ProposalSubmitted], uow: NotifyUnitOfWork) -> None:
        await notify_in_app(messages.proposal_submitted(msg.data), cause=msg.envelope, uow=uow)

    return handlers


def department_handlers() -> Handlers:
    """Requests notify applies from `dept.<code>.outbox`."""
    return Handlers()
