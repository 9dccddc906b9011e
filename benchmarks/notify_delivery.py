"""The delivery pipeline against a local webhook sink, beside a bare signed-POST loop.

Ours: N pending webhook deliveries in the notify database are drained by the Dispatcher:
claim a batch (conditional UPDATE; SKIP LOCKED on PostgreSQL), sign and POST each per
Standard Webhooks, record every attempt, mark delivered and queue `notification.delivered.v1`
in the outbox, all in one transaction per batch. Baseline: the same N signed POSTs sent by a
bare httpx loop with the same concurrency, recording nothing. The sink is a separate process
on 127.0.0.1 answering 200.

    uv run python benchmarks/notify_delivery.py [--deliveries 5000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from redis.asyncio import Redis
from sqlalchemy import func, select

from gonghui.cli.embedded_redis import free_port
from gonghui.notify.adapters.channels import Channels, new_webhook_secret, sign
from gonghui.notify.adapters.orm import DeliveryRow
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.dispatch import Dispatcher
from gonghui.notify.application.handlers import delivery_row
from gonghui.notify.application.policy import DeliveryPolicy
from gonghui.notify.bootstrap import MIGRATIONS
from gonghui.notify.domain.model import Recipient, Target
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.migrations import upgrade
from gonghui.shared.receivers import ReceiverAddresses
from gonghui.shared.streams import StreamKeys

CONCURRENCY = 8


def serve_sink(port: int) -> None:
    """Run an HTTP/1.1 server on loopback that answers 200 to every POST until killed."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readline():
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = header.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def ours(url: str, sink_url: str, n: int, batch: int) -> float:
    """Queue N webhook deliveries (not timed), then time the dispatcher draining them."""
    keys = StreamKeys(f"bench{uuid.uuid4().hex[:8]}:")
    engine = create_engine(url)
    sessions = session_factory(engine)

    def uow_factory() -> NotifyUnitOfWork:
        return NotifyUnitOfWork(sessions, service="notify", keys=keys)

    target = Target("webhook", sink_url, new_webhook_secret())
    partner = Recipient(id="dept:transport", name="交通局", channels=[target])
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        cause = CloudEvent.create(
            source="gonghui/proposals", type="proposal.assigned.v1", data={}, subject=f"P-{i}"
        )
        rows.append(
            delivery_row(
                cause=cause,
                recipient=partner,
                channel="preferred",
                purpose="notify",
                rule=None,
                priority="normal",
                title=f"交办：事项{i}",
                body="事项已交由交通局办理，请于三日内办结。",
                targets=[target],
                status="pending",
                now=now,
            )
        )
    async with uow_factory() as uow:
        for start in range(0, n, 1000):
            await uow.deliveries.add_many(rows[start : start + 1000])
        await uow.commit()
    redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    channels = Channels(ReceiverAddresses(anywhere=True))
    dispatcher = Dispatcher(
        uow_factory,
        channels=channels,
        dead_letters=DeadLetters(redis, keys),
        keys=keys,
        policy=DeliveryPolicy(batch_size=batch),
        concurrency=CONCURRENCY,
    )
    started = time.perf_counter()
    while await dispatcher.run_once():
        pass
    elapsed = time.perf_counter() - started
    async with sessions() as session:
        delivered = await session.scalar(
            select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == "delivered")
        )
    assert delivered == n, f"delivered {delivered} of {n}"
    await channels.aclose()
    await redis.aclose()
    await engine.dispose()
    return elapsed


async def baseline(sink_url: str, n: int) -> float:
    """N signed POSTs, the same concurrency, nothing recorded."""
    secret = new_webhook_secret()
    limit = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=10) as client:

        async def post(i: int) -> None:
            body = json.dumps(
                {"type": "proposal.assigned.v1", "data": {"title": f"交办：事项{i}"}},
                ensure_ascii=False,
            ).encode()
            msg_id, ts = f"msg-{i}", int(time.time())
            headers = {
                "webhook-id": msg_id,
                "webhook-timestamp": str(ts),
                "webhook-signature": sign(secret, msg_id=msg_id, timestamp=ts, body=body),
            }
            async with limit:
                response = await client.post(sink_url, content=body, headers=headers)
            response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post(i) for i in range(n)))
        return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="Default: SQLite in a temp dir")
    args = parser.parse_args()
    port = free_port()
    sink = multiprocessing.Process(target=serve_sink, args=(port,), daemon=True)
    sink.start()
    sink_url = f"http://127.0.0.1:{port}/hook"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    await client.post(sink_url, content=b"{}")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        with tempfile.TemporaryDirectory() as workdir:
            url = args.database_url or f"sqlite:///{Path(workdir) / 'notify-bench.db'}"
            await upgrade(MIGRATIONS, url)
            base = await baseline(sink_url, args.deliveries)
            mine = await ours(url, sink_url, args.deliveries, args.batch)
    finally:
        sink.kill()
        sink.join()
    n = args.deliveries
    backend = "postgresql" if url.startswith("postgres") else "sqlite"
    print(
        f"deliveries: {n:,}  batch: {args.batch}  concurrency: {CONCURRENCY}  database: {backend}"
    )
    print(f"notify dispatcher (claim, sign, POST, log, outbox): {mine:6.2f} s  {n / mine:8,.0f}/s")
    print(f"bare signed POST loop (no state)                  : {base:6.2f} s  {n / base:8,.0f}/s")
    print(f"ratio (dispatcher / bare throughput): {base / mine:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
