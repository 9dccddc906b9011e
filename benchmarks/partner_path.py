"""A partner's station registrations end to end, against a minimal correct pipeline, same run.

A department XADDs `station.register.v1` entries on its outbox (a burst as fast as it can, or
paced at a rate); the figure is when each `station.registered.v1` appears on `stations.events`.

Ours: the real system as `gonghui up` runs it, each service and its relay a process of its own
(`gonghui serve` / `gonghui relay`), with the department added through the directory.
Baseline, in a process of its own: XREADGROUP 500 -> validate the JSON -> one row per entry in
one transaction per batch -> XADD one event each -> XACK.

CPU is read from /proc/<pid>/stat (user + system) of every process of each side before and
after, plus the PostgreSQL backends of the side's databases and, when the benchmark runs its own
Redis (no REDIS_URL), the Redis server (INFO cpu): it holds on a busy machine where rates do not.
"After" is once every consumer group has caught up and no stream grows, so it counts all the
work the entries caused (notify's too), not only the work until the last registration.

    uv run python -m benchmarks.partner_path                      # small: 2,000 burst, 10 s paced
    uv run python -m benchmarks.partner_path -n 5000 --paced-seconds 60   # the issue's figures
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import Column, Float, MetaData, String, Table, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.support import backends, scratch_database
from gonghui.shared.db import async_url, create_engine
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.envelope import new_event_id
from gonghui.shared.streams import StreamKeys
from tests.support.builders import entry, station_data
from tests.support.servers import delete_keys, own_redis_server
from tests.support.system import RunningSystem, running_system

DEPARTMENT = "bench-bank"
BATCH = 500
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
DISTRICTS = (
    ("福州市鼓楼区五四路{}号", 26.0878, 119.3034),
    ("福州市台江区八一七中路{}号", 26.0640, 119.3080),
    ("福州市仓山区盖山路{}号", 26.0280, 119.3200),
    ("厦门市思明区湖滨南路{}号", 24.4800, 118.1100),
    ("泉州市丰泽区田安路{}号", 24.9000, 118.6000),
)


def registration(run: str, i: int) -> dict[str, str]:
    """One partner entry: a bank branch station, placed by its address (no area code given)."""
    address, lat, lon = DISTRICTS[i % len(DISTRICTS)]
    return entry(
        DEPARTMENT,
        data=station_data(
            external_ref=f"{run}-{i:06d}",
            name=f"兴业银行网点爱心驿站{i}",
            address=address.format(i % 900 + 1),
            lat=lat + (i % 97) * 0.0003,
            lon=lon + (i % 89) * 0.0003,
        ),
    )


# --- CPU and memory from /proc ------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    after_name = stat.rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / TICKS_PER_S


def resident_mb(pid: int) -> float:
    """Resident memory of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class CpuMeter:
    """CPU of named processes, the side's PostgreSQL backends and our own Redis, between marks."""

    pids: dict[str, int]
    redis: Redis
    own_redis: bool
    postgres_server: str | None = None
    databases: list[str] = field(default_factory=list)
    _start: dict[str, float] = field(default_factory=dict)

    async def _sample(self) -> dict[str, float]:
        sample = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        for pid in await self._backends():
            sample[f"postgres[{pid}]"] = cpu_seconds(pid)
        if self.own_redis:
            info = await self.redis.info("cpu")
            sample["redis"] = float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
        return sample

    async def _backends(self) -> list[int]:
        if not self.postgres_server or not self.databases:
            return []
        engine = create_async_engine(async_url(self.postgres_server))
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE datname = ANY(:names)"),
                    {"names": self.databases},
                )
                return [row.pid for row in rows]
        finally:
            await engine.dispose()

    async def mark(self) -> None:
        """Start counting from now."""
        self._start = await self._sample()

    async def used(self) -> dict[str, float]:
        """CPU seconds each process used since the mark (backends summed as `postgres`)."""
        now = await self._sample()
        used: dict[str, float] = {}
        for name, seconds in now.items():
            key = "postgres" if name.startswith("postgres[") else name
            used[key] = used.get(key, 0.0) + seconds - self._start.get(name, 0.0)
        return used


