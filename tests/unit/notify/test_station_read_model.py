"""Notify's copy of the stations follows every event that changes it; it says why it skips."""

from gonghui.notify.domain.defaults import DEFAULT_RULES, UNNOTIFIED
from gonghui.notify.domain.stations import FOLLOWED, IGNORED, changes
from gonghui.shared.contracts.base import Event
from gonghui.shared.contracts.stations import STATION_CONTRACTS, StationTransition


def test_every_stations_event_is_followed_or_ignored_with_a_reason() -> None:
    events = {c.type_name for c in STATION_CONTRACTS if issubclass(c, Event)}
    assert not set(FOLLOWED) & set(IGNORED)
    assert events == set(FOLLOWED) | set(IGNORED)
    assert all(len(reason) > 10 for reason in IGNORED.values())


def test_every_lifecycle_step_sets_the_status_it_leads_to() -> None:
    steps = [c for c in STATION_CONTRACTS if issubclass(c, StationTransition)]
    assert steps
    for step in steps:
        data = {"code": "350102-0001", "from_status": "active", "to_status": "exited"}
        assert changes(step.type_name, data) == {"status": "exited"}


def test_an_update_keeps_what_it_does_not_carry() -> None:
    values = changes("station.updated.v1", {"code": "X", "name": "新名", "address": None})
    assert values == {"name": "新名"}


def test_every_stations_event_is_told_by_a_default_rule_or_deliberately_not() -> None:
    events = {c.type_name for c in STATION_CONTRACTS if issubclass(c, Event)}
    routed = {rule.event_type for rule in DEFAULT_RULES}
    assert not routed & set(UNNOTIFIED)
    assert events <= routed | set(UNNOTIFIED), events - routed - set(UNNOTIFIED)
    complaint = next(r for r in DEFAULT_RULES if r.event_type == "station.complaint_received.v1")
    assert "role:station_admin" in complaint.recipients
