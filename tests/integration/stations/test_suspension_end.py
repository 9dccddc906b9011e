"""A suspension ends by itself at its until-date, once, whichever replicas run the job."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.shared.clock import ManualClock
from gonghui.shared.db import OutboxRow, session_factory
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import end_due_suspensions
from tests.integration.stations.conftest import activate, register


async def test_suspensions_end_at_their_until_date_once_across_replicas(
    client: httpx.AsyncClient,
    clock: ManualClock,
    stations_engine: AsyncEngine,
    engine_for,
    keys: StreamKeys,
) -> None:
    codes = []
    for i, hours in enumerate((1, 1, 1, 30)):
        code = (
            await register(client, external_ref=f"S-{i}", address=f"福州市鼓楼区东街{i + 1}号")
        )["code"]
        await activate(client, code)
        until = (clock.now() + timedelta(hours=hours)).isoformat()
        suspended = await client.post(
            f"/stations/{code}/suspend", json={"reason": "台风停业", "until": until}
        )
        assert suspended.status_code == 200
        codes.append(code)
    other = engine_for()
    replicas = [session_factory(stations_engine), session_factory(other)]

    def uow_on(i: int):  # type: ignore[no-untyped-def]
        return lambda: StationsUnitOfWork(replicas[i], service="stations", keys=keys, clock=clock)

    try:
        assert await end_due_suspensions(uow_on(0)) == []  # not yet
        clock.advance(timedelta(hours=2))
        runs = await asyncio.gather(*(end_due_suspensions(uow_on(i % 2)) for i in range(6)))
    finally:
        await other.dispose()
    assert sorted(code for run in runs for code in run) == sorted(codes[:3])

    states = [(await client.get(f"/stations/{c}")).json()["status"] for c in codes]
    assert states == ["active", "active", "active", "suspended"]
    async with session_factory(stations_engine)() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        resumed = [
            json.loads(r.fields["data"]) for r in rows if r.fields["type"] == "station.resumed.v1"
        ]
    assert sorted(e["code"] for e in resumed) == sorted(codes[:3])
    assert {(e["actor"], e["from_status"], e["to_status"]) for e in resumed} == {
        ("gonghui/stations", "suspended", "active")
    }
    history = (await client.get(f"/stations/{codes[0]}/history")).json()
    assert history[-1]["actor"] == "gonghui/stations" and "自动恢复" in history[-1]["reason"]
