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

ACTION_ZH = {
    "submit": "已提交",
    "resubmit": "已补充后重新提交",
    "accept": "已通过小组审议，予以立案",
    "reject": "不予立案",
    "merge": "已并案办理",
    "return": "被退回补充材料",
    "offer": "已发布给各单位认领",
    "claim": "已被认领",
    "assign": "已交办",
    "reassign": "已改派",
    "accept_assignment": "承办单位已接收",
    "decline": "承办单位已退回",
    "progress": "有新进展",
    "complete": "承办单位已办结，待督查",
    "verify": "督查通过，请您评价",
    "send_back": "督查未通过，已退回重办",
    "feedback": "已办结归档",
    "reopen": "已重新办理",
}
LATE_ZH = {
    "review": "逾期未审议",
    "claim": "逾期无人认领",
    "acceptance": "逾期未接收",
    "assignment": "逾期未交办",
    "handling": "逾期未办结",
    "supervision": "逾期未督查",
    "feedback": "逾期未反馈",
}
"""What a late step is called: a late acceptance is not a late completion."""

STEP_ZH = {
    "submission": "线上提交",
    "review": "小组审议",
    "assignment": "交办",
    "claim": "认领",
    "acceptance": "接收",
    "handling": "办理落实",
    "supervision": "执行督查",
    "feedback": "总结反馈",
    "closure": "办结",
}


class TemplateInvalid(ValueError):
    """A template that does not compile; the message says where."""


def _local(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO time shown in Asia/Shanghai with its offset, as people read it."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return f"{moment.astimezone(SHANGHAI).strftime(fmt)} (+08:00)"


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False)
    env.filters["local"] = _local
    env.filters["mask_phone"] = lambda v: mask_phone(str(v)) if v else ""
    env.filters["kind_zh"] = lambda v: KIND_ZH.get(str(v), "事项")
    env.filters["action_zh"] = lambda v: ACTION_ZH.get(str(v), str(v))
    env.filters["step_zh"] = lambda v: STEP_ZH.get(str(v), str(v))
    env.filters["late_zh"] = lambda v: LATE_ZH.get(str(v), "已逾期")
    return env


_ENV = _environment()


@lru_cache(maxsize=512)
def _compiled(source: str):  # type: ignore[no-untyped-def]
    template = _ENV.from_string(source)
    # Jinja keeps a template's globals as a ChainMap over the environment's and copies them
    # into every render's context; ours never change, and a plain dict copies several times
    # faster (Python's ChainMap iterates in Python).
    template.globals = dict(template.globals)
    return template


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
