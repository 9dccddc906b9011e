"""The bus on a Redis Cluster against one Redis node, in one run: consumer pipeline and relay.

Both buses are `redis-server` processes this benchmark starts on loopback with the same
persistence (AOF every second): one node without cluster mode, and 3 primaries with a replica
each (`redis-cli --cluster create ... --cluster-replicas 1`). On each, the same measurements:
- consumer pipeline: N `station.registered.v1` entries read and applied by the production
  runtime (FastStream batch subscriber, validation, dedupe rows, one transaction per batch,
  XACK after commit), plumbing only (see `benchmarks.consumer_pipeline`);
- relay: N committed outbox rows sent by `OutboxRelay.drain` (lease, fenced script XADD per
  stream, commit; see `benchmarks.outbox_relay`).
The cluster is the baseline here: the ratio says what one node gives over the cluster; the
cluster's worth is capacity across machines, not speed on one.

    uv run python -m benchmarks.cluster_bus [-n 5000] [--repeat 3] [--backend sqlite]
"""

from __future__ import annotations

import asyncio
import statistics

from benchmarks import consumer_pipeline, outbox_relay
from benchmarks.support import arguments, backends
from tests.support.cluster import local_cluster, local_single


async def measure(url: str, mode: str, backend: str, n: int, repeat: int) -> dict[str, float]:
    """Entries a second (median of `repeat`) of the consumer pipeline and of the relay."""
    fields = outbox_relay.entries(n)
    consumer, relay = [], []
    for _ in range(repeat):
        consumer.append(
            await consumer_pipeline.ours(
                url, backend, n, consumer_pipeline.plumbing_only(), mode=mode
            )
        )
        relay.append(await outbox_relay.ours(url, backend, fields, mode=mode))
    return {
        "consumer pipeline": n / statistics.median(consumer),
        "relay": n / statistics.median(relay),
    }


def main() -> None:
    args = arguments(__doc__.splitlines()[0], default_n=5_000)
    with local_single() as single, local_cluster() as cluster:
        for backend in backends(args.backend):
            on_one = asyncio.run(measure(single.url, "single", backend, args.n, args.repeat))
            on_cluster = asyncio.run(measure(cluster.url, "cluster", backend, args.n, args.repeat))
            for what in on_one:
                print(
                    f"{what}, {backend}, {args.n} entries: one node {on_one[what]:,.0f}/s, "
                    f"cluster {on_cluster[what]:,.0f}/s, "
                    f"ratio {on_cluster[what] / on_one[what]:.2f}x"
                )


if __name__ == "__main__":
    main()
