"""Domain rules of notify: quiet hours, backoff, selectors, templates, nearest station."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from jinja2.exceptions import SecurityError

from gonghui.notify.domain import selectors, templates
from gonghui.notify.domain.defaults import DEFAULT_RULES
from gonghui.notify.domain.geo import NearestIndex, Place, distance_m
from gonghui.notify.domain.model import Recipient, Rule
from gonghui.notify.domain.policy import backoff, digest_due, quiet_until
from gonghui.shared.clock import SHANGHAI


def shanghai(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """Shanghai time on 30 November 2026, `day` days later."""
    start = datetime(2026, 11, 30, hour, minute, tzinfo=SHANGHAI) + timedelta(days=day)
    return start.astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "held_until"),
    [
        (shanghai(21, 59), None),
        (shanghai(22, 0), shanghai(7, 0, day=1)),
        (shanghai(3, 15), shanghai(7, 0)),
        (shanghai(7, 0), None),
    ],
)
def test_quiet_hours_across_midnight_release_in_the_morning(
    now: datetime, held_until: datetime | None
) -> None:
    assert quiet_until(now, start="22:00", end="07:00", priority="normal") == held_until


def test_urgent_and_critical_are_never_held() -> None:
    for priority in ("urgent", "critical"):
        assert quiet_until(shanghai(23), start="22:00", end="07:00", priority=priority) is None


def test_backoff_doubles_is_capped_and_keeps_half_of_each_step() -> None:
    rng = random.Random(1)
    for attempt, step in [(1, 10), (2, 20), (3, 40), (8, 300)]:
        delays = [
            backoff(attempt, base_s=10, cap_s=300, rng=rng).total_seconds() for _ in range(200)
        ]
        assert step / 2 <= min(delays) and max(delays) <= step
        assert max(delays) - min(delays) > step / 4  # actually jittered


def test_digest_moment_is_the_last_eight_oclock_in_shanghai() -> None:
    assert digest_due(shanghai(7, 59), hour=8) == shanghai(8, day=-1)
    assert digest_due(shanghai(8, 0), hour=8) == shanghai(8)


def test_selectors_take_participants_from_the_event() -> None:
    data = {"assigned_to": ["h-1", "h-2"], "department": "transport", "empty": ""}
    assert selectors.substitute("$assigned_to", data) == ["h-1", "h-2"]
    assert selectors.substitute("dept:$department", data) == ["dept:transport"]
    assert (
        selectors.substitute("$empty", data) == [] and selectors.substitute("$missing", data) == []
    )
    parsed = selectors.parse("supervisor:$assigned_to")
    assert parsed.kind == "supervisor" and parsed.inner == selectors.Selector(
        "direct", "$assigned_to"
    )
    assert selectors.parse("people:union_staff@$area_code").area == "$area_code"
    with pytest.raises(selectors.SelectorInvalid):
        selectors.parse("people:")


def test_template_renders_missing_fields_empty_and_shows_shanghai_time() -> None:
    text = templates.render(
        "{{ title }}|{{ nope.deeper }}|{{ due | local }}",
        {"title": "标题", "due": "2026-11-30T02:00:00+00:00"},
    )
    assert text == "标题||2026-11-30 10:00 (+08:00)"
    with pytest.raises(templates.TemplateInvalid):
        templates.check("{% if %}")


def test_templates_keep_jinjas_globals_and_its_sandbox() -> None:
    assert templates.render("{% for i in range(3) %}{{ i }}{% endfor %}", {}) == "012"
    assert templates.render("{{ name }}", {"name": "驿站", "range": "mine"}) == "驿站"
    assert templates.render("{{ name.__class__ }}", {"name": "驿站"}) == ""
    with pytest.raises(SecurityError):
        templates.render("{{ (1).__class__.__base__.__subclasses__() }}", {})


def test_english_only_when_asked_and_written() -> None:
    rule = Rule(
        id="r",
        event_type="a.b.v1",
        recipients=[],
        channels=[],
        title_zh="中",
        body_zh="文",
        title_en="en",
        body_en="EN",
    )
    assert rule.templates("en") == ("en", "EN") and rule.templates("zh-CN") == ("中", "文")
    rule.body_en = None
    assert rule.templates("en") == ("中", "文")


def test_opt_out_never_applies_to_critical() -> None:
    person = Recipient(id="p", name="p", opt_outs=["*"])
    assert person.opted_out_of(event_type="x.y.v1", rule_id=None, priority="urgent")
    assert not person.opted_out_of(event_type="x.y.v1", rule_id=None, priority="critical")


def test_nearest_station_matches_brute_force() -> None:
    rng = random.Random(5)
    places = [
        Place(f"S{n}", f"站{n}", None, 26 + rng.uniform(0, 0.5), 119 + rng.uniform(0, 0.5))
        for n in range(300)
    ]
    index = NearestIndex(places)
    for _ in range(300):
        lat, lon = 26 + rng.uniform(-0.2, 0.7), 119 + rng.uniform(-0.2, 0.7)
        expected = min(places, key=lambda p: distance_m(lat, lon, p.lat, p.lon))
        found = index.nearest(lat, lon)
        assert found is not None and found[0] == expected
        within = index.nearest(lat, lon, within_m=1000)
        assert (within is None) == (distance_m(lat, lon, expected.lat, expected.lon) > 1000)
    assert NearestIndex([]).nearest(26, 119) is None


def test_rule_conditions_pick_the_transitions_it_is_for() -> None:
    rule = Rule(
        id="r",
        event_type="proposal.transitioned.v1",
        recipients=[],
        channels=[],
        title_zh="t",
        body_zh="b",
        conditions={"action": ["assign", "reassign"]},
    )
    assert rule.applies_to({"action": "assign"}) and rule.applies_to({"action": "reassign"})
    assert not rule.applies_to({"action": "accept"}) and not rule.applies_to({})
    assert Rule(
        id="r", event_type="a.b.v1", recipients=[], channels=[], title_zh="t", body_zh="b"
    ).applies_to({})


def test_default_templates_compile_and_steps_read_in_chinese() -> None:
    for rule in DEFAULT_RULES:
        for source in (rule.title_zh, rule.body_zh, rule.title_en or "", rule.body_en or ""):
            templates.check(source)
    step = templates.render(
        "{{ step | step_zh }}：{{ action | action_zh }}",
        {"step": "supervision", "action": "verify"},
    )
    assert step == "执行督查：督查通过，请您评价"
