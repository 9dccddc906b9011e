"""The CloudEvent envelope read from and written to stream entry fields."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from ulid import ULID

from gonghui.shared.envelope import CloudEvent, InvalidEntry, content_digest, new_event_id

FIELDS = {
    b"specversion": b"1.0",
    b"id": b"01JD3V6Q2X",
    b"source": b"dept/cib-bank",
    b"type": b"station.register.v1",
    b"time": b"2026-11-29T08:00:00Z",
    b"subject": b"CIB-FZ-0001",
    b"data": json.dumps({"name": "驿站"}, ensure_ascii=False).encode(),
}


PLAINLY_VALID_CHANGES = [
    {},
    {b"time": b"2026-11-29T16:00:00+08:00"},
    {b"time": b"2026-11-29 08:00:00.123456Z"},
    {b"datacontenttype": b"application/json"},
    {b"datacontenttype": b"application/json; charset=utf-8"},
    {b"dataschema": b"https://example.org/s.json", b"correlationid": b"c1"},
]
"""Entries the model accepts, each read once as text and once as Redis gives it."""


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
        ({b"data": b'{"name": "\\ud800"}'}, "unpaired surrogate"),
        ({b"data": b'{"\\uDFFF": 1}'}, "unpaired surrogate"),
        ({b"data": b'{"names": ["ok", "\\ude00\\ud83d"]}'}, "unpaired surrogate"),
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


@pytest.mark.parametrize("change", PLAINLY_VALID_CHANGES)
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


@pytest.mark.parametrize("change", PLAINLY_VALID_CHANGES)
def test_an_entry_as_redis_gives_it_is_read_quickly_into_the_envelope_the_model_validates(
    change: dict[bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = {**FIELDS, **change}
    text = {k.decode(): v.decode() for k, v in fields.items()}
    validated = CloudEvent.model_validate({**text, "data": json.loads(text["data"])})
    quick = CloudEvent._read_plain_entry(fields)
    if b"charset" in change.get(b"datacontenttype", b""):
        assert quick is None  # left to the careful path
        return
    assert quick == validated
    assert quick.model_fields_set == validated.model_fields_set
    monkeypatch.setattr(CloudEvent, "model_validate", None)
    assert CloudEvent.from_fields(fields) == validated


@pytest.mark.parametrize(
    ("subject", "accepted"),
    [("25°C 有热水", True), ("x\u0085y", False), ("x\u009fy", False), ("x\x7fy", False)],
)
def test_bytes_that_may_start_a_control_character_are_judged_by_the_careful_path(
    subject: str, accepted: bool
) -> None:
    fields = {**FIELDS, b"subject": subject.encode()}
    assert CloudEvent._read_plain_entry(fields) is None
    if accepted:
        assert CloudEvent.from_fields(fields).subject == subject
    else:
        with pytest.raises(InvalidEntry, match="subject contain control characters"):
            CloudEvent.from_fields(fields)


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


def test_event_ids_are_ulids_in_the_order_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    ids = [new_event_id() for _ in range(20_000)]
    after = time.time_ns() // 1_000_000
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for made in ids[::997]:
        assert str(ULID.from_str(made)) == made
        assert before <= ULID.from_str(made).milliseconds <= after


def test_threads_never_get_the_same_event_id() -> None:
    with ThreadPoolExecutor(4) as pool:
        made = [
            i
            for ids in pool.map(lambda _: [new_event_id() for _ in range(5_000)], range(4))
            for i in ids
        ]
    assert len(set(made)) == len(made)


@pytest.mark.parametrize(
    ("fields", "digest"),
    [
        (
            {
                b"type": b"station.registered.v1",
                b"subject": b"GH-000001",
                b"data": '{"name":"爱心驿站"}'.encode(),
            },
            "e2181419fdcc9ce964b6d61c135cd18dd1df0da95c79d9485406690f3f741952",
        ),
        (
            {b"type": b"station.registered.v1", b"data": b"{}"},
            "6b729cd7b6a9e3fe4bf310505d671face12b767cd543e678d4082e990a002371",
        ),
    ],
)
def test_the_content_digest_is_the_one_the_dedupe_rows_already_hold(
    fields: dict[bytes, bytes], digest: str
) -> None:
    """SHA-256 of type, subject and data, each followed by NUL: rows on record keep comparing."""
    assert content_digest(fields) == digest


def test_only_an_unpaired_surrogate_is_refused() -> None:
    """A pair of escapes is one character; a surrogate handed over in text is refused as well."""
    paired = CloudEvent.from_fields({**FIELDS, b"data": b'{"name": "\\ud83d\\ude00"}'})
    assert paired.data == {"name": "\U0001f600"}
    text = {k.decode(): v.decode() for k, v in FIELDS.items()}
    with pytest.raises(InvalidEntry, match="unpaired surrogate"):
        CloudEvent.from_fields({**text, "data": '{"name": "x\ud800"}'})
    assert CloudEvent.from_fields({**text, "data": '{"name": "\\\\ud800"}'}).data == {
        "name": "\\ud800"
    }
