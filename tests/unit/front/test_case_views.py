"""The case pages' content: five steps, names, Chinese labels, Beijing time, overdue marks."""

from __future__ import annotations

from datetime import UTC, datetime

from gonghui.front.views.cases import Names, case_row, case_view
from gonghui.front.views.times import beijing, span_words
from gonghui.front.views.work import work_item, work_queue

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NAMES = Names(people={"rep-shen": "沈代表", "sup-1": "督查组"}, units={"dushu-town": "独山港镇"})


def transition(seq: int, action: str, step: str, to: str, actor: str, at: str, **more: object):
    """A timeline line as `GET /proposals/{id}` gives it."""
    return {
        "seq": seq,
        "action": action,
        "action_label": {"submit": "提交", "accept": "立案", "assign": "交办"}.get(action, action),
        "step": step,
        "to_status": to,
        "actor": actor,
        "at": at,
        "note": more.pop("note", None),
        "unit_code": more.pop("unit_code", None),
        "details": more,
    }


def a_case(status: str, timeline: list[dict], deadlines: list[dict] | None = None) -> dict:
    """A case as the proposals service answers it."""
    return {
        "id": "01JDX",
        "number": "330482-2026-000042",
        "kind": "proposal",
        "title": "司机之家",
        "body": "联系人 13812345678",
        "category": "transport",
        "area_code": "330482",
        "submitted_by": "rep-shen",
        "submitted_at": "2026-11-28T01:00:00Z",
        "status": status,
        "status_label": "办理中",
        "priority": "normal",
        "unit_code": "dushu-town",
        "claimed_by": None,
        "offered_to": [],
        "progress_percent": 50,
        "satisfaction": None,
        "timeline": timeline,
        "deadlines": deadlines or [],
    }


HANDLING = [
    transition(1, "submit", "submission", "submitted", "rep-shen", "2026-11-28T01:00:00Z"),
    transition(2, "accept", "review", "accepted", "group", "2026-11-28T02:00:00Z"),
    transition(
        3,
        "assign",
        "assignment",
        "assigned",
        "group",
        "2026-11-28T03:00:00Z",
        unit_code="dushu-town",
    ),
    transition(
        4,
        "progress",
        "handling",
        "in_progress",
        "dept:dushu-town",
        "2026-11-29T03:00:00Z",
        percent=50,
        milestone="选址完成",
    ),
]


def test_a_case_in_handling_shows_three_steps_reached_with_names_and_beijing_times() -> None:
    view = case_view(a_case("in_progress", HANDLING), names=NAMES, now=NOW)

    assert [(s.label, s.state) for s in view.steps] == [
        ("线上提交", "done"),
        ("小组审议", "done"),
        ("办理落实", "current"),
        ("执行督查", "waiting"),
        ("总结反馈", "waiting"),
    ]
    assert view.number == "330482-2026-000042"
    assert view.submitted_by == "沈代表" and view.unit == "独山港镇"
    assert view.steps[0].finished_at == "2026-11-28 09:00"
    handling = view.steps[2].entries
    assert [e.label for e in handling] == ["交办：独山港镇", "progress"]
    assert handling[1].who == "独山港镇" and handling[1].milestone == "选址完成"
    assert view.kind_label == "提案" and view.category_label == "交通出行"


def test_a_rejected_case_ends_at_review_and_skips_the_rest() -> None:
    view = case_view(a_case("rejected", HANDLING[:1]), names=NAMES, now=NOW)

    assert [s.state for s in view.steps] == ["done", "done", "skipped", "skipped", "skipped"]
    assert view.steps[1].state_label == "不予立案"


def deadline(step: str, due_at: str, state: str, ended_at: str | None = None) -> dict:
    """A deadline as the proposals service answers it."""
    return {"step": step, "due_at": due_at, "ended_at": ended_at, "state": state}


