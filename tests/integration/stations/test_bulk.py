"""Bulk data: CSV import (row-by-row errors, safe to re-run) and the demo data set."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.bulk import CSV_COLUMNS, import_rows, read_rows
from gonghui.stations.application.demo import load_demo
from tests.support.servers import run_cli

GOOD = {
    "external_ref": "POST-FZ-001",
    "name": "鼓楼邮政爱心驿站",
    "address": "福州市鼓楼区东街88号",
    "lat": "26.0885",
    "lon": "119.3012",
    "services": "drinking_water; rest;toilet",
    "open_hours": "Mo-Su 08:00-20:00",
    "manager_name": "郑芳",
    "manager_phone": "0591-87654321",
    "co_builders": "鼓楼区城管局;东街街道",
}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def rows_with_errors() -> list[dict[str, str]]:
    return [
        GOOD,
        {**GOOD, "external_ref": "POST-FZ-002", "manager_phone": "123"},
        {**GOOD, "external_ref": "POST-FZ-003", "lat": "north"},
        {**GOOD, "external_ref": "POST-FZ-004", "area_code": "999999"},
        {
            **GOOD,
            "external_ref": "POST-XM-005",
            "address": "厦门市思明区中山路1号",
            "lat": "24.45",
            "lon": "118.08",
        },
        {**GOOD, "external_ref": "POST-FZ-006", "operator": "Not A Code"},
    ]


async def test_import_reports_each_bad_row_and_is_safe_to_rerun(
    tmp_path: Path, stations_uow: Callable[[], StationsUnitOfWork]
) -> None:
    rows = read_rows(write_csv(tmp_path / "stations.csv", rows_with_errors()))
    first = await import_rows(rows, uow_factory=stations_uow, default_operator="fj-post")
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert [line for line, _ in first.errors] == [3, 4, 5, 7]
    assert "manager_phone" in first.errors[0][1] and "lat" in first.errors[1][1]
    assert "unknown area code 999999" in first.errors[2][1]

    rows[0]["open_hours"] = "24/7"
    again = await import_rows(rows, uow_factory=stations_uow, default_operator="fj-post")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    async with stations_uow() as uow:
        every = await uow.stations.every()
    assert sorted(s.code for s in every) == ["350102-0001", "350203-0001"]
    assert all(s.operator == "fj-post" for s in every)
    gulou = next(s for s in every if s.code == "350102-0001")
    assert gulou.services == ["drinking_water", "rest", "toilet"]
    assert gulou.co_builders == ["鼓楼区城管局", "东街街道"] and gulou.open_hours == "24/7"


def test_import_command_shows_progress_and_errors(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "stations.csv", rows_with_errors())
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = run_cli(
        "stations", "import", str(path), "--operator", "fj-post", "--database-url", url, env={}
    )
    assert done.returncode == 1, done.stderr
    assert "line 3:" in done.stdout and "line 7:" in done.stdout
    assert "2 created, 0 updated, 0 unchanged, 4 rejected" in done.stdout
    good = write_csv(tmp_path / "good.csv", [GOOD])
    again = run_cli(
        "stations", "import", str(good), "--operator", "fj-post", "--database-url", url, env={}
    )
    assert again.returncode == 0 and "0 created, 0 updated, 1 unchanged" in again.stdout


async def test_demo_data_set_has_bank_branch_stations_visits_and_activities(
    stations_uow: Callable[[], StationsUnitOfWork],
) -> None:
    report = await load_demo(
        uow_factory=stations_uow, stations=80, bank_stations=52, secret="test-secret"
    )
    assert report.stations == 80 and report.bank_stations == 52
    assert report.active > 50 and report.visits > 0 and report.activities > 0
    async with stations_uow() as uow:
        every = await uow.stations.every()
    operators = {s.operator for s in every}
    assert {"cib-bank", "fj-rcc"} <= operators
    assert sum(s.operator in ("cib-bank", "fj-rcc") for s in every) == 52
    assert all(s.area_code.startswith("35") and s.code.startswith(s.area_code + "-") for s in every)
    again = await load_demo(
        uow_factory=stations_uow, stations=80, bank_stations=52, secret="test-secret"
    )
    assert again.stations == 0
