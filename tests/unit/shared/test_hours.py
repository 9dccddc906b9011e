"""Opening hours agree with the reference implementation, with China's holidays and real sun times.

The accepted/refused lists and the states marked "reference" were read from opening_hours.js
3.15.0 (the OSM reference implementation) for the same expressions and times; where we differ on
purpose (China's in-lieu holiday days, sun times for the real coordinates) the test says so.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from gonghui.shared.clock import SHANGHAI
from gonghui.shared.hours import (
    HoursInvalid,
    Period,
    is_public_holiday,
    period,
    read,
    state_at,
    validate,
)
from gonghui.stations.domain.opening import opening

FUZHOU = {"lat": 26.08, "lon": 119.30}


def at(text: str) -> datetime:
    """A local time in Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Mo-Fr 08:00-18:00;", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr 08:00-18:00 ;", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr 08:00-18:00;;", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr 08:00-18:00,", "Mo-Fr 08:00-18:00"),
        ("Mo–Fr 08:00–18:00", "Mo-Fr 08:00-18:00"),
        ("Mo—Fr 08:00-18:00", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr 08.00-18.00", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr 08：00-18：00", "Mo-Fr 08:00-18:00"),
        ("Mon-Fri 08:00-18:00", "Mo-Fr 08:00-18:00"),
        ("Monday-Friday 08:00-18:00", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr 08:00-18:00h", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr 8-18", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr08:00-18:00", "Mo-Fr 08:00-18:00"),
        ("Mo-Fr 08:00-12:00 14:00-18:00", "Mo-Fr 08:00-12:00,14:00-18:00"),
        ("Mo-Fr 08:00-18:00 ; PH off ;", "Mo-Fr 08:00-18:00 ; PH off"),
        ("Mo-Fr 08:00-18:00; PH off", "Mo-Fr 08:00-18:00; PH off"),
        ("24/7", "24/7"),
    ],
)
def test_what_the_reference_accepts_is_accepted_in_strict_form(given: str, stored: str) -> None:
    assert validate(given) == stored


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "empty"),
        ("Mo-Fr 25:00-26:00", "Failed to parse"),
        ("Mo-Fr 08:60-18:00", "Failed to parse"),
        ("Mo-Xx 08:00-18:00", "Failed to parse"),
        ("Mo-Fr 08:00-18:00 foo", "Failed to parse"),
        ("Mo-Fr 08:00-18:00；PH off", "Failed to parse"),
        ("Mo-Fr 08:00-18:00 |", "Failed to parse"),
        ("SH off", "SH (school holidays) is not defined for China"),
        ("Mo-Fr 08:00-18:00/01:00", "repeating time ranges"),
    ],
)
def test_what_the_reference_refuses_is_refused_with_the_reason(given: str, reason: str) -> None:
    with pytest.raises(HoursInvalid, match=reason.replace("(", r"\(").replace(")", r"\)")):
        validate(given)


# Sa 07:00, Sa 12:00, Sa 21:00, Mo 12:00, Mo 19:00 (2026-11-28 and -30)
TIMES = [
    "2026-11-28T07:00",
    "2026-11-28T12:00",
    "2026-11-28T21:00",
    "2026-11-30T12:00",
    "2026-11-30T19:00",
]


