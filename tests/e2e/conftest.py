"""End-to-end fixtures: the system as processes on the shared Redis, under this test's prefix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.system import RunningSystem, running_system


@pytest.fixture
def system(
    bus_url: str, bus_mode: str, prefix: str, tmp_path: Path, redis
) -> Iterator[RunningSystem]:
    """Stations, proposals and notify, each a process of its own relaying its own outbox."""
    with running_system(
        redis_url=bus_url, redis_mode=bus_mode, prefix=prefix, workdir=tmp_path
    ) as running:
        yield running
