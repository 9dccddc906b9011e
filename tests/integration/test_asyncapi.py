"""Each service's AsyncAPI document is valid AsyncAPI 3.0 and tells partners the truth.

The schema is the official AsyncAPI 3.0.0 JSON schema (`@asyncapi/specs` 6.11.1,
`schemas/3.0.0-without-$id.json`, Apache-2.0), kept in tests/support so the check runs offline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema_rs
import pytest

from gonghui.notify.bootstrap import create_app as notify_app
from gonghui.notify.settings import NotifySettings
from gonghui.proposals.bootstrap import create_app as proposals_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.stations.bootstrap import create_app as stations_app
from gonghui.stations.settings import StationsSettings

SCHEMA = Path(__file__).parent.parent / "support" / "asyncapi-3.0.0.schema.json"
APPS = {
    "stations": (stations_app, StationsSettings),
    "proposals": (proposals_app, ProposalsSettings),
    "notify": (notify_app, NotifySettings),
}


@pytest.fixture(params=sorted(APPS))
def document(request: pytest.FixtureRequest, tmp_path: Path, redis_url: str) -> dict[str, Any]:
    """One service's AsyncAPI document, as `GET /asyncapi` serves it."""
    create_app, settings = APPS[request.param]
    app = create_app(
        settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", redis_url=redis_url)
    )
    return json.loads(app.state.runtime.asyncapi())


def test_the_document_is_valid_asyncapi_3(document: dict[str, Any]) -> None:
    validator = jsonschema_rs.Draft7Validator(json.loads(SCHEMA.read_text()))
    errors = [f"{e.instance_path}: {e.message}"[:300] for e in validator.iter_errors(document)]
    assert not errors, "\n".join(errors[:20])


def test_every_placeholder_in_a_channel_address_is_a_declared_parameter(
    document: dict[str, Any],
) -> None:
    templated = 0
    for name, channel in document["channels"].items():
        placeholders = set(re.findall(r"\{([^}]+)\}", channel["address"]))
        templated += bool(placeholders)
        declared = set(channel.get("parameters", {}))
        assert declared == placeholders, f"{name}: declares {declared}, uses {placeholders}"
        for parameter in channel.get("parameters", {}).values():
            assert parameter["description"] and parameter["examples"]
    assert templated, "no department channel at all"


def test_the_correlation_id_is_located_where_an_entry_carries_it(
    document: dict[str, Any],
) -> None:
    for name, message in document["components"]["messages"].items():
        location = message["correlationId"]["location"]
        assert location.startswith("$message.payload#/"), f"{name}: {location}"
        field = location.split("#/", 1)[1]
        for variant in _variants(message["payload"], document):
            fields = set(variant.get("properties", {}))
            patterns = variant.get("patternProperties", {})
            assert field in fields or any(re.match(p, field) for p in patterns), (
                f"{name}: {field} is not a field of {variant.get('title')}"
            )


def test_feeds_dead_letters_and_rejection_notices_are_documented(
    document: dict[str, Any],
) -> None:
    addresses = {channel["address"] for channel in document["channels"].values()}
    title = document["info"]["title"]
    assert "dept.{code}.feed" in addresses, title
    read = {
        channel["address"]
        for name, channel in document["channels"].items()
        if _action(document, name) == "receive"
    }
    assert read and {f"{stream}.dlq" for stream in read} <= addresses, title
    if "dept.{code}.outbox" in read:
        inbox_types = {
            variant["properties"]["type"].get("const")
            for name, channel in document["channels"].items()
            if channel["address"] == "dept.{code}.inbox"
            for message in channel["messages"].values()
            for variant in _variants(_message(document, message)["payload"], document)
        }
        assert "entry.rejected.v1" in inbox_types, title


def _action(document: dict[str, Any], channel: str) -> str | None:
    for operation in document["operations"].values():
        if unquote(operation["channel"]["$ref"]).rsplit("/", 1)[1] == channel:
            return operation["action"]
    return None


def _message(document: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in message:
        message = document["components"]["messages"][unquote(message["$ref"]).rsplit("/", 1)[1]]
    return message


def _variants(schema: dict[str, Any], document: dict[str, Any]) -> list[dict[str, Any]]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][unquote(schema["$ref"]).rsplit("/", 1)[1]]
    members = schema.get("oneOf") or schema.get("anyOf")
    if members:
        return [v for member in members for v in _variants(member, document)]
    return [schema]
