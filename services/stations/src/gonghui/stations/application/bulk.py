"""Bulk data: stations from CSV rows, applied one row at a time so one bad row spoils nothing."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from gonghui.shared.contracts.common import DepartmentCode
from gonghui.shared.contracts.stations import RegisterStation
from gonghui.shared.envelope import describe
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import register_station
from gonghui.stations.domain.areas import UnknownArea
from gonghui.stations.domain.model import InvalidTransition

CSV_COLUMNS = (
    "external_ref",
    "name",
    "address",
    "lat",
    "lon",
    "services",
    "open_hours",
    "manager_name",
    "manager_phone",
    "area_code",
    "coord_system",
    "operator",
    "co_builders",
    "funding_source",
)
"""Columns of an import file; the first nine are required, lists are separated by `;`."""

_LISTS = ("services", "co_builders")
_DEPARTMENT = TypeAdapter(DepartmentCode)


@dataclass
class ImportReport:
    """What an import did, row by row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV file (a BOM, as Excel writes, is fine)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _command(row: dict[str, str]) -> tuple[RegisterStation, str | None]:
    data: dict[str, Any] = {k: v.strip() for k, v in row.items() if k and v and v.strip()}
    for name in _LISTS:
        if name in data:
            data[name] = [item.strip() for item in data[name].split(";") if item.strip()]
    operator = data.pop("operator", None)
    if operator is not None:
        _DEPARTMENT.validate_python(operator)
    return RegisterStation.model_validate(data), operator


async def import_rows(
    rows: list[dict[str, str]],
    *,
    uow_factory: Callable[[], StationsUnitOfWork],
    default_operator: str | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> ImportReport:
    """Register or update each row's station (by operator and external_ref): safe to run again."""
    report = ImportReport()
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            cmd, operator = _command(row)
            operator = operator or default_operator
            uow = uow_factory()
            async with uow:
                before = await uow.stations.by_external_ref(operator, cmd.external_ref)
            after = await register_station(cmd, operator=operator, uow=uow_factory())
            if before is None:
                report.created += 1
            elif after.updated_at != before.updated_at:
                report.updated += 1
            else:
                report.unchanged += 1
        except ValidationError as exc:
            report.errors.append((number, describe(exc)))
        except (UnknownArea, InvalidTransition, ValueError) as exc:
            report.errors.append((number, str(exc)))
        progress(1)
    return report
