"""OSM `opening_hours` for places in China: open, closed or unknown, and when that changes.

Parsing and the time arithmetic are `opening-hours-py`'s; this module makes it agree with the
reference implementation (opening_hours.js) where it does not, and gives it what it lacks:

- **Input** as the reference accepts it: a trailing `;` or `,`, en and em dashes, full-width
  colons, `08.00`, English day names, a missing `;` between rules, ... are rewritten to the
  strict form (`normalize`); what the reference refuses is refused with the reason (`validate`),
  including `SH`, since China has no school-holiday calendar there.
- **Public holidays** (`PH`) are China's: every day off of a holiday period as the State Council
  publishes it, in-lieu days included, from the pinned `chinese-calendar` package. For a year it
  does not know yet, the statutory days `opening-hours-py` knows for CN stand in.
- **Sun events** (`sunrise`, `sunset`, `dawn`, `dusk`) are computed for the place's coordinates.
- **Unknown** is never open: a comment without `open` (`Mo-Fr 08:00-18:00 "call first"`), an
  open end (`08:00+`) and a `||` fallback that says so are `unknown`, as in the reference.

Times are read in Asia/Shanghai; results are timezone-aware (+08:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import chinese_calendar
from opening_hours import OpeningHours, ParserError, State

from gonghui.shared.clock import SHANGHAI

OpenState = Literal["open", "closed", "unknown"]
HORIZON_DAYS = 10
"""How far ahead the next change is looked for: past the longest holiday break (8 days)."""

_STATES: dict[State, OpenState] = {
    State.OPEN: "open",
    State.CLOSED: "closed",
    State.UNKNOWN: "unknown",
}
_WEEKDAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAY_NAMES = [
    (r"mon(?:day)?", "Mo"),
    (r"tue(?:s|sday)?", "Tu"),
    (r"wed(?:nesday)?", "We"),
    (r"thu(?:r|rs|rsday)?", "Th"),
    (r"fri(?:day)?", "Fr"),
    (r"sat(?:urday)?", "Sa"),
    (r"sun(?:day)?", "Su"),
]
_SUN = re.compile(r"\b(?:sunrise|sunset|dawn|dusk)\b")
_PH = re.compile(r"\bPH\b(\s*[+-]\s*\d+\s+days?\b)?")
_QUOTED = re.compile(r'"[^"]*"')
_TIME_LIST = re.compile(
    r"(?<![\d:])(\d{1,2}:\d{2}(?:-\d{1,2}:\d{2})?\+?(?:,\d{1,2}:\d{2}(?:-\d{1,2}:\d{2})?\+?)*)"
)
_MODIFIER = re.compile(r"\b(open|closed|off|unknown)\s*$")


class HoursInvalid(ValueError):
    """Opening hours the reference implementation would not accept either; says why."""


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """The strict form of an expression the reference accepts with corrections."""
    value = text.strip()
    value = re.sub(r"[\u2010-\u2015\u2212\uff0d~～]", "-", value)
    value = value.replace("：", ":")
    value = re.sub(r"(?<![\d.])(\d{1,2})\.(\d{2})(?![\d.])", r"\1:\2", value)
    for pattern, short in _DAY_NAMES:
        value = re.sub(rf"\b{pattern}\b", short, value, flags=re.IGNORECASE)
    value = re.sub(r"(\d{1,2}:\d{2})h\b", r"\1", value)
    value = re.sub(
        rf"({_WEEKDAY}(?:-{_WEEKDAY})?\s+)(\d{{1,2}})-(\d{{1,2}})(?![\d:])",
        lambda m: f"{m.group(1)}{int(m.group(2)):02d}:00-{int(m.group(3)):02d}:00",
        value,
    )
    value = re.sub(rf"({_WEEKDAY})(\d{{1,2}}:\d{{2}})", r"\1 \2", value)
    value = re.sub(r"(\d{1,2}:\d{2}-\d{1,2}:\d{2}\+?)\s+(?=\d{1,2}:\d{2})", r"\1,", value)
    value = re.sub(rf"(\d{{1,2}}:\d{{2}}\+?)\s+(?=(?:{_WEEKDAY}|PH)\b)", r"\1; ", value)
    value = re.sub(r"\s*;\s*(?:;\s*)+", "; ", value)
    return re.sub(r"[\s;,]+$", "", value)


@lru_cache(maxsize=8192)
def validate(text: str) -> str:
    """The strict form of `text`, or HoursInvalid with the reason (a partner's stations share
    a few forms: each is parsed once)."""
    value = normalize(text)
    if not value:
        raise HoursInvalid("not valid OSM opening_hours: the value is empty")
    if re.search(r"\bSH\b", _QUOTED.sub("", value)):
        raise HoursInvalid(
            "not valid OSM opening_hours: SH (school holidays) is not defined for China"
        )
    if re.search(r"\d{1,2}:\d{2}/\d", value):
        raise HoursInvalid("not valid OSM opening_hours: repeating time ranges (`/`) are refused")
    try:
        OpeningHours(value)
    except (ParserError, ValueError, SyntaxError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise HoursInvalid(f"not valid OSM opening_hours: {reason}") from exc
    return value


@dataclass(frozen=True)
class Reading:
    """What the hours say at one moment."""

    state: OpenState
    next_change: datetime | None
    """When the state changes next (+08:00), if within the horizon."""
    comment: str | None


def read(text: str, *, at: datetime, lat: float | None = None, lon: float | None = None) -> Reading:
    """The state at `at`, when it changes next and the comment that applies."""
    return _prepared_for(text, lat, lon).read(at)


@dataclass(frozen=True, slots=True)
class Period:
    """The state at a moment, when it changes next, and the state it changes to."""

    state: OpenState
    next_change: datetime | None
    """When the state changes next (+08:00), if within the horizon."""
    after: OpenState | None
    """The state from `next_change` on."""


def period(
    text: str, *, at: datetime, lat: float | None = None, lon: float | None = None
) -> Period:
    """The state at `at`, when it changes and to what; the same answer as two `read`s.

    Remembered per expression and place until the state changes (or, with no change within
    the horizon, until midnight), so a search that asks it of many stations sharing a few
    expressions works them out once per period, not once per station and question.
    """
    return _prepared_for(text, lat, lon).period(at)


def state_at(
    text: str, *, at: datetime, lat: float | None = None, lon: float | None = None
) -> OpenState:
    """Just the state at `at` (cheaper than `read`: no look-ahead)."""
    return _prepared_for(text, lat, lon).state(at)[0]


def is_public_holiday(day: date) -> bool | None:
    """Whether `day` is a day off of China's public holidays; None for a year not yet known."""
    if not _calendar_knows(day):
        return None
    return day in chinese_calendar.holidays


