"""What every HTTP route accepts, checked once for all of them before any route runs.

A value a database cannot hold or a type the caller did not send must end as a 422 with the
reason, never as a 500 or a silent coercion. `screen_input` is an app-wide dependency that reads
the matched route's own declarations, so a route added tomorrow is screened like the others:

- path and query values are text without control characters, at most `MAX_PARAM` characters;
  a parameter declared as an integer, number, boolean, date or date-time accepts only that
  type's plain text form (`42`, `1.5`, `true`, `2026-11-28`, `2026-11-28T08:00:00+08:00`),
  integers within a signed 64-bit range;
- a JSON body holds no NaN or Infinity, no integer outside 64 bits, no string with NUL, other
  control characters (tab, line feed and carriage return are text) or lone surrogates, no
  string over `MAX_TEXT` characters, nothing nested deeper than `MAX_DEPTH`;
- the body is then validated against the route's model as JSON, strictly: `false` is not
  `0.0`, `0` is not `false`, `"1.5"` is not a number. JSON's own forms stay accepted: an
  integer where a number is expected, ISO 8601 text for dates and times, an enum's value.
"""

from __future__ import annotations

import json
import math
import re
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from pydantic import Field, TypeAdapter, ValidationError

from gonghui.shared.contracts.common import ISO_DAY, ISO_MOMENT

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_PARAM = 1_000
"""Characters in one path segment or query value."""
MAX_TEXT = 20_000
"""Characters in one string of a JSON body (the longest field, a proposal's body, takes 20,000)."""
MAX_DEPTH = 32
"""Nesting of a JSON body."""
MAX_BODY = 1_048_576
"""Bytes in one request body (413 beyond)."""

_PARAM_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_FORMS = {
    "integer": re.compile(r"^[+-]?\d{1,19}$"),
    "number": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"),
    "boolean": re.compile(r"^(true|false)$"),
    "date": ISO_DAY,
    "date-time": ISO_MOMENT,
}
_FORM_NAMES = {
    "integer": "an integer (decimal digits) between -2^63 and 2^63-1",
    "number": "a finite decimal number",
    "boolean": "`true` or `false`",
    "date": "a date, YYYY-MM-DD",
    "date-time": "a date and time, RFC 3339 (e.g. 2026-11-28T08:00:00+08:00)",
}


RowId = Annotated[int, Field(ge=1, le=INT64_MAX, description="A numeric id.")]
"""A database row id: positive and within what a BIGINT column holds."""


async def screen_input(request: Request) -> None:
    """Refuse (422) path, query or JSON body values this route could not take as sent."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    plan = _plan_of(route)
    errors = [
        *_param_errors("path", request.path_params.items(), plan.path),
        *_param_errors("query", request.query_params.multi_items(), plan.query),
    ]
    if not errors and plan.body is not None and _is_json(request.headers.get("content-type")):
        errors = _body_errors(await request.body(), plan.body)
    if errors:
        await _signed_in(request, plan)
        raise RequestValidationError(errors)


async def _signed_in(request: Request, plan: _Plan) -> None:
    """Answer 401 first on a guarded route: a caller not signed in hears nothing else."""
    authenticate = getattr(request.app.state, "authenticate", None)
    if plan.security is not None and authenticate is not None:
        await authenticate(await plan.security(request))


def _body_errors(raw: bytes, model: TypeAdapter[Any]) -> list[dict[str, Any]]:
    if not raw:
        return []
    errors = _json_errors(raw)
    if errors:
        return errors
    try:
        model.validate_json(raw, strict=True)
    except ValidationError as exc:
        return [
            {**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)
        ]
    return []


@dataclass(frozen=True)
class _Plan:
    path: dict[str, str | None]
    query: dict[str, str | None]
    body: TypeAdapter[Any] | None
    security: SecurityBase | None
    """How the route reads the caller's credentials, if it is guarded."""


_plans: dict[int, tuple[APIRoute, _Plan]] = {}


def _plan_of(route: APIRoute) -> _Plan:
    """The parameter kinds and body validator of one route, worked out once."""
    known = _plans.get(id(route))
    if known is None or known[0] is not route:
        known = _plans[id(route)] = (route, _plan(route))
    return known[1]


def _plan(route: APIRoute) -> _Plan:
    body: TypeAdapter[Any] | None = None
    if route.body_field is not None:
        info = route.body_field.field_info
        annotation = info.annotation
        body = TypeAdapter(Annotated[annotation, *info.metadata] if info.metadata else annotation)
    return _Plan(
        path={f.alias: _kind(f.field_info.annotation) for f in _params(route.dependant, "path")},
        query={f.alias: _kind(f.field_info.annotation) for f in _params(route.dependant, "query")},
        body=body,
        security=next(_security(route.dependant), None),
    )


