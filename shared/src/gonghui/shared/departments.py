"""The department directory: who may publish on the bus, and with which Redis user (DESIGN §3)."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from gonghui.shared.streams import DEPARTMENT_CODE, StreamKeys


class DirectoryError(Exception):
    """A directory operation refused, with the reason for the operator."""


@dataclass(frozen=True)
class Department:
    """A partner department: a city bureau, a bank, the post office, a company union."""

    code: str
    name: str
    status: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        """Whether it may still publish and read."""
        return self.status == "active"


class DepartmentDirectory:
    """Provisions, lists and revokes departments; the Redis ACL is what enforces it."""

    def __init__(self, redis: Redis, keys: StreamKeys) -> None:
        self._redis = redis
        self._keys = keys

    def username(self, code: str) -> str:
        """The department's Redis user; the deployment prefix keeps deployments apart."""
        prefix = "".join(ch if ch.isalnum() else "_" for ch in self._keys.prefix)
        return f"{prefix}dept_{code}"

    def acl_rules(self, code: str, password_sha256: str) -> list[str]:
        """Exactly its own streams: add to its outbox; read, ack and reclaim its inbox."""
        return [
            "reset",
            "on",
            f"#{password_sha256}",
            "resetchannels",
            "+ping",
            "+xadd",
            f"%W~{self._keys.outbox(code)}",
            f"(+xreadgroup +xack +xautoclaim +xpending ~{self._keys.inbox(code)})",
        ]

    async def add(self, code: str, name: str) -> tuple[Department, str]:
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
        password = secrets.token_urlsafe(24)
        digest = hashlib.sha256(password.encode()).hexdigest()
        await self._redis.execute_command("ACL", "SETUSER", self.username(code), *self.acl_rules(code, digest))
        try:
            await self._redis.xgroup_create(self._keys.inbox(code), code, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        department = Department(
            code=code, name=name.strip(), status="active", created_at=datetime.now(UTC).isoformat()
        )
        await self._redis.hset(self._keys.departments(), code, json.dumps(asdict(department), ensure_ascii=False))
        await self._save_acl()
        return department, password

    async def revoke(self, code: str) -> Department:
        """Remove the department's user and drop its open connections: effective at once."""
        department = await self.get(code)
        if department is None:
            raise DirectoryError(f"no department {code!r}")
        await self._redis.execute_command("ACL", "DELUSER", self.username(code))
        try:
            await self._redis.execute_command("CLIENT", "KILL", "USER", self.username(code))
        except ResponseError as exc:
            if "No such user" not in str(exc):
                raise
        revoked = Department(
            code=department.code,
            name=department.name,
            status="revoked",
            created_at=department.created_at,
            revoked_at=datetime.now(UTC).isoformat(),
        )
        await self._redis.hset(self._keys.departments(), code, json.dumps(asdict(revoked), ensure_ascii=False))
        await self._save_acl()
        return revoked

    async def get(self, code: str) -> Department | None:
        """One department, active or revoked."""
        raw = await self._redis.hget(self._keys.departments(), code)
        return Department(**json.loads(raw)) if raw else None

    async def all(self) -> list[Department]:
        """Every department ever added, by code."""
        raw = await self._redis.hgetall(self._keys.departments())
        return sorted((Department(**json.loads(v)) for v in raw.values()), key=lambda d: d.code)

    async def active_codes(self) -> set[str]:
        """Codes of the departments whose outboxes the services consume."""
        return {d.code for d in await self.all() if d.active}

    async def _save_acl(self) -> None:
        # Users live in the ACL file, not in the AOF: without ACL SAVE a restart forgets them.
        try:
            await self._redis.execute_command("ACL", "SAVE")
        except ResponseError as exc:
            if "ACL file" not in str(exc) and "aclfile" not in str(exc).lower():
                raise


def connection_url(admin_url: str, *, username: str, password: str) -> str:
    """The URL a department connects with: the deployment's Redis, its own user."""
    parts = urlsplit(admin_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{username}:{password}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/0", "", ""))
