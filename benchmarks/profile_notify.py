"""Where notify spends the stations' events: cProfile of its consumer, top functions.

Notify's stream runtime (as `gonghui serve notify` runs it, its real `stations.events` handlers
and the default rules) applies N `station.registered.v1` waiting on `stations.events`; the
profile covers the time from the start of reading to the last acknowledgement, in CPU time.

    uv run python -m benchmarks.profile_notify [-n 2000] [--backend sqlite|postgresql] [--top 5]
"""

from __future__ import annotations

import cProfile
import time

from benchmarks.consumer_pipeline import consumed, fill
from benchmarks.support import print_profile, profile_main, scratch_database, scratch_prefix
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.handlers import install_rules
from gonghui.notify.bootstrap import MIGRATIONS
from gonghui.notify.domain.defaults import DEFAULT_RULES
from gonghui.notify.entrypoints.consumers import station_event_handlers
from gonghui.notify.settings import NotifySettings
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.migrations import upgrade
from gonghui.shared.runtime import StreamRuntime
from gonghui.shared.streams import StreamKeys


async def profile(url: str, backend: str, n: int, top: int) -> None:
    async with scratch_database(backend) as database, scratch_prefix(url) as (prefix, redis):
        await upgrade(MIGRATIONS, database)
        keys = StreamKeys(prefix)
        stream = keys.events("stations")
        await fill(redis, stream, n)
        settings = NotifySettings(redis_url=url, stream_prefix=prefix, database_url=database)
        engine = create_engine(database)
        sessions = session_factory(engine)

        def uow_factory() -> NotifyUnitOfWork:
            return NotifyUnitOfWork(sessions, service="notify", keys=keys)

        await install_rules(DEFAULT_RULES, uow=uow_factory())
        runtime = StreamRuntime(
            service="notify",
            settings=settings,
            uow_factory=uow_factory,
            streams={stream: station_event_handlers()},
        )
        # CPU time, not wall time: on a shared machine waiting for a core is not our cost.
        profiler = cProfile.Profile(time.process_time)
        cpu_before = time.process_time()
        started = time.perf_counter()
        profiler.enable()
        try:
            await runtime.start()
            await consumed(redis, stream, "notify", n)
            profiler.disable()
            took = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
        finally:
            await runtime.stop()
            await engine.dispose()
        print_profile(
            profiler, label=f"notify consumer, {backend}", n=n, took=took, cpu=cpu, top=top
        )


def main() -> None:
    profile_main(__doc__.splitlines()[0], profile)


if __name__ == "__main__":
    main()
