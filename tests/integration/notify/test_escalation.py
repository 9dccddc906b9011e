"""Reminders before a deadline, overdue cases escalated up the chain, supervisors' daily digest."""

from __future__ import annotations

from datetime import timedelta

from gonghui.notify.application.digest import send_digests
from gonghui.notify.application.handlers import apply_rules
from tests.integration.notify.conftest import Uow, deliveries, drain, event, inbox, person, webhook
from tests.support.sinks import http_sink


def overdue(level: int | None = None):
    data = {
        "proposal_id": "H-12351-7",
        "title": "欠薪求助",
        "kind": "hotline",
        "assigned_to": "handler-1",
    }
    if level is not None:
        data["escalation_level"] = level
    return event("proposal.overdue.v1", "H-12351-7", data, event_id=f"overdue-{level}")


async def test_overdue_hotline_case_climbs_the_supervisor_chain(uow: Uow, dispatcher) -> None:
    async with http_sink() as sink:
        await person(uow, "handler-1", webhook(sink.url("/handler")), supervisor="section-chief")
        await person(
            uow, "section-chief", webhook(sink.url("/chief")), supervisor="director", digest=True
        )
        await person(uow, "director", webhook(sink.url("/director")))
        for level in (None, 2):
            await apply_rules(overdue(level), overdue(level).data, uow=uow())
        await drain(dispatcher)

    assert [r.path for r in sink.received] == ["/chief", "/director"]
    [chief] = [r.json()["data"] for r in sink.received if r.path == "/chief"]
    assert chief["title"] == "【督办】逾期未办结：欠薪求助" and chief["priority"] == "urgent"
    assert "承办：handler-1" in chief["body"]
    assert await inbox(uow, "handler-1") == []  # the handler is not the one escalated to
    assert len(await inbox(uow, "section-chief")) == 1


async def test_reminders_go_out_before_the_deadline_and_stop_when_the_case_is_done(
    uow: Uow, dispatcher, clock
) -> None:
    due = clock.now() + timedelta(days=2)
    data = {
        "proposal_id": "P-3",
        "title": "驿站饮水机",
        "assigned_to": "handler-1",
        "due_at": due.isoformat(),
    }
    async with http_sink() as sink:
        await person(uow, "handler-1", webhook(sink.url("/handler")))
        assigned = event("proposal.assigned.v1", "P-3", data)
        await apply_rules(assigned, data, uow=uow())
        await drain(dispatcher)
        assert [r.json()["data"]["title"] for r in sink.received] == ["交办：驿站饮水机"]

        clock.advance(timedelta(days=1, seconds=1))  # one day before the deadline
        await drain(dispatcher)
        assert sink.received[-1].json()["data"]["title"] == "即将到期：驿站饮水机"
        titles = [n.title for n in await inbox(uow, "handler-1")]
        assert titles == ["即将到期：驿站饮水机", "交办：驿站饮水机"]

        done = event("proposal.completed.v1", "P-3", {"proposal_id": "P-3", "title": "驿站饮水机"})
        await apply_rules(done, done.data, uow=uow())
        clock.advance(timedelta(hours=23))  # past the two-hour reminder
        await drain(dispatcher)
        assert len(sink.received) == 2

    reminders = {
        d.purpose: d.status
        for d, _ in await deliveries(uow, event_id=assigned.id)
        if d.channel == "preferred"
    }
    assert reminders == {
        "notify": "delivered",
        "remind-1440": "delivered",
        "remind-120": "cancelled",
    }


async def test_supervisor_gets_one_daily_digest_instead_of_a_flood(
    uow: Uow, dispatcher, clock
) -> None:
    async with http_sink() as sink:
        await person(uow, "sup-1", webhook(sink.url("/sup")), digest=True)
        for n in range(1, 6):
            progress = event(
                "proposal.progress.v1",
                f"P-{n}",
                {"proposal_id": f"P-{n}", "title": f"事项{n}", "supervisor": "sup-1"},
            )
            await apply_rules(progress, progress.data, uow=uow())
        await drain(dispatcher)
        assert sink.received == []
        assert len(await inbox(uow, "sup-1")) == 5

        assert await send_digests(uow=uow(), hour=8) == 0  # 10:00: today's digest hour has passed
        clock.advance(timedelta(hours=22))  # 08:00 next morning
        assert await send_digests(uow=uow(), hour=8) == 1
        assert await send_digests(uow=uow(), hour=8) == 0  # a second replica finds nothing left
        await drain(dispatcher)

    [digest] = [r.json()["data"] for r in sink.received]
    assert digest["title"] == "每日汇总（2026-12-01）：5 条待关注事项"
    assert digest["body"].count("· 进展：事项") == 5
