"""Names for the codes the services answer with: units from the department directory."""

from __future__ import annotations

from redis.asyncio import Redis

from gonghui.front.views.cases import Names
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.streams import StreamKeys


async def names_of(
    redis: Redis, keys: StreamKeys, *, people: dict[str, str] | None = None
) -> Names:
    """Every department's name by code (they are the units cases go to), and people given."""
    departments = await DepartmentDirectory(redis, keys).all()
    return Names(people=people or {}, units={d.code: d.name for d in departments})
