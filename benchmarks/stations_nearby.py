"""Nearest open station with a service among 200,000: our search vs brute force vs raw GEOSEARCH.

Run: `uv run python -m benchmarks.stations_nearby` (REDIS_URL; DATABASE_URL=postgresql://... adds
PostgreSQL next to SQLite). Each query asks what a worker asks: the 10 nearest stations within
2 km that are open now and have drinking water.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from redis.asyncio import Redis
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from gonghui.cli.embedded_redis import free_port
from gonghui.shared.db import create_engine
from gonghui.shared.migrations import upgrade
from gonghui.stations.adapters.nearby import NearbyIndex
from gonghui.stations.adapters.orm import StationRow
from gonghui.stations.adapters.repositories import lat_band
from gonghui.stations.application.handlers import find_nearby
from gonghui.stations.bootstrap import MIGRATIONS
from gonghui.stations.domain.geo import distance_m
from gonghui.stations.domain.model import open_at

AT = datetime(2026, 11, 28, 4, 30, tzinfo=UTC)  # Saturday 12:30 in Shanghai
SERVICES = ["drinking_water", "rest", "toilet", "charging", "heating", "cooling", "wifi"]
HOURS = ["24/7", "Mo-Fr 08:00-18:00", "Mo-Su 07:00-21:00", "Sa,Su 10:00-16:00", "Mo-Su 06:00-10:00"]
RADIUS_M, LIMIT, SERVICE = 2_000, 10, ["drinking_water"]


def stations(
    n: int, rng: random.Random
) -> tuple[list[dict[str, object]], list[tuple[float, float]]]:
    """`n` stations clustered around 400 towns across China, as rows of the stations table."""
    towns = [(rng.uniform(21.0, 42.0), rng.uniform(101.0, 122.0)) for _ in range(400)]
    rows = []
    for i in range(n):
        t_lat, t_lon = rng.choice(towns)
        lat, lon = rng.gauss(t_lat, 0.12), rng.gauss(t_lon, 0.12)
        rows.append(
            {
                "code": f"B-{i:06d}",
                "external_ref": f"B-{i}",
                "operator": None,
                "name": f"驿站{i}",
                "address": "—",
                "lat": lat,
                "lon": lon,
                "lat_band": lat_band(lat),
                "services": rng.sample(SERVICES, rng.randint(1, 5)),
                "open_hours": rng.choice(HOURS),
                "manager_name": "站长",
                "manager_phone": "13800138000",
                "area_code": "100000",
                "co_builders": [],
                "documents": {},
                "status": rng.choice(["active"] * 8 + ["proposed", "suspended"]),
                "compliant": True,
                "registered_at": AT,
            }
        )
    return rows, towns


def brute_force(rows: list[dict[str, object]], lat: float, lon: float) -> list[str]:
    """Every station, exact distance, the same filters: the answer the index must give."""
    hits = []
    for r in rows:
        meters = distance_m(lat, lon, r["lat"], r["lon"])  # type: ignore[arg-type]
        if meters > RADIUS_M or not set(SERVICE) <= set(r["services"]):  # type: ignore[arg-type]
            continue
        if r["status"] == "active" and open_at(r["open_hours"], AT, lat=r["lat"], lon=r["lon"]):  # type: ignore[arg-type]
            hits.append((meters, r["code"]))
    return [code for _, code in sorted(hits)[:LIMIT]]


def summary(name: str, seconds: list[float]) -> tuple[str, float, float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return name, statistics.fmean(ms), ms[len(ms) // 2], ms[int(len(ms) * 0.95) - 1]


async def load(url: str, rows: list[dict[str, object]]) -> float:
    started = time.perf_counter()
    await upgrade(MIGRATIONS, url)
    engine = create_engine(url)
    async with engine.begin() as connection:
        for i in range(0, len(rows), 5_000):
            await connection.execute(insert(StationRow), rows[i : i + 5_000])
    await engine.dispose()
    return time.perf_counter() - started


async def ours(
    url: str, queries: list[tuple[float, float]]
) -> tuple[list[float], list[list[str]], float, int]:
    """`find_nearby` on the process's index: times, answers, load seconds, RSS it added."""
    engine = create_engine(url)
    index = NearbyIndex(engine)
    started, before = time.perf_counter(), _rss_bytes()
    await index.catch_up()
    loaded, held = time.perf_counter() - started, _rss_bytes() - before
    times, answers = [], []
    for lat, lon in queries:
        started = time.perf_counter()
        hits = await find_nearby(
            index,
            lat=lat,
            lon=lon,
            radius_m=RADIUS_M,
            service=SERVICE,
            open_now=True,
            limit=LIMIT,
            at=AT,
        )
        times.append(time.perf_counter() - started)
        answers.append([h.code for h in hits])
    await engine.dispose()
    return times, answers, loaded, held


