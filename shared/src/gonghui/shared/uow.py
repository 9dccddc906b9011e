"""The unit of work: one transaction, its repositories and the events it will publish."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Self

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.contracts import CATALOGUE, Contract, Event
from gonghui.shared.db import OutboxRow, insert_rows
from gonghui.shared.envelope import CloudEvent, new_event_id
from gonghui.shared.outbox import outbox_committed
from gonghui.shared.privacy import mask_data
from gonghui.shared.streams import StreamKeys, service_source

log = logging.getLogger(__name__)

OUTBOX_COMMIT_LOCK = 0x676F6E6768756901
"""PostgreSQL advisory lock taken by every transaction that writes outbox rows (see `commit`)."""


class UncommittedWork(RuntimeError):
    """A use case's work was committed by a nested scope and then lost by the outer one."""


class UnitOfWork:
    """Repositories never commit; this does, writing state and outgoing events together.

    Entering it again while it is open joins the open transaction, so a use case that commits
    on its own also works inside a consumer that applies a whole batch in one transaction.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        service: str,
        keys: StreamKeys,
        clock: Clock | None = None,
    ) -> None:
        self._sessions = sessions
        self.service = service
        self.keys = keys
        self.clock = clock or SystemClock()
        self._depth = 0
        self._commit_owed = False
        """A nested scope committed: the outermost scope must commit, or that work is lost."""
        self._session: AsyncSession | None = None
        self._outbox: list[dict[str, object]] = []

    @property
    def session(self) -> AsyncSession:
        """The open session; only valid inside `async with uow`."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self._session = self._sessions()
            self.open_repositories(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._session is not None:
            session, self._session = self._session, None
            owed, self._commit_owed = self._commit_owed, False
            self._outbox.clear()
            # Rows read in here stay readable after the close (the rollback would expire them).
            session.expunge_all()
            try:
                await session.rollback()
            finally:
                await session.close()
            if owed and exc_type is None:
                raise UncommittedWork(
                    "a nested scope committed its work, but the outermost scope ended without "
                    "committing: the work was rolled back"
                )

    def open_repositories(self, session: AsyncSession) -> None:
        """Hook for subclasses: attach repositories to the new session."""

    def emit(
        self,
        event: Contract,
        *,
        subject: str | None = None,
        correlationid: str | None = None,
        stream: str | None = None,
    ) -> CloudEvent:
        """Queue an event on this service's stream (or `stream`), committed with the change."""
        # Unvalidated: every attribute is this service's own and the payload a validated
        # contract's; checking them all again cost a use case more than building the event.
        envelope = CloudEvent.assemble(
            {
                "id": new_event_id(),
                "source": service_source(self.service),
                "type": event.type_name,
                "data": event.model_dump(mode="json"),
                "subject": subject,
                "correlationid": correlationid,
                "time": self.clock.now(),
            }
        )
        self.publish(envelope, stream=stream or self.keys.events(self.service))
        return envelope

    def publish(self, envelope: CloudEvent, *, stream: str) -> None:
        """Queue an already built envelope for `stream`, personal numbers masked.

        This is the one door to the outbox, so every event and work item leaving the service
        passes here: free text is masked, except the fields the contract discloses to its
        named recipient, on that recipient's own inbox, which are audited.
        """
        contract = CATALOGUE.get(envelope.type)
        department = self.keys.department_of(stream)
        keep = (
            contract.disclosed_to_recipient
            if department is not None
            and stream == self.keys.inbox(department)
            and contract is not None
            and issubclass(contract, Event)
            else frozenset()
        )
        data, disclosed = mask_data(envelope.data, keep=keep)
        if data != envelope.data:
            envelope = envelope.model_copy(update={"data": data})
        if disclosed:
            assert department is not None
            log.info(
                "personal data disclosed: %s %s field(s) %s in full to dept:%s on its inbox",
                envelope.type,
                envelope.id,
                ",".join(disclosed),
                department,
            )
            self.audit_disclosure(
                envelope, recipient=f"dept:{department}", fields=disclosed, stream=stream
            )
        self._outbox.append(
            {
                "stream": stream,
                "event_id": envelope.id,
                "fields": envelope.to_fields(),
                "created_at": self.clock.now(),
            }
        )

    def audit_disclosure(
        self, envelope: CloudEvent, *, recipient: str, fields: list[str], stream: str
    ) -> None:
        """Hook: record, in this transaction, that `fields` went unmasked to `recipient`."""

    async def commit(self) -> None:
        """Commit, unless an outer scope owns the transaction: then its commit covers this too."""
        if self._depth > 1:
            self._commit_owed = True
        elif self._depth == 1:
            self._commit_owed = False
            if self._outbox:
                if self.session.bind.dialect.name == "postgresql":
                    # Ids come from a sequence, drawn at INSERT: two transactions may commit in
                    # the other order, and the relay would send them out of commit order. Held
                    # from the INSERT to the commit, this lock makes id order commit order.
                    # (SQLite needs nothing: its one writer at a time already does this.)
                    await self.session.execute(
                        select(func.pg_advisory_xact_lock(OUTBOX_COMMIT_LOCK))
                    )
                # One INSERT for every event of the transaction, ids in emission order.
                await insert_rows(self.session, OutboxRow.__table__, self._outbox)
                self._outbox.clear()
                await self.session.commit()
                outbox_committed(self.service)
            else:
                await self.session.commit()
            self.committed()

    def committed(self) -> None:
        """Hook: the transaction has just been committed (not a nested scope's `commit`)."""

    async def rollback(self) -> None:
        """Throw away everything done in this unit of work."""
        self._commit_owed = False
        self._outbox.clear()
        await self.session.rollback()
