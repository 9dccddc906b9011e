"""Times as people in China read them: Asia/Shanghai, in words for what is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from gonghui.shared.clock import SHANGHAI


def instant(value: str | datetime | None) -> datetime | None:
    """An API time (RFC 3339 text or a datetime) as an aware datetime; None stays None."""
    if value is None or value == "":
        return None
    found = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if found.tzinfo is None:
        raise ValueError(f"time without an offset: {value!r}")
    return found


def beijing(value: str | datetime | None, *, short: bool = False) -> str:
    """`2026-11-30 17:05` (or `11-30 17:05` when short) in Asia/Shanghai; empty when unknown."""
    found = instant(value)
    if found is None:
        return ""
    return found.astimezone(SHANGHAI).strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")


def span_words(span: timedelta) -> str:
    """A length of time in Chinese, to the minute: `2天3小时`, `3小时20分钟`, `5分钟`."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"
    return f"{minutes}分钟"
