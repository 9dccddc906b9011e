"""CloudEvents as the bus carries them: building, signing and reading the fields of one entry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from gonghui_partner.contracts import COMMANDS, TYPES


class NotACommand(ValueError):
    """A payload whose type a department may not send."""


def type_of(payload: BaseModel) -> str:
    """The CloudEvents `type` of a contract model, e.g. `station.register.v1`."""
    for name, model in TYPES.items():
        if type(payload) is model:
            return name
    raise NotACommand(f"{type(payload).__name__} is not a contract of the bus")


def command_fields(
    payload: BaseModel,
    *,
    code: str,
    subject: str | None = None,
    event_id: str | None = None,
    correlation_id: str | None = None,
) -> dict[str, str]:
    """The fields of one outbox entry for a typed command, as any Redis client would XADD them."""
    type_name = type_of(payload)
    if type_name not in COMMANDS:
        raise NotACommand(f"{type_name} is an event; a department sends only commands")
    fields = {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": f"dept/{code}",
        "type": type_name,
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": payload.model_dump_json(exclude_none=True),
    }
    if subject:
        fields["subject"] = subject
    if correlation_id:
        fields["correlationid"] = correlation_id
    return fields


def sign(fields: dict[str, str], secret: str, *, now: float | None = None) -> dict[str, str]:
    """Standard Webhooks: `v1,` + base64 HMAC-SHA256 over `{id}.{sigtimestamp}.{data}`."""
    timestamp = str(int(now if now is not None else time.time()))
    content = f"{fields['id']}.{timestamp}.{fields['data']}".encode()
    mac = hmac.new(base64.b64decode(secret), content, hashlib.sha256).digest()
    signature = "v1," + base64.b64encode(mac).decode()
    return {**fields, "sigtimestamp": timestamp, "signature": signature}


@dataclass(frozen=True)
class Item:
    """One entry of the inbox or feed: acknowledge it by `entry_id` (the library does)."""

    stream: str
    entry_id: str
    fields: dict[str, str]

    @property
    def type(self) -> str:
        """Its CloudEvents `type`, e.g. `proposal.assigned.v1`."""
        return self.fields.get("type", "")

    @property
    def id(self) -> str:
        """Its CloudEvents `id`: the same when an item is delivered twice."""
        return self.fields.get("id", "")

    @property
    def subject(self) -> str | None:
        """The entity it is about, if given."""
        return self.fields.get("subject")

    @property
    def data(self) -> dict[str, Any]:
        """The payload as JSON."""
        return json.loads(self.fields.get("data") or "{}")

    @property
    def payload(self) -> BaseModel | None:
        """The payload as its contract model, when the type is known to this library."""
        model = TYPES.get(self.type)
        return model.model_validate(self.data) if model is not None else None


def item_from_event(stream: str, entry_id: str, event: dict[str, Any]) -> Item:
    """An item from a structured-mode CloudEvent, as the HTTPS door hands it out."""
    fields = {
        name: value if isinstance(value, str) else json.dumps(value)
        for name, value in event.items()
        if name != "data"
    }
    data = event.get("data")
    fields["data"] = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return Item(stream=stream, entry_id=entry_id, fields=fields)
