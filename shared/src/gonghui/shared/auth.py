"""People and roles over HTTP: bearer tokens signed by the deployment, checked by every service."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis

from gonghui.shared.passwords import hash_password, verify_password
from gonghui.shared.settings import VAR_DIR
from gonghui.shared.streams import StreamKeys

ALGORITHM = "HS256"
TOKEN_DAYS = 365


class Role(StrEnum):
    """What a person does on the platform."""

    WORKER = "worker"
    MEMBER = "member"
    REPRESENTATIVE = "representative"
    REVIEWER = "reviewer"
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    UNION_ADMIN = "union_admin"
    PARTNER = "partner"
    SERVICE = "service"
    """Another gonghui process acting for itself (the front asking notify to text a code)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: an opaque id, a role, an area and, for handlers and partners, a unit."""

    sub: str
    role: Role
    area: str | None = None
    department: str | None = None
    token_id: str = ""
    issued_at: float = 0.0
    """When its token was issued (Unix seconds, to the millisecond)."""

    def covers(self, area_code: str | None) -> bool:
        """Whether the caller's area contains `area_code` (350000 covers 350203)."""
        if self.area is None:
            return True
        if area_code is None:
            return False
        return area_code.startswith(area_prefix(self.area))


def area_prefix(area_code: str) -> str:
    """The leading digits every area inside `area_code` shares: 350000 -> 35, 350100 -> 3501."""
    while area_code.endswith("00"):
        area_code = area_code[:-2]
    return area_code


class AuthError(Exception):
    """A token that cannot be trusted."""


def auth_secret() -> str:
    """GONGHUI_AUTH_SECRET, else a secret generated once for this machine under ./var/."""
    development = os.environ.get("GONGHUI_ENVIRONMENT", "development") == "development"
    if secret := os.environ.get("GONGHUI_AUTH_SECRET"):
        if not development and (secret.startswith("gonghui-dev") or len(secret) < 32):
            raise AuthError("GONGHUI_AUTH_SECRET is a placeholder or shorter than 32 characters")
        return secret
    if not development:
        raise AuthError("set GONGHUI_AUTH_SECRET outside development")
    path = VAR_DIR / "auth.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def issue_token(
    principal: Principal, *, secret: str, days: int = TOKEN_DAYS, lifetime_s: int | None = None
) -> tuple[str, str]:
    """A signed token for `principal`, valid `days` (or `lifetime_s`); returns (token, id)."""
    token_id = secrets.token_hex(8)
    # Milliseconds, so a token issued just after a person's revocation is told apart from those
    # issued before it (JWT's NumericDate may carry a fraction).
    now = round(time.time(), 3)
    claims = {
        "sub": principal.sub,
        "role": principal.role.value,
        "area": principal.area,
        "dept": principal.department,
        "jti": token_id,
        "iat": now,
        "exp": int(now) + (lifetime_s if lifetime_s is not None else days * 86_400),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), token_id


def read_token(token: str, *, secret: str) -> Principal:
    """The principal a token names; raise AuthError if forged, expired or malformed."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "role", "jti", "exp"]},
        )
        return Principal(
            sub=claims["sub"],
            role=Role(claims["role"]),
            area=claims.get("area"),
            department=claims.get("dept"),
            token_id=claims["jti"],
            issued_at=float(claims.get("iat", 0)),
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise AuthError(f"invalid token: {exc}") from exc


@dataclass(frozen=True)
class IssuedToken:
    """One live token of a person, as `gonghui user list` shows it (never the token itself)."""

    token_id: str
    issued_at: float
    expires_at: float


@dataclass(frozen=True)
class User:
    """A person with their role, area and every live token issued to them."""

    principal: Principal
    tokens: tuple[IssuedToken, ...]
    has_password: bool = False
    must_change_password: bool = False
    """Set by an admin, so the person chooses their own at the next sign-in."""
    name: str | None = None
    """How pages name the person (陈静（审议小组）) where they would show the account's id."""