@pytest.mark.parametrize(
    ("hours", "states"),
    [
        # reference: an open end is unknown after it starts, never open
        ("Mo-Su 08:00+", ["closed", "unknown", "unknown", "unknown", "unknown"]),
        ("Mo-Su 08:00-12:00,14:00+", ["closed", "closed", "unknown", "closed", "unknown"]),
        ("Mo-Su 20:00-22:00+", ["closed", "closed", "open", "closed", "closed"]),
        # reference: a comment without a state is unknown; with `open` it is open
        ('Mo-Fr 08:00-18:00 "call first"', ["closed", "closed", "closed", "unknown", "closed"]),
        ('"by appointment"', ["unknown"] * 5),
        ('Mo-Su 08:00-18:00 open "x"', ["closed", "open", "closed", "open", "closed"]),
        ('Mo-Su 08:00-18:00 off "x"', ["closed"] * 5),
        ('Mo-Su 08:00-18:00 "x"; Sa off', ["closed", "closed", "closed", "unknown", "closed"]),
        # reference: a fallback applies wherever the rules before it leave the place closed
        ("Mo-Fr 08:00-18:00 || unknown", ["unknown", "unknown", "unknown", "open", "unknown"]),
        (
            'Mo-Fr 08:00-18:00 || "by appointment"',
            ["unknown", "unknown", "unknown", "open", "unknown"],
        ),
        (
            "Mo-Fr 08:00-18:00; Sa off || unknown",
            ["unknown", "unknown", "unknown", "open", "unknown"],
        ),
        ("Mo-Fr 08:00-18:00 || Sa 09:00-12:00", ["closed", "closed", "closed", "open", "closed"]),
        ("Mo-Su 20:00-02:00", ["closed", "closed", "open", "closed", "closed"]),
        ("24/7", ["open"] * 5),
    ],
)
def test_states_agree_with_the_reference(hours: str, states: list[str]) -> None:
    assert [state_at(hours, at=at(t), **FUZHOU) for t in TIMES] == states


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        ("2026-01-01", True),  # New Year's Day
        ("2026-02-17", True),  # Spring Festival
        ("2026-02-23", True),  # an in-lieu day of the Spring Festival break
        ("2026-10-01", True),  # National Day
        ("2026-10-05", True),  # an in-lieu day of the National Day break
        ("2026-10-10", False),  # a Saturday worked to make up for it
        ("2026-11-30", False),
    ],
)
def test_ph_off_follows_chinas_holiday_periods(day: str, holiday: bool) -> None:
    hours = "Mo-Su 08:00-20:00; PH off"
    expected = "closed" if holiday else "open"
    assert state_at(hours, at=at(f"{day}T12:00"), **FUZHOU) == expected
    assert state_at("Mo-Fr 08:00-18:00; PH 10:00-14:00", at=at(f"{day}T16:00"), **FUZHOU) == (
        "closed" if holiday else ("open" if date.fromisoformat(day).weekday() < 5 else "closed")
    )


def test_ph_with_a_weekday_means_both_and_offsets_count_days() -> None:
    assert (
        state_at("Mo-Su 08:00-20:00; PH Mo-Fr off", at=at("2026-10-05T12:00"), **FUZHOU) == "closed"
    )
    assert (
        state_at("Mo-Su 08:00-20:00; PH Mo-Fr off", at=at("2026-10-03T12:00"), **FUZHOU) == "open"
    )
    assert (
        state_at("Mo-Su 08:00-20:00; PH +1 day off", at=at("2026-10-08T12:00"), **FUZHOU)
        == "closed"
    )
    assert state_at("Mo-Fr,PH 10:00-12:00", at=at("2026-10-04T11:00"), **FUZHOU) == "open"


def test_a_year_the_calendar_does_not_know_falls_back_to_statutory_days() -> None:
    assert is_public_holiday(date(2026, 10, 5)) is True
    assert is_public_holiday(date(2030, 10, 1)) is None
    assert state_at("Mo-Su 08:00-20:00; PH off", at=at("2030-10-01T12:00"), **FUZHOU) == "closed"
    assert state_at("Mo-Su 08:00-20:00; PH off", at=at("2030-10-09T12:00"), **FUZHOU) == "open"


