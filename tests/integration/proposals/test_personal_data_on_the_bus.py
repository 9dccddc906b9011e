"""Personal numbers typed into free text never leave a service unmasked (issue 12, item 4).

The class: every event and work item type of the catalogue, every free-text field of it, numbers
in the formats people type them (+86, spaces, dashes, an ID number ending in X), written through a
real unit of work and relay into real Redis, on SQLite and PostgreSQL. The one exception, a work
item's body on its own unit's inbox, is delivered in full and audited.
"""

from __future__ import annotations

import json
import random
import types
import typing
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import select

from gonghui.proposals.adapters.orm import PersonalDataAccessRow
from gonghui.proposals.application import handlers as cases
from gonghui.shared.contracts import CATALOGUE, Event
from gonghui.shared.contracts.proposals import CaseKind, ProposalAssigned
from gonghui.shared.db import session_factory
from gonghui.shared.outbox import OutboxRelay
from gonghui.shared.privacy import is_free_text, is_id_card, leaks, leaks_in_entry
from gonghui.shared.streams import StreamKeys
from tests.integration.proposals.conftest import UowFactory

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: random.Random) -> str:
    """A resident ID number with a valid check digit (X included, about one in eleven)."""
    body = f"{rng.choice(['110105', '350102', '330482', '640104'])}"
    body += f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    number = body + "10X98765432"[total % 11]
    assert is_id_card(number)
    return number


def typed_numbers(rng: random.Random) -> list[str]:
    """Mobile and ID numbers the way people type them into a form."""
    mobile = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
    a, b, c = mobile[:3], mobile[3:7], mobile[7:]
    ident = resident_id(rng)
    return [
        mobile,
        f"+86{mobile}",
        f"+86 {a} {b} {c}",
        f"{a}-{b}-{c}",
        f"(+86){a}-{b}-{c}",
        f"0086{mobile}",
        ident,
        ident[:-1] + ident[-1].lower(),
        f"{ident[:6]} {ident[6:14]} {ident[14:]}",
        "110105194912310" + "02X",
    ]


