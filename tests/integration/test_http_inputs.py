"""Malformed input gets a 4xx with its reason on every route of every service, on both databases.

Every case here is a class, applied to every operation of the three OpenAPI documents: what a
route is declared to take decides what is sent to it, so a route added later is covered too.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from gonghui.notify.bootstrap import MIGRATIONS as NOTIFY_MIGRATIONS
from gonghui.notify.bootstrap import create_app as notify_app
from gonghui.notify.settings import NotifySettings
from gonghui.proposals.bootstrap import MIGRATIONS as PROPOSALS_MIGRATIONS
from gonghui.proposals.bootstrap import create_app as proposals_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Role
from gonghui.shared.migrations import upgrade
from gonghui.stations.bootstrap import MIGRATIONS as STATIONS_MIGRATIONS
from gonghui.stations.bootstrap import create_app as stations_app
from gonghui.stations.settings import StationsSettings
from tests.support.auth import bearer

SERVICES = {
    "stations": (STATIONS_MIGRATIONS, stations_app, StationsSettings),
    "proposals": (PROPOSALS_MIGRATIONS, proposals_app, ProposalsSettings),
    "notify": (NOTIFY_MIGRATIONS, notify_app, NotifySettings),
}
WRITES = {"post", "put", "patch", "delete"}

TEXT_ANYWHERE = {
    "NUL": "x\x00y",
    "a control character": "x\x1by",
    "an unpaired surrogate": "x\ud800y",
    "absurd length": "x" * 30_000,
}
"""Strings no parameter or field takes, whatever it is declared as."""

PARAM_TEXT = {"NUL": "x\x00y", "a control character": "x\x07y", "absurd length": "x" * 5_000}
PARAM_BY_TYPE = {
    "integer": ["9223372036854775808", "-9223372036854775809", "1.5", "true", "0x10"],
    "number": ["nan", "inf", "-Infinity", "1e400", "false"],
    "boolean": ["0", "1", "yes"],
    "date": ["0", "1700000000", "2026-13-45x"],
    "date-time": ["0", "1700000000"],
}
RAW_BODY_VALUES = {
    "NaN": "NaN",
    "Infinity": "-Infinity",
    "a number over 64 bits": "1e400",
    "an integer over 64 bits": "9223372036854775808",
    "an integer under 64 bits": "-9223372036854775809",
    "deep nesting": "[" * 40 + "]" * 40,
}
"""JSON text (or what Python's parser lets pass as JSON) that no field takes."""
WRONG_TYPES = {
    "boolean": [0, 1, "true", None],
    "number": [False, True, "1.5", [1.5]],
    "integer": [True, 1.5, "1", 1.0],
    "string": [1, False, ["x"], {"x": 1}],
}
"""JSON values of another type than the field's: each is refused, none is coerced."""
WRONG_FORMATS = {"date-time": [0, "0", "1700000000"], "date": [0, "0", "20261128"]}


@pytest.fixture
async def apps(
    new_database: Callable[[], Awaitable[str]], redis_url: str, prefix: str
) -> AsyncIterator[dict[str, FastAPI]]:
    """The three apps, each on its own migrated database of the backend under test."""
    built = {}
    for name, (migrations, create_app, settings_class) in SERVICES.items():
        url = await new_database()
        await upgrade(migrations, url)
        built[name] = create_app(
            settings_class(database_url=url, redis_url=redis_url, stream_prefix=prefix)
        )
    yield built
    for app in built.values():
        await app.state.engine.dispose()


async def test_malformed_path_and_query_values_are_refused_with_the_reason(
    apps: dict[str, FastAPI],
) -> None:
    wrong = []
    for service, app in apps.items():
        async with _client(app) as http:
            for method, path, operation in _operations(app):
                for where, name, kind in _parameters(operation, app.openapi()):
                    cases = dict(PARAM_TEXT)
                    cases.update({f"{kind} {v!r}": v for v in PARAM_BY_TYPE.get(kind or "", [])})
                    for what, value in cases.items():
                        answer = await _send(http, method, path, operation, where, name, value)
                        if not _refused_at(answer, where, name):
                            wrong.append(
                                f"{service} {method.upper()} {path} {where} {name}={what}: "
                                f"{answer.status_code} {answer.text[:200]}"
                            )
    assert not wrong, "\n".join(wrong)


async def test_hostile_json_anywhere_in_a_body_is_refused_with_the_reason(
    apps: dict[str, FastAPI],
) -> None:
    wrong = []
    for service, app in apps.items():
        async with _client(app) as http:
            for method, path, operation in _operations(app):
                properties = _body_properties(app, operation)
                if properties is None:
                    continue
                name = next(iter(properties), "anything")
                bodies = {what: json.dumps({name: text}) for what, text in TEXT_ANYWHERE.items()}
                bodies.update(
                    {what: f'{{"{name}": {raw}}}' for what, raw in RAW_BODY_VALUES.items()}
                )
                for what, content in bodies.items():
                    answer = await http.request(
                        method,
                        _concrete(path, operation, document=app.openapi()),
                        content=content,
                        headers={"content-type": "application/json"},
                    )
                    if answer.status_code != 422 or not answer.json()["detail"]:
                        wrong.append(
                            f"{service} {method.upper()} {path} {name}: {what}: "
                            f"{answer.status_code} {answer.text[:200]}"
                        )
    assert not wrong, "\n".join(wrong)


async def test_a_value_of_the_wrong_type_is_refused_not_coerced(apps: dict[str, FastAPI]) -> None:
    wrong = []
    checked = 0
    for service, app in apps.items():
        async with _client(app) as http:
            for method, path, operation in _operations(app):
                for name, kinds, form in _typed_fields(app, operation):
                    values = [v for kind in kinds for v in WRONG_TYPES.get(kind, [])]
                    values += WRONG_FORMATS.get(form or "", [])
                    values = [v for v in values if not _allowed(v, kinds)]
                    for value in values:
                        checked += 1
                        answer = await http.request(
                            method,
                            _concrete(path, operation, document=app.openapi()),
                            json={name: value},
                        )
                        if not _refused_at(answer, "body", name):
                            wrong.append(
                                f"{service} {method.upper()} {path} body {name}={value!r}: "
                                f"{answer.status_code} {answer.text[:200]}"
                            )
    assert checked > 100, "the documents declare fewer typed fields than expected"
    assert not wrong, "\n".join(wrong)


async def test_a_count_over_what_its_column_holds_is_refused_on_both_databases(
    apps: dict[str, FastAPI],
) -> None:
    """Goods counts are 32-bit columns: 2^40 fits SQLite but not PostgreSQL; both refuse it."""
    donation = {"donor": "某超市", "kind": "goods", "goods": "矿泉水", "area_code": "350102"}
    async with _client(apps["stations"]) as http:
        answer = await http.post("/donations", json={**donation, "quantity": 2**40})
        assert _refused_at(answer, "body", "quantity"), answer.text
        answer = await http.post(
            "/stations/x-1/supplies/water", json={"change": 1, "low_threshold": 2**40}
        )
        assert _refused_at(answer, "body", "low_threshold"), answer.text


async def test_a_method_a_path_does_not_serve_lists_every_method_it_does(
    apps: dict[str, FastAPI],
) -> None:
    wrong = []
    for service, app in apps.items():
        async with _client(app) as http:
            for path, operations in app.openapi()["paths"].items():
                served = {m.upper() for m in operations}
                expected = served | ({"HEAD"} if "GET" in served else set())
                unserved = next(
                    m for m in ("PATCH", "PUT", "DELETE", "POST", "GET") if m not in served
                )
                answer = await http.request(unserved, re.sub(r"\{[^}]+\}", "1", path))
                allow = {m.strip() for m in answer.headers.get("allow", "").split(",") if m.strip()}
                if answer.status_code != 405 or allow != expected:
                    wrong.append(f"{service} {unserved} {path}: {answer.status_code} Allow {allow}")
    assert not wrong, "\n".join(wrong)


def test_every_route_documents_the_refusals_it_can_answer(apps: dict[str, FastAPI]) -> None:
    missing = []
    for service, app in apps.items():
        for method, path, operation in _operations(app):
            expected = {"422"}
            if operation.get("security"):
                expected |= {"401", "403", "404"}
            if method in WRITES:
                expected |= {"404", "409", "429"}
            absent = expected - set(operation["responses"])
            if absent:
                missing.append(f"{service} {method.upper()} {path}: {sorted(absent)}")
    assert not missing, "\n".join(missing)


def _client(app: FastAPI) -> httpx.AsyncClient:
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://service",
        headers=bearer(Role.UNION_ADMIN, sub="省总工会-管理员"),
    )
    http.document = app.openapi()  # type: ignore[attr-defined]
    return http


