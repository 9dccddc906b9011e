"""Our reading of a stream entry agrees with the CloudEvents reference SDK.

The `cloudevents` SDK (the CNCF's Python implementation) is the oracle: over a generated class
of entries, what it refuses as an invalid CloudEvent we refuse; what it accepts we accept,
unless the entry breaks one of our documented stricter rules (docs/architecture.md, "CloudEvents:
where we are stricter"), and then our reason names that rule. Entries are given to the SDK in
the structured JSON format, `data` as the JSON value the entry's `data` text holds.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as ReferenceEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.shared.contracts.common import ISO_MOMENT
from gonghui.shared.envelope import MAX_DATA_DEPTH, CloudEvent, InvalidEntry

_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[0-9]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_KNOWN = {
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
    "data",
}


def _maybe(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), values)


short_text = st.text(max_size=8)
entries = st.builds(
    lambda required, optional, extensions: {
        name: value
        for name, value in {**extensions, **required, **optional}.items()
        if value is not None
    },
    required=st.fixed_dictionaries(
        {
            "specversion": _maybe(st.sampled_from(["1.0", "1.0", "1.0", "", "0.3", "1.1"])),
            "id": _maybe(
                st.one_of(
                    st.from_regex(r"[A-Za-z0-9-]{1,30}", fullmatch=True),
                    short_text,
                    st.just("x" * 201),
                )
            ),
            "source": _maybe(st.one_of(st.sampled_from(["dept/cib-bank", "x" * 201]), short_text)),
            "type": _maybe(
                st.one_of(
                    st.sampled_from(
                        ["station.register.v1", "a.b.v2", "Station.Register.v1", "station.register"]
                    ),
                    short_text,
                )
            ),
            "data": _maybe(
                st.sampled_from(
                    [
                        '{"name": "驿站"}',
                        "{}",
                        "[]",
                        '"x"',
                        "1",
                        "null",
                        "{",
                        "",
                        '{"a": "\\u0000"}',
                        "[" * (MAX_DATA_DEPTH + 2) + "]" * (MAX_DATA_DEPTH + 2),
                    ]
                )
            ),
        }
    ),
    optional=st.fixed_dictionaries(
        {},
        optional={
            "time": st.one_of(
                st.sampled_from(
                    [
                        "2026-11-28T08:00:00Z",
                        "2026-11-28T08:00:00+08:00",
                        "2026-11-28T08:00:00.123456Z",
                        "2026-11-28",
                        "2026-11-28T08:00:00",
                        "20261128T080000Z",
                        "0",
                        "",
                        "2026-13-28T08:00:00Z",
                    ]
                ),
                short_text,
            ),
            "subject": st.one_of(st.sampled_from(["CIB-FZ-0001", ""]), short_text),
            "dataschema": st.sampled_from(["https://example.org/station.json", ""]),
            "datacontenttype": st.sampled_from(
                ["application/json", "application/json; charset=utf-8", "text/plain", ""]
            ),
            "correlationid": short_text,
            "traceparent": short_text,
        },
    ),
    extensions=st.dictionaries(
        st.one_of(
            st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True),
            st.from_regex(r"[a-z0-9]{21,24}", fullmatch=True),
            st.sampled_from(["Bad_Attr", "bad-attr", "BAD", "x y", ""]),
        ).filter(lambda name: name not in _KNOWN),
        short_text,
        max_size=2,
    ),
)


@settings(max_examples=600, derandomize=True, database=None, deadline=None)
@given(entry=entries)
def test_what_the_reference_refuses_we_refuse_and_what_it_accepts_we_accept(
    entry: dict[str, str],
) -> None:
    reference_accepts = _reference_accepts(entry)
    try:
        CloudEvent.from_fields(entry)
    except InvalidEntry as refused:
        if reference_accepts:
            rules = _stricter_rules_broken(entry)
            assert rules, f"refused a valid CloudEvent without a rule of ours: {refused}"
            assert any(rule in str(refused) for rule in rules), (
                f"the reason {str(refused)!r} names none of {rules}"
            )
    else:
        assert reference_accepts, f"accepted what the reference SDK refuses: {entry!r}"


def _not_unicode_text(value: Any) -> bool:
    """Whether a parsed JSON value holds what UTF-8 cannot encode: an unpaired surrogate."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def _reference_accepts(entry: dict[str, str]) -> bool:
    document: dict[str, Any] = {k: v for k, v in entry.items() if k != "data"}
    if "data" in entry:
        try:
            document["data"] = json.loads(entry["data"])
        except ValueError:
            document["data"] = entry["data"]
    try:
        JSONFormat().read(ReferenceEvent, json.dumps(document))
    except Exception:  # the SDK's validation error, or its time parser's ValueError
        return False
    return True


