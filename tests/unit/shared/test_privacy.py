"""Personal numbers are masked in log lines and found wherever they leak."""

import logging
import re
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.shared import privacy
from gonghui.shared.privacy import (
    MaskingFilter,
    is_free_text,
    is_id_card,
    leaks,
    leaks_in_entry,
    mask_data,
    mask_text,
)

ID_NUMBER = "11010519491231002X"  # the check-digit example of GB 11643


def test_the_standard_id_number_example_checks_out() -> None:
    assert is_id_card(ID_NUMBER)
    assert not is_id_card("110105194912310021")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call 13800138000 now", "call 138****8000 now"),
        ("+86 138 0013 8000", "138****8000"),
        (f"id {ID_NUMBER}", "id 110105********002X"),
        (
            "order 12345678901234567890 and 0591-87654321",
            "order 12345678901234567890 and 0591-87654321",
        ),
    ],
)
def test_mobile_and_id_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert leaks(mask_text(text)) == []


def test_log_records_are_masked_before_any_handler_writes_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.handler.addFilter(MaskingFilter())
    logging.getLogger("gonghui.test").warning("worker %s, id %s", "13800138000", ID_NUMBER)
    assert "13800138000" not in caplog.text and ID_NUMBER not in caplog.text
    assert "138****8000" in caplog.text


def test_entries_may_carry_public_manager_phones_but_nothing_else() -> None:
    public = {b"type": b"station.register.v1", b"data": b'{"manager_phone": "13800138000"}'}
    private = {b"type": b"proposal.submitted.v1", b"data": b'{"contact": {"phone": "13900139000"}}'}
    assert leaks_in_entry(public) == []
    assert leaks_in_entry(private) == ["13900139000"]


@pytest.mark.parametrize(
    "typed",
    [
        "+8613800138000",
        "+86 138 0013 8000",
        "(+86)138-0013-8000",
        "008613800138000",
        "138 0013 8000",
        "110105 19491231 002X",
        "11010519491231002x",
    ],
)
def test_numbers_are_masked_in_every_form_people_type_them(typed: str) -> None:
    assert leaks(typed) and leaks(mask_text(typed)) == []


@pytest.mark.parametrize(
    "identifier",
    [
        "3f2aa166-4167-8349-9c1d-0123456789ab",  # a UUID whose middle groups read 166 4167 8349
        "01JD3V6QX13812345678ABCD",  # a ULID with eleven digits in a row
        "sha256:e13812345678f0",
    ],
)
def test_digits_inside_an_identifier_are_no_ones_number(identifier: str) -> None:
    # A partner's random event id once read as a phone number and failed a run.
    assert leaks(identifier) == []
    assert leaks(f"电话13812345678，编号 {identifier}") == ["13812345678"]


def test_free_text_is_masked_and_identifiers_are_kept() -> None:
    data = {
        "proposal_id": "01JD13800138000X",
        "unit_code": "u13800138000",
        "title": "请回电 13800138000",
        "documents": {"safety_notice": "急救 13900139000"},
        "manager_phone": "13700137000",
        "body": "来电 13600136000",
    }
    masked, disclosed = mask_data(data, keep=frozenset({"body"}))
    assert masked["proposal_id"] == data["proposal_id"] and masked["unit_code"] == "u13800138000"
    assert masked["title"] == "请回电 138****8000"
    assert masked["documents"] == {"safety_notice": "急救 139****9000"}
    assert masked["manager_phone"] == "13700137000" and masked["body"] == data["body"]
    assert disclosed == ["body"]
    assert not is_free_text("submitted_by") and is_free_text("a_field_added_tomorrow")


@settings(max_examples=2000, derandomize=True, database=None, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.sampled_from(["13812345678", "138-1234-5678", "138 1234 5678", "+86 ", "0086"]),
            st.sampled_from(["11010519491231002X", "110105 19491231 002X", "350102199003071234"]),
            st.text(alphabet="0123456789 -+()Xx号路T:.Z中", max_size=12),
        ),
        max_size=4,
    ).map("".join)
)
def test_the_quick_look_for_digits_never_leaves_a_number_unmasked(text: str) -> None:
    quick = mask_text(text)
    with patch.object(privacy, "_ELEVEN_DIGITS", re.compile("")):  # every text looked at
        assert quick == mask_text(text)
