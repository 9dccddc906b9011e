"""A unit's page moves land on its outbox as its own system's would; a case's events are tailed."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from gonghui.front.adapters.case_events import case_changes, sse, stream_position
from gonghui.front.adapters.unit_outbox import RefusedMove, new_command_id, send_unit_move
from gonghui.shared.connections import redis_client
from gonghui.shared.contracts.proposals import ReportProgress
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.streams import StreamKeys


async def test_a_progress_report_from_the_page_is_the_entry_a_partner_would_xadd(
    redis: Redis, keys: StreamKeys
) -> None:
    await DepartmentDirectory(redis, keys).add("dushu-town", "独山港镇人民政府")
    command_id = new_command_id("dushu-town")

    await send_unit_move(
        redis,
        keys,
        unit_code="dushu-town",
        action="progress",
        proposal_id="01JDX",
        fields={"percent": 60, "milestone": "选址完成", "note": "已与运输公司签约"},
        command_id=command_id,
    )

    [(_, fields)] = await redis.xrange(keys.outbox("dushu-town"))
    event = CloudEvent.from_fields(fields)
    assert event.source == keys.expected_source(keys.outbox("dushu-town")) == "dept/dushu-town"
    assert (event.id, event.type, event.subject) == (command_id, "proposal.progress.v1", "01JDX")
    assert ReportProgress.model_validate(event.data).percent == 60


async def test_moves_that_cannot_be_applied_are_refused_before_they_reach_the_bus(
    redis: Redis, keys: StreamKeys
) -> None:
    move = {"proposal_id": "01JDX", "command_id": new_command_id("nobody")}
    with pytest.raises(RefusedMove) as unknown:
        await send_unit_move(redis, keys, unit_code="nobody", action="accept", fields={}, **move)
    assert unknown.value.status == 409 and "尚未接入" in unknown.value.reason

    await DepartmentDirectory(redis, keys).add("dushu-town", "独山港镇人民政府")
    move["command_id"] = new_command_id("dushu-town")
    with pytest.raises(RefusedMove) as invalid:
        await send_unit_move(
            redis, keys, unit_code="dushu-town", action="progress", fields={"percent": 150}, **move
        )
    assert invalid.value.status == 422 and "percent" in invalid.value.reason
    assert await redis.xlen(keys.outbox("dushu-town")) == 0


async def test_only_events_about_the_case_after_the_page_opened_are_relayed(
    redis: Redis, keys: StreamKeys
) -> None:
    stream = keys.events("proposals")
    await redis.xadd(stream, {"type": "proposal.submitted.v1", "subject": "mine", "data": "{}"})
    opened_at = await stream_position(redis, keys)
    changes = case_changes(redis, keys, "mine", after=opened_at, block_ms=200)

    assert await anext(changes) is None
    await redis.xadd(stream, {"type": "proposal.transitioned.v1", "subject": "other", "data": "{}"})
    later = await redis.xadd(
        stream, {"type": "proposal.transitioned.v1", "subject": "mine", "data": "{}"}
    )
    found = await asyncio.wait_for(anext(changes), 5)

    assert found == later.decode()
    assert sse("case", "a\nb", event_id="1-0") == "event: case\nid: 1-0\ndata: a\ndata: b\n\n"


async def test_a_quiet_case_keeps_its_page_open_on_the_fronts_own_redis_client(
    redis_url: str, keys: StreamKeys
) -> None:
    # Blocking longer than the client's socket timeout failed the stream every quiet spell.
    client = redis_client(redis_url)
    try:
        changes = case_changes(client, keys, "quiet", after=await stream_position(client, keys))
        assert await asyncio.wait_for(anext(changes), 10) is None
        assert await asyncio.wait_for(anext(changes), 10) is None
    finally:
        await client.aclose()