def _operations(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _parameters(
    operation: dict[str, Any], document: dict[str, Any]
) -> Iterator[tuple[str, str, str | None]]:
    for parameter in operation.get("parameters", []):
        if parameter["in"] in ("path", "query"):
            kinds, form = _types_of(parameter.get("schema", {}), document)
            kind = form if form in ("date", "date-time") else next(iter(kinds - {"null"}), None)
            yield parameter["in"], parameter["name"], kind


def _concrete(
    path: str, operation: dict[str, Any], *, document: dict[str, Any], **values: str
) -> str:
    """The path with each parameter filled: `values` where given, else a harmless one."""
    filled = path
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            name = parameter["name"]
            kinds, _ = _types_of(parameter.get("schema", {}), document)
            schema = _resolve(parameter.get("schema", {}), document)
            harmless = schema["enum"][0] if "enum" in schema else "x-1"
            value = values.get(name, "1" if "integer" in kinds else harmless)
            filled = filled.replace("{" + name + "}", quote(value, safe=""))
    return filled


async def _send(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    operation: dict[str, Any],
    where: str,
    name: str,
    value: str,
) -> httpx.Response:
    document = http.document  # type: ignore[attr-defined]
    if where == "path":
        concrete = _concrete(path, operation, document=document, **{name: value})
        return await http.request(method, concrete)
    concrete = _concrete(path, operation, document=document)
    return await http.request(method, concrete, params={name: value})


def _refused_at(answer: httpx.Response, where: str, name: str) -> bool:
    """A 422 whose reasons include one about this very parameter or field."""
    if answer.status_code != 422:
        return False
    detail = answer.json()["detail"]
    return any(
        list(item.get("loc", []))[:2] == [where, name] and item.get("msg") for item in detail
    )


def _body_properties(app: FastAPI, operation: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is None:
        return None
    schema = _resolve(body["schema"], app.openapi())
    return schema.get("properties", {})


def _typed_fields(
    app: FastAPI, operation: dict[str, Any]
) -> Iterator[tuple[str, set[str], str | None]]:
    document = app.openapi()
    for name, schema in (_body_properties(app, operation) or {}).items():
        kinds, form = _types_of(schema, document)
        if kinds - {"null", "object", "array"} or form:
            yield name, kinds, form


def _types_of(schema: dict[str, Any], document: dict[str, Any]) -> tuple[set[str], str | None]:
    """The JSON types a schema allows, and the string format it asks for, if any."""
    schema = _resolve(schema, document)
    if "enum" in schema or "const" in schema:
        return {"enum"}, None
    kinds = {schema["type"]} if isinstance(schema.get("type"), str) else set(schema.get("type", []))
    form = schema.get("format")
    for member in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        more, more_form = _types_of(member, document)
        kinds |= more
        form = form or more_form
    return kinds, form


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _allowed(value: Any, kinds: set[str]) -> bool:
    """Whether `value` is one of the JSON types the field declares (then it is no wrong type)."""
    if value is None:
        return "null" in kinds
    if isinstance(value, bool):
        return "boolean" in kinds
    if isinstance(value, int):
        return "integer" in kinds or "number" in kinds
    if isinstance(value, float):
        return "number" in kinds
    if isinstance(value, str):
        return "string" in kinds and value not in ("0", "1700000000", "20261128")
    if isinstance(value, list):
        return "array" in kinds
    return "object" in kinds
