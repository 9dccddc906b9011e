"""A unit's moves from its work queue, written to its outbox exactly as its own system would.

The entry the page writes is the one a partner XADDs (docs/departments-proposals.md §5): the same
CloudEvent type and payload on `dept.<code>.outbox` with `source` `dept/<code>`, so the proposals
service applies it, dead-letters it and tells the unit about it the same way.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis

from gonghui.shared.contracts.base import Command
from gonghui.shared.contracts.proposals import (
    AcceptAssignment,
    ClaimReport,
    CompleteCase,
    DeclineCase,
    ReportProgress,
)
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.envelope import CloudEvent, describe, new_event_id
from gonghui.shared.streams import StreamKeys

UNIT_COMMANDS: dict[str, type[Command]] = {
    "accept": AcceptAssignment,
    "progress": ReportProgress,
    "complete": CompleteCase,
    "decline": DeclineCase,
    "claim": ClaimReport,
}


class RefusedMove(Exception):
    """A move the page will not send, with the reason in Chinese and English."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def new_command_id(unit_code: str) -> str:
    """The CloudEvents id of a move, fixed when the form is drawn so a resubmission is one move."""
    return f"{unit_code}-page-{new_event_id()}"


async def send_unit_move(
    redis: Redis,
    keys: StreamKeys,
    *,
    unit_code: str,
    action: str,
    proposal_id: str,
    fields: dict[str, Any],
    command_id: str,
) -> str:
    """XADD the unit's command to its outbox; the Redis entry id. RefusedMove when it cannot go."""
    contract = UNIT_COMMANDS.get(action)
    if contract is None:
        raise RefusedMove(404, f"未知的操作 {action} (unknown move {action})")
    department = await DepartmentDirectory(redis, keys).get(unit_code)
    if department is None or not department.active:
        raise RefusedMove(
            409,
            f"单位 {unit_code} 尚未接入或已停用，请联系工会管理员 "
            f"(unit {unit_code} is not an active department: `gonghui dept add` it first)",
        )
    if department.signing is not None:
        raise RefusedMove(
            409,
            "本单位要求签名的条目，请从本单位系统操作 "
            "(this unit's entries must be signed by its own system)",
        )
    if not command_id.startswith(f"{unit_code}-page-") or len(command_id) > 200:
        raise RefusedMove(422, "表单已失效，请刷新页面 (invalid command_id: reload the page)")
    try:
        payload = contract.model_validate({**fields, "proposal_id": proposal_id})
    except ValidationError as exc:
        raise RefusedMove(422, f"填写有误：{describe(exc)} (invalid input)") from exc
    event = CloudEvent.create(
        id=command_id,
        source=f"dept/{unit_code}",
        type=contract.type_name,
        data=payload,
        subject=proposal_id,
        correlationid=proposal_id,
    )
    entry_id = await redis.xadd(keys.outbox(unit_code), event.to_fields())
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
