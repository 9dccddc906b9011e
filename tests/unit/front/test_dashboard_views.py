"""The dashboard's tables: the services' figures with Chinese headings, scoped, exportable."""

from __future__ import annotations

import csv
import io

from gonghui.front.views.cases import Names
from gonghui.front.views.dashboard import (
    Dashboard,
    cases_part,
    duty_part,
    stations_part,
)

VOCABULARY = {
    "statuses": [
        {"key": "proposed", "label": "筹建中"},
        {"key": "active", "label": "运营中"},
        {"key": "suspended", "label": "暂停服务"},
        {"key": "exited", "label": "已退出"},
    ],
    "reinspection": [{"key": "failed", "label": "复查未通过"}],
}


def feature(code: str, area: str, status: str, compliant: bool) -> dict:
    """A station of `/stations.geojson`."""
    return {
        "geometry": {"coordinates": [119.3, 26.08]},
        "properties": {
            "code": code,
            "name": f"驿站{code}",
            "address": '=HYPERLINK("http://x")',
            "area_code": area,
            "status": status,
            "compliant": compliant,
            "reinspection": "failed" if not compliant else None,
            "manager_name": "林晓",
        },
    }


def test_stations_are_scoped_to_the_area_and_compliance_counts_standing_stations() -> None:
    board = Dashboard(area="350100", generated_at="")
    features = [
        feature("350102-0001", "350102", "active", True),
        feature("350102-0002", "350102", "suspended", False),
        feature("350102-0003", "350102", "exited", False),
        feature("350203-0001", "350203", "active", True),
    ]
    totals = {
        "stations": {"active": 1, "suspended": 1, "exited": 1},
        "active_stations": 1,
        "coverage": {"parts": 13, "parts_with_active_station": 1, "ratio": 0.077},
        "visits": 7000,
        "feedback": {"ratings": 3, "rating_average": 4.67, "complaints_open": 1},
    }

    stations_part(
        board,
        totals=totals,
        features=features,
        vocabulary=VOCABULARY,
        covers=lambda code: bool(code and code.startswith("3501")),
    )

    cards = {c.key: c for c in board.cards}
    compliance = cards["compliance_rate"]
    assert (compliance.value, compliance.hint) == ("50.0%", "1/2 个站点")
    assert cards["coverage"].value == "7.7%" and cards["visits"].value == "7000"
    assert [r["code"] for r in board.tables["compliance"].rows] == [
        "350102-0001",
        "350102-0002",
        "350102-0003",
    ]
    assert [p["code"] for p in board.map_points] == ["350102-0001", "350102-0002"]
    exported = list(csv.reader(io.StringIO(board.tables["compliance"].csv().lstrip("\ufeff"))))
    assert exported[0] == ["编号", "名称", "地址", "状态", "六有达标", "复查", "负责人"]
    assert exported[2][3:6] == ["暂停服务", "否", "复查未通过"]
    assert exported[1][2].startswith("'=")  # no formula runs in the union's spreadsheet
    assert board.tables["stations"].csv().startswith("\ufeff状态,站点数\r\n筹建中,0\r\n运营中,1")


def test_cases_by_kind_carry_the_stages_and_the_service_rates() -> None:
    board = Dashboard(area="330482", generated_at="")
    stats = {
        "total": {"accepted": 2, "closure_rate": 0.5, "on_time_rate": 1.0},
        "by": {"kind": {"proposal": {"accepted": 2, "closure_rate": 0.5, "on_time_rate": 1.0}}},
        "cases": {
            "by_kind_and_status": {
                "proposal": {"closed": 1, "in_progress": 1},
                "issue": {"submitted": 1},
            },
            "overdue_by_kind": {"proposal": 1},
        },
    }

    cases_part(board, stats=stats)

    rows = board.tables["cases"].rows
    stages = [(r["kind"], r["submitted"], r["handling"], r["overdue"], r["closed"]) for r in rows]
    assert stages == [
        ("提案", 2, 1, 1, 1),
        ("问题建议", 1, 0, 0, 0),
        ("合计", 3, 1, 1, 1),
    ]
    assert board.tables["cases"].cells(rows[0])[-2:] == ["50.0%", "100.0%"]
    assert board.tables["cases"].cells(rows[1])[-2:] == ["—", "—"]


def test_duty_shows_representatives_by_name_and_the_seeds_figures_from_stats() -> None:
    board = Dashboard(area="330482", generated_at="")
    reports = [
        {"representative_id": "rep-zhu", "counts": {"home_visit": 3, "submission": 2}},
        {"representative_id": "rep-lu", "counts": {"home_visit": 1}, "ratings": {"count": 2}},
    ]

    stats = {"key_contacts": 1416, "home_visits": {"visits": 1380, "contacts_reached": 900}}

    duty_part(board, reports=reports, stats=stats, names=Names(people={"rep-zhu": "朱代表"}))

    assert [r["name"] for r in board.tables["duty"].rows] == ["朱代表", "rep-lu"]
    assert [r["home_visit"] for r in board.tables["duty"].rows] == [3, 1]
    assert {c.key: c.value for c in board.cards} == {"key_contacts": "1416", "home_visits": "1380"}
