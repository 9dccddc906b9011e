"""Reading the fields a page's form sent."""

from __future__ import annotations

from typing import Any


def text(form: Any, name: str) -> str:
    """A field's text, trimmed; empty when it was not sent."""
    return str(form.get(name) or "").strip()


def texts(form: Any, *names: str) -> dict[str, str]:
    """Several fields' texts, trimmed, by name."""
    return {name: text(form, name) for name in names}
