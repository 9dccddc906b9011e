"""Routing by category × area, the figures of /stats, and the masks of personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gonghui.proposals.domain.deadlines import Deadline, DeadlinePolicy
from gonghui.proposals.domain.model import Case, CaseKind, DeadlineStep
from gonghui.proposals.domain.participation import KeyContact, rating_period
from gonghui.proposals.domain.routing import RoutingRule, eligible, route
from gonghui.proposals.domain.stats import statistics

RULES = [
    RoutingRule(1, "province-transport", category="transport"),
    RoutingRule(2, "jx-transport", category="transport", area_prefix="3304"),
    RoutingRule(3, "dushu-town", category="transport", area_prefix="330482"),
    RoutingRule(4, "catch-all"),
    RoutingRule(5, "pinghu-office", area_prefix="330482"),
]
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def test_the_most_specific_rule_wins() -> None:
    assert route(RULES, category="transport", area_code="330482") == "dushu-town"
    assert route(RULES, category="transport", area_code="330402") == "jx-transport"
    assert route(RULES, category="transport", area_code="110105") == "province-transport"


def test_a_category_match_beats_an_area_match() -> None:
    assert route(RULES, category="housing", area_code="330482") == "pinghu-office"
    assert route(RULES, category="housing", area_code="110105") == "catch-all"
    assert route([], category="housing", area_code="110105") is None


def test_every_matching_unit_is_eligible_to_claim() -> None:
    assert eligible(RULES[:3], category="transport", area_code="330482") == [
        "dushu-town",
        "jx-transport",
        "province-transport",
    ]


def test_hotline_deadlines_are_two_hours_to_accept_and_three_days_to_close() -> None:
    policy = DeadlinePolicy()
    assert policy.span(CaseKind.HOTLINE, DeadlineStep.REVIEW) == timedelta(hours=2)
    assert policy.span(CaseKind.HOTLINE, DeadlineStep.CLOSURE) == timedelta(days=3)
    changed = DeadlinePolicy.with_overrides({"hotline": {"review": timedelta(hours=1)}})
    assert changed.span(CaseKind.HOTLINE, DeadlineStep.REVIEW) == timedelta(hours=1)
    assert policy.span(CaseKind.HOTLINE, DeadlineStep.REVIEW) == timedelta(hours=2)


def closed_case(case_id: str, *, handling_days: int) -> Case:
    case = Case.submit(
        id=case_id,
        kind=CaseKind.ISSUE,
        title="环卫工人午休",
        body="需要午休场所……",
        submitted_by="rep-1",
        at=T0,
        area_code="330482",
    )
    at = T0 + timedelta(hours=2)
    case.accept(by="g", at=at)
    case.assign("u1", by="g", at=at)
    case.accept_assignment("u1", at=at)
    at += timedelta(days=handling_days)
    case.complete("u1", at=at, result="已开放")
    case.verify(by="s", at=at)
    case.give_feedback(by="rep-1", at=at, satisfaction=5)
    return case


def test_statistics_count_rates_and_hours_per_step() -> None:
    fast, slow = closed_case("A", handling_days=1), closed_case("B", handling_days=40)
    waiting = Case.submit(
        id="C", kind=CaseKind.PROPOSAL, title="待审", body="……", submitted_by="rep-2", at=T0
    )
    closure = {
        c.id: [
            Deadline(1, c.id, DeadlineStep.CLOSURE, T0, T0 + timedelta(days=30), c.timeline[-1].at)
        ]
        for c in (fast, slow)
    }
    figures = statistics([fast, slow, waiting], closure, by=["kind", "period"])
    total = figures["total"]
    assert (total["submitted"], total["accepted"], total["closed"]) == (3, 2, 2)
    assert total["closure_rate"] == 1.0 and total["on_time_rate"] == 0.5
    assert total["avg_hours_per_step"] == {
        "assignment": 0.0,
        "handling": 492.0,
        "review": 2.0,
        "supervision": 0.0,
        "feedback": 0.0,
    }
    assert figures["by"]["kind"]["proposal"]["accepted"] == 0
    assert figures["by"]["period"]["2026-11"]["submitted"] == 3


def test_ratings_run_by_quarter_in_shanghai_time() -> None:
    assert rating_period(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) == "2026-Q4"  # 1 Oct, 01:00
    assert rating_period(datetime(2026, 9, 30, 15, 0, tzinfo=UTC)) == "2026-Q3"


def test_a_masked_key_contact_shows_nothing_personal() -> None:
    contact = KeyContact(
        id="K1",
        name="王建国",
        phone="13812345678",
        address="平湖市当湖街道东湖路88号",
        situation="独居",
        area_code="330482",
        representative_id="rep-zhu",
        created_at=T0,
    )
    masked = contact.masked()
    assert (masked.name, masked.phone, masked.address, masked.situation) == (
        "王**",
        "138****5678",
        "平湖市当湖街****",
        None,
    )