def _stricter_rules_broken(entry: dict[str, str]) -> list[str]:
    """The markers of our documented stricter rules this entry breaks (see the module doc)."""
    rules = []
    if any(name not in entry for name in ("specversion", "id", "data")) or not entry.get("data"):
        rules.append("missing")  # the SDK's constructor fills in specversion and id
    if "type" in entry and not _TYPE.match(entry["type"]):
        rules.append("type")
    if len(entry.get("id", "")) > 200 or len(entry.get("source", "")) > 200:
        rules.append("at most 200")
    if any(len(name) > 20 for name in entry):
        rules.append("naming rule")
    if any(_CONTROL.search(v) for name, v in entry.items() if name != "data"):
        rules.append("control characters")
    content_type = entry.get("datacontenttype")
    if content_type and content_type.split(";")[0].strip() != "application/json":
        rules.append("datacontenttype")
    if entry.get("time") and not ISO_MOMENT.match(entry["time"]):
        rules.append("time")
    data = entry.get("data", "")
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or "\\u0000" in data or _not_unicode_text(parsed):
        rules.append("data")
    return rules


@settings(max_examples=600, derandomize=True, database=None, deadline=None)
@given(entry=entries)
def test_an_entry_read_as_redis_gives_it_is_read_as_its_text_is(entry: dict[str, str]) -> None:
    _read_alike(entry)


def _read_alike(entry: dict[str, str]) -> None:
    """Bytes take the quick path when they can: it must say exactly what the careful one says
    (and so must names in bytes with values in text, which it leaves alone)."""
    as_redis_gives_it = {
        name.encode(): value.encode("utf-8", "surrogatepass") for name, value in entry.items()
    }
    expected = _reading(entry)
    for fields in (as_redis_gives_it, {name.encode(): value for name, value in entry.items()}):
        got = _reading(fields)
        assert repr(got) == repr(expected)  # not ==: data may hold NaN
        if isinstance(got, CloudEvent) and isinstance(expected, CloudEvent):
            assert got.model_fields_set == expected.model_fields_set
            assert got.to_fields() == expected.to_fields()


def _reading(fields: dict[Any, Any]) -> CloudEvent | str:
    """The envelope, or the reason it is refused."""
    try:
        return CloudEvent.from_fields(fields)
    except InvalidEntry as refused:
        return str(refused)


_VALID = {
    "specversion": "1.0",
    "id": "01JD3V6Q2XKQ7E3Q9Z6N5W4M2R",
    "source": "dept/cib-bank",
    "type": "station.register.v1",
    "time": "2026-11-28T08:00:00+08:00",
    "subject": "CIB-FZ-0001",
    "data": '{"name": "驿站", "services": ["hot_water"]}',
}
_TRICKY = st.one_of(
    st.sampled_from(
        [
            "",
            "x\x00y",
            "x\x1fy",
            "x\x7fy",
            "x\x85y",
            "25°C",
            "热水",
            "x" * 201,
            "热" * 70,  # 70 characters, 210 bytes
            "1.0",
            "application/json",
            "application/json; charset=utf-8",
            "2026-11-28T08:00:00",
            "2026-11-28T08:00:00Z",
            '{"a": "\\u0000"}',
            '{"a": "\\ud800"}',
            '{"a": 1e400}',
            '{"a": NaN}',
            "[]",
            "{}",
            '{"a": ' * (MAX_DATA_DEPTH + 1) + "1" + "}" * (MAX_DATA_DEPTH + 1),
            '{"a": ' * MAX_DATA_DEPTH + "[]" + "}" * MAX_DATA_DEPTH,
            '{"a": [[[1]]], "b": "[{"}',
        ]
    ),
    short_text,
)
nearly_valid = st.builds(
    lambda changes, dropped: {
        name: value for name, value in {**_VALID, **changes}.items() if name not in dropped
    },
    changes=st.dictionaries(
        st.sampled_from([*_KNOWN, "partnerhint", "Bad_Attr"]), _TRICKY, max_size=2
    ),
    dropped=st.sets(st.sampled_from(sorted(_KNOWN)), max_size=1),
)


@settings(max_examples=600, derandomize=True, database=None, deadline=None)
@given(entry=nearly_valid)
def test_a_nearly_valid_entry_read_as_redis_gives_it_is_read_as_its_text_is(
    entry: dict[str, str],
) -> None:
    _read_alike(entry)