@pytest.mark.parametrize(
    ("place", "day", "sunrise", "sunset"),
    [
        # NOAA solar calculator equations (zenith 90.833°), Beijing time; ±2 minutes.
        ((39.9042, 116.4074), "2026-06-21", "04:45", "19:45"),  # Beijing
        ((39.9042, 116.4074), "2026-12-21", "07:32", "16:52"),
        ((26.08, 119.30), "2026-06-21", "05:10", "18:57"),  # Fuzhou
        ((43.8256, 87.6168), "2026-06-21", "06:26", "21:54"),  # Urumqi, far west on Beijing time
        ((45.80, 126.53), "2026-12-21", "07:11", "15:51"),  # Harbin
    ],
)
def test_sunrise_and_sunset_are_the_stations_own(
    place: tuple[float, float], day: str, sunrise: str, sunset: str
) -> None:
    lat, lon = place
    before_dawn = read("sunrise-sunset", at=at(f"{day}T00:30"), lat=lat, lon=lon)
    assert before_dawn.state == "closed" and before_dawn.next_change is not None
    in_daylight = read("sunrise-sunset", at=before_dawn.next_change, lat=lat, lon=lon)
    assert in_daylight.next_change is not None
    for found, expected in ((before_dawn.next_change, sunrise), (in_daylight.next_change, sunset)):
        wanted = at(f"{day}T{expected}")
        assert abs((found - wanted).total_seconds()) <= 120, (found, expected)


def test_next_change_and_the_phrase_for_people() -> None:
    def said(hours: str, when: str) -> tuple[str, str | None, str]:
        found = opening(status="active", open_hours=hours, at=at(when), **FUZHOU)
        change = found.next_change.isoformat() if found.next_change else None
        return found.state, change, found.phrase

    assert said("Mo-Su 08:00-20:00", "2026-11-28T12:00") == (
        "open",
        "2026-11-28T20:00:00+08:00",
        "营业中，20:00 关门",
    )
    assert said("Mo-Su 08:00-20:00", "2026-11-28T07:00") == (
        "closed",
        "2026-11-28T08:00:00+08:00",
        "08:00 开门",
    )
    assert said("Mo-Su 08:00-20:00", "2026-11-28T21:00")[2] == "明天 08:00 开门"
    assert said("Mo-Fr 08:00-18:00", "2026-11-28T12:00")[2] == "11月30日 08:00 开门"
    assert said('"by appointment"', "2026-11-28T12:00") == ("unknown", None, "营业时间不确定")
    assert said("Mo-Su 08:00-20:00; PH off", "2026-09-30T19:00")[1:] == (
        "2026-09-30T20:00:00+08:00",
        "营业中，20:00 关门",
    )
    assert said("Mo-Su 08:00-20:00; PH off", "2026-09-30T21:00")[1] == "2026-10-08T08:00:00+08:00"
    assert said("24/7", "2026-11-28T12:00") == ("open", None, "营业中")
    suspended = opening(
        status="suspended",
        open_hours="24/7",
        at=at("2026-11-28T12:00"),
        suspended_until=at("2026-12-10T00:00"),
        **FUZHOU,
    )
    assert (suspended.state, suspended.phrase) == ("closed", "暂停服务，预计 12月10日 00:00 恢复")


@pytest.mark.parametrize(
    "hours",
    [
        "Mo-Su 08:00-20:00; PH off",
        "Mo-Fr 08:00-12:00,14:00-18:00",
        "sunrise-sunset",
        "Mo-Su 08:00+",
        "Mo-Fr 08:00-18:00 || unknown",
        "Sa,Su 10:00-16:00",
        "24/7",
    ],
)
def test_a_remembered_period_answers_as_reading_afresh_would(hours: str) -> None:
    """Searches ask `period` at ever later moments; each answer equals two fresh `read`s."""
    rng = random.Random(hours)
    moment = at("2026-09-28T00:00")
    for _ in range(400):
        moment += timedelta(minutes=rng.choice([1, 7, 45, 180, 600]))
        reading = read(hours, at=moment, **FUZHOU)
        after = (
            read(hours, at=reading.next_change, **FUZHOU).state
            if reading.next_change is not None
            else None
        )
        assert period(hours, at=moment, **FUZHOU) == Period(
            reading.state, reading.next_change, after
        ), moment
