"""Routing by category × area, rating periods, and the masks of personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.proposals.domain.model import CaseKind, DeadlineStep
from gonghui.proposals.domain.participation import KeyContact, rating_period
from gonghui.proposals.domain.routing import RoutingRule, eligible, route

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
