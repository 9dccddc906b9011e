"""End-to-end fixtures: the system as processes on the shared Redis, under this test's prefix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.system import RunningSystem, running_system


@pytest.fixture
def system(redis_url: str, prefix: str, tmp_path: Path, redis) -> Iterator[RunningSystem]:
    """Stations, proposals and notify with their relays, each a process of its own."""
    with running_system(redis_url=redis_url, prefix=prefix, workdir=tmp_path) as running:
        yield running
