"""A relay's heartbeat file is fresh while its checks pass and grows old when one fails."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gonghui.shared.heartbeat import age_s, beat
from tests.support.system import eventually


async def test_the_file_is_written_while_checks_pass_and_left_alone_when_one_fails(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "stations-relay.heartbeat"
    healthy = True

    async def database_answers() -> None:
        if not healthy:
            raise ConnectionRefusedError("database down")

    stop = asyncio.Event()
    task = asyncio.create_task(beat(path, [database_answers], stop, every_s=0.1))
    try:
        await eventually(path.exists, within=2.5, every=0.05)
        assert age_s(path) is not None and age_s(path) < 1

        healthy = False
        await asyncio.sleep(0.2)
        stale_at = path.stat().st_mtime_ns
        await asyncio.sleep(0.5)
        assert path.stat().st_mtime_ns == stale_at, "a failing check must not refresh the file"

        healthy = True
        await asyncio.sleep(0.5)
        assert path.stat().st_mtime_ns > stale_at
    finally:
        stop.set()
        await task


def test_no_beat_yet_has_no_age(tmp_path: Path) -> None:
    assert age_s(tmp_path / "none.heartbeat") is None
