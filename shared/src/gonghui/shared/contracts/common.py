"""Value types used by several contracts."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

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


def mask_phone(phone: str) -> str:
    """138****1234: what a phone may look like on a shared stream or in a log line."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
