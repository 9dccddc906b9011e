"""What the plumbing tells a department about its own entries: why one was refused.

Every service that reads department outboxes may refuse an entry, so this contract has no
single owner and stays out of the catalogue of commands and events a service applies.
"""

from __future__ import annotations

from pydantic import Field

from gonghui.shared.contracts.base import Event


class EntryRejected(Event):
    """entry.rejected.v1: an entry the department wrote was refused and dead-lettered; why.

    Put on `dept.<code>.inbox` next to the work routed to the department, at the moment the
    entry goes to `dept.<code>.outbox.dlq`. Its CloudEvents `id` is `rejected:<entry_id>`, the
    same however often it is written, so a department can apply it idempotently.
    """

    type_name = "entry.rejected.v1"
    streams = ("inbox",)

    entry_id: str = Field(
        description="The refused entry's Redis stream id on `dept.<code>.outbox` "
        "(what XADD returned), e.g. `1732867200000-0`."
    )
    event_id: str | None = Field(
        None, description="Its CloudEvents `id`, if it had a readable one (else null)."
    )
    event_type: str | None = Field(
        None, description="Its CloudEvents `type`, if it had a readable one (else null)."
    )
    reason_zh: str = Field(description="为什么被拒绝 (zh-CN): the kind of refusal, for people.")
    reason_en: str = Field(
        description="Why, in English and in detail: the reason the operator sees in the "
        "dead-letter queue (which field, which rule)."
    )
    refused_by: str = Field(
        description="The service that refused it: `stations`, `proposals` or `notify`."
    )
    deliveries: int = Field(
        description="How many times it was tried: 1 when it could never be applied (a broken "
        "rule), more when it kept failing and was given up."
    )


NOTICES: tuple[type[Event], ...] = (EntryRejected,)
"""What the plumbing itself writes to department inboxes."""
