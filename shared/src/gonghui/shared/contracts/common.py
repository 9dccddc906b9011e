"""Value types used by several contracts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_DEPARTMENT_CODE = r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$"


def _mainland_phone(value: str) -> str:
    compact = re.sub(r"[\s()]", "", value).removeprefix("+86")
    if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
        raise ValueError(
            "not a mainland China mobile (11 digits, 1[3-9]…) or landline (0xx-xxxxxxx)"
        )
    return compact


MainlandPhone = Annotated[str, AfterValidator(_mainland_phone)]
"""A mainland China mobile or landline number, normalised (no spaces, no +86)."""

DepartmentCode = Annotated[
    str,
    Field(pattern=_DEPARTMENT_CODE, description="A department's code, e.g. `cib-bank`."),
]


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
"""The start of RFC 3339 date-time text; the rest is checked when it is parsed."""


def _iso_text(form: re.Pattern[str], shape: str, parse: Callable[[str], date]) -> BeforeValidator:
    def check(value: Any) -> Any:
        # Lenient parsing would read 0 or "1700000000" as seconds since 1970; and parsing here
        # keeps strict validation (which takes only date objects) working on JSON text.
        if isinstance(value, int | float):
            raise ValueError(f"must be {shape} text")
        if isinstance(value, str):
            try:
                if form.match(value):
                    return parse(value)
            except ValueError:
                pass
            raise ValueError(f"must be {shape} text")
        return value

    return BeforeValidator(check)


Instant = Annotated[
    AwareDatetime,
    _iso_text(ISO_MOMENT, "RFC 3339 date-time (2026-11-28T08:00:00+08:00)", datetime.fromisoformat),
]
"""A moment in RFC 3339 text with its zone; never a number read as seconds since 1970."""

Day = Annotated[date, _iso_text(ISO_DAY, "a YYYY-MM-DD date", date.fromisoformat)]
"""A calendar day as YYYY-MM-DD; never a number read as seconds since 1970."""


def mask_phone(phone: str) -> str:
    """138****1234: what a phone may look like on a shared stream or in a log line."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
