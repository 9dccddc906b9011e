"""The union's dashboard: the seed's figures for the signed-in admin's area, as cards, tables
(each exportable as CSV), chart series and map points."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gonghui.front.views.cases import KIND_LABELS, Names
from gonghui.front.views.times import beijing

Covers = Callable[[str | None], bool]


@dataclass(frozen=True)
class Column:
    """A column of a table: the row key and its Chinese heading."""

    key: str
    label: str


@dataclass(frozen=True)
class Table:
    """A table of the dashboard, shown on the page and downloadable as CSV."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]

    def cells(self, row: Mapping[str, Any]) -> list[str]:
        """A row's values as text, in column order."""
        return [shown(row.get(column.key)) for column in self.columns]

    def csv(self) -> str:
        """The table as CSV with Chinese headings; a BOM so that Excel reads it as UTF-8."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([column.label for column in self.columns])
        for row in self.rows:
            writer.writerow([_safe_cell(cell) for cell in self.cells(row)])
        return "\ufeff" + out.getvalue()


@dataclass(frozen=True)
class Card:
    """A headline figure."""

    key: str
    label: str
    value: str
    hint: str = ""


@dataclass
class Dashboard:
    """Everything the dashboard page shows."""

    area: str
    generated_at: str
    cards: list[Card] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, Any] = field(default_factory=dict)
    map_points: list[dict[str, Any]] = field(default_factory=list)


def shown(value: Any) -> str:
    """A figure as people read it: 是/否, rates as percentages, nothing for unknown."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Rate):
        return value.text()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Rate:
    """A rate 0-1 shown as a percentage (95.3%)."""

    value: float | None

    def text(self) -> str:
        """`95.3%`, or `—` when there is nothing to divide."""
        return "—" if self.value is None else f"{self.value * 100:.1f}%"


def _safe_cell(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection).
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def _labels(vocabulary: Mapping[str, Any], name: str) -> dict[str, str]:
    return {term["key"]: term["label"] for term in vocabulary.get(name, [])}


STATION_STATUS_ORDER = ("proposed", "active", "suspended", "exited")


def stations_part(
    board: Dashboard,
    *,
    totals: Mapping[str, Any],
    features: Sequence[Mapping[str, Any]],
    vocabulary: Mapping[str, Any],
    covers: Covers,
) -> None:
    """Stations by status, the six-point (六有) compliance of each, visits and feedback, the map."""
    statuses = _labels(vocabulary, "statuses")
    reinspection = _labels(vocabulary, "reinspection")
    by_status = totals.get("stations") or {}
    board.tables["stations"] = Table(
        key="stations",
        title="站点状态",
        columns=(Column("status", "状态"), Column("count", "站点数")),
        rows=[
            {"status": statuses.get(s, s), "count": int(by_status.get(s, 0))}
            for s in (*STATION_STATUS_ORDER, *sorted(set(by_status) - set(STATION_STATUS_ORDER)))
        ],
    )
    mine = [f for f in features if covers(f["properties"].get("area_code"))]
    board.tables["compliance"] = Table(
        key="compliance",
        title="站点六有达标与动态管理",
        columns=(
            Column("code", "编号"),
            Column("name", "名称"),
            Column("address", "地址"),
            Column("status", "状态"),
            Column("compliant", "六有达标"),
            Column("reinspection", "复查"),
            Column("manager", "负责人"),
        ),
        rows=[
            {
                "code": p["code"],
                "name": p["name"],
                "address": p["address"],
                "status": p.get("status_label") or statuses.get(p["status"], p["status"]),
                "compliant": bool(p.get("compliant")),
                "reinspection": reinspection.get(p.get("reinspection") or "", ""),
                "manager": p.get("manager_name") or "",
            }
            for p in (f["properties"] for f in mine)
        ],
    )
    standing = [f for f in mine if f["properties"]["status"] != "exited"]
    compliant = sum(bool(f["properties"].get("compliant")) for f in standing)
    coverage = totals.get("coverage") or {}
    feedback = totals.get("feedback") or {}
    board.tables["service"] = Table(
        key="service",
        title=f"服务与评价（{totals.get('since', '')} 至 {totals.get('until', '')}）",
        columns=(Column("figure", "指标"), Column("value", "数值")),
        rows=[
            {"figure": "服务人次", "value": totals.get("visits", 0)},
            {"figure": "服务人数（人·天）", "value": totals.get("worker_days", 0)},
            {"figure": "有服务记录的站点", "value": totals.get("stations_visited", 0)},
            {"figure": "服务评价（条）", "value": feedback.get("ratings", 0)},
            {"figure": "平均评分", "value": feedback.get("rating_average")},
            {"figure": "投诉（待处理）", "value": feedback.get("complaints_open", 0)},
            {"figure": "投诉（已处理）", "value": feedback.get("complaints_closed", 0)},
            *(
                {"figure": f"复查：{reinspection.get(state, state)}", "value": count}
                for state, count in (totals.get("reinspections") or {}).items()
            ),
        ],
    )
    board.cards += [
        Card("stations_active", "运营中站点", str(totals.get("active_stations", 0))),
        Card(
            "compliance_rate",
            "六有达标率",
            Rate(compliant / len(standing) if standing else None).text(),
            f"{compliant}/{len(standing)} 个站点",
        ),
        Card(
            "coverage",
            "下辖地区覆盖率",
            Rate(coverage.get("ratio")).text(),
            f"{coverage.get('parts_with_active_station', 0)}/{coverage.get('parts', 0)}"
            " 个地区有站点",
        ),
        Card("visits", "服务人次", str(totals.get("visits", 0))),
    ]
    board.charts["stations"] = {
        "labels": [row["status"] for row in board.tables["stations"].rows],
        "values": [row["count"] for row in board.tables["stations"].rows],
    }
    board.map_points = [
        {
            "code": p["code"],
            "name": p["name"],
            "status": p["status"],
            "status_label": p.get("status_label") or statuses.get(p["status"], p["status"]),
            "compliant": bool(p.get("compliant")),
            "lat": f["geometry"]["coordinates"][1],
            "lon": f["geometry"]["coordinates"][0],
        }
        for f in standing
        for p in (f["properties"],)
    ]


