"""The consumer pipeline against the raw redis-py XREADGROUP + XACK loop, side by side.

Ours, two ways, both through the production runtime (FastStream batch subscriber, whole-entry
parser, envelope validation, dedupe rows, one transaction per batch, XACK after commit):
- "notify": notify's real consumer group on `stations.events`: the station read model, the
  rules, and an in-app notification with its outbox event per station registered;
- "plumbing": the same with a handler that only validates the contract, so the figure is the
  cost of the pipeline itself.
Baseline: XREADGROUP COUNT <batch> and one XACK per batch, touching no database.

    uv run python -m benchmarks.consumer_pipeline [-n 20000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from benchmarks.support import (
    arguments,
    backends,
    redis_url,
    report,
    scratch_database,
    scratch_prefix,
    timed,
)
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.bootstrap import MIGRATIONS
from gonghui.notify.entrypoints.consumers import station_event_handlers
from gonghui.notify.settings import NotifySettings
from gonghui.shared.consumer import Handlers, Incoming
from gonghui.shared.contracts.stations import StationRegistered
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.migrations import upgrade
from gonghui.shared.runtime import StreamRuntime
from gonghui.shared.streams import StreamKeys

BATCH = 500


async def fill(redis: Redis, stream: str, n: int) -> None:
    """N `station.registered.v1` events, as the stations relay writes them."""
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(n):
            code = f"GH-{i:06d}"
            event = StationRegistered(
                code=code,
                external_ref=f"R{i}",
                operator="cib-bank",
                name=f"爱心驿站{i}",
                address="福州市鼓楼区五四路154号",
                lat=26.08,
                lon=119.30,
                services=["rest"],
                open_hours="24/7",
                status="proposed",
                registered_at="2026-11-29T08:00:00Z",
            )
            pipe.xadd(
                stream,
                CloudEvent.create(
                    source="gonghui/stations", type=event.type_name, data=event, subject=code
                ).to_fields(),
            )
            if i % 1000 == 999:
                await pipe.execute()
        await pipe.execute()


async def consumed(redis: Redis, stream: str, group: str, n: int) -> None:
    """Wait until the group has read and acknowledged all n entries."""
    while True:
        info = next(g for g in await redis.xinfo_groups(stream) if g["name"].decode() == group)
        if info["entries-read"] == n and info["pending"] == 0:
            return
        await asyncio.sleep(0.005)


def plumbing_only() -> Handlers:
    """Validate the contract, apply nothing: what the pipeline costs by itself."""
    handlers = Handlers()

    @handlers.on(StationRegistered)
    async def validated(msg: Incoming[StationRegistered], uow: NotifyUnitOfWork) -> None:
        assert msg.data.code

    return handlers


async def ours(
    url: str, backend: str, n: int, handlers: Handlers, *, mode: str = "single"
) -> float:
    async with scratch_database(backend) as database, scratch_prefix(url, mode) as (prefix, redis):
        await upgrade(MIGRATIONS, database)
        keys = StreamKeys(prefix)
        stream = keys.events("stations")
        await fill(redis, stream, n)
        settings = NotifySettings(
            redis_url=url,
            redis_mode=mode,
            stream_prefix=prefix,
            database_url=database,
            batch_size=BATCH,
        )
        engine = create_engine(database)
        sessions = session_factory(engine)
        runtime = StreamRuntime(
            service="notify",
            settings=settings,
            uow_factory=lambda: NotifyUnitOfWork(sessions, service="notify", keys=keys),
            streams={stream: handlers},
        )

        async def run() -> None:
            await runtime.start()
            await consumed(redis, stream, "notify", n)

        try:
            return await timed(run)
        finally:
            await runtime.stop()
            await engine.dispose()


async def baseline(url: str, n: int) -> float:
    async with scratch_prefix(url) as (prefix, redis):
        stream = StreamKeys(prefix).events("stations")
        await fill(redis, stream, n)
        await redis.xgroup_create(stream, "raw", id="0")

        async def run() -> None:
            read = 0
            while read < n:
                response = await redis.xreadgroup("raw", "c", {stream: ">"}, count=BATCH, block=100)
                for _, entries in response:
                    await redis.xack(stream, "raw", *[entry_id for entry_id, _ in entries])
                    read += len(entries)

        return await timed(run)


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], default_n=20_000)
    with redis_url() as url:
        for backend in backends(args.backend):
            # notify's rules cost milliseconds an event: a tenth of the entries keeps the run short.
            few = max(100, args.n // 10)
            notify, plumbing, raw, raw_few = [], [], [], []
            for _ in range(args.repeat):
                raw.append(await baseline(url, args.n))
                plumbing.append(await ours(url, backend, args.n, plumbing_only()))
                raw_few.append(await baseline(url, few))
                notify.append(await ours(url, backend, few, station_event_handlers()))
            report(
                f"consumer pipeline, plumbing, {backend}, batches of {BATCH}",
                args.n,
                plumbing,
                raw,
                target=0.3,
            )
            report(
                f"consumer pipeline, notify rules, {backend}, batches of {BATCH}",
                few,
                notify,
                raw_few,
                target=0.3,
            )


if __name__ == "__main__":
    asyncio.run(main())
