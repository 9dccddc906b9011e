"""What departments send the proposals service on their outboxes, applied through the use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application import handlers as cases
from gonghui.proposals.application.participation import record_duty
from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.shared.consumer import Handlers, Incoming
from gonghui.shared.contracts.proposals import (
    AcceptAssignment,
    ClaimReport,
    CompleteCase,
    DeclineCase,
    DiscussionCommented,
    DiscussionOpened,
    KeyContactVisited,
    ProposalSubmitted,
    ProposalTransitioned,
    ReportProgress,
)


def department_handlers(policy: DeadlinePolicy | None = None) -> Handlers:
    """Commands the proposals service applies from `dept.<code>.outbox`.

    The unit is the department whose outbox the entry came from; a case it is not assigned
    to, an unknown case or a move its status forbids is refused for good (DLQ with the reason).
    """
    policy = policy or DeadlinePolicy()
    handlers = Handlers()

    def apply(
        use_case: Callable[..., Awaitable[Any]],
    ) -> Callable[[Incoming[Any], ProposalsUnitOfWork], Awaitable[None]]:
        async def handler(msg: Incoming[Any], uow: ProposalsUnitOfWork) -> None:
            assert msg.department is not None
            # An unknown case or a forbidden move raises NotFound or Conflict: the DLQ, with why.
            await use_case(msg.data, unit=msg.department, uow=uow, policy=policy)

        return handler

    handlers.on(AcceptAssignment)(apply(cases.accept_assignment))
    handlers.on(ReportProgress)(apply(cases.report_progress))
    handlers.on(CompleteCase)(apply(cases.complete))
    handlers.on(DeclineCase)(apply(cases.decline))
    handlers.on(ClaimReport)(apply(cases.claim))
    return handlers


def own_event_handlers() -> Handlers:
    """履职记录: what the service derives from its own `proposals.events`."""
    handlers = Handlers()

    async def record(msg: Incoming[Any], uow: ProposalsUnitOfWork) -> None:
        await record_duty(msg.envelope, msg.data, uow=uow)

    for contract in DUTY_EVENTS:
        handlers.on(contract)(record)
    return handlers


DUTY_EVENTS = (
    ProposalSubmitted,
    ProposalTransitioned,
    DiscussionOpened,
    DiscussionCommented,
    KeyContactVisited,
)
"""Events that show a representative's work."""
