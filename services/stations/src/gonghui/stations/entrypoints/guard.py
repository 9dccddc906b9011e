"""What a public write must pass: the shared rate limits, per client and per worker (HTTP 429)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request

from gonghui.shared.clock import Clock
from gonghui.stations.adapters.ratelimit import Limit, RateLimited, RedisRateLimiter
from gonghui.stations.domain.privacy import worker_ref
from gonghui.stations.settings import StationsSettings

Kind = Literal["public", "feedback"]
_WHO = {"client": "您的网络", "worker": "该工号"}


@dataclass
class PublicGuard:
    """Rate limits on the routes workers use without a token."""

    limiter: RedisRateLimiter
    settings: StationsSettings
    clock: Clock

    async def admit(self, request: Request, *, kind: Kind, worker_id: str | None) -> None:
        """Count the call against its client and its worker; 429 with Retry-After when over."""
        s = self.settings
        if kind == "feedback":
            per_client = Limit(s.feedback_client_limit, s.feedback_window_s)
            per_worker = Limit(s.feedback_worker_limit, s.feedback_window_s)
        else:
            per_client = Limit(s.public_client_limit, s.public_window_s)
            per_worker = Limit(s.public_worker_limit, s.public_window_s)
        now = self.clock.now().timestamp()
        client = request.client.host if request.client else "unknown"
        try:
            await self.limiter.hit(f"{kind}.client", client, per_client, now=now)
            if worker_id:
                ref = worker_ref(s.worker_id_secret, worker_id)
                await self.limiter.hit(f"{kind}.worker", ref, per_worker, now=now)
        except RateLimited as exc:
            raise HTTPException(
                429,
                f"{_WHO[exc.who]}请求过于频繁，请 {exc.retry_after} 秒后再试 / {exc}",
                headers={"Retry-After": str(exc.retry_after)},
            ) from exc
