"""The CloudEvents HTTP binding, read into the fields of stream entries (DESIGN §2, §9).

Binary mode (`ce-*` headers, the body is `data`), structured mode
(`application/cloudevents+json`) and batches (`application/cloudevents-batch+json`) all become
exactly the text fields a partner would XADD itself; judging them is the consumers' business.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
MAX_BATCH = 500
"""Events in one batch request."""


class NotACloudEvent(Exception):
    """The request is not a CloudEvent in the HTTP binding; the message says why (zh / en)."""


def media_type(content_type: str | None) -> str:
    """`application/json` of `application/json; charset=utf-8`."""
    return (content_type or "").split(";")[0].strip().lower()


def events_from_request(
    headers: Mapping[str, str], body: bytes
) -> tuple[list[dict[str, str]], bool]:
    """The stream entry fields of each event the request carries, and whether it was a batch."""
    kind = media_type(headers.get("content-type"))
    if kind == BATCH:
        batch = _json(body)
        if not isinstance(batch, list) or not batch:
            raise NotACloudEvent(
                "批量请求须为非空 JSON 数组 / a batch must be a non-empty JSON array"
            )
        if len(batch) > MAX_BATCH:
            raise NotACloudEvent(
                f"批量最多 {MAX_BATCH} 个事件 / a batch holds at most {MAX_BATCH} events"
            )
        return [_structured(event, at=f"[{n}]") for n, event in enumerate(batch)], True
    if kind == STRUCTURED:
        return [_structured(_json(body), at="")], False
    if "ce-specversion" in headers or "ce-id" in headers:
        return [_binary(headers, body, kind)], False
    raise NotACloudEvent(
        "不是 CloudEvents HTTP 请求 / not a CloudEvent: send ce-* headers (binary mode), "
        f"Content-Type {STRUCTURED} or {BATCH}"
    )


def _binary(headers: Mapping[str, str], body: bytes, kind: str) -> dict[str, str]:
    """Binary mode: every `ce-<name>` header is an attribute, the body is `data`."""
    fields = {
        name[3:]: unquote(value)  # the binding percent-encodes header values
        for name, value in headers.items()
        if name.lower().startswith("ce-")
    }
    if kind:
        fields["datacontenttype"] = headers["content-type"]
    try:
        fields["data"] = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotACloudEvent("请求体不是 UTF-8 文本 / the body is not UTF-8 text") from exc
    return {name.lower(): value for name, value in fields.items()}


def _structured(event: Any, *, at: str) -> dict[str, str]:
    """Structured mode: the attributes are members of one JSON object, `data` a JSON value."""
    where = f"event {at}: " if at else ""
    if not isinstance(event, dict):
        raise NotACloudEvent(f"{where}事件须为 JSON 对象 / {where}an event must be a JSON object")
    if "data_base64" in event:
        raise NotACloudEvent(
            f"{where}只接受 JSON 数据 / {where}data_base64 is not accepted: data must be JSON"
        )
    fields: dict[str, str] = {}
    for name, value in event.items():
        if name == "data":
            # The text a signature covers in structured mode: compact JSON, UTF-8 unescaped.
            fields["data"] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif isinstance(value, str):
            fields[name] = value
        elif isinstance(value, bool) or value is None:
            raise NotACloudEvent(
                f"{where}属性 {name} 须为字符串 / {where}attribute {name!r} must be a string"
            )
        elif isinstance(value, int | float):
            fields[name] = json.dumps(value)
        else:
            raise NotACloudEvent(
                f"{where}属性 {name} 须为字符串 / {where}attribute {name!r} must be a string"
            )
    return fields


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotACloudEvent(f"请求体不是 JSON / the body is not JSON: {exc}") from exc
