"""A proposal through all five steps with the bus on a Redis Cluster (partner flow: see
`test_station_registration_flow`, run on one node and on a cluster)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from gonghui.shared.connections import redis_client
from tests.e2e import test_proposal_stories as stories
from tests.support.cluster import LocalCluster
from tests.support.servers import delete_keys
from tests.support.system import RunningSystem, running_system

pytestmark = pytest.mark.e2e

departments = stories.departments
"""The stories' departments: their own processes with cluster clients."""


@pytest.fixture(scope="module")
def system(
    redis_cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """The three services on the test run's cluster, each relaying its own outbox."""
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    try:
        with running_system(
            redis_url=redis_cluster.url,
            redis_mode="cluster",
            prefix=prefix,
            workdir=tmp_path_factory.mktemp("cluster-stories"),
        ) as running:
            yield running
    finally:
        asyncio.run(_forget(redis_cluster.url, prefix))


async def _forget(url: str, prefix: str) -> None:
    client = redis_client(url, mode="cluster")
    try:
        await delete_keys(client, prefix)
    finally:
        await client.aclose()


def test_a_proposal_goes_through_all_five_steps_on_a_cluster(
    system: RunningSystem, departments
) -> None:
    stories.test_truck_drivers_proposal_goes_through_all_five_steps(system, departments)
