"""Broadcast fan-out to N people (full size 1,000,000) against raw pipelined XADD of N messages.

Ours: notify's BroadcastWorker pages through the people of a role and area, finds each one's
nearest open station, renders the zh-CN template and stores one in-app notification per person
(each page in one transaction with the cursor). Baseline: the same number of pre-rendered
messages XADDed to a Redis stream, pipelined 1,000 at a time (no rendering, no lookups, no
durability beyond Redis). Peak memory is read before and after the fan-out to show it is
bounded by the page size, not by N.

    uv run python benchmarks/notify_broadcast.py [--people 1000000] [--database-url URL]

The default, 200,000 people, keeps a run near two minutes on a busy two-core machine.

Uses DATABASE_URL's server for a scratch database if given (else SQLite in a temp dir) and
REDIS_URL (default redis://127.0.0.1:6379/0) under a scratch key prefix it deletes after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from gonghui.notify.adapters.orm import RecipientRoleRow, RecipientRow
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.broadcast import BroadcastWorker, request_broadcast
from gonghui.notify.application.handlers import record_station
from gonghui.notify.application.policy import DeliveryPolicy
from gonghui.notify.bootstrap import MIGRATIONS
from gonghui.shared.contracts.notify import BroadcastRequested
from gonghui.shared.db import async_url, create_engine, session_factory
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys

TEMPLATE = (
    "{{ recipient.name }}，今日高温，最近的开放驿站："
    "{{ nearest_station.name }}（约 {{ nearest_station.distance_m }} 米）。"
)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start measuring the peak afresh (Linux: write 5 to clear_refs); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _vm_hwm_mb() -> float:
    """Peak resident memory since the last reset, MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def current_rss_mb() -> float:
    """Resident memory now, MB (Linux), else the peak so far."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


async def scratch_database(server_url: str | None, workdir: Path) -> tuple[str, str | None]:
    """A fresh database: on the given PostgreSQL server, else a SQLite file."""
    if not server_url:
        return f"sqlite:///{workdir / 'notify-bench.db'}", None
    name = f"bench_{uuid.uuid4().hex[:8]}"
    url = make_url(async_url(server_url)).set(database=name).render_as_string(hide_password=False)
    return url, name


async def drop_database(server_url: str, name: str) -> None:
    """Drop the scratch PostgreSQL database."""
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def load_people(sessions, n: int) -> None:  # type: ignore[no-untyped-def]
    """N workers around Fuzhou, inserted in chunks (set-up, not timed)."""
    rng = random.Random(1)
    chunk = 20_000
    for start in range(0, n, chunk):
        people, roles = [], []
        for i in range(start, min(n, start + chunk)):
            rid = f"w{i:08d}"
            people.append(
                {
                    "id": rid,
                    "name": f"工友{i}",
                    "kind": "person",
                    "roles": ["worker"],
                    "area_code": "350102",
                    "department": None,
                    "supervisor": None,
                    "locale": "zh-CN",
                    "channels": [],
                    "quiet_start": None,
                    "quiet_end": None,
                    "opt_outs": [],
                    "digest": False,
                    "lat": 26.0 + rng.uniform(0, 0.2),
                    "lon": 119.2 + rng.uniform(0, 0.2),
                    "updated_at": datetime.now(UTC),
                }
            )
            roles.append({"role": "worker", "recipient_id": rid})
        async with sessions() as session, session.begin():
            await session.execute(insert(RecipientRow), people)
            await session.execute(insert(RecipientRoleRow), roles)


async def fan_out(uow_factory, keys: StreamKeys, page: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Request the broadcast and run the worker to the end; return (reached, seconds)."""
    command = BroadcastRequested(
        broadcast_id="bench",
        title_zh="高温预警",
        body_zh=TEMPLATE,
        audience={"role": "worker", "area_code": "3501"},
    )
    cause = CloudEvent.create(source="dept/weather", type=command.type_name, data=command)
    await request_broadcast(
        command,
        cause=cause,
        department="weather",
        allowed=frozenset({"weather"}),
        uow=uow_factory(),
    )
    worker = BroadcastWorker(uow_factory, policy=DeliveryPolicy(broadcast_page=page, lease_s=600))
    started = time.perf_counter()
    reached = await worker.run_once()
    return reached, time.perf_counter() - started


async def raw_xadd(redis: Redis, stream: str, n: int) -> float:
    """The baseline: N pre-rendered messages XADDed, 1,000 per pipeline."""
    body = "工友123456，今日高温，最近的开放驿站：五四路驿站（约 850 米）。"
    started = time.perf_counter()
    for start in range(0, n, 1000):
        async with redis.pipeline(transaction=False) as pipe:
            for i in range(start, min(n, start + 1000)):
                pipe.xadd(stream, {"recipient": f"w{i:08d}", "title": "高温预警", "body": body})
            await pipe.execute()
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000, help="1000000 for full size")
    parser.add_argument("--page", type=int, default=5000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    keys = StreamKeys(f"bench{uuid.uuid4().hex[:8]}:")
    redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    with tempfile.TemporaryDirectory() as workdir:
        url, scratch = await scratch_database(args.database_url, Path(workdir))
        try:
            await upgrade(MIGRATIONS, url)
            engine = create_engine(url)
            sessions = session_factory(engine)

            def uow_factory() -> NotifyUnitOfWork:
                return NotifyUnitOfWork(sessions, service="notify", keys=keys)

            backend = engine.dialect.name
            print(
                f"loading {args.people:,} people into {backend} (set-up, not timed) ...", flush=True
            )
            await load_people(sessions, args.people)
            rng = random.Random(2)
            for s in range(300):
                station = {
                    "code": f"FZ-{s:04d}",
                    "name": f"驿站{s}",
                    "address": "福州",
                    "status": "active",
                    "lat": 26.0 + rng.uniform(0, 0.2),
                    "lon": 119.2 + rng.uniform(0, 0.2),
                    "services": ["cooling"],
                    "open_hours": "24/7",
                }
                await record_station("station.registered.v1", station, uow=uow_factory())
            before = current_rss_mb()
            fresh_peak = reset_peak_rss()
            reached, ours = await fan_out(uow_factory, keys, args.page)
            after = _vm_hwm_mb() if fresh_peak else peak_rss_mb()
            assert reached == args.people, f"reached {reached} of {args.people}"
            async with sessions() as session:
                stored = await session.scalar(text("SELECT count(*) FROM notifications"))
            assert stored == args.people, stored
            await engine.dispose()
            base = await raw_xadd(redis, keys.events("bench"), args.people)
        finally:
            await redis.delete(keys.events("bench"))
            await redis.aclose()
            if scratch:
                await drop_database(args.database_url, scratch)
    print(f"people: {args.people:,}  page: {args.page}  database: {backend}")
    print(f"notify broadcast fan-out : {ours:8.2f} s  {args.people / ours:10,.0f} msg/s")
    print(f"raw pipelined XADD       : {base:8.2f} s  {args.people / base:10,.0f} msg/s")
    print(f"ratio (fan-out / XADD throughput): {base / ours:.2f}")
    grew = after - before
    print(f"RSS before the fan-out {before:.0f} MB, peak during it {after:.0f} MB (+{grew:.0f} MB)")


if __name__ == "__main__":
    asyncio.run(main())
