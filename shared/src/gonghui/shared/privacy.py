"""Personal data kept out of streams and logs (DESIGN §8, PIPL: minimum necessary)."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

MOBILE = re.compile(
    r"(?<![\d+])(?:\(?(?:\+|00)?86\)?[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)"
)
ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6}) ?(\d{8}) ?(\d{3}[\dXx])(?![0-9A-Za-z])")
_ELEVEN_DIGITS = re.compile(r"\d{3}[- ]?\d{4}[- ]?\d{4}")
"""A part of every mobile number (1[3-9]d, 4, 4 digits) and ID number (6, 8, 4 digits), found
at a third of the cost of looking for them: text without it is left as it is."""
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

PUBLIC_FIELDS = frozenset({"manager_phone"})
"""Payload fields that are public by design: a station manager's phone is posted at the station."""

IDENTIFIER_FIELDS = frozenset(
    {
        "action",
        "actor",
        "area_code",
        "assessor",
        "author",
        "category",
        "cause_source",
        "cause_type",
        "changed",
        "channel",
        "code",
        "external_ref",
        "failed",
        "from_status",
        "item",
        "kind",
        "open_hours",
        "operator",
        "outcome",
        "period",
        "priority",
        "recipient",
        "responsible_person",
        "services",
        "status",
        "step",
        "to_status",
        "worker_ref",
    }
)
"""Payload fields that hold ids, codes and vocabulary keys, never text a person typed.

Every other string in an event's data is free text and is masked where the event is written
(`mask_data`), so a field added tomorrow is masked without anyone remembering to. Names ending
in `_id`, `_code`, `_ref`, `_by` or `_no` (`proposal_id`, `unit_code`, `case_no`) are identifiers
too: masking one would corrupt a reference (a ULID can hold eleven digits in a row).
"""
_IDENTIFIER_SUFFIXES = ("_id", "_code", "_ref", "_by", "_no")


def is_id_card(number: str) -> bool:
    """Whether 18 characters are a resident ID number with a valid check digit (GB 11643)."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def mask_text(text: str) -> str:
    """Mask mobile numbers (138****1234) and resident ID numbers (350102********123X)."""
    if not _ELEVEN_DIGITS.search(text):
        return text  # most text, a time or an address included, holds neither number
    text = MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return ID_CARD.sub(
        lambda m: (
            f"{m.group(1)}{'*' * 8}{m.group(3)}" if is_id_card("".join(m.groups())) else m.group(0)
        ),
        text,
    )


@functools.lru_cache(maxsize=4096)
def is_free_text(field: str) -> bool:
    """Whether a payload field holds text people typed (masked on the bus), not an identifier."""
    return (
        field not in IDENTIFIER_FIELDS
        and field not in PUBLIC_FIELDS
        and not field.endswith(_IDENTIFIER_SUFFIXES)
    )


def mask_data(
    data: Mapping[str, Any], *, keep: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[str]]:
    """The payload with personal numbers masked in every free-text field but those in `keep`.

    Returns the masked payload and the names of the `keep` fields that really held a number
    (what was disclosed, for the audit).
    """
    masked: dict[str, Any] = {}
    disclosed: list[str] = []
    for name, value in data.items():
        if not is_free_text(name):
            masked[name] = value
            continue
        hidden = _masked(value)
        if name in keep:
            masked[name] = value
            if hidden != value:
                disclosed.append(name)
        else:
            masked[name] = hidden
    return masked, disclosed


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return mask_data(value)[0]
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def leaks(text: str) -> list[str]:
    """The unmasked mobile and ID numbers in text.

    Eleven digits right after an ASCII letter are part of an identifier (a ULID, a UUID's
    groups, a digest), which holds no one's number and is never masked: random ids hold such
    runs now and then.
    """
    found = [
        m.group(0)
        for m in MOBILE.finditer(text)
        if not (m.start() and text[m.start() - 1].isascii() and text[m.start() - 1].isalpha())
    ]
    found += [m.group(0) for m in ID_CARD.finditer(text) if is_id_card("".join(m.groups()))]
    return found


def leaks_in_entry(
    fields: Mapping[bytes, bytes], *, disclosed: frozenset[str] = frozenset()
) -> list[str]:
    """Unmasked personal numbers in a stream entry, outside the fields public by design.

    `disclosed`: data fields its named recipient may read in full (audited where written).
    """
    found: list[str] = []
    for name, raw in fields.items():
        value = raw.decode("utf-8", errors="replace")
        key = name.decode("utf-8", errors="replace").removeprefix("original.")
        if key == "data":
            try:
                payload = json.loads(value)
                if isinstance(payload, dict):
                    payload = {k: v for k, v in payload.items() if k not in disclosed}
                found += [leak for text in _strings(payload) for leak in leaks(text)]
            except (ValueError, RecursionError):
                found += leaks(value)
        else:
            found += leaks(value)
    return found


def _strings(value: Any, key: str | None = None) -> Iterator[str]:
    if key in PUBLIC_FIELDS:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


class MaskingFilter(logging.Filter):
    """Masks personal numbers in every log record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message, mask it, keep the record."""
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Root logging for a gonghui process: one stream handler, personal numbers masked."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