def activities_part(board: Dashboard, *, activities: Sequence[Mapping[str, Any]]) -> None:
    """Activities not yet over and their sign-ups (一键报名)."""
    rows = [
        {
            "title": a["title"],
            "place": a["place"],
            "starts_at": beijing(a["starts_at"]),
            "capacity": a["capacity"],
            "confirmed": a["confirmed"],
            "waitlisted": a["waitlisted"],
            "checked_in": a["checked_in"],
        }
        for a in activities
    ]
    board.tables["activities"] = Table(
        key="activities",
        title="活动与报名（未结束）",
        columns=(
            Column("title", "活动"),
            Column("place", "地点"),
            Column("starts_at", "开始时间"),
            Column("capacity", "名额"),
            Column("confirmed", "已报名"),
            Column("waitlisted", "候补"),
            Column("checked_in", "已签到"),
        ),
        rows=rows,
    )
    board.cards.append(
        Card(
            "signups",
            "活动报名人数",
            str(sum(r["confirmed"] for r in rows)),
            f"{len(rows)} 场活动",
        )
    )


PROBLEM_LABELS = {
    "raised": "待代表答复",
    "adopted": "已立项",
    "declined": "不予立项",
    "total": "合计",
}

CASE_STAGES = (
    ("submitted", "提交"),
    ("in_review", "审议中"),
    ("handling", "办理中"),
    ("overdue", "超期"),
    ("closed", "已办结"),
)

_STAGE_OF_STATUS = {
    "submitted": "in_review",
    "returned": "in_review",
    "accepted": "handling",
    "offered": "handling",
    "assigned": "handling",
    "in_progress": "handling",
    "completed": "handling",
    "verified": "handling",
    "closed": "closed",
}