def _security(dependant: Dependant) -> Iterator[Any]:
    if isinstance(dependant.call, SecurityBase):
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _security(sub)


def _params(dependant: Dependant, where: str) -> Iterator[Any]:
    """The `path` or `query` parameters of a route and of everything it depends on."""
    yield from getattr(dependant, f"{where}_params")
    for sub in dependant.dependencies:
        yield from _params(sub, where)


def _kind(annotation: Any) -> str | None:
    """The JSON type a parameter is declared as, for the types whose text form we check."""
    for candidate in _members(annotation):
        if candidate is bool:
            return "boolean"
        if isinstance(candidate, type) and issubclass(candidate, datetime):
            return "date-time"
        if isinstance(candidate, type) and issubclass(candidate, date):
            return "date"
        if candidate is int:
            return "integer"
        if candidate is float:
            return "number"
    return None


def _members(annotation: Any) -> Iterator[Any]:
    """The plain types inside Annotated, Optional, unions and lists."""
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _members(get_args(annotation)[0])
    elif origin in (Union, types.UnionType, list, set, tuple, frozenset):
        for arg in get_args(annotation):
            yield from _members(arg)
    elif annotation is not type(None):
        yield annotation


def _param_errors(
    where: str, values: Iterable[tuple[str, Any]], kinds: dict[str, str | None]
) -> Iterator[dict[str, Any]]:
    for name, value in values:
        if not isinstance(value, str):
            continue
        loc = (where, name)
        if _PARAM_CONTROL.search(value) or _PARAM_CONTROL.search(name):
            yield _error(loc, value, "must not contain control characters (such as NUL)")
        elif len(value) > MAX_PARAM:
            yield _error(loc, value[:100] + "…", f"is longer than {MAX_PARAM} characters")
        elif (kind := kinds.get(name)) is not None and not _plain_form(kind, value):
            yield _error(loc, value, f"must be {_FORM_NAMES[kind]}")


def _plain_form(kind: str, value: str) -> bool:
    if not _FORMS[kind].match(value):
        return False
    if kind == "integer":
        return INT64_MIN <= int(value) <= INT64_MAX
    if kind == "number":
        return math.isfinite(float(value))
    return True


class _Refused(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _int64(text: str) -> int:
    if len(text) > 20 or not INT64_MIN <= (value := int(text)) <= INT64_MAX:
        raise _Refused(f"integer {text[:30]} is outside -2^63..2^63-1")
    return value


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"number {text[:30]} is too large")
    return value


def _json_errors(raw: bytes) -> list[dict[str, Any]]:
    """What in a JSON body no route could store, each with where it is and why."""
    try:
        document = json.loads(
            raw, parse_constant=_no_constant, parse_int=_int64, parse_float=_finite
        )
    except _Refused as exc:
        return [_error(("body",), None, str(exc))]
    except RecursionError:
        return [_error(("body",), None, f"is nested deeper than {MAX_DEPTH} levels")]
    except ValueError:
        return []  # not JSON at all: FastAPI has already said so
    errors = []
    stack: list[tuple[tuple[Any, ...], Any]] = [(("body",), document)]
    while stack and len(errors) < 10:
        loc, value = stack.pop()
        if len(loc) > MAX_DEPTH + 1:
            errors.append(_error(loc[:3], None, f"is nested deeper than {MAX_DEPTH} levels"))
            break
        if isinstance(value, dict):
            for key, item in value.items():
                if problem := _text_problem(key):
                    errors.append(_error((*loc, key[:50]), key[:100], f"key {problem}"))
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, i), item) for i, item in enumerate(value))
        elif isinstance(value, str) and (problem := _text_problem(value)):
            errors.append(_error(loc, value[:100], problem))
    return errors


def _text_problem(text: str) -> str | None:
    if _TEXT_CONTROL.search(text):
        return (
            "must not contain NUL, control characters other than tab and line breaks, "
            "or unpaired surrogates"
        )
    if len(text) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    return None


def _is_json(content_type: str | None) -> bool:
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    return kind.startswith("application/") and kind.endswith(("/json", "+json"))


def _error(loc: tuple[Any, ...], value: Any, message: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": loc, "msg": message, "input": value}


def json_safe(value: Any) -> Any:
    """`value` with what JSON cannot carry (NaN, Infinity, bytes, objects) turned into text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode()  # an unpaired surrogate becomes "?"
    if value is None or isinstance(value, int | float | bool):
        return value
    return json_safe(str(value))
