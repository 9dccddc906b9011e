"""Where the stations service spends a partner's burst: cProfile of its consumer, top functions.

The stations app runs in this process (its stream runtime, as `gonghui serve stations` runs
it) while a department's N `station.register.v1` wait on its outbox; the profile covers the
time from the start of reading to the last acknowledgement.

    uv run python -m benchmarks.profile_partner [-n 2000] [--backend sqlite|postgresql] [--top 5]
"""

from __future__ import annotations

import asyncio
import cProfile
import time

from redis.asyncio import Redis

from benchmarks.partner_path import DEPARTMENT, registration
from benchmarks.support import print_profile, profile_main, scratch_database, scratch_prefix
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys
from gonghui.stations.bootstrap import MIGRATIONS, create_app
from gonghui.stations.settings import StationsSettings


async def applied(redis: Redis, stream: str, n: int) -> bool:
    """Whether the stations group has read and acknowledged all n entries."""
    groups = await redis.xinfo_groups(stream)
    return any(
        g["name"] == b"stations" and g["entries-read"] == n and g["pending"] == 0 for g in groups
    )


async def profile(url: str, backend: str, n: int, top: int) -> None:
    async with scratch_database(backend) as database, scratch_prefix(url) as (prefix, redis):
        await upgrade(MIGRATIONS, database)
        keys = StreamKeys(prefix)
        await DepartmentDirectory(redis, keys).add(DEPARTMENT, "基准测试合作银行")
        outbox = keys.outbox(DEPARTMENT)
        async with redis.pipeline(transaction=False) as pipe:
            for i in range(n):
                pipe.xadd(outbox, registration("profile", i))
            await pipe.execute()
        settings = StationsSettings(
            redis_url=url,
            stream_prefix=prefix,
            database_url=database,
            department_rate=1e6,
            department_burst=10**6,
        )
        app = create_app(settings)
        # CPU time, not wall time: on a shared machine waiting for a core is not our cost.
        profiler = cProfile.Profile(time.process_time)
        cpu_before = time.process_time()
        started = time.perf_counter()
        profiler.enable()  # from start-up: reading begins as soon as the runtime starts
        async with app.router.lifespan_context(app):
            while True:
                if await applied(redis, outbox, n):
                    break
                await asyncio.sleep(0.01)
            profiler.disable()
            took = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
        print_profile(
            profiler, label=f"stations consumer, {backend}", n=n, took=took, cpu=cpu, top=top
        )


def main() -> None:
    profile_main(__doc__.splitlines()[0], profile)


if __name__ == "__main__":
    main()