class UserDirectory:
    """Issued tokens and revocations, in Redis so every service sees a revocation at once.

    Revoking a person refuses every token issued to them until then, including any whose id
    was never written down: the check compares the token's issue time with the revocation's.
    """

    def __init__(self, redis: Redis, keys: StreamKeys) -> None:
        self._redis = redis
        self._users = f"{keys.prefix}gonghui.users"
        self._revoked_tokens = f"{keys.prefix}gonghui.revoked_tokens"
        self._revoked_people = f"{keys.prefix}gonghui.revoked_people"
        self._blocked_people = f"{keys.prefix}gonghui.blocked_people"
        self._names = f"{keys.prefix}gonghui.user_names"
        """How pages name each person: kept when they are revoked, for the cases they acted on."""

    async def add(self, principal: Principal, *, secret: str, name: str | None = None) -> str:
        """Record a user and return a new token for them; their earlier tokens stay valid.

        `name` is how pages show them; without one an earlier name stays.
        """
        token, token_id = issue_token(principal, secret=secret)
        issued = read_token(token, secret=secret)
        now = time.time()
        existing = json.loads(await self._redis.hget(self._users, principal.sub) or "null")
        tokens = {
            t.token_id: t
            for t in (_user(existing).tokens if existing else ())
            if t.expires_at > now
        }
        tokens[token_id] = IssuedToken(
            token_id, issued.issued_at, issued.issued_at + TOKEN_DAYS * 86_400
        )
        record = {
            **_password_fields(existing or {}),
            **asdict(principal),
            "role": principal.role.value,
            "tokens": [asdict(t) for t in tokens.values()],
        }
        for field in ("token_id", "issued_at"):
            record.pop(field)
        await self._redis.hset(self._users, principal.sub, json.dumps(record, ensure_ascii=False))
        if name:
            await self.rename(principal.sub, name)
        return token

    async def set_password(self, principal: Principal, password: str, *, must_change: bool) -> None:
        """Record the person (if new) and the hash of their password; `must_change` at sign-in."""
        raw = await self._redis.hget(self._users, principal.sub)
        record = json.loads(raw) if raw else {**asdict(principal), "tokens": []}
        if not raw:
            record["role"] = principal.role.value
            for field in ("token_id", "issued_at"):
                record.pop(field)
        record["password_hash"] = hash_password(password)
        record["must_change_password"] = must_change
        await self._redis.hset(self._users, principal.sub, json.dumps(record, ensure_ascii=False))

    async def check_password(self, sub: str, password: str) -> User | None:
        """The person if `password` is theirs; None for an unknown person or a wrong password."""
        raw = await self._redis.hget(self._users, sub)
        stored = json.loads(raw).get("password_hash") if raw else None
        if stored is None:
            # As slow as a real check, so timing does not tell which accounts exist.
            verify_password(password, _decoy_hash())
            return None
        if not verify_password(password, stored):
            return None
        return _user(json.loads(raw), name=await self._name(sub))

    async def names(self, subs: Collection[str]) -> dict[str, str]:
        """The names of those of `subs` who have an account with a name, by id."""
        wanted = sorted(subs)
        if not wanted:
            return {}
        found = await self._redis.hmget(self._names, wanted)
        return {sub: name.decode() for sub, name in zip(wanted, found, strict=True) if name}

    async def rename(self, sub: str, name: str) -> None:
        """How pages name the person from now on (the header once they next sign in)."""
        await self._redis.hset(self._names, sub, name)

    async def _name(self, sub: str) -> str | None:
        name = await self._redis.hget(self._names, sub)
        return name.decode() if name else None

    async def get(self, sub: str) -> User | None:
        """One person as the directory holds them, or None."""
        raw = await self._redis.hget(self._users, sub)
        return _user(json.loads(raw), name=await self._name(sub)) if raw else None

    async def revoke(self, sub: str) -> bool:
        """Revoke every token of the person; every service refuses them from the next request on."""
        raw = await self._redis.hget(self._users, sub)
        if raw is None:
            return False
        user = _user(json.loads(raw))
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(self._revoked_people, sub, repr(time.time()))
            if user.tokens:
                pipe.sadd(self._revoked_tokens, *(t.token_id for t in user.tokens))
            pipe.hdel(self._users, sub)
            await pipe.execute()
        return True

    async def end_sessions(self, sub: str) -> None:
        """Refuse every token issued to the person until now, listed here or not: a worker has no
        entry (they sign in with a texted code) and signs in again with a new one."""
        await self._redis.hset(self._revoked_people, sub, repr(time.time()))

    async def block(self, sub: str) -> None:
        """End the person's sessions and refuse them new ones: a worker's number gets no code."""
        await self._redis.sadd(self._blocked_people, sub)  # first: no new session after this
        await self.end_sessions(sub)

    async def unblock(self, sub: str) -> bool:
        """Let a blocked person sign in again; False if they were not blocked."""
        return bool(await self._redis.srem(self._blocked_people, sub))

    async def is_blocked(self, sub: str) -> bool:
        """Whether the person may not sign in."""
        return bool(await self._redis.sismember(self._blocked_people, sub))

    async def all(self) -> list[User]:
        """Every user with a live token, and those tokens."""
        raw = await self._redis.hgetall(self._users)
        now = time.time()
        named = await self._redis.hgetall(self._names)
        names = {sub.decode(): name.decode() for sub, name in named.items()}
        users = [_user(json.loads(v), name=names.get(k.decode())) for k, v in raw.items()]
        return sorted(
            (replace(u, tokens=tuple(t for t in u.tokens if t.expires_at > now)) for u in users),
            key=lambda u: u.principal.sub,
        )

    async def is_revoked(self, principal: Principal) -> bool:
        """Whether the caller's token was revoked, alone or with every token of its person."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sismember(self._revoked_tokens, principal.token_id)
            pipe.hget(self._revoked_people, principal.sub)
            token_revoked, person_revoked_at = await pipe.execute()
        if token_revoked:
            return True
        return person_revoked_at is not None and principal.issued_at <= float(person_revoked_at)


def _user(record: dict[str, Any], *, name: str | None = None) -> User:
    principal = Principal(
        sub=str(record["sub"]),
        role=Role(str(record["role"])),
        area=record.get("area"),
        department=record.get("department"),
    )
    tokens = tuple(IssuedToken(**t) for t in record.get("tokens", ()))
    if not tokens and record.get("token_id"):
        # Written before every token was kept: the one token then recorded, of unknown age.
        tokens = (IssuedToken(str(record["token_id"]), 0.0, float("inf")),)
    return User(
        principal,
        tokens,
        has_password=bool(record.get("password_hash")),
        must_change_password=bool(record.get("must_change_password")),
        name=name,
    )


def _password_fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("password_hash", "must_change_password") if k in record}


@cache
def _decoy_hash() -> str:
    return hash_password("a password no account has")


_bearer = HTTPBearer(auto_error=False, description="A token from `gonghui user add`.")


class Authenticator:
    """Turns a bearer token into the caller, or answers 401 with the reason."""

    def __init__(self, *, secret: str, users: UserDirectory) -> None:
        self._secret = secret
        self._users = users

    async def __call__(self, credentials: HTTPAuthorizationCredentials | None) -> Principal:
        """The caller named by a valid, unrevoked token."""
        if credentials is None:
            raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
        try:
            principal = read_token(credentials.credentials, secret=self._secret)
        except AuthError as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        if await self._users.is_revoked(principal):
            raise HTTPException(401, "token revoked", headers={"WWW-Authenticate": "Bearer"})
        return principal


async def signed_in(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """For a public route: the caller if a token is given (checked as strictly), else None."""
    if credentials is None:
        return None
    return await request.app.state.authenticate(credentials)


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only `roles`: 401 without a valid token, else 403 with the reason."""

    async def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal: Principal = await request.app.state.authenticate(credentials)
        if principal.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise HTTPException(
                403,
                f"角色 {principal.role.value} 无权执行此操作 "
                f"(role {principal.role.value} may not do this; allowed: {allowed})",
            )
        return principal

    return caller
