"""A Redis Cluster of our own: 3 primaries and 3 replicas of `redis-server` on loopback ports."""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis


@dataclass
class Node:
    """One redis-server of the cluster."""

    port: int
    data: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its own URL (a cluster client learns the rest from any one)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A plain client of this node only."""
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=5)


@dataclass
class LocalCluster:
    """The running cluster; `kill` stops one node at once (SIGKILL)."""

    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        """REDIS_URL for GONGHUI_REDIS_MODE=cluster: any node."""
        return self.nodes[0].url

    def primaries(self) -> list[Node]:
        """The nodes that are primaries now (after any failover)."""
        return [n for n in self.alive() if n.client().info("replication")["role"] == "master"]

    def alive(self) -> list[Node]:
        """Nodes whose process still runs."""
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def primary_of(self, key: str) -> Node:
        """The node serving `key`'s slot now."""
        slot = self.alive()[0].client().cluster("keyslot", key)
        for node in self.primaries():
            shards = node.client().execute_command("CLUSTER", "SLOTS")
            for start, end, primary, *_ in shards:
                if start <= slot <= end and int(primary[1]) == node.port:
                    return node
        raise AssertionError(f"no primary serves slot {slot} of {key}")

    def kill(self, node: Node) -> None:
        """SIGKILL one node, as a crash would."""
        assert node.process is not None
        node.process.kill()
        node.process.wait()

    def wait_ok(self, timeout: float = 30.0) -> None:
        """Until every live node says the cluster is ok (all slots served)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                states = [n.client().cluster("info")["cluster_state"] for n in self.alive()]
                if all(state == "ok" for state in states):
                    return
            time.sleep(0.1)
        raise AssertionError(f"the cluster was not ok within {timeout} s")


def _free_pair() -> int:
    """A loopback port that is free, and so is the cluster bus port 10000 above it."""
    for _ in range(200):
        port = random.randint(20_000, 29_999)
        with contextlib.ExitStack() as stack:
            try:
                for candidate in (port, port + 10_000):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return port
    raise RuntimeError("no free pair of ports for a cluster node")


def _server_command(server: str, node: Node, *, cluster: bool, node_timeout_ms: int) -> list[str]:
    """One node's command line: loopback, AOF every second, an ACL file; cluster mode or not."""
    return [
        server,
        "--port", str(node.port),
        "--bind", "127.0.0.1",
        "--dir", str(node.data),
        *(
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", str(node.data / "nodes.conf"),
                "--cluster-node-timeout", str(node_timeout_ms),
            ]
            if cluster
            else []
        ),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--aclfile", str(node.data / "users.acl"),
        "--logfile", str(node.data / "server.log"),
    ]  # fmt: skip


@contextlib.contextmanager
def local_single() -> Iterator[Node]:
    """One redis-server started like a cluster node but without cluster mode (a fair baseline)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is needed")
    with tempfile.TemporaryDirectory(prefix="gonghui-single-") as tmp:
        node = Node(port=_free_pair(), data=Path(tmp))
        (node.data / "users.acl").touch()
        node.process = subprocess.Popen(
            _server_command(server, node, cluster=False, node_timeout_ms=0),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_for_ping(node)
            yield node
        finally:
            node.process.kill()
            node.process.wait()


@contextlib.contextmanager
def local_cluster(*, node_timeout_ms: int = 1500) -> Iterator[LocalCluster]:
    """Start 6 nodes, join them as 3 primaries with a replica each, yield, then stop them all."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        pytest.skip("redis-server and redis-cli are needed to start a Redis Cluster")
    cluster = LocalCluster()
    with tempfile.TemporaryDirectory(prefix="gonghui-cluster-") as tmp:
        try:
            for index in range(6):
                data = Path(tmp) / f"node{index}"
                data.mkdir()
                (data / "users.acl").touch()
                node = Node(port=_free_pair(), data=data)
                node.process = subprocess.Popen(
                    _server_command(server, node, cluster=True, node_timeout_ms=node_timeout_ms),
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
                cluster.nodes.append(node)
            for node in cluster.nodes:
                _wait_for_ping(node)
            subprocess.run(
                [
                    cli, "--cluster", "create",
                    *(f"127.0.0.1:{n.port}" for n in cluster.nodes),
                    "--cluster-replicas", "1", "--cluster-yes",
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )  # fmt: skip
            cluster.wait_ok()
            _wait_for_replicas(cluster)
            yield cluster
        finally:
            for node in cluster.nodes:
                if node.process is not None and node.process.poll() is None:
                    node.process.kill()
                    node.process.wait()


def _wait_for_ping(node: Node, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.ConnectionError):
            if node.client().ping():
                return
        time.sleep(0.05)
    raise AssertionError(f"redis-server on {node.port} did not start; see {node.data}")


def _wait_for_replicas(cluster: LocalCluster, timeout: float = 30.0) -> None:
    """Until each primary has its replica in sync, so a failover loses nothing acknowledged."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        infos = [n.client().info("replication") for n in cluster.nodes]
        synced = [i for i in infos if i["role"] == "slave" and i["master_link_status"] == "up"]
        if len(synced) == 3:
            return
        time.sleep(0.1)
    raise AssertionError("replicas did not sync in time")
