"""The outbox relay against raw pipelined XADD of the same entries, side by side.

Ours: N committed outbox rows moved to their stream by `OutboxRelay.drain` as the relay runs
it (renew the lease, claim a batch and mark it sent in one statement, one fenced script call
per stream that XADDs the whole batch, commit).
Baseline: the same N entries XADDed from memory, pipelined in the same batch size.

    uv run python -m benchmarks.outbox_relay [-n 20000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import insert

from benchmarks.support import (
    arguments,
    backends,
    redis_url,
    report,
    scratch_database,
    scratch_prefix,
    timed,
)
from gonghui.shared.contracts.stations import StationUpdated
from gonghui.shared.db import OutboxRow, create_engine, session_factory
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.migrations import upgrade
from gonghui.shared.outbox import OutboxRelay
from gonghui.shared.streams import StreamKeys
from gonghui.stations.bootstrap import MIGRATIONS

BATCH = 500


def entries(n: int) -> list[dict[str, str]]:
    """N `station.updated.v1` events as stream fields."""
    return [
        CloudEvent.create(
            source="gonghui/stations",
            type=StationUpdated.type_name,
            data=StationUpdated(
                code=f"GH-{i:06d}",
                changed=["open_hours"],
                name=f"爱心驿站{i}",
                lat=26.08,
                lon=119.30,
                services=["rest", "drinking_water"],
                open_hours="Mo-Su 07:00-21:00",
            ),
            subject=f"GH-{i:06d}",
        ).to_fields()
        for i in range(n)
    ]


async def ours(
    url: str, backend: str, fields: list[dict[str, str]], *, mode: str = "single"
) -> float:
    async with scratch_database(backend) as database, scratch_prefix(url, mode) as (prefix, redis):
        await upgrade(MIGRATIONS, database)
        keys = StreamKeys(prefix)
        stream = keys.events("stations")
        engine = create_engine(database)
        sessions = session_factory(engine)
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            await session.execute(
                insert(OutboxRow),
                [
                    {"stream": stream, "event_id": f["id"], "fields": f, "created_at": now}
                    for f in fields
                ],
            )
        relay = OutboxRelay(sessions, redis, service="stations", keys=keys, batch_size=BATCH)

        try:
            elapsed = await timed(relay.drain)
            assert await redis.xlen(stream) == len(fields)
            return elapsed
        finally:
            await engine.dispose()


async def baseline(url: str, fields: list[dict[str, str]]) -> float:
    async with scratch_prefix(url) as (prefix, redis):
        stream = StreamKeys(prefix).events("stations")

        async def send() -> None:
            for start in range(0, len(fields), BATCH):
                async with redis.pipeline(transaction=False) as pipe:
                    for f in fields[start : start + BATCH]:
                        pipe.xadd(stream, f)
                    await pipe.execute()

        return await timed(send)


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], default_n=20_000)
    fields = entries(args.n)
    with redis_url() as url:
        for backend in backends(args.backend):
            mine, raw = [], []
            for _ in range(args.repeat):
                raw.append(await baseline(url, fields))
                mine.append(await ours(url, backend, fields))
            report(f"outbox relay on {backend}, batches of {BATCH}", args.n, mine, raw, target=0.6)


if __name__ == "__main__":
    asyncio.run(main())
