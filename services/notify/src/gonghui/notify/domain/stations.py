"""Notify's copy of the stations registry: which events change it, and what they change.

A broadcast names each person's nearest open station from this copy, and station notices are
scoped to the station's area from it, so it must follow every event that changes a station's
place, hours, status or area, and know a sandbox's test data (never named to workers). Every
event type of `shared/contracts/stations.py` is either FOLLOWED (with the fields it sets) or
IGNORED (with the reason); a unit test keeps it so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gonghui.shared.hours import state_at

PLACE = ("name", "address", "lat", "lon", "services", "open_hours", "area_code", "operator")


def _registered(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in (*PLACE, "status", "test_data") if k in data}


def _updated(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in PLACE if data.get(k) is not None}


def _transitioned(data: dict[str, Any]) -> dict[str, Any]:
    status = data.get("to_status")
    return {"status": status} if isinstance(status, str) else {}


FOLLOWED: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "station.registered.v1": _registered,
    "station.updated.v1": _updated,
    "station.activated.v1": _transitioned,
    "station.suspended.v1": _transitioned,
    "station.resumed.v1": _transitioned,
    "station.exited.v1": _transitioned,
}
"""Event type -> the read model's new values from the event's data."""

_NOT_OPENING = "changes neither place, hours, status nor area (stations' open_now ignores it too)"
IGNORED: dict[str, str] = {
    "station.assessed.v1": "六有 assessment: only `station.activated.v1` opens a station; "
    + _NOT_OPENING,
    "station.rated.v1": "a worker's rating; " + _NOT_OPENING,
    "station.complaint_received.v1": "a complaint (routed by rules, not held); " + _NOT_OPENING,
    "station.reinspection_opened.v1": "动态管理 re-inspection due; " + _NOT_OPENING,
    "station.reinspection_closed.v1": "its outcome is shown by stations' search; " + _NOT_OPENING,
    "activity.published.v1": "about an activity, not the station",
    "activity.signed_up.v1": "about a sign-up, not the station",
    "activity.signup_cancelled.v1": "about a sign-up, not the station",
    "activity.signup_promoted.v1": "about a sign-up, not the station",
    "activity.checked_in.v1": "about a sign-up, not the station",
    "donation.recorded.v1": "the ledger, not the station's opening",
    "supplies.changed.v1": "stock, not the station's opening",
    "subsidy.applied.v1": "a subsidy application, not the station's opening",
    "subsidy.review_started.v1": "a subsidy application, not the station's opening",
    "subsidy.approved.v1": "a subsidy application, not the station's opening",
    "subsidy.rejected.v1": "a subsidy application, not the station's opening",
    "subsidy.disbursed.v1": "a subsidy application, not the station's opening",
    "subsidy.usage_reported.v1": "a subsidy application, not the station's opening",
}
"""Event type -> why the read model does not change with it."""


def changes(event_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The read model's new values for a station event, or None if it changes nothing."""
    follow = FOLLOWED.get(event_type)
    if follow is None or not isinstance(data.get("code"), str):
        return None
    return follow(data)


REQUIRED = frozenset({"name", "lat", "lon", "open_hours", "status"})
"""What a registration must carry for the copy to add the station."""


def follow(
    row: dict[str, Any] | None, event_type: str, data: dict[str, Any], *, at: datetime
) -> dict[str, Any] | None:
    """The copy's row of a station after an event (None: still not in the copy).

    `row` is the whole row before it, or None; only a registration adds a station, and only
    with the fields the copy needs.
    """
    values = changes(event_type, data)
    if values is None:
        return row
    if row is not None:
        return {**row, **values, "updated_at": at}
    if event_type != "station.registered.v1" or not REQUIRED <= values.keys():
        return None
    return {
        "code": data["code"],
        "address": None,
        "services": [],
        "area_code": None,
        "operator": None,
        "test_data": False,
        **values,
        "updated_at": at,
    }


def is_open(
    *, status: str, open_hours: str, lat: float, lon: float, at: datetime, test_data: bool = False
) -> bool:
    """Open to workers at `at`, as the stations service decides it: active, not a sandbox's test
    data, and its hours (China's holidays, the place's sun times) say open; unknown is not open."""
    return (
        status == "active"
        and not test_data
        and state_at(open_hours, at=at, lat=lat, lon=lon) == "open"
    )
