"""The CloudEvent envelope read from and written to stream entry fields."""

from __future__ import annotations

import json

import pytest

from gonghui.shared.envelope import CloudEvent, InvalidEntry

FIELDS = {
    b"specversion": b"1.0",
    b"id": b"01JD3V6Q2X",
    b"source": b"dept/cib-bank",
    b"type": b"station.register.v1",
    b"time": b"2026-11-29T08:00:00Z",
    b"subject": b"CIB-FZ-0001",
    b"data": json.dumps({"name": "驿站"}, ensure_ascii=False).encode(),
}


def test_whole_entry_becomes_the_envelope() -> None:
    event = CloudEvent.from_fields(FIELDS)
    assert (event.id, event.source, event.type, event.subject) == (
        "01JD3V6Q2X",
        "dept/cib-bank",
        "station.register.v1",
        "CIB-FZ-0001",
    )
    assert event.data == {"name": "驿站"}
    assert event.time is not None and event.time.utcoffset().total_seconds() == 0


def test_fields_round_trip() -> None:
    event = CloudEvent.from_fields(FIELDS)
    assert CloudEvent.from_fields(event.to_fields()) == event


def test_unknown_extension_fields_are_ignored() -> None:
    assert CloudEvent.from_fields({**FIELDS, b"partnerhint": b"x"}).id == "01JD3V6Q2X"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({b"data": b"{nope"}, "data is not JSON"),
        ({b"data": b"[1, 2]"}, "data must be a JSON object"),
        ({b"specversion": b"0.3"}, "specversion must be 1.0"),
        ({b"type": b"RegisterStation"}, "type"),
        ({b"datacontenttype": b"text/xml"}, "datacontenttype must be application/json"),
        ({b"time": b"yesterday"}, "time"),
        ({b"data": b"\xff\xfe"}, "not UTF-8"),
    ],
)
def test_malformed_entries_say_why(change: dict[bytes, bytes], reason: str) -> None:
    with pytest.raises(InvalidEntry, match=reason):
        CloudEvent.from_fields({**FIELDS, **change})


@pytest.mark.parametrize("missing", [b"specversion", b"id", b"source", b"type", b"data"])
def test_required_attributes_are_named_when_missing(missing: bytes) -> None:
    fields = {k: v for k, v in FIELDS.items() if k != missing}
    with pytest.raises(InvalidEntry, match=f"missing CloudEvents attribute.*{missing.decode()}"):
        CloudEvent.from_fields(fields)


@pytest.mark.parametrize(
    "change",
    [
        {},
        {b"time": b"2026-11-29T16:00:00+08:00"},
        {b"time": b"2026-11-29 08:00:00.123456Z"},
        {b"datacontenttype": b"application/json"},
        {b"datacontenttype": b"application/json; charset=utf-8"},
        {b"dataschema": b"https://example.org/s.json", b"correlationid": b"c1"},
        {b"data": b'{"name": "\\ud800"}'},
    ],
)
def test_an_envelope_read_quickly_is_the_one_the_model_validates(
    change: dict[bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = {k.decode(): v.decode() for k, v in {**FIELDS, **change}.items()}
    validated = CloudEvent.model_validate({**fields, "data": json.loads(fields["data"])})
    if b"charset" not in change.get(b"datacontenttype", b""):
        # A plainly valid entry never reaches the model: that is the point of the quick path.
        monkeypatch.setattr(CloudEvent, "model_validate", None)
    event = CloudEvent.from_fields(fields)
    assert event == validated
    assert event.model_fields_set == validated.model_fields_set
    assert event.to_fields() == validated.to_fields()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({b"time": b"2026-11-29T08:00:00"}, "time: Input should have timezone info"),
        ({b"time": b"2026-11-29T25:00:00Z"}, "time: Value error, must be RFC 3339"),
        ({b"id": b"x" * 201}, "id: String should have at most 200 characters"),
    ],
)
def test_what_is_not_plainly_valid_is_refused_with_the_models_reason(
    change: dict[bytes, bytes], reason: str
) -> None:
    with pytest.raises(InvalidEntry, match=f"^invalid envelope: {reason}"):
        CloudEvent.from_fields({**FIELDS, **change})
