"""Recipient selectors of a rule: who an event concerns, written as short strings.

- `role:review_group`, `dept:transport`, `rep-001`: that recipient itself (a group has its own inbox
  and channels);
- `$assigned_to`: the id(s) in that field of the event's data (the case's own participants);
  `$` may also appear inside, e.g. `dept:$department`;
- `supervisor:<selector>`: the supervisor of each, climbing `escalation_level` (from the data,
  default 1) steps up the chain;
- `people:<role>` or `people:<role>@<area>`: every person holding a role, optionally in an area
  (`<area>` may be `$area_code`; a person covering `3501` covers `350102`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_FIELD = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_PLAIN = re.compile(r"^[A-Za-z0-9_.:@$\-]{1,100}$")


class SelectorInvalid(ValueError):
    """A selector that cannot be understood; the message says why."""


@dataclass(frozen=True)
class Selector:
    """A parsed selector."""

    kind: str
    """`direct`, `supervisor` or `people`."""
    value: str
    area: str | None = None
    inner: Selector | None = None


def parse(text: str) -> Selector:
    """Parse and check a selector string."""
    text = text.strip()
    if not _PLAIN.match(text):
        raise SelectorInvalid(f"selector {text!r}: letters, digits and _.:@$- only, 1-100 chars")
    if text.startswith("supervisor:"):
        return Selector("supervisor", text, inner=parse(text.removeprefix("supervisor:")))
    if text.startswith("people:"):
        role, _, area = text.removeprefix("people:").partition("@")
        if not role:
            raise SelectorInvalid(f"selector {text!r} names no role")
        return Selector("people", role, area=area or None)
    return Selector("direct", text)


def substitute(text: str, data: dict[str, Any]) -> list[str]:
    """Replace `$field` with the field's value(s); a missing or empty field selects no one."""
    names = _FIELD.findall(text)
    if not names:
        return [text]
    results = [text]
    for name in names:
        value = data.get(name)
        values = value if isinstance(value, list) else [value]
        values = [str(v) for v in values if v not in (None, "")]
        results = [r.replace(f"${name}", v, 1) for r in results for v in values]
    return results