def test_an_overdue_deadline_says_how_late_in_words() -> None:
    deadlines = [
        deadline("acceptance", "2026-11-30T07:30:00Z", "overdue"),
        deadline("closure", "2026-12-28T01:00:00Z", "running"),
        deadline("review", "2026-11-29T01:00:00Z", "met", "2026-11-28T02:00:00Z"),
    ]
    view = case_view(a_case("assigned", HANDLING[:3], deadlines), names=NAMES, now=NOW)

    assert view.overdue
    assert [(d.label, d.due_at, d.words) for d in view.deadlines] == [
        ("单位受理", "2026-11-30 15:30", "已超期1小时30分钟"),
        ("办结", "2026-12-28 09:00", "还剩27天16小时"),
    ]


def test_the_work_queue_puts_overdue_first_masks_phones_and_offers_the_allowed_moves() -> None:
    late = a_case(
        "assigned", HANDLING[:3], [deadline("acceptance", "2026-11-30T08:00:00Z", "overdue")]
    )
    late["id"] = "late"
    busy = a_case(
        "in_progress", HANDLING, [deadline("handling", "2026-12-20T08:00:00Z", "running")]
    )
    busy["id"] = "busy"
    offered = a_case("offered", HANDLING[:2])
    offered.update(id="offered", unit_code=None, offered_to=["dushu-town", "lvdi"])
    closed = a_case("closed", HANDLING)
    closed["id"] = "closed"

    queue = work_queue([closed, busy, offered, late], unit_code="dushu-town", names=NAMES, now=NOW)

    assert queue[0].id == "late" and queue[-1].id == "closed"
    by_id = {i.id: i for i in queue}
    assert by_id["late"].overdue and by_id["late"].due_label == "单位受理期限"
    assert by_id["late"].actions == ["accept", "decline"]
    assert by_id["busy"].actions == ["progress", "complete", "decline"]
    assert by_id["offered"].actions == ["claim"]
    assert by_id["closed"].actions == [] and by_id["closed"].done
    assert "13812345678" not in by_id["busy"].body and "138****5678" in by_id["busy"].body


def test_my_cases_show_the_readable_number_and_the_unit_name() -> None:
    row = case_row(a_case("in_progress", []), NAMES)

    assert (row.number, row.unit, row.submitted_at) == (
        "330482-2026-000042",
        "独山港镇",
        "2026-11-28 09:00",
    )


def test_times_are_shown_in_beijing_and_spans_in_words() -> None:
    assert beijing("2026-11-30T16:30:00Z") == "2026-12-01 00:30"
    assert beijing("2026-11-30T16:30:00+00:00", short=True) == "12-01 00:30"
    assert span_words(NOW - datetime(2026, 11, 30, 8, 55, tzinfo=UTC)) == "5分钟"


def test_a_co_handling_unit_makes_the_moves_of_its_own_part() -> None:
    case = a_case("in_progress", HANDLING)
    case["co_handling"] = [
        {"unit_code": "ph-legal", "status": "assigned", "progress_percent": 0},
        {"unit_code": "lvdi", "status": "completed", "progress_percent": 100, "result": "已完成"},
    ]
    names = Names(units={**NAMES.units, "ph-legal": "平湖律师服务团"})

    legal = work_item(case, unit_code="ph-legal", names=names, now=NOW)
    done = work_item(case, unit_code="lvdi", names=names, now=NOW)
    lead = work_item(case, unit_code="dushu-town", names=names, now=NOW)

    assert (legal.actions, legal.role_label) == (["accept", "decline"], "协办")
    assert done.actions == []
    assert (lead.actions, lead.role_label) == (["progress", "complete", "decline"], "主办")
    parts = case_view(case, names=names, now=NOW).co_handling
    assert [(p.unit, p.status_label) for p in parts] == [
        ("平湖律师服务团", "待受理"),
        ("lvdi", "已办结"),
    ]


def test_a_unit_that_may_not_read_the_registry_sees_the_names_the_case_carries() -> None:
    case = {**a_case("in_progress", HANDLING), "names": {"rep-shen": "沈代表"}}
    unit_knows_units_only = Names(units={"dushu-town": "独山港镇"})

    item = work_item(case, unit_code="dushu-town", names=unit_knows_units_only, now=NOW)
    page = case_view(case, names=unit_knows_units_only, now=NOW, masked=True)

    assert item.submitted_by == "沈代表" and page.submitted_by == "沈代表"
    assert any(entry.who == "沈代表" for step in page.steps for entry in step.entries)
