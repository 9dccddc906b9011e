"""Signing in: passwords for staff, representatives and units; one-time codes for workers.

A worker is known by their mobile number only while signing in: their account id is a keyed
hash of it (`w-...`), the id stations uses for their visits and sign-ups, so their history is
theirs on every phone and no service stores the number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from redis.asyncio import Redis

from gonghui.front.settings import FrontSettings
from gonghui.shared.ratelimit import RateLimiter
from gonghui.shared.streams import StreamKeys

_MOBILE = re.compile(r"1[3-9]\d{9}")


class CodeRefused(Exception):
    """A code that is wrong, used up or expired; the message is for the page."""


def normalize_mobile(raw: str) -> str | None:
    """A mainland mobile number as 11 digits (spaces, dashes and +86 dropped), or None."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if _MOBILE.fullmatch(digits) else None


def worker_account(mobile: str, *, secret: str) -> str:
    """The worker's account id: the same for the same number, the number not recoverable."""
    digest = hmac.new(secret.encode(), f"worker-mobile:{mobile}".encode(), hashlib.sha256)
    return "w-" + digest.hexdigest()[:20]


def masked_mobile(mobile: str) -> str:
    """138****1234, as pages show a worker's number."""
    return f"{mobile[:3]}****{mobile[-4:]}"


class SignInCodes:
    """One-time six-digit codes in Redis: hashed, expiring, few attempts, limited per phone."""

    def __init__(self, redis: Redis, keys: StreamKeys, *, settings: FrontSettings) -> None:
        self._redis = redis
        self._prefix = f"{keys.prefix}front.code."
        self._ttl_s = settings.code_ttl_s
        self._attempts = settings.code_attempts
        self._per_phone = RateLimiter(
            redis,
            namespace=f"{keys.prefix}front.limit.code-phone.",
            rate=settings.code_phone_per_hour / 3600,
            burst=settings.code_phone_per_hour,
        )
        self._per_client = RateLimiter(
            redis,
            namespace=f"{keys.prefix}front.limit.code-client.",
            rate=settings.code_client_per_hour / 3600,
            burst=settings.code_client_per_hour,
        )

    def _key(self, account: str) -> str:
        return self._prefix + account

    async def issue(self, account: str, *, client: str) -> str:
        """A new code for `account` (replacing any earlier one); `RateLimited` when too many."""
        await self._per_client.acquire(client, max_wait_s=0)
        await self._per_phone.acquire(account, max_wait_s=0)
        code = f"{secrets.randbelow(1_000_000):06d}"
        salt = secrets.token_hex(8)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(account))
            pipe.hset(
                self._key(account),
                mapping={"salt": salt, "hash": _digest(salt, code), "attempts": 0},
            )
            pipe.expire(self._key(account), self._ttl_s)
            await pipe.execute()
        return code

    async def redeem(self, account: str, code: str) -> None:
        """Accept the code once; raise `CodeRefused` if wrong, expired or out of attempts."""
        key = self._key(account)
        record = await self._redis.hgetall(key)
        if not record:
            raise CodeRefused("验证码已过期或未发送，请重新获取 (code_expired)")
        attempts = await self._redis.hincrby(key, "attempts", 1)
        if attempts > self._attempts:
            await self._redis.delete(key)
            raise CodeRefused("错误次数过多，请重新获取验证码 (code_attempts_exceeded)")
        salt = record[b"salt"].decode()
        if not hmac.compare_digest(_digest(salt, code.strip()), record[b"hash"].decode()):
            raise CodeRefused("验证码不正确 (code_wrong)")
        # Only one sign-in per code, even if two arrive at once.
        if not await self._redis.delete(key):
            raise CodeRefused("验证码已使用，请重新获取 (code_used)")


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
