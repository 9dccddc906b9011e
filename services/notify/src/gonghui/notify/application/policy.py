"""The knobs of delivery, taken from settings once at start-up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries, leases and the digest hour."""

    retry_base_s: float = 5.0
    retry_cap_s: float = 900.0
    attempts_per_channel: int = 4
    """Tries on one channel before failing over to the next in the person's order."""
    lease_s: float = 60.0
    """How long a claimed delivery is ours; a replica that dies mid-send loses it after this."""
    batch_size: int = 100
    digest_hour: int = 8
    """Local (Shanghai) hour of the daily digest."""
    broadcast_page: int = 2000
