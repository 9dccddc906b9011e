"""Names for the codes and ids the services answer with: units from the department directory,
representatives from the proposals service's registry."""

from __future__ import annotations

from fastapi import Request

from gonghui.front.adapters.services import ServiceRefusal, services_for
from gonghui.front.views.cases import Names
from gonghui.shared.departments import DepartmentDirectory


async def names_for(request: Request) -> Names:
    """Every department's name by code (the units cases go to) and, when the signed-in person
    may read the registry, every representative's name by id."""
    state = request.app.state
    departments = await DepartmentDirectory(state.redis, state.keys).all()
    try:
        registry = await services_for(request).get(
            "proposals", "/representatives", params={"limit": 2000}
        )
    except ServiceRefusal:
        registry = {"items": []}  # units may not read the registry: ids stay as they are
    return Names(
        people={r["id"]: r["name"] for r in registry["items"]},
        units={d.code: d.name for d in departments},
    )