# --- the partner and the stopwatch --------------------------------------------------------


async def send_burst(redis: Redis, stream: str, entries: list[dict[str, str]]) -> dict[str, float]:
    """XADD everything as fast as one connection can; when each entry was in Redis."""
    sent: dict[str, float] = {}
    for start in range(0, len(entries), BATCH):
        chunk = entries[start : start + BATCH]
        async with redis.pipeline(transaction=False) as pipe:
            for fields in chunk:
                pipe.xadd(stream, fields)
            await pipe.execute()
        now = time.perf_counter()
        for fields in chunk:
            sent[json.loads(fields["data"])["external_ref"]] = now
    return sent


async def send_paced(
    redis: Redis, stream: str, entries: list[dict[str, str]], *, rate: float
) -> dict[str, float]:
    """XADD at `rate` entries a second, in ticks of 10 ms."""
    sent: dict[str, float] = {}
    started = time.perf_counter()
    done = 0
    while done < len(entries):
        due = min(len(entries), int((time.perf_counter() - started) * rate) + 1)
        if due > done:
            async with redis.pipeline(transaction=False) as pipe:
                for fields in entries[done:due]:
                    pipe.xadd(stream, fields)
                await pipe.execute()
            now = time.perf_counter()
            for fields in entries[done:due]:
                sent[json.loads(fields["data"])["external_ref"]] = now
            done = due
        await asyncio.sleep(0.01)
    return sent


async def arrivals(
    redis: Redis, stream: str, expected: set[str], *, give_up_after: float
) -> dict[str, float]:
    """When each expected `station.registered.v1` appeared on `stream`."""
    seen: dict[str, float] = {}
    last_id = "0-0"
    deadline = time.perf_counter() + give_up_after
    while len(seen) < len(expected) and time.perf_counter() < deadline:
        response = await redis.xread({stream: last_id}, count=1000, block=200)
        now = time.perf_counter()
        for _, items in response:
            for entry_id, fields in items:
                last_id = entry_id
                if fields.get(b"type") != b"station.registered.v1":
                    continue
                ref = json.loads(fields[b"data"])["external_ref"]
                if ref in expected:
                    seen.setdefault(ref, now)
    return seen


async def settled(
    redis: Redis, *, prefix: str, still_s: float = 0.5, give_up_after: float = 60
) -> None:
    """Wait until the work the entries caused is done, so the CPU read after counts all of it.

    The last `station.registered.v1` is not the end: notify and proposals read it, and notify's
    relay publishes what it wrote. Done means every consumer group under the prefix has read
    and acknowledged everything, and no stream has grown for `still_s`.
    """
    deadline = time.monotonic() + give_up_after
    last: list[tuple[bytes, int]] = []
    still_since = time.monotonic()
    while True:
        lengths, busy = [], False
        async for key in redis.scan_iter(match=f"{prefix}*", _type="stream", count=1000):
            lengths.append((key, await redis.xlen(key)))
            groups = await redis.xinfo_groups(key)
            busy |= any(group["pending"] or group.get("lag") for group in groups)
        lengths.sort()
        if busy or lengths != last:
            last, still_since = lengths, time.monotonic()
        elif time.monotonic() - still_since >= still_s:
            return
        if time.monotonic() > deadline:
            print(f"  (still busy after {give_up_after:.0f} s: CPU read anyway)")
            return
        await asyncio.sleep(0.05)


