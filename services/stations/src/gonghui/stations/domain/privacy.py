"""Workers appear only as keyed hashes: countable, never readable (DESIGN §8)."""

from __future__ import annotations

import hashlib
import hmac


def worker_ref(secret: str, worker_id: str) -> str:
    """An opaque, stable id for a worker: HMAC-SHA256 with the deployment's secret, 32 hex."""
    return hmac.new(secret.encode(), worker_id.strip().encode(), hashlib.sha256).hexdigest()[:32]