@contextlib.asynccontextmanager
async def served(
    url: str,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter, int]]:
    """`gonghui serve stations` on `url`'s database in a process of its own; a kept-alive socket."""
    port = free_port()
    env = {
        **os.environ,
        "STATIONS_DATABASE_URL": url,
        "GONGHUI_STREAM_PREFIX": f"bench{uuid.uuid4().hex[:6]}:",
        "GONGHUI_VAR_DIR": tempfile.mkdtemp(prefix="bench-var-"),
    }
    log = Path(env["GONGHUI_VAR_DIR"]) / "stations.log"
    with log.open("wb") as out:
        server = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "gonghui.cli", "serve", "stations", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 600  # start-up takes minutes on a crowded machine
        while True:
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            if time.monotonic() > deadline or server.returncode is not None:
                raise RuntimeError(f"the stations service did not start:\n{log.read_text()}")
            await asyncio.sleep(0.2)
        yield reader, writer, server.pid
        writer.close()
    finally:
        if server.returncode is None:
            server.send_signal(signal.SIGTERM)
            await asyncio.wait_for(server.wait(), 30)


async def get_json(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> Any:
    """One HTTP/1.1 GET on a kept-alive connection (a client as thin as the server allows)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
    body = await reader.readexactly(length)
    if status != b"200":
        raise RuntimeError(f"GET {path}: {status.decode()} {body[:300]!r}")
    return json.loads(body)


async def over_http(
    url: str, queries: list[tuple[float, float]]
) -> tuple[list[float], list[list[str]], float]:
    """The same question as a worker's phone asks it: GET /stations on the real service.

    Also the server's CPU per request, from /proc (holds on a busy machine where times do not),
    less what the idle server spends in the same time (its stream runtime, the index's looks).
    """
    at = AT.isoformat().replace("+00:00", "Z")
    times, answers = [], []
    async with served(url) as (reader, writer, pid):
        for lat, lon in queries[:5]:  # warm the connection and the caches
            await get_json(reader, writer, _nearby_path(lat, lon, at))
        idle_started, idle_cpu = time.perf_counter(), _cpu_s(pid)
        await asyncio.sleep(2)
        idle_rate = (_cpu_s(pid) - idle_cpu) / (time.perf_counter() - idle_started)
        started_all, cpu = time.perf_counter(), _cpu_s(pid)
        for lat, lon in queries:
            started = time.perf_counter()
            page = await get_json(reader, writer, _nearby_path(lat, lon, at))
            times.append(time.perf_counter() - started)
            answers.append([item["code"] for item in page["items"]])
        busy = _cpu_s(pid) - cpu - idle_rate * (time.perf_counter() - started_all)
    return times, answers, busy / len(queries)


def _rss_bytes() -> int:
    """Resident memory of this process."""
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) * 1024


def _cpu_s(pid: int) -> float:
    """User and system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _nearby_path(lat: float, lon: float, at: str) -> str:
    return (
        f"/stations?lat={lat:.6f}&lon={lon:.6f}&radius_m={RADIUS_M}&service={SERVICE[0]}"
        f"&open_now=true&limit={LIMIT}&at={at}"
    )


async def geosearch(redis: Redis, key: str, queries: list[tuple[float, float]]) -> list[float]:
    times = []
    for lat, lon in queries:
        started = time.perf_counter()
        await redis.geosearch(
            key,
            longitude=lon,
            latitude=lat,
            radius=RADIUS_M,
            unit="m",
            sort="ASC",
            count=LIMIT,
            withdist=True,
        )
        times.append(time.perf_counter() - started)
    return times


async def main(n: int, n_queries: int, n_brute: int) -> None:
    rng = random.Random(2026)
    rows, towns = stations(n, rng)
    queries = []
    for _ in range(n_queries):
        t_lat, t_lon = rng.choice(towns)
        # Six decimals, as a phone sends them, so every side asks exactly the same question.
        queries.append((round(rng.gauss(t_lat, 0.08), 6), round(rng.gauss(t_lon, 0.08), 6)))
    print(
        f"{n:,} stations around 400 towns; {n_queries} queries: 10 nearest within 2 km, "
        "open now, with drinking water\n"
    )

    backends: list[tuple[str, str]] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-stations-"))
    backends.append(("sqlite", f"sqlite:///{tmp / 'stations.db'}"))
    pg_admin = os.environ.get("DATABASE_URL", "")
    pg_name = f"bench_stations_{uuid.uuid4().hex[:8]}"
    if pg_admin.startswith("postgres"):
        admin = await asyncpg.connect(pg_admin.replace("+asyncpg", ""))
        await admin.execute(f'CREATE DATABASE "{pg_name}"')
        await admin.close()
        url = make_url(pg_admin).set(database=pg_name).render_as_string(hide_password=False)
        backends.append(("postgresql", url))

    redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    key = f"bench:{uuid.uuid4().hex[:8]}:stations.geo"
    results = []
    try:
        for start in range(0, len(rows), 10_000):  # one huge pipeline times out on a busy Redis
            pipe = redis.pipeline(transaction=False)
            for r in rows[start : start + 10_000]:
                pipe.geoadd(key, (r["lon"], r["lat"], r["code"]))
            await pipe.execute()
        geo_times = await geosearch(redis, key, queries)

        brute_times, brute_answers = [], []
        for lat, lon in queries[:n_brute]:
            started = time.perf_counter()
            brute_answers.append(brute_force(rows, lat, lon))
            brute_times.append(time.perf_counter() - started)

        for name, url in backends:
            loaded = await load(url, rows)
            times, answers, index_s, index_bytes = await ours(url, queries)
            assert answers[:n_brute] == brute_answers, f"{name}: results differ from brute force"
            http_times, http_answers, http_cpu = await over_http(url, queries)
            assert http_answers == answers, f"{name}: the answers over HTTP differ"
            found = sum(1 for a in answers if a)
            print(
                f"{name}: loaded in {loaded:.1f} s; {found}/{n_queries} queries found a station; "
                f"first {n_brute} match brute force exactly; the index loaded in {index_s:.1f} s "
                f"and added {index_bytes / 2**20:.0f} MiB RSS; over HTTP the server spent "
                f"{http_cpu * 1000:.2f} ms CPU per request"
            )
            results.append(summary(f"ours, {name} (in-memory index)", times))
            results.append(summary(f"ours over HTTP, {name}", http_times))
        results.append(summary("brute force scan (in memory)", brute_times))
        results.append(summary("raw GEOSEARCH (no filters)", geo_times))
    finally:
        await redis.delete(key)
        await redis.aclose()
        if len(backends) > 1:
            admin = await asyncpg.connect(pg_admin.replace("+asyncpg", ""))
            await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await admin.close()

    brute_mean = next(r[1] for r in results if r[0].startswith("brute"))
    geo_mean = next(r[1] for r in results if r[0].startswith("raw"))
    print(f"\n{'':34} {'mean ms':>9} {'p50 ms':>9} {'p95 ms':>9} {'vs brute':>9} {'vs GEO':>8}")
    for name, mean, p50, p95 in results:
        print(
            f"{name:34} {mean:9.3f} {p50:9.3f} {p95:9.3f} "
            f"{brute_mean / mean:8.0f}x {mean / geo_mean:7.1f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stations", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--brute", type=int, default=20, help="queries also answered by brute force"
    )
    args = parser.parse_args()
    asyncio.run(main(args.stations, args.queries, args.brute))
