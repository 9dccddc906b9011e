"""Reminders before a deadline, overdue cases escalated up the chain, supervisors' daily digest."""

from __future__ import annotations

from datetime import timedelta

from gonghui.notify.application.digest import send_digests
from gonghui.notify.application.handlers import apply_rules, put_rule
from gonghui.notify.domain.model import Rule
from tests.integration.notify.conftest import Uow, deliveries, drain, event, inbox, person, webhook
from tests.support.sinks import http_sink


def overdue(level: int | None = None, **fields: str):
    """`proposal.overdue.v1` of a 12351 hotline case, as proposals announces it."""
    data = {
        "proposal_id": "H-12351-7",
        "title": "欠薪求助",
        "kind": "hotline",
        "step": "handling",
        "due_at": "2026-11-30T01:00:00+00:00",
        "detected_at": "2026-11-30T02:00:00+00:00",
        "status": "in_progress",
        "submitted_by": "rep-001",
        **fields,
    }
    if level is not None:
        data["escalation_level"] = level
    return event("proposal.overdue.v1", "H-12351-7", data, event_id=f"overdue-{level}")


async def test_overdue_hotline_case_reaches_the_responsible_person_and_their_supervisor(
    uow: Uow, dispatcher
) -> None:
    async with http_sink() as sink:
        await person(
            uow,
            "handler-1",
            webhook(sink.url("/handler")),
            supervisor="section-chief",
            name="王科长",
            quiet_start="00:00",
            quiet_end="23:59",
        )
        await person(
            uow, "section-chief", webhook(sink.url("/chief")), supervisor="director", digest=True
        )
        await person(uow, "director", webhook(sink.url("/director")))
        await person(uow, "role:supervisor", webhook(sink.url("/supervisors")))
        for level in (None, 2):  # proposals may escalate again, a step further up
            late = overdue(level, responsible_person="handler-1")
            await apply_rules(late, late.data, uow=uow())
        await drain(dispatcher)

    assert sorted(r.path for r in sink.received) == [
        "/chief",
        "/director",
        "/handler",
        "/handler",
        "/supervisors",
        "/supervisors",
    ]
    [chief] = [r.json()["data"] for r in sink.received if r.path == "/chief"]
    assert chief["title"] == "【督办】逾期未办结：欠薪求助" and chief["priority"] == "urgent"
    assert chief["body"] == (
        "12351 热线事项「欠薪求助」（编号 H-12351-7）的办理落实已超过期限"
        "（2026-11-30 09:00 (+08:00)），责任人：王科长。请督促办理。"
    )
    # 12351: the named person hears of it in person, at once, through their quiet hours.
    handler = [r.json()["data"] for r in sink.received if r.path == "/handler"]
    assert handler[0]["title"] == "【12351 督办】逾期未办结：欠薪求助"
    assert handler[0]["body"].startswith("王科长：您负责的 12351 热线事项「欠薪求助」")
    assert len(await inbox(uow, "section-chief")) == 1  # urgent: not held for the digest


async def test_a_late_acceptance_is_called_a_late_acceptance(uow: Uow) -> None:
    late = overdue(step="acceptance", unit_code="transport")
    await apply_rules(late, late.data, uow=uow())
    [notice] = await inbox(uow, "role:supervisor")
    assert notice.title == "【督办】逾期未接收：欠薪求助" and "未办结" not in notice.body


async def test_overdue_at_a_unit_reaches_the_units_supervisor(uow: Uow, dispatcher) -> None:
    async with http_sink() as sink:
        await person(
            uow,
            "dept:transport",
            kind="department",
            supervisor="city-union-chief",
            name="平湖市交通运输局",
        )
        await person(uow, "city-union-chief", webhook(sink.url("/chief")))
        late = overdue(unit_code="transport")
        await apply_rules(late, late.data, uow=uow())
        await drain(dispatcher)
    [chief] = [r.json()["data"] for r in sink.received]
    assert "承办单位：平湖市交通运输局" in chief["body"]
    assert len(await inbox(uow, "role:supervisor")) == 1


DEADLINE_RULE = Rule(
    id="handling-reminder",
    event_type="case.due.v1",
    description="A unit is reminded before its handling deadline.",
    recipients=["dept:$unit_code"],
    channels=["in_app", "preferred"],
    title_zh="即将到期：{{ title }}",
    body_zh="事项 {{ proposal_id }} 将于 {{ due_at | local }} 到期。",
    remind_before_minutes=[1440, 120],
    due_field="due_at",
    cancel_on=["proposal.transitioned.v1"],
)


async def test_reminders_go_out_before_the_deadline_and_stop_when_the_case_moves_on(
    uow: Uow, dispatcher, clock
) -> None:
    await put_rule(DEADLINE_RULE, uow=uow())
    due = clock.now() + timedelta(days=2)
    data = {
        "proposal_id": "P-3",
        "title": "驿站饮水机",
        "unit_code": "water",
        "due_at": due.isoformat(),
    }
    async with http_sink() as sink:
        await person(uow, "dept:water", webhook(sink.url("/water")), kind="department")
        announced = event("case.due.v1", "P-3", data)
        await apply_rules(announced, data, uow=uow())
        await drain(dispatcher)
        assert sink.received == []  # nothing yet: the first reminder is a day before

        clock.advance(timedelta(days=1, seconds=1))
        await drain(dispatcher)
        assert [r.json()["data"]["title"] for r in sink.received] == ["即将到期：驿站饮水机"]
        assert [n.title for n in await inbox(uow, "dept:water")] == ["即将到期：驿站饮水机"]

        done = event(
            "proposal.transitioned.v1", "P-3", {"proposal_id": "P-3", "action": "complete"}
        )
        await apply_rules(done, done.data, uow=uow())
        clock.advance(timedelta(hours=23))  # past the two-hour reminder
        await drain(dispatcher)
        assert len(sink.received) == 1

    reminders = {
        (d.purpose, d.channel): d.status for d, _ in await deliveries(uow, event_id=announced.id)
    }
    assert reminders == {
        ("remind-1440", "in_app"): "delivered",
        ("remind-1440", "preferred"): "delivered",
        ("remind-120", "in_app"): "cancelled",
        ("remind-120", "preferred"): "cancelled",
    }


async def test_supervisors_get_one_daily_digest_instead_of_a_flood(
    uow: Uow, dispatcher, clock
) -> None:
    async with http_sink() as sink:
        await person(uow, "role:supervisor", webhook(sink.url("/sup")), digest=True)
        for n in range(1, 6):
            completed = event(
                "proposal.transitioned.v1",
                f"P-{n}",
                {
                    "proposal_id": f"P-{n}",
                    "kind": "issue",
                    "action": "complete",
                    "unit_code": "water",
                },
            )
            await apply_rules(completed, completed.data, uow=uow())
        await drain(dispatcher)
        assert sink.received == []
        assert len(await inbox(uow, "role:supervisor")) == 5

        assert await send_digests(uow=uow(), hour=8) == 0  # 10:00: today's digest hour has passed
        clock.advance(timedelta(hours=22))  # 08:00 next morning
        assert await send_digests(uow=uow(), hour=8) == 1
        assert await send_digests(uow=uow(), hour=8) == 0  # a second replica finds nothing left
        await drain(dispatcher)

    [digest] = [r.json()["data"] for r in sink.received]
    assert digest["title"] == "每日汇总（2026-12-01）：5 条待关注事项"
    assert digest["body"].count("· 待督查：问题建议（编号 P-") == 5
