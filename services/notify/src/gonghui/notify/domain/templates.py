"""Rendering rule templates (Jinja2, sandboxed) and checking them when an admin saves a rule."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from gonghui.shared.clock import SHANGHAI
from gonghui.shared.contracts.common import mask_phone

KIND_ZH = {
    "proposal": "提案",
    "issue": "问题建议",
    "zero_distance": "零距离事项",
    "hotline": "12351 热线事项",
    "practical_project": "实事项目",
}


class TemplateInvalid(ValueError):
    """A template that does not compile; the message says where."""


def _local(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO time shown in Asia/Shanghai, as people read it."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(SHANGHAI).strftime(fmt)


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False)
    env.filters["local"] = _local
    env.filters["mask_phone"] = lambda v: mask_phone(str(v)) if v else ""
    env.filters["kind_zh"] = lambda v: KIND_ZH.get(str(v), "事项")
    return env


_ENV = _environment()


@lru_cache(maxsize=512)
def _compiled(source: str):  # type: ignore[no-untyped-def]
    return _ENV.from_string(source)


def check(source: str) -> None:
    """Raise TemplateInvalid if `source` is not a valid template."""
    try:
        _ENV.parse(source)
    except TemplateError as exc:
        raise TemplateInvalid(f"template error: {exc}") from exc


def render(source: str, context: dict[str, Any]) -> str:
    """Render a template; missing fields render empty rather than failing a notification."""
    if "{" not in source:
        return source.strip()  # plain text: a broadcast title rendered a million times
    return _compiled(source).render(context).strip()
