"""The fast JSON codec writes what `json` writes and reads what `json` reads."""

from __future__ import annotations

import json

import pytest

from gonghui.shared import jsontext

VALUES = [
    {"name": "爱心驿站", "controls": "\x00\x1f\x7f\u2028", "quotes": '"\\'},
    {"lat": 26.0878, "big": 2**70, "tiny": 1e-7, "huge": 1e16, "none": None, "flag": True},
    {"nested": [[], {}, [{"a": [1, 2]}]], 1: "an int key"},
    ["\ud800 a lone surrogate, which pydantic-core refuses"],
]


@pytest.mark.parametrize("value", VALUES)
def test_the_text_reads_back_as_json_reads_it(value: object) -> None:
    text = jsontext.dumps(value)
    assert json.loads(text) == json.loads(json.dumps(value))
    assert jsontext.loads(text) == json.loads(text)
    assert jsontext.loads(text.encode("utf-8", "surrogatepass")) == json.loads(text)


def test_strings_are_written_exactly_as_json_writes_them() -> None:
    # Numbers may differ in form only (1e-07 is written 1e-7).
    for value in (VALUES[0], VALUES[3], {"name": "五四路154号", "list": ["a", "b"]}):
        assert jsontext.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_escaped_lone_surrogates_are_read_as_json_reads_them() -> None:
    assert jsontext.loads('{"a": "\\ud800"}') == {"a": "\ud800"}
    with pytest.raises(ValueError):
        jsontext.loads("{not json")