def _value(annotation: Any, name: str, text: str) -> Any:
    """A value of the field's type; free-text strings carry `text`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _value(typing.get_args(annotation)[0], name, text)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _value(inner[0], name, text)
    if origin is list:
        return [_value(typing.get_args(annotation)[0], name, text)]
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        if issubclass(annotation, BaseModel):
            return annotation.model_construct(
                **{n: _value(f.annotation, n, text) for n, f in annotation.model_fields.items()}
            )
        if annotation is bool:
            return True
        if annotation is int:
            return 3
        if annotation is float:
            return 26.07
        if annotation is datetime:
            return datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
        if annotation is date:
            return date(2026, 11, 30)
        if annotation is str:
            return f"请联系 {text} 谢谢" if is_free_text(name) else f"{name}-1"
    raise AssertionError(f"no example for {name}: {annotation!r}")


def example(contract: type[Event], text: str) -> Event:
    """An instance of a contract with `text` in every free-text field."""
    return contract.model_construct(
        **{n: _value(f.annotation, n, text) for n, f in contract.model_fields.items()}
    )


EVENTS = [c for c in CATALOGUE.contracts if issubclass(c, Event)]


def test_every_event_type_with_free_text_is_in_the_class() -> None:
    with_text = {
        c.type_name
        for c in EVENTS
        if any(leaks(json.dumps(v, ensure_ascii=False)) for v in _free_values(c))
    }
    # The types the issue names, and the ones a person's typing reaches.
    assert {
        "proposal.submitted.v1",
        "proposal.transitioned.v1",
        "proposal.assigned.v1",
        "proposal.offered.v1",
        "station.complaint_received.v1",
        "notification.posted.v1",
    } <= with_text


def _free_values(contract: type[Event]) -> list[Any]:
    data = example(contract, "13800138000").model_dump(mode="json")
    return [v for k, v in data.items() if is_free_text(k)]


async def test_free_text_of_every_event_and_work_item_is_masked_on_every_stream(
    proposals_engine, redis: Redis, keys: StreamKeys, proposals_uow: UowFactory
) -> None:
    rng = random.Random(12_4)
    typed: list[str] = []
    async with proposals_uow() as uow:
        for contract in EVENTS:
            for number in typed_numbers(rng):
                typed.append(number)
                event = example(contract, number)
                uow.emit(event, subject="P-1")
                uow.emit(event, subject="P-1", stream=keys.inbox("jx-transport"))
                uow.emit(event, subject="P-1", stream=keys.feed("jx-transport"))
        await uow.commit()
    relay = OutboxRelay(session_factory(proposals_engine), redis, service="proposals", keys=keys)
    while await relay.relay_once():
        pass

    inbox = keys.inbox("jx-transport")
    seen = 0
    for stream in (keys.events("proposals"), inbox, keys.feed("jx-transport")):
        for _, fields in await redis.xrange(stream):
            seen += 1
            contract = CATALOGUE.get(fields[b"type"].decode())
            allowed = contract.disclosed_to_recipient if stream == inbox else frozenset()
            assert leaks_in_entry(fields, disclosed=allowed) == [], (stream, fields)
    assert seen == 3 * len(EVENTS) * len(typed_numbers(rng))

    # The one disclosure: the body of a work item, in full, on its unit's own inbox, audited.
    bodies = [
        json.loads(fields[b"data"])["body"]
        for _, fields in await redis.xrange(inbox)
        if fields[b"type"] == ProposalAssigned.type_name.encode()
    ]
    assert all(leaks(body) for body in bodies)
    async with proposals_uow() as uow:
        audit = (await uow.session.scalars(select(PersonalDataAccessRow))).all()
    assert len(audit) == len(bodies)
    assert {a.reader for a in audit} == {"dept:jx-transport"}


@pytest.mark.usefixtures("units")
async def test_a_hotline_callers_phone_reaches_only_the_assigned_unit_and_is_audited(
    proposals_engine, redis: Redis, keys: StreamKeys, proposals_uow: UowFactory, policy
) -> None:
    call = cases.SubmitProposal(
        kind=CaseKind.HOTLINE,
        title="12351 来电：欠薪求助，来电人 139 0139 1234",
        body="来电人王师傅（手机 +86 139-0139-1234，身份证 11010519491231002X）"
        "反映被拖欠工资三个月。",
        area_code="330482",
        category="legal",
        submitted_by="hotline-desk",
    )
    case = await cases.submit_proposal(call, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id, by="g", note=None, responsible_person="李主任", uow=proposals_uow(), policy=policy
    )
    await cases.assign(
        case.id,
        by="g",
        unit_code="ph-legal",
        note="请回电 13901391234",
        uow=proposals_uow(),
        policy=policy,
    )
    relay = OutboxRelay(session_factory(proposals_engine), redis, service="proposals", keys=keys)
    while await relay.relay_once():
        pass

    public = [json.loads(f[b"data"]) for _, f in await redis.xrange(keys.events("proposals"))]
    assert public and not any(leaks(json.dumps(d, ensure_ascii=False)) for d in public)
    assert any("139****1234" in d.get("title", "") for d in public)
    ((_, item),) = await redis.xrange(keys.inbox("ph-legal"))
    work = json.loads(item[b"data"])
    assert "+86 139-0139-1234" in work["body"] and "11010519491231002X" in work["body"]
    assert "139****1234" in work["title"] and work["note"] == "请回电 139****1234"
    async with proposals_uow() as uow:
        (audit,) = (await uow.session.scalars(select(PersonalDataAccessRow))).all()
    assert audit.key_contact_id == case.id and audit.reader == "dept:ph-legal"
    assert "proposal.assigned.v1" in (audit.purpose or "")