def _calendar_knows(day: date) -> bool:
    return day.year <= _last_known_year()


@lru_cache(maxsize=1)
def _last_known_year() -> int:
    return max(chinese_calendar.holidays).year


def _place(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    # Rounded so that stations a few hundred metres apart share one parsed expression.
    if lat is None or lon is None:
        return None
    return round(lat, 2), round(lon, 2)


def _prepared_for(text: str, lat: float | None, lon: float | None) -> _Prepared:
    strict = normalize(text)
    # Only the sun makes a place matter: other expressions read the same everywhere.
    return _prepared(strict, _place(lat, lon) if _uses_sun(strict) else None)


@lru_cache(maxsize=8192)
def _uses_sun(text: str) -> bool:
    return _SUN.search(text) is not None


@lru_cache(maxsize=8192)
def _prepared(text: str, place: tuple[float, float] | None) -> _Prepared:
    return _Prepared(text, place)


class _Prepared:
    """One expression, split into its fallback parts, ready to evaluate day by day."""

    def __init__(self, text: str, place: tuple[float, float] | None) -> None:
        self._place = place
        self._parts = [_rewritten(part) for part in _split_outside_quotes(text, "||")]
        self._uses_ph = any(_PH.search(_QUOTED.sub("", part)) for part in self._parts)
        self._period: tuple[datetime, datetime, Period] | None = None

    def period(self, at: datetime) -> Period:
        """The period `at` falls in; remembered while it lasts.

        Between `at` and the next change the state is the same at every boundary (that is
        how `read` finds the change), so any moment of [at, next_change) reads the same change
        and the same state after it. With no change within the horizon, every moment of the
        same day looks ahead over the same days and finds none either.
        """
        known = self._period
        if known is not None and known[0] <= at < known[1]:
            return known[2]
        reading = self.read(at)
        if reading.next_change is None:
            local = at.astimezone(SHANGHAI)
            until = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
            found = Period(reading.state, None, None)
        else:
            until = reading.next_change
            found = Period(reading.state, until, self.state(until)[0])
        self._period = (at, until, found)
        return found

    def state(self, at: datetime) -> tuple[OpenState, str | None]:
        """State and comment at `at`: the first fallback part that is not closed decides."""
        local = at.astimezone(SHANGHAI)
        for part in self._parts:
            found, comment = _parsed(*self._variant(part, local.date())).state(local)
            if found is not State.CLOSED:
                return _STATES[found], comment or None
        return "closed", None

    def read(self, at: datetime) -> Reading:
        """The state at `at` and the first moment after it when the state differs."""
        state, comment = self.state(at)
        local = at.astimezone(SHANGHAI)
        for moment in self._boundaries(local):
            if self.state(moment)[0] != state:
                return Reading(state, moment, comment)
        return Reading(state, None, comment)

    def _boundaries(self, start: datetime) -> list[datetime]:
        """Every moment within the horizon at which some part may change state."""
        moments: set[datetime] = set()
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(HORIZON_DAYS):
            day_start = midnight + timedelta(days=offset)
            day_end = day_start + timedelta(days=1)
            moments.add(day_end)
            for part in self._parts:
                expression = _parsed(*self._variant(part, day_start.date()))
                for begins, ends, _, _ in expression.intervals(max(start, day_start), day_end):
                    moments.update((begins, ends))
        return sorted(m.astimezone(SHANGHAI) for m in moments if m > start)

    def _variant(self, part: str, day: date) -> tuple[str, tuple[float, float] | None, str | None]:
        """The part as it reads on `day`: each PH true or false by China's calendar."""
        if not self._uses_ph:
            return part, self._place, None
        if not _calendar_knows(day):
            return part, self._place, "CN"
        variant = _holiday_variant(part, day)
        if variant != part and not _parses(variant):
            return part, self._place, "CN"  # a PH form we cannot rewrite: CN's statutory days
        return variant, self._place, None


def _rewritten(part: str) -> str:
    """The part with the reference's semantics, or as given if the rewrite would not parse."""
    rewritten = _reference_semantics(part)
    return rewritten if _parses(rewritten) else part


@lru_cache(maxsize=8192)
def _parses(text: str) -> bool:
    try:
        OpeningHours(text)
    except (ParserError, ValueError, SyntaxError):
        return False
    return True


def _holiday_variant(part: str, day: date) -> str:
    """`part` with each PH that holds on `day` turned into an every-day selector.

    A PH that does not hold is left alone: without a country, opening-hours-py knows no
    holiday, so it never matches.
    """

    def substitute(match: re.Match[str]) -> str:
        offset = match.group(1)
        shift = int(re.sub(r"[^\d+-]", "", offset)) if offset else 0
        if (day - timedelta(days=shift)) not in chinese_calendar.holidays:
            return match.group(0)
        following = part[match.end() :]
        if re.match(rf"\s+{_WEEKDAY}\b", following):
            return "\x00"  # `PH Mo-Fr`: holiday AND weekday; the weekday alone decides today
        return "Mo-Su"

    replaced = _outside_quotes(part, lambda text: _PH.sub(substitute, text))
    return re.sub(r"\x00\s+", "", replaced)


def _reference_semantics(part: str) -> str:
    """Rules rewritten so opening-hours-py reads them as opening_hours.js does."""
    rules = []
    for rule in _split_outside_quotes(part, ";"):
        rules.append(", ".join(_rule_semantics(r) for r in _split_additional(rule)))
    return "; ".join(r for r in rules if r)


def _rule_semantics(rule: str) -> str:
    """A comment without a state means unknown; an open end (`08:00+`) is unknown after it."""
    rule = rule.strip()
    comment_match = re.search(r'\s*("[^"]*")\s*$', rule)
    comment = comment_match.group(1) if comment_match else ""
    body = rule[: comment_match.start()].strip() if comment_match else rule
    if comment and not _MODIFIER.search(body):
        body = f"{body} unknown".strip()
    times = _TIME_LIST.search(body)
    if times is None or "+" not in times.group(1):
        return f"{body} {comment}".strip()
    known, open_ended = [], []
    for span in times.group(1).split(","):
        if not span.endswith("+"):
            known.append(span)
            continue
        begins, _, ends = span[:-1].partition("-")
        if ends:
            known.append(f"{begins}-{ends}")  # as the reference: the range, nothing after it
        elif _minutes(begins) < 24 * 60:
            open_ended.append(f"{begins}-24:00")
    before, after = body[: times.start(1)], body[times.end(1) :].strip()
    if _MODIFIER.search(after):
        after = _MODIFIER.sub("", after).strip()
    pieces = []
    if known:
        pieces.append(f"{before}{','.join(known)} {after} {comment}".strip())
    if open_ended:
        pieces.append(f"{before}{','.join(open_ended)} unknown {comment}".strip())
    return ", ".join(re.sub(r"\s+", " ", p) for p in pieces)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    """Split on `separator` where it is not inside a quoted comment."""
    pieces, current, quoted, i = [], [], False, 0
    while i < len(text):
        if text[i] == '"':
            quoted = not quoted
        if not quoted and text.startswith(separator, i):
            pieces.append("".join(current).strip())
            current = []
            i += len(separator)
            continue
        current.append(text[i])
        i += 1
    pieces.append("".join(current).strip())
    return [p for p in pieces if p]


def _split_additional(rule: str) -> list[str]:
    """Split a rule on `,` that starts an additional rule: after a time, a state or a comment."""
    pieces, start, quoted = [], 0, False
    for i, char in enumerate(rule):
        if char == '"':
            quoted = not quoted
        if char != "," or quoted:
            continue
        before, after = rule[:i].rstrip(), rule[i + 1 :].lstrip()
        ends_rule = bool(re.search(r'(\d|\+|"|open|closed|off|unknown)$', before))
        starts_rule = bool(after) and not after[0].isdigit()
        if ends_rule and starts_rule:
            pieces.append(rule[start:i])
            start = i + 1
    pieces.append(rule[start:])
    return [p.strip() for p in pieces if p.strip()]


def _outside_quotes(text: str, change: object) -> str:
    """Apply `change` (a str -> str function) to the text between quoted comments."""
    assert callable(change)
    out, last = [], 0
    for match in _QUOTED.finditer(text):
        out.append(change(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(change(text[last:]))
    return "".join(out)


@lru_cache(maxsize=16384)
def _parsed(text: str, place: tuple[float, float] | None, country: str | None) -> OpeningHours:
    # auto_timezone stays on: with it off, opening-hours-py 2.1.4 ignores `coords` and puts the
    # sun at 07:00/19:00 everywhere. The explicit timezone still wins (Beijing time everywhere).
    return OpeningHours(
        text,
        timezone=SHANGHAI,
        country=country,
        coords=place,
        auto_country=False,
    )
