"""What every benchmark needs: servers, scratch databases, a clean prefix, and a fair clock."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import os
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

from redis.asyncio import Redis

from gonghui.shared.connections import redis_client
from tests.support.servers import delete_keys, own_redis_server, scratch_postgres_database


def arguments(description: str, *, default_n: int) -> argparse.Namespace:
    """`-n`, `--repeat` and `--backend` (sqlite, postgresql or both), shared by the benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-n", type=int, default=default_n, help="entries per run")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per side; the median is reported"
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql", "both"],
        default="both" if os.environ.get("DATABASE_URL") else "sqlite",
    )
    return parser.parse_args()


def backends(choice: str) -> list[str]:
    """The database backends to measure."""
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


@contextlib.contextmanager
def redis_url() -> Iterator[str]:
    """REDIS_URL, or an embedded server of the benchmark's own."""
    if url := os.environ.get("REDIS_URL"):
        yield url
    else:
        with own_redis_server() as url:
            yield url


@contextlib.asynccontextmanager
async def scratch_database(backend: str) -> AsyncIterator[str]:
    """An empty database of `backend`, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="gonghui-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    server = os.environ.get("DATABASE_URL")
    if not server:
        raise SystemExit("set DATABASE_URL to a PostgreSQL server to benchmark on PostgreSQL")
    async with scratch_postgres_database(server) as url:
        yield url


@contextlib.asynccontextmanager
async def scratch_prefix(url: str, mode: str = "single") -> AsyncIterator[tuple[str, Redis]]:
    """A fresh key prefix and a client (of one node or a cluster); the keys are deleted after."""
    prefix = f"bench{uuid.uuid4().hex[:8]}:"
    redis = redis_client(url, mode=mode)
    try:
        yield prefix, redis
    finally:
        await delete_keys(redis, prefix)
        await redis.aclose()


async def timed(job: Callable[[], Awaitable[object]]) -> float:
    """Seconds `job` took."""
    start = time.perf_counter()
    await job()
    return time.perf_counter() - start


def report(title: str, n: int, ours: list[float], baseline: list[float], *, target: float) -> None:
    """Print medians, rates and the ratio against the target."""
    ours_s, base_s = statistics.median(ours), statistics.median(baseline)
    ratio = base_s / ours_s
    verdict = "meets" if ratio >= target else "BELOW"
    print(
        f"{title}: ours {n / ours_s:,.0f}/s, baseline {n / base_s:,.0f}/s, "
        f"ratio {ratio:.2f}x ({verdict} target {target}x)"
    )


def print_profile(
    profiler: cProfile.Profile, *, label: str, n: int, took: float, cpu: float, top: int
) -> None:
    """The rate, the CPU per registration and the top functions by own time of a profiled run."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(
        f"{label}: {n} registrations in {took:.2f} s "
        f"({n / took:,.0f}/s), CPU {cpu * 1000 / n:.2f} ms/registration (profiled)"
    )
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-2000:])


def profile_main(
    description: str, profile: Callable[[str, str, int, int], Awaitable[None]]
) -> None:
    """Parse `-n`, `--top`, `--backend`, then run `profile(url, backend, n, top)`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-n", type=int, default=2_000)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        default="postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
    )
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    with redis_url() as url:
        asyncio.run(profile(url, args.backend, args.n, args.top))
