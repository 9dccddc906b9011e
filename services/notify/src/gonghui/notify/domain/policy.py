"""When to send: quiet hours, retries with backoff and jitter, the daily digest hour."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from gonghui.shared.clock import SHANGHAI


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def check_hhmm(value: str) -> str:
    """Validate a local `HH:MM` time."""
    try:
        _hhmm(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a HH:MM time") from exc
    return value


def quiet_until(
    now: datetime, *, start: str | None, end: str | None, priority: str
) -> datetime | None:
    """免打扰: if `now` is in the recipient's quiet hours (Shanghai time), when they end.

    Urgent and critical messages are never held.
    """
    if priority != "normal" or not start or not end:
        return None
    local = now.astimezone(SHANGHAI)
    begin, finish = _hhmm(start), _hhmm(end)
    clock = local.time()
    inside = begin <= clock < finish if begin <= finish else clock >= begin or clock < finish
    if not inside:
        return None
    release = local.replace(hour=finish.hour, minute=finish.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release.astimezone(now.tzinfo)


def backoff(
    attempt: int, *, base_s: float, cap_s: float, rng: random.Random | None = None
) -> timedelta:
    """Delay before retry number `attempt` (1-based): exponential, capped, with equal jitter.

    Half of the exponential step is kept, the other half is random, so retries of many
    deliveries that failed together spread out instead of hitting a recovering sink at once.
    """
    step = min(cap_s, base_s * (2 ** (attempt - 1)))
    jitter = (rng or random).uniform(0, step / 2)
    return timedelta(seconds=step / 2 + jitter)


def digest_due(now: datetime, *, hour: int) -> datetime:
    """The most recent digest moment (`hour`:00 Shanghai time) at or before `now`."""
    local = now.astimezone(SHANGHAI)
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if moment > local:
        moment -= timedelta(days=1)
    return moment.astimezone(now.tzinfo)