@dataclass
class Outcome:
    """One side's run: rate, latencies, CPU."""

    n: int
    applied: int
    seconds: float
    latencies_ms: list[float]
    cpu: dict[str, float]

    @property
    def rate(self) -> float:
        """Registrations applied per second, first XADD to last event."""
        return self.applied / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency percentile in ms, XADD to event."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0

    @property
    def cpu_ms_each(self) -> float:
        """CPU of the whole side per applied registration, ms."""
        return sum(self.cpu.values()) * 1000 / max(self.applied, 1)

    def line(self, title: str) -> str:
        """A readable summary."""
        missing = f", {self.n - self.applied} MISSING" if self.applied < self.n else ""
        return (
            f"{title}: {self.rate:,.0f}/s, p50 {self.percentile(50):,.0f} ms, "
            f"p99 {self.percentile(99):,.0f} ms, CPU {self.cpu_ms_each:.2f} ms/registration"
            f"{missing}\n    CPU by process (s): "
            + ", ".join(f"{k} {v:.2f}" for k, v in sorted(self.cpu.items(), key=lambda kv: -kv[1]))
        )


async def measure(
    redis: Redis,
    *,
    outbox: str,
    events: str,
    prefix: str,
    entries: list[dict[str, str]],
    meter: CpuMeter,
    rate: float | None,
) -> Outcome:
    """Send the entries (burst or paced), wait for every event, read the CPU used."""
    expected = {json.loads(fields["data"])["external_ref"] for fields in entries}
    reader = redis.client()  # a connection of its own: the XREAD blocks
    await meter.mark()
    timeout = 120 + len(entries) / (rate or 500)
    watching = asyncio.create_task(arrivals(reader, events, expected, give_up_after=timeout))
    started = time.perf_counter()
    if rate is None:
        sent = await send_burst(redis, outbox, entries)
    else:
        sent = await send_paced(redis, outbox, entries, rate=rate)
    seen = await watching
    await reader.aclose()
    await settled(redis, prefix=prefix)
    cpu = await meter.used()
    latencies = [(seen[ref] - sent[ref]) * 1000 for ref in seen]
    last = max(seen.values(), default=started)
    return Outcome(len(entries), len(seen), last - started, latencies, cpu)


# --- the minimal pipeline -----------------------------------------------------------------

MINIMAL = MetaData()
MINIMAL_STATIONS = Table(
    "minimal_stations",
    MINIMAL,
    Column("code", String(40), primary_key=True),
    Column("operator", String(40)),
    Column("external_ref", String(100)),
    Column("name", String(120)),
    Column("address", String(300)),
    Column("lat", Float),
    Column("lon", Float),
    UniqueConstraint("operator", "external_ref"),
)
_REQUIRED = {"external_ref": str, "name": str, "address": str, "lat": float, "lon": float}


