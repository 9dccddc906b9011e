"""CloudEvents 1.0 carried as the fields of one Redis stream entry (DESIGN §2)."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import from_json

from gonghui.shared import jsontext
from gonghui.shared.contracts.common import ISO_MOMENT, Instant

SPEC_VERSION = "1.0"
_TYPE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[0-9]+$"
_TYPE = re.compile(_TYPE_PATTERN)
_ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]{1,20}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REQUIRED = ("specversion", "id", "source", "type", "data")
_OPTIONAL = ("time", "subject", "datacontenttype", "dataschema")
"""Attributes the specification lets be absent, but not empty."""
MAX_DATA_DEPTH = 32
"""JSON nested deeper than this is refused before anything recurses through it."""
_ATTRIBUTES = (
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "datacontenttype",
    "dataschema",
    "traceparent",
    "correlationid",
)
_NAMES = frozenset(_ATTRIBUTES)
_ATTRIBUTE_NAMES = _NAMES | {"data"}
"""Names known to follow the naming rule, so only other names are matched against it."""
_NAME_OF = {name.encode(): name for name in _ATTRIBUTE_NAMES}
_UNUSUAL_BYTES = bytes([*range(0x20), 0x7F, 0xC2])
"""Bytes of control characters in UTF-8, and C2, which starts U+0080-U+009F (and Latin-1's)."""


_NUL = re.compile("\x00")
_SURROGATE = re.compile("[\ud800-\udfff]")
"""Once JSON is parsed, a pair of escapes is one character: a surrogate left is unpaired."""
_MAY_BE_UNPAIRED = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")
"""A surrogate's escape, or a surrogate itself (text handed over as str, not as Redis bytes)."""


class InvalidEntry(Exception):
    """A stream entry that can never be applied; the message is the reason kept in the DLQ."""


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TWO_CHARACTERS = [_CROCKFORD[bits >> 5] + _CROCKFORD[bits & 31] for bits in range(1024)]
"""The two ULID characters of each 10 bits: a ULID's 130 bits are 13 lookups."""
_last_id = 0
_last_id_lock = threading.Lock()


def new_event_id() -> str:
    """A fresh, time-ordered event id (ULID), greater than the one before in this process.

    48 bits of milliseconds, then 80 random bits, or the last id's plus one within the same
    millisecond (python-ulid's monotonic rule). Every event, notification and delivery takes
    one, and python-ulid's encoding cost three times this.
    """
    global _last_id
    millis = time.time_ns() // 1_000_000
    with _last_id_lock:
        if millis == _last_id >> 80:
            _last_id += 1
        else:
            _last_id = millis << 80 | int.from_bytes(os.urandom(10), "big")
        value = _last_id
    return "".join([_TWO_CHARACTERS[value >> shift & 1023] for shift in range(120, -1, -10)])


class CloudEvent(BaseModel):
    """One CloudEvent: the attributes are stream entry fields, `data` is a JSON object."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: str = Field(SPEC_VERSION, description="CloudEvents version; always `1.0`.")
    id: str = Field(
        min_length=1, max_length=200, description="Unique per `source`; the idempotency key."
    )
    source: str = Field(
        min_length=1,
        max_length=200,
        description="Who wrote it: `gonghui/<service>` or `dept/<code>`; must match the stream.",
    )
    type: str = Field(
        pattern=_TYPE_PATTERN,
        description="`<entity>.<verb>.v<N>`: imperative for commands, past tense for events.",
    )
    data: dict[str, Any] = Field(description="The payload, a JSON object (the `data` field).")
    time: Instant | None = Field(None, description="When it happened, RFC 3339 with a zone.")
    subject: str | None = Field(None, description="The entity: a station code, a proposal id.")
    datacontenttype: str | None = Field(
        "application/json", description="Always `application/json` when given."
    )
    dataschema: str | None = Field(None, description="URI of the payload's schema, if any.")
    traceparent: str | None = Field(None, description="W3C trace context.")
    correlationid: str | None = Field(
        None, description="Ties together everything one proposal or request caused."
    )

    @field_validator("specversion")
    @classmethod
    def _is_one_dot_zero(cls, value: str) -> str:
        if value != SPEC_VERSION:
            raise ValueError(f"specversion must be {SPEC_VERSION}")
        return value

    @field_validator("datacontenttype")
    @classmethod
    def _is_json(cls, value: str | None) -> str | None:
        if value is not None and value.split(";")[0].strip() != "application/json":
            raise ValueError("datacontenttype must be application/json")
        return value

    @classmethod
    def create(
        cls,
        *,
        source: str,
        type: str,
        data: BaseModel | Mapping[str, Any],
        subject: str | None = None,
        correlationid: str | None = None,
        time: datetime | None = None,
        id: str | None = None,
    ) -> CloudEvent:
        """A new event with a fresh id and the current time unless given."""
        payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else dict(data)
        return cls(
            id=id or new_event_id(),
            source=source,
            type=type,
            data=payload,
            subject=subject,
            correlationid=correlationid,
            time=time or datetime.now(UTC),
        )

    @classmethod
    def from_fields(cls, fields: Mapping[bytes | str, bytes | str]) -> CloudEvent:
        """Build and validate the envelope from a raw stream entry; raise InvalidEntry."""
        if (plain := cls._read_plain_entry(fields)) is not None:
            return plain
        try:
            try:
                text = {k.decode(): v.decode() for k, v in fields.items()}  # as Redis gives them
            except AttributeError:
                text = {
                    (k if isinstance(k, str) else k.decode()): (
                        v if isinstance(v, str) else v.decode()
                    )
                    for k, v in fields.items()
                }
        except UnicodeDecodeError as exc:
            raise InvalidEntry("entry is not UTF-8 text") from exc
        if not all(map(text.get, _REQUIRED)):
            missing = [name for name in _REQUIRED if not text.get(name)]
            raise InvalidEntry(f"missing CloudEvents attribute(s): {', '.join(missing)}")
        raw_data = text.pop("data")
        if not _ATTRIBUTE_NAMES.issuperset(text):
            misnamed = sorted(name for name in text if not _ATTRIBUTE_NAME.match(name))
            if misnamed:
                raise InvalidEntry(
                    f"attribute name(s) {', '.join(map(repr, misnamed))} break the CloudEvents "
                    "naming rule (1-20 lowercase letters or digits)"
                )
        # One scan of every attribute but `data`; the slow, itemised one only to say which.
        if _CONTROL.search("".join(text.values())):
            controlled = sorted(n for n, v in text.items() if _CONTROL.search(v))
            raise InvalidEntry(
                f"attribute(s) {', '.join(controlled)} contain control characters, "
                "which CloudEvents strings may not"
            )
        empty = [n for n in _OPTIONAL if n in text and not text[n]]
        if empty:
            raise InvalidEntry(
                f"attribute(s) {', '.join(sorted(empty))} are empty: a CloudEvents attribute "
                "that is present must have a value"
            )
        data = _json_object(raw_data)
        attributes = {name: value for name, value in text.items() if value and name in _NAMES}
        attributes["data"] = data
        if (plain := cls._plainly_valid(attributes)) is not None:
            return plain
        try:
            return cls.model_validate(attributes)
        except ValidationError as exc:
            raise InvalidEntry(f"invalid envelope: {describe(exc)}") from exc

    @classmethod
    def _read_plain_entry(cls, fields: Mapping[bytes | str, bytes | str]) -> CloudEvent | None:
        """The envelope of an entry as Redis gives it (bytes), if it is plainly valid; else None.

        Every consumer reads every entry, so the usual one is read straight from its bytes:
        known attributes, none empty, no control characters, `data` a shallow JSON object.
        Anything else (text fields, an extension, an empty attribute, a NUL, a C2 byte) takes
        the careful path, which accepts or refuses it with the reason.
        """
        try:
            raw = cast(dict[str, bytes], {_NAME_OF[name]: v for name, v in fields.items()})
            data = raw.pop("data", b"")
            joined = b"".join(raw.values())
            brackets = data.count(b"[") + data.count(b"{")
        except (KeyError, TypeError):  # text names or values, or an extension attribute
            return None
        if (
            not data
            or raw.get("specversion") != b"1.0"
            or not ("id" in raw and "source" in raw and "type" in raw)
            or not all(raw.values())
            or len(joined.translate(None, _UNUSUAL_BYTES)) != len(joined)
            or brackets > MAX_DATA_DEPTH
            or b"\\u0000" in data
        ):
            return None
        try:
            attributes: dict[str, Any] = {name: value.decode() for name, value in raw.items()}
            payload = from_json(data)
        except ValueError:  # not UTF-8, not JSON, or a lone surrogate: the careful path says
            return None
        if not isinstance(payload, dict):
            return None
        attributes["data"] = payload
        return cls._plainly_valid(attributes)

    @classmethod
    def _plainly_valid(cls, attributes: dict[str, Any]) -> CloudEvent | None:
        """The envelope, built without pydantic, if its attributes are plainly valid; else None.

        The same checks as the model's, in plain Python: every consumer runs this for every
        entry, and validating the model cost more than the rest of reading an entry. Whatever
        is not plainly valid goes through the model, so a refusal keeps the model's reason.
        """
        if (
            attributes["specversion"] != SPEC_VERSION
            or len(attributes["id"]) > 200
            or len(attributes["source"]) > 200
            or not _TYPE.match(attributes["type"])
            or attributes.get("datacontenttype", "application/json") != "application/json"
        ):
            return None
        if (moment := attributes.get("time")) is not None:
            if not ISO_MOMENT.match(moment):
                return None
            try:
                instant = datetime.fromisoformat(moment)
            except ValueError:
                return None
            if instant.tzinfo is None:
                return None
            attributes["time"] = instant
        return cls.assemble(attributes)

    @classmethod
    def assemble(cls, attributes: dict[str, Any]) -> CloudEvent:
        """The envelope of attributes known to be valid, without the model's checks.

        What `model_construct` does, at a fifth of its cost: every event a service emits and
        every entry a consumer reads is built here.
        """
        event = cls.__new__(cls)
        # What `model_validate` leaves on an instance.
        object.__setattr__(event, "__dict__", _DEFAULTS | attributes)
        object.__setattr__(event, "__pydantic_fields_set__", set(attributes))
        object.__setattr__(event, "__pydantic_extra__", None)
        object.__setattr__(event, "__pydantic_private__", None)
        return event

    def to_fields(self) -> dict[str, str]:
        """The stream entry fields, as any Redis client would XADD them."""
        fields = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
        }
        for name in (
            "time",
            "subject",
            "datacontenttype",
            "dataschema",
            "traceparent",
            "correlationid",
        ):
            value = getattr(self, name)
            if value is not None:
                fields[name] = value.isoformat() if isinstance(value, datetime) else value
        fields["data"] = jsontext.dumps(self.data)
        return fields


_DEFAULTS: dict[str, Any] = {
    name: None if field.is_required() else field.default
    for name, field in CloudEvent.model_fields.items()
}
"""Every field in the model's order, with its default: what a plainly valid envelope starts from."""


def content_digest(fields: Mapping[bytes, bytes]) -> str:
    """SHA-256 of what an entry says (type, subject, data): one (source, id) says one thing."""
    said = (fields.get(b"type", b""), fields.get(b"subject", b""), fields.get(b"data", b""), b"")
    return hashlib.sha256(b"\x00".join(said)).hexdigest()  # each followed by a NUL, in one call


def _json_object(raw: str) -> dict[str, Any]:
    """The `data` text as a JSON object, refused if malformed, too deep, or holding NUL or an
    unpaired surrogate."""
    # str.count is cheap; the careful scan runs only for payloads that could be too deep.
    if raw.count("[") + raw.count("{") > MAX_DATA_DEPTH and _nesting_depth(raw) > MAX_DATA_DEPTH:
        raise InvalidEntry(f"data is nested deeper than {MAX_DATA_DEPTH} levels")
    try:
        data = jsontext.loads(raw)
    except ValueError as exc:  # json's message: the reason dead letters have always carried
        raise InvalidEntry(f"data is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidEntry("data must be a JSON object")
    if "\\u0000" in raw and _holds(data, _NUL):
        raise InvalidEntry("data contains a NUL character (\\u0000), which text columns refuse")
    if _MAY_BE_UNPAIRED.search(raw) and _holds(data, _SURROGATE):
        raise InvalidEntry(
            "data contains an unpaired surrogate (\\ud800-\\udfff without its pair), which is "
            "not Unicode text: it cannot be stored or sent on"
        )
    return data


def _holds(value: Any, pattern: re.Pattern[str]) -> bool:
    """Whether any key or string inside a parsed JSON value matches `pattern`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if pattern.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _nesting_depth(raw: str) -> int:
    """The deepest bracket nesting of JSON text, strings skipped; no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def describe(error: ValidationError) -> str:
    """A short, readable summary of a pydantic validation error for a DLQ reason."""
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "value"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
