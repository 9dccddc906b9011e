"""Use cases: what a partner or a person can ask the registry to do."""

from __future__ import annotations

from gonghui.shared.contracts.stations import RegisterStation, StationRegistered, StationUpdated
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.domain.model import PUBLIC_FIELDS, Station


async def register_station(
    cmd: RegisterStation, *, operator: str | None, code_prefix: str, uow: StationsUnitOfWork
) -> Station:
    """编号管理: number and record a new station, or update it if the operator sent it before."""
    async with uow:
        now = uow.clock.now()
        public = {name: getattr(cmd, name) for name in PUBLIC_FIELDS}
        public["services"] = [str(s) for s in cmd.services]
        station = await uow.stations.by_external_ref(operator, cmd.external_ref)
        if station is not None:
            changed = station.revise(at=now, **public)
            if changed:
                await uow.stations.save(station)
                uow.emit(
                    StationUpdated(
                        code=station.code,
                        changed=changed,
                        name=station.name,
                        lat=station.lat,
                        lon=station.lon,
                        services=station.services,
                        open_hours=station.open_hours,
                    ),
                    subject=station.code,
                )
        else:
            number = await uow.codes.next(code_prefix)
            station = Station(
                code=f"{code_prefix}-{number:06d}",
                external_ref=cmd.external_ref,
                operator=operator,
                registered_at=now,
                **public,
            )
            uow.stations.add(station)
            uow.emit(
                StationRegistered(
                    code=station.code,
                    external_ref=station.external_ref,
                    operator=station.operator,
                    name=station.name,
                    address=station.address,
                    lat=station.lat,
                    lon=station.lon,
                    services=station.services,
                    open_hours=station.open_hours,
                    status=station.status.value,
                    registered_at=station.registered_at,
                ),
                subject=station.code,
            )
        await uow.commit()
        return station