def case_stages(stats: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Per kind, how many cases were submitted and where they stand now; overdue ones apart.

    From `/stats`, which counts every case of the area (a list would stop at its page size).
    """
    cases = stats.get("cases") or {}
    overdue = cases.get("overdue_by_kind") or {}
    counts: dict[str, dict[str, int]] = {}
    for kind, by_status in (cases.get("by_kind_and_status") or {}).items():
        row = {key: 0 for key, _ in CASE_STAGES}
        for status, count in by_status.items():
            row["submitted"] += count
            if stage := _STAGE_OF_STATUS.get(status):
                row[stage] += count
        row["overdue"] = int(overdue.get(kind, 0))
        counts[kind] = row
    return counts


def cases_part(board: Dashboard, *, stats: Mapping[str, Any]) -> None:
    """Cases by kind: submitted, in review, handling, overdue, closed; closure and on-time rates."""
    stages = case_stages(stats)
    by_kind = (stats.get("by") or {}).get("kind") or {}
    kinds = [k for k in KIND_LABELS if k in by_kind or k in stages]
    rows = []
    for kind in kinds:
        figures = by_kind.get(kind) or {}
        stage = stages.get(kind) or {}
        rows.append(
            {
                "kind": KIND_LABELS[kind],
                **{key: int(stage.get(key, 0)) for key, _ in CASE_STAGES},
                "accepted": int(figures.get("accepted", 0)),
                "closure_rate": Rate(figures.get("closure_rate")),
                "on_time_rate": Rate(figures.get("on_time_rate")),
            }
        )
    total = stats.get("total") or {}
    rows.append(
        {
            "kind": "合计",
            **{key: sum(r[key] for r in rows) for key, _ in CASE_STAGES},
            "accepted": int(total.get("accepted", 0)),
            "closure_rate": Rate(total.get("closure_rate")),
            "on_time_rate": Rate(total.get("on_time_rate")),
        }
    )
    board.tables["cases"] = Table(
        key="cases",
        title="事项办理（提交—审议—办理—督查—反馈）",
        columns=(
            Column("kind", "类型"),
            *(Column(key, label) for key, label in CASE_STAGES),
            Column("accepted", "立案"),
            Column("closure_rate", "办结率"),
            Column("on_time_rate", "按期办结率"),
        ),
        rows=rows,
    )
    summary = rows[-1]
    board.cards += [
        Card("cases_submitted", "事项总数", str(summary["submitted"])),
        Card("cases_overdue", "超期事项", str(summary["overdue"])),
        Card("closure_rate", "办结率", summary["closure_rate"].text()),
        Card("on_time_rate", "按期办结率", summary["on_time_rate"].text()),
    ]
    board.charts["cases"] = {
        "kinds": [r["kind"] for r in rows[:-1]],
        "series": [
            {"name": label, "values": [r[key] for r in rows[:-1]]}
            for key, label in CASE_STAGES
            if key != "submitted"
        ],
    }


def duty_part(
    board: Dashboard,
    *,
    reports: Sequence[Mapping[str, Any]],
    stats: Mapping[str, Any],
    names: Names,
) -> None:
    """Representatives' duty (履职) one by one; key contacts, home visits and satisfaction in
    the area as `/stats` counts them."""
    rows = []
    for report in reports:
        counts = report.get("counts") or {}
        ratings = report.get("ratings") or {}
        cases = report.get("cases") or {}
        rows.append(
            {
                "name": names.person(report["representative_id"]),
                "submission": counts.get("submission", 0),
                "follow_up": counts.get("follow_up", 0),
                "discussion": counts.get("discussion", 0),
                "home_visit": counts.get("home_visit", 0),
                "closed": cases.get("closed", 0),
                "closure_rate": Rate(cases.get("closure_rate")),
                "ratings": ratings.get("count", 0),
                "rating_average": ratings.get("average"),
            }
        )
    board.tables["duty"] = Table(
        key="duty",
        title="代表履职",
        columns=(
            Column("name", "代表"),
            Column("submission", "提交事项"),
            Column("follow_up", "跟进"),
            Column("discussion", "参与议事"),
            Column("home_visit", "走访"),
            Column("closed", "已办结"),
            Column("closure_rate", "办结率"),
            Column("ratings", "会员评价"),
            Column("rating_average", "平均评分"),
        ),
        rows=rows,
    )
    visits = stats.get("home_visits") or {}
    satisfaction = stats.get("satisfaction") or {}
    feedback = satisfaction.get("feedback") or {}
    outcome = satisfaction.get("outcome_ratings") or {}
    problems = stats.get("problems") or {}
    board.tables["contacts"] = Table(
        key="contacts",
        title="重点联系人员、走访与满意度",
        columns=(Column("figure", "指标"), Column("value", "数值")),
        rows=[
            {"figure": "重点联系人员", "value": stats.get("key_contacts", 0)},
            {"figure": "入户走访（次）", "value": visits.get("visits", 0)},
            {"figure": "走访到的联系人", "value": visits.get("contacts_reached", 0)},
            {"figure": "走访发现的零距离需求", "value": visits.get("reports_raised", 0)},
            {"figure": "提交人评价（条）", "value": feedback.get("count", 0)},
            {"figure": "提交人平均满意度", "value": feedback.get("average")},
            {"figure": "职工评价办理结果（条）", "value": outcome.get("count", 0)},
            {"figure": "职工平均满意度", "value": outcome.get("average")},
            {"figure": "低满意度（需关注）", "value": outcome.get("low", 0)},
            *(
                {"figure": f"职工反映问题：{PROBLEM_LABELS.get(k, k)}", "value": v}
                for k, v in problems.items()
            ),
            {"figure": "履职代表", "value": len(rows)},
        ],
    )
    board.cards += [
        Card("key_contacts", "重点联系人员", str(stats.get("key_contacts", 0))),
        Card("home_visits", "入户走访", str(visits.get("visits", 0))),
    ]
