"""What the AsyncAPI document must say that FastStream's generator does not."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

PARAMETERS = {
    "code": {
        "description": "A department's code, as the operator added it (`gonghui dept add`): "
        "3-32 lowercase letters, digits and dashes, e.g. `cib-bank`. Its Redis user may touch "
        "only the streams with its own code.",
        "examples": ["cib-bank", "post-fz", "city-management"],
    }
}
"""Every `{name}` a channel address may hold."""

CORRELATION = {
    "description": "The `correlationid` field of the entry (a CloudEvents extension attribute): "
    "it ties together everything one proposal or request caused.",
    "location": "$message.payload#/correlationid",
}
"""Where an entry's correlation id really is: an entry's fields are its payload, not headers."""
ORIGINAL_CORRELATION = {
    "description": "The refused entry's own `correlationid`, kept as `original.correlationid`.",
    "location": "$message.payload#/original.correlationid",
}


def complete(document: dict[str, Any]) -> str:
    """The document with channel parameters declared and correlation ids located, as JSON."""
    for channel in document.get("channels", {}).values():
        names = re.findall(r"\{([^}]+)\}", channel.get("address") or "")
        if names:
            channel["parameters"] = {name: PARAMETERS[name] for name in names}
    messages = list(document.get("components", {}).get("messages", {}).values())
    for channel in document.get("channels", {}).values():
        messages += [m for m in channel.get("messages", {}).values() if "$ref" not in m]
    schemas = document.get("components", {}).get("schemas", {})
    for message in messages:
        payload = message.get("payload", {})
        if _every_variant(payload, schemas, lambda s: "correlationid" in s.get("properties", {})):
            message["correlationId"] = CORRELATION
        elif _every_variant(
            payload, schemas, lambda s: "^original\\." in s.get("patternProperties", {})
        ):
            message["correlationId"] = ORIGINAL_CORRELATION
        else:
            message.pop("correlationId", None)
    return json.dumps(document, ensure_ascii=False)


def _every_variant(
    schema: dict[str, Any], schemas: dict[str, Any], holds: Callable[[dict[str, Any]], bool]
) -> bool:
    """Whether `holds` is true of the schema, or of each of its `oneOf`/`anyOf` variants."""
    while "$ref" in schema:
        schema = schemas.get(unquote(schema["$ref"]).rsplit("/", 1)[1], {})
    variants = schema.get("oneOf") or schema.get("anyOf")
    if variants:
        return all(_every_variant(v, schemas, holds) for v in variants)
    return holds(schema)
