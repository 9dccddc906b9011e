"""动态管理 and 六有: which steps a station may take, and why not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gonghui.stations.domain.model import (
    Assessment,
    Criterion,
    CriterionScore,
    InvalidTransition,
    Station,
    StationStatus,
)

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def station(**overrides: object) -> Station:
    values: dict[str, object] = {
        "code": "FJ-FZ-GL-0001",
        "external_ref": "X-1",
        "operator": None,
        "name": "鼓楼驿站",
        "address": "福州市鼓楼区五四路1号",
        "lat": 26.08,
        "lon": 119.30,
        "services": ["drinking_water"],
        "open_hours": "Mo-Su 08:00-20:00",
        "manager_name": "林晓",
        "manager_phone": "13800138000",
        "registered_at": NOW,
    }
    values.update(overrides)
    return Station(**values)  # type: ignore[arg-type]


def assessment(*failing: Criterion, at: datetime = NOW) -> Assessment:
    scores = {c: CriterionScore(passed=c not in failing, note="ok") for c in Criterion}
    return Assessment("a1", "FJ-FZ-GL-0001", "王审核", scores, date(2026, 11, 20), at)


def test_activation_needs_an_assessment_first() -> None:
    with pytest.raises(InvalidTransition, match="no six-point"):
        station().activate(at=NOW)


def test_activation_needs_all_six_points_in_the_latest_assessment() -> None:
    s = station()
    s.record_assessment(assessment(Criterion.MAP_INFO))
    with pytest.raises(InvalidTransition, match="did not pass"):
        s.activate(at=NOW)
    s.record_assessment(assessment())
    assert s.activate(at=NOW) is StationStatus.PROPOSED
    assert s.status is StationStatus.ACTIVE


def test_a_later_failed_assessment_withdraws_compliance() -> None:
    s = station()
    s.record_assessment(assessment())
    s.record_assessment(assessment(Criterion.RULES))
    assert not s.compliant


def test_full_life_active_suspended_active_exited() -> None:
    s = station()
    s.record_assessment(assessment())
    s.activate(at=NOW)
    assert s.is_open(NOW)
    s.suspend(reason="台风", until=NOW + timedelta(days=2), at=NOW)
    assert not s.is_open(NOW) and s.suspended_until == NOW + timedelta(days=2)
    s.resume(at=NOW)
    assert s.is_open(NOW)
    s.exit(reason="场地收回", at=NOW)
    assert s.status is StationStatus.EXITED and s.status_reason == "场地收回"


@pytest.mark.parametrize(
    ("status", "step", "message"),
    [
        (StationStatus.PROPOSED, "suspend", "only an active station can be suspended"),
        (StationStatus.ACTIVE, "resume", "only a suspended station can be resumed"),
        (StationStatus.ACTIVE, "activate", "only a proposed station can be activated"),
        (StationStatus.EXITED, "exit", "already exited"),
        (StationStatus.EXITED, "resume", "only a suspended station"),
    ],
)
def test_invalid_steps_say_why(status: StationStatus, step: str, message: str) -> None:
    s = station(status=status)
    kwargs = {
        "suspend": {"reason": "x", "until": NOW + timedelta(days=1), "at": NOW},
        "resume": {"at": NOW},
        "activate": {"at": NOW},
        "exit": {"reason": "x", "at": NOW},
    }[step]
    with pytest.raises(InvalidTransition, match=message):
        getattr(s, step)(**kwargs)


def test_suspension_must_end_in_the_future() -> None:
    s = station(status=StationStatus.ACTIVE)
    with pytest.raises(InvalidTransition, match="future"):
        s.suspend(reason="x", until=NOW, at=NOW)


def test_an_exited_station_cannot_change() -> None:
    with pytest.raises(InvalidTransition, match="exited"):
        station(status=StationStatus.EXITED).revise(at=NOW, name="新名字")


def test_every_criterion_must_be_scored_and_map_info_needs_its_date() -> None:
    scores = {c: CriterionScore(passed=True) for c in Criterion}
    with pytest.raises(ValueError, match="missing"):
        Assessment("a", "c", "x", {Criterion.SIGN: CriterionScore(True)}, date(2026, 1, 1), NOW)
    with pytest.raises(ValueError, match="verified"):
        Assessment("a", "c", "x", scores, None, NOW)


def test_old_assessment_flags_the_station_for_recheck() -> None:
    s = station()
    assert s.recheck_due(NOW, max_age=timedelta(days=365))
    s.record_assessment(assessment(at=NOW - timedelta(days=400)))
    assert s.recheck_due(NOW, max_age=timedelta(days=365))
    assert not s.recheck_due(NOW, max_age=timedelta(days=500))


def test_open_now_reads_hours_in_shanghai() -> None:
    s = station(status=StationStatus.ACTIVE, open_hours="Mo-Su 08:00-20:00")
    assert s.is_open(datetime(2026, 11, 29, 0, 30, tzinfo=UTC))  # 08:30 Shanghai
    assert not s.is_open(datetime(2026, 11, 29, 12, 30, tzinfo=UTC))  # 20:30 Shanghai
