"""The department directory: who may publish on the bus, and with which Redis user (DESIGN §3)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from gonghui.shared.connections import is_cluster
from gonghui.shared.signing import Signing
from gonghui.shared.streams import DEPARTMENT_CODE, SERVICES, StreamKeys

log = logging.getLogger(__name__)


class DirectoryError(Exception):
    """A directory operation refused, with the reason for the operator."""


PUBLIC_STREAMS = tuple(f"{service}.events" for service in SERVICES)


@dataclass(frozen=True)
class Department:
    """A partner department: a city bureau, a bank, the post office, a company union."""

    code: str
    name: str
    status: str
    created_at: str
    revoked_at: str | None = None
    password_hashes: tuple[str, ...] = ()
    """SHA-256 of its passwords: one, or two while a key rotation is under way."""
    grants: tuple[str, ...] = ()
    """Public streams copied to its feed, e.g. `stations.events`."""
    signing: Signing | None = None
    """Set when its entries must be signed."""
    http_keys: tuple[str, ...] = ()
    """Its keys for the HTTPS door (`Authorization: Bearer`): one, or two while rotating."""
    sandbox: bool = False
    """A rehearsal department: what it creates is marked test data."""

    @property
    def active(self) -> bool:
        """Whether it may still publish and read."""
        return self.status == "active"

    def to_json(self) -> str:
        """The directory record."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: bytes | str) -> Department:
        """Read a directory record."""
        record = json.loads(raw)
        signing = record.pop("signing", None)
        return cls(
            **{
                **record,
                "password_hashes": tuple(record.get("password_hashes", ())),
                "grants": tuple(record.get("grants", ())),
                "http_keys": tuple(record.get("http_keys", ())),
            },
            signing=Signing(**signing) if signing else None,
        )


CLUSTER_DISCOVERY = "+asking +command +cluster|slots +cluster|shards +cluster|nodes"
"""What a cluster client must ask a node before it can send anything: the slot map, the
command table, and ASKING while slots move. Reveals the topology, no data."""


