"""Stations registered before the registry revision survive the upgrade and are searchable."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.nearby import NearbyIndex
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import find_nearby
from gonghui.stations.bootstrap import MIGRATIONS


async def test_old_stations_keep_their_codes_and_are_found_after_upgrade(
    database_url: str, keys: StreamKeys
) -> None:
    await upgrade(MIGRATIONS, database_url, revision="0001")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO stations (code, external_ref, operator, name, address, lat, lon,"
                    " services, open_hours, manager_name, manager_phone, status, registered_at)"
                    " VALUES ('GH-000001', 'X-1', NULL, '老驿站', '福州市鼓楼区', 26.08, 119.30,"
                    " '[\"rest\"]', '24/7', '林晓', '13800138000', 'proposed', :at)"
                ),
                {"at": datetime(2026, 11, 1, tzinfo=UTC)},
            )
        await upgrade(MIGRATIONS, database_url)
        uow = StationsUnitOfWork(session_factory(engine), service="stations", keys=keys)
        async with uow:
            old = await uow.stations.get("GH-000001")
        assert old is not None and old.area_code == "350102" and old.co_builders == []  # located
        hits = await find_nearby(
            NearbyIndex(engine),
            lat=26.08,
            lon=119.30,
            radius_m=100,
            at=datetime(2026, 11, 28, tzinfo=UTC),
        )
        assert [h.code for h in hits] == ["GH-000001"]
    finally:
        await engine.dispose()
