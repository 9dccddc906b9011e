"""A use case that commits inside another's scope hands its commit to that scope, never loses it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from gonghui.shared.contracts.stations import StationExited
from gonghui.shared.db import OutboxRow
from gonghui.shared.uow import UncommittedWork
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork

EXITED = StationExited(
    code="350102-0001",
    from_status="active",
    to_status="exited",
    actor="staff-1",
    reason="场地收回",
    at=datetime(2026, 12, 1, 8, tzinfo=UTC),
)


async def use_case(uow: StationsUnitOfWork) -> None:
    """Any use case: it opens its scope, emits, and commits."""
    async with uow:
        uow.emit(EXITED, subject=EXITED.code)
        await uow.commit()


async def outbox_rows(uow_factory: Callable[[], StationsUnitOfWork]) -> int:
    async with uow_factory() as uow:
        return await uow.session.scalar(select(func.count()).select_from(OutboxRow))


async def test_the_outer_scope_commits_what_a_nested_use_case_committed(stations_uow) -> None:
    outer = stations_uow()
    async with outer:
        await use_case(outer)
        await outer.commit()
    assert await outbox_rows(stations_uow) == 1


async def test_an_outer_scope_ending_without_its_commit_says_the_work_was_lost(
    stations_uow,
) -> None:
    outer = stations_uow()
    with pytest.raises(UncommittedWork, match="rolled back"):
        async with outer:
            await use_case(outer)
    assert await outbox_rows(stations_uow) == 0
    async with outer:  # the next scope starts clean
        pass


async def test_a_failure_after_a_nested_commit_is_the_error_reported(stations_uow) -> None:
    outer = stations_uow()
    with pytest.raises(ValueError, match="the unit refused"):
        async with outer:
            await use_case(outer)
            raise ValueError("the unit refused")
    async with outer:
        await use_case(outer)
        await outer.rollback()
    assert await outbox_rows(stations_uow) == 0