class DepartmentDirectory:
    """Provisions departments and what they may do; the Redis ACL is what enforces it.

    On a Redis Cluster every node enforces its own ACL (users are not replicated), so users are
    written on every node, primaries and replicas: a promoted replica already knows them.
    `sync` writes the whole directory again, for nodes added later or restarted without it.
    """

    def __init__(self, redis: Redis, keys: StreamKeys) -> None:
        self._redis = redis
        self._keys = keys

    def username(self, code: str) -> str:
        """The department's Redis user."""
        return self.username_in(self._keys, code)

    @staticmethod
    def username_in(keys: StreamKeys, code: str) -> str:
        """A department's Redis user in a deployment; the prefix keeps deployments apart."""
        prefix = "".join(ch if ch.isalnum() else "_" for ch in keys.prefix)
        return f"{prefix}dept_{code}"

    def acl_rules(self, department: Department) -> list[str]:
        """Exactly its own streams: add to its outbox; read, ack and reclaim its inbox and feed."""
        readable = [self._keys.inbox(department.code)]
        if department.grants:
            readable.append(self._keys.feed(department.code))
        return [
            "reset",
            "on",
            *(f"#{digest}" for digest in department.password_hashes),
            "resetchannels",
            "+ping",
            *(CLUSTER_DISCOVERY.split() if is_cluster(self._redis) else ()),
            "+xadd",
            f"%W~{self._keys.outbox(department.code)}",
            "(+xreadgroup +xack +xautoclaim +xpending " + " ".join(f"~{k}" for k in readable) + ")",
        ]

    async def add(self, code: str, name: str, *, sandbox: bool = False) -> tuple[Department, str]:
        """Provision a department; return it and its password, which is never stored in clear."""
        if not DEPARTMENT_CODE.match(code):
            raise DirectoryError(
                f"department code {code!r} must be 3-32 lowercase letters, digits or '-', "
                "starting with a letter"
            )
        if not name.strip():
            raise DirectoryError("a department needs a name")
        existing = await self.get(code)
        if existing and existing.active:
            raise DirectoryError(f"department {code!r} already exists")
        password, digest = _new_password()
        department = Department(
            code=code,
            name=name.strip(),
            status="active",
            created_at=datetime.now(UTC).isoformat(),
            password_hashes=(digest,),
            http_keys=(new_http_key(code),),
            sandbox=sandbox,
        )
        await self._create_group(self._keys.inbox(code), code)
        await self._apply(department)
        return department, password

    async def revoke(self, code: str) -> Department:
        """Remove the department's user and drop its open connections: effective at once."""
        department = await self._require(code)
        await self.every_node("ACL", "DELUSER", self.username(code))
        await self._kill_connections(code)
        revoked = replace(department, status="revoked", revoked_at=datetime.now(UTC).isoformat())
        await self._store(revoked)
        await self._save_acl()
        return revoked

    async def rotate(self, code: str) -> tuple[Department, str]:
        """Add a second password; both work until `finish_rotation`, so nothing stops meanwhile."""
        department = await self._require_active(code)
        password, digest = _new_password()
        rotated = replace(department, password_hashes=(department.password_hashes[-1], digest))
        await self._apply(rotated)
        return rotated, password

    async def finish_rotation(self, code: str) -> Department:
        """Drop every password but the newest; connections made with the old one are closed."""
        department = await self._require_active(code)
        finished = replace(department, password_hashes=department.password_hashes[-1:])
        await self._apply(finished)
        if len(department.password_hashes) > 1:
            # Connections authenticated with the old password stay open unless closed.
            await self._kill_connections(code)
        return finished

    async def http_key(self, code: str) -> str:
        """The department's current key for the HTTPS door; one is made if it has none yet."""
        department = await self._require_active(code)
        if not department.http_keys:
            department = replace(department, http_keys=(new_http_key(code),))
            await self._store(department)
        return department.http_keys[-1]

    async def rotate_http_key(self, code: str) -> str:
        """A new HTTPS key; the newest old one keeps working until `finish_http_key_rotation`."""
        department = await self._require_active(code)
        key = new_http_key(code)
        await self._store(replace(department, http_keys=(*department.http_keys[-1:], key)))
        return key

    async def finish_http_key_rotation(self, code: str) -> Department:
        """Only the newest HTTPS key works from now on."""
        department = await self._require_active(code)
        finished = replace(department, http_keys=department.http_keys[-1:])
        await self._store(finished)
        return finished

    async def by_http_key(self, key: str) -> Department | None:
        """The active department a door key belongs to, or None."""
        code = code_of_http_key(key)
        department = await self.get(code) if code else None
        if department is None or not department.active:
            return None
        # Every key is compared, in constant time, so timing does not tell which one nearly matched.
        matches = [hmac.compare_digest(key, known) for known in department.http_keys]
        return department if any(matches) else None

    async def grant(self, code: str, stream: str) -> Department:
        """Copy a public stream to the department's own feed, which only it reads (DESIGN §3)."""
        if stream not in PUBLIC_STREAMS:
            raise DirectoryError(
                f"{stream!r} is not a public stream; choose from {', '.join(PUBLIC_STREAMS)}"
            )
        department = await self._require_active(code)
        granted = replace(department, grants=tuple(sorted({*department.grants, stream})))
        await self._create_group(self._keys.feed(code), code)
        await self._apply(granted)
        return granted

    async def ungrant(self, code: str, stream: str) -> Department:
        """Stop copying a public stream to the department's feed."""
        department = await self._require_active(code)
        narrowed = replace(department, grants=tuple(g for g in department.grants if g != stream))
        await self._apply(narrowed)
        return narrowed

    async def require_signature(self, code: str, signing: Signing | None) -> Department:
        """Require (or, with None, stop requiring) signed entries from the department."""
        department = await self._require_active(code)
        changed = replace(department, signing=signing)
        await self._store(changed)
        return changed

    async def get(self, code: str) -> Department | None:
        """One department, active or revoked."""
        raw = await self._redis.hget(self._keys.departments(), code)
        return Department.from_json(raw) if raw else None

    async def all(self) -> list[Department]:
        """Every department ever added, by code."""
        raw = await self._redis.hgetall(self._keys.departments())
        return sorted((Department.from_json(v) for v in raw.values()), key=lambda d: d.code)

    async def active(self) -> dict[str, Department]:
        """The departments whose outboxes the services consume, by code."""
        return {d.code: d for d in await self.all() if d.active}

    async def active_codes(self) -> set[str]:
        """Codes of the active departments."""
        return set(await self.active())

    async def _require(self, code: str) -> Department:
        department = await self.get(code)
        if department is None:
            raise DirectoryError(f"no department {code!r}")
        return department

    async def _require_active(self, code: str) -> Department:
        department = await self._require(code)
        if not department.active:
            raise DirectoryError(f"department {code!r} is revoked")
        return department

    async def sync(self) -> list[str]:
        """Write every department's user (or its absence, if revoked) on every node again.

        For Redis Cluster nodes added after the departments were, or that lost their ACL file;
        returns the nodes written.
        """
        for department in await self.all():
            if department.active:
                await self._set_user(department)
            else:
                await self.every_node("ACL", "DELUSER", self.username(department.code))
        await self._save_acl()
        return await self.nodes()

    async def nodes(self) -> list[str]:
        """`host:port` of every node users are written on (one, unless on a cluster)."""
        if is_cluster(self._redis):
            known = await self._redis.cluster_nodes()  # type: ignore[attr-defined]
            return sorted(
                address
                for address, node in known.items()
                if not {"fail", "handshake", "noaddr"} & set(node["flags"].split(","))
            )
        kwargs = self._redis.connection_pool.connection_kwargs
        return [f"{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}"]

    async def _apply(self, department: Department) -> None:
        await self._set_user(department)
        await self._store(department)
        await self._save_acl()

    async def _set_user(self, department: Department) -> None:
        await self.every_node(
            "ACL", "SETUSER", self.username(department.code), *self.acl_rules(department)
        )

    async def _kill_connections(self, code: str) -> None:
        try:
            await self.every_node("CLIENT", "KILL", "USER", self.username(code))
        except DirectoryError as exc:
            if "No such user" not in str(exc):
                raise

    async def every_node(self, *command: str) -> list[object]:
        """Run an ACL or CLIENT command on the one server, or on every node of a cluster."""
        if not is_cluster(self._redis):
            try:
                return [await self._redis.execute_command(*command)]
            except ResponseError as exc:
                raise DirectoryError(f"{' '.join(command[:2])} refused: {exc}") from exc
        # Every node, replicas too (from CLUSTER NODES: the client's slot map may not list
        # replicas yet), each over a connection of its own with the deployment's credentials.
        credentials = self._redis.nodes_manager.connection_kwargs  # type: ignore[attr-defined]
        results: list[object] = []
        failed: list[str] = []
        for address in await self.nodes():
            host, _, port = address.rpartition(":")
            node = Redis(
                host=host,
                port=int(port),
                username=credentials.get("username"),
                password=credentials.get("password"),
                socket_connect_timeout=2,
                socket_timeout=5,
            )
            try:
                results.append(await node.execute_command(*command))
            except RedisError as exc:
                failed.append(f"{address}: {exc}")
            finally:
                await node.aclose()
        if failed:
            raise DirectoryError(
                f"{' '.join(command[:2])} failed on {len(failed)} node(s) ({'; '.join(failed)}); "
                "run `gonghui dept sync` once they are back"
            )
        return results

    async def _store(self, department: Department) -> None:
        await self._redis.hset(self._keys.departments(), department.code, department.to_json())

    async def _create_group(self, stream: str, group: str) -> None:
        try:
            await self._redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def persists_users(self) -> bool:
        """Whether Redis keeps department users across a restart (every node has an ACL file)."""
        try:
            await self.every_node("ACL", "SAVE")
        except DirectoryError as exc:
            if "ACL file" in str(exc) or "aclfile" in str(exc).lower():
                return False
            raise
        return True

    async def _save_acl(self) -> None:
        # Users live in the ACL file, not in the AOF: without ACL SAVE a restart forgets them.
        if not await self.persists_users():
            log.warning("Redis has no ACL file: department users will be lost when it restarts")


HTTP_KEY_PREFIX = "ghk"


def new_http_key(code: str) -> str:
    """`ghk.<code>.<secret>`: the door knows whose key it is before it compares."""
    return f"{HTTP_KEY_PREFIX}.{code}.{secrets.token_urlsafe(32)}"


def code_of_http_key(key: str) -> str | None:
    """The department code a door key names, if it is shaped like one."""
    prefix, _, rest = key.partition(".")
    code, _, secret = rest.partition(".")
    if prefix != HTTP_KEY_PREFIX or not secret or not DEPARTMENT_CODE.match(code):
        return None
    return code


def _new_password() -> tuple[str, str]:
    password = secrets.token_urlsafe(24)
    return password, hashlib.sha256(password.encode()).hexdigest()


def connection_url(admin_url: str, *, username: str, password: str) -> str:
    """The URL a department connects with: the deployment's Redis, its own user."""
    parts = urlsplit(admin_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{username}:{password}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/0", "", ""))