def _valid(fields: dict[bytes, bytes]) -> dict[str, object] | None:
    """The payload if the entry is a well-formed registration, else None."""
    if fields.get(b"type") != b"station.register.v1" or not fields.get(b"id"):
        return None
    try:
        data = json.loads(fields[b"data"])
    except (KeyError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    for name, kind in _REQUIRED.items():
        if not isinstance(data.get(name), kind | int if kind is float else kind):
            return None
    return data


async def minimal_worker(redis_url: str, outbox: str, events: str, database: str) -> None:
    """The baseline: XREADGROUP 500, validate, one transaction per batch, XADD each, XACK."""
    redis = Redis.from_url(redis_url)
    engine = create_engine(database)
    async with engine.begin() as connection:
        await connection.run_sync(MINIMAL.create_all)
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(MINIMAL_STATIONS).on_conflict_do_nothing()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    with contextlib.suppress(Exception):
        await redis.xgroup_create(outbox, "minimal", id="0", mkstream=True)
    number = 0
    while not stop.is_set():
        response = await redis.xreadgroup("minimal", "m", {outbox: ">"}, count=BATCH, block=100)
        for _, items in response:
            rows, done = [], []
            for entry_id, fields in items:
                done.append(entry_id)
                data = _valid(fields)
                if data is None:
                    continue
                number += 1
                rows.append(
                    {
                        "code": f"350102-{number:06d}",
                        "operator": DEPARTMENT,
                        **{name: data[name] for name in _REQUIRED},
                    }
                )
            if rows:
                async with engine.begin() as connection:
                    await connection.execute(statement, rows)
                async with redis.pipeline(transaction=False) as pipe:
                    for row in rows:
                        pipe.xadd(
                            events,
                            {
                                "specversion": "1.0",
                                "id": new_event_id(),
                                "source": "gonghui/stations",
                                "type": "station.registered.v1",
                                "data": json.dumps(row, ensure_ascii=False),
                            },
                        )
                    await pipe.execute()
            await redis.xack(outbox, "minimal", *done)
    await engine.dispose()
    await redis.aclose()


@contextlib.contextmanager
def minimal_process(redis_url: str, outbox: str, events: str, database: str) -> Iterator[int]:
    """The baseline in a process of its own (so its CPU is its own); yields its pid."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.partner_path",
            "--minimal-worker",
            redis_url,
            outbox,
            events,
            database,
        ],
        start_new_session=True,
    )
    try:
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the runs -----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def databases(backend: str, names: list[str]) -> AsyncIterator[dict[str, str]]:
    """A scratch database of `backend` per name."""
    async with contextlib.AsyncExitStack() as stack:
        yield {name: await stack.enter_async_context(scratch_database(backend)) for name in names}


def _pg_name(url: str) -> str | None:
    return url.rsplit("/", 1)[1] if url.startswith("postgresql") else None


async def run_backend(args: argparse.Namespace, url: str, backend: str, own: bool) -> None:
    """Burst and paced runs of both sides on one backend, interleaved (baseline first)."""
    services = tuple(args.services.split(","))
    server = os.environ.get("DATABASE_URL") if backend == "postgresql" else None
    prefix = f"pp{uuid.uuid4().hex[:6]}:"
    keys = StreamKeys(prefix)
    redis = Redis.from_url(url)
    burst = [registration("burst", i) for i in range(args.n)]
    paced = [registration("paced", i) for i in range(int(args.rate * args.paced_seconds))]
    warm = [registration("warm", i) for i in range(20)]
    limits = {
        f"{s.upper()}_DEPARTMENT_{k}": v
        for s in services
        for k, v in (("RATE", str(args.department_rate)), ("BURST", str(args.department_burst)))
    }
    try:
        async with databases(backend, ["minimal", *services]) as urls:
            with minimal_process(
                url, keys.outbox("minimal"), prefix + "minimal.events", urls["minimal"]
            ) as pid:
                backends_of = [n for n in [_pg_name(urls["minimal"])] if n]
                meter = CpuMeter({"minimal": pid}, redis, own, server, backends_of)
                side = {
                    "outbox": keys.outbox("minimal"),
                    "events": prefix + "minimal.events",
                    "prefix": prefix,
                }
                await measure(redis, entries=warm, meter=meter, rate=None, **side)
                base_burst = await measure(redis, entries=burst, meter=meter, rate=None, **side)
                print(base_burst.line(f"minimal pipeline, {backend}, burst of {args.n}"))
                base_paced = None
                if paced:
                    base_paced = await measure(
                        redis, entries=paced, meter=meter, rate=args.rate, **side
                    )
                    print(base_paced.line(f"minimal pipeline, {backend}, paced {args.rate:.0f}/s"))
            directory = DepartmentDirectory(redis, keys)
            await directory.add(DEPARTMENT, "基准测试合作银行")
            with (
                tempfile.TemporaryDirectory(prefix="gonghui-pp-") as work,
                running_system(
                    redis_url=url,
                    prefix=prefix,
                    workdir=Path(work),
                    database_urls={s: urls[s] for s in services},
                    services=services,
                    extra_env={
                        **{f"{s.upper()}_RECLAIM_IDLE_MS": "30000" for s in services},
                        **{f"{s.upper()}_RECLAIM_INTERVAL_S": "5" for s in services},
                        **limits,
                    },
                ) as system,
            ):
                pids = {name: process.pid for name, process in system.processes.items()}
                meter = CpuMeter(
                    pids, redis, own, server, [n for s in services if (n := _pg_name(urls[s]))]
                )
                side = {
                    "outbox": keys.outbox(DEPARTMENT),
                    "events": keys.events("stations"),
                    "prefix": prefix,
                }
                await measure(redis, entries=warm, meter=meter, rate=None, **side)
                memory = {name: resident_mb(pid) for name, pid in pids.items()}
                print(
                    f"resident memory after warm-up: {sum(memory.values()):.0f} MB ("
                    + ", ".join(f"{k} {v:.0f}" for k, v in memory.items())
                    + ")"
                )
                ours_burst = await measure(redis, entries=burst, meter=meter, rate=None, **side)
                print(ours_burst.line(f"ours, {backend}, burst of {args.n}"))
                _show_trouble(system, ours_burst)
                print(
                    f"  => burst ratio ours/minimal {ours_burst.rate / base_burst.rate:.3f}x "
                    f"(target 0.25x), CPU {ours_burst.cpu_ms_each:.2f} vs "
                    f"{base_burst.cpu_ms_each:.2f} ms/registration (target 0.5)"
                )
                if paced:
                    ours_paced = await measure(
                        redis, entries=paced, meter=meter, rate=args.rate, **side
                    )
                    print(ours_paced.line(f"ours, {backend}, paced {args.rate:.0f}/s"))
                    _show_trouble(system, ours_paced)
                    assert base_paced is not None
                    print(
                        f"  => paced: ours p99 {ours_paced.percentile(99):,.0f} ms "
                        f"(target 1,000), minimal {base_paced.percentile(99):,.0f} ms"
                    )
    finally:
        await delete_keys(redis, prefix)
        await redis.aclose()


def _show_trouble(system: RunningSystem, outcome: Outcome) -> None:
    """When events are missing, what the processes logged about it."""
    if outcome.applied == outcome.n:
        return
    for name in system.processes:
        lines = [
            line
            for line in system.log(name).splitlines()
            if "Error" in line or "error" in line or "WARNING" in line
        ]
        if lines:
            print(f"  {name} log, last complaints:\n    " + "\n    ".join(lines[-8:]))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2_000, help="registrations in the burst")
    parser.add_argument("--rate", type=float, default=500.0, help="paced entries a second")
    parser.add_argument(
        "--paced-seconds", type=float, default=10.0, help="paced run length (0: no paced run)"
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql", "both"],
        default="both" if os.environ.get("DATABASE_URL") else "sqlite",
    )
    parser.add_argument(
        "--services",
        default="stations,proposals,notify",
        help="services to run (all three read every department outbox)",
    )
    parser.add_argument(
        "--department-rate",
        type=float,
        default=100_000.0,
        help="the services' per-department rate limit (default: out of the way of the burst)",
    )
    parser.add_argument("--department-burst", type=int, default=100_000)
    parser.add_argument("--minimal-worker", nargs=4, help=argparse.SUPPRESS)
    return parser.parse_args()


async def main() -> None:
    args = _arguments()
    if args.minimal_worker:
        await minimal_worker(*args.minimal_worker)
        return
    print(f"load average before: {os.getloadavg()}")
    with _redis() as (url, own):
        for backend in backends(args.backend):
            await run_backend(args, url, backend, own)
    print(f"load average after: {os.getloadavg()}")


@contextlib.contextmanager
def _redis() -> Iterator[tuple[str, bool]]:
    """REDIS_URL (shared: its CPU is not counted), else our own server (counted)."""
    if url := os.environ.get("REDIS_URL"):
        yield url, False
    else:
        with own_redis_server() as url:
            yield url, True


if __name__ == "__main__":
    asyncio.run(main())
