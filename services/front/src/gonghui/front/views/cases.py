"""A case as its pages show it: the five steps (线上提交—小组审议—办理落实—执行督查—总结反馈),
names instead of codes, deadlines and overdue marks in Beijing time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from gonghui.front.views.times import beijing, instant, span_words
from gonghui.shared.privacy import mask_text

KIND_LABELS = {
    "proposal": "提案",
    "issue": "问题建议",
    "zero_distance": "零距离需求",
    "hotline": "12351热线",
    "practical_project": "实事项目",
}

CATEGORY_LABELS = {
    "transport": "交通出行",
    "housing": "住房修缮",
    "care": "照护帮扶",
    "skills": "技能培训",
    "wages": "工资报酬",
    "safety": "劳动安全",
    "rest": "休息场所",
    "legal": "法律服务",
    "social_security": "社会保障",
    "education": "子女教育",
    "other": "其他",
}
"""The categories the submission form offers; routing rules may name others, shown as given."""

STEPS = (
    ("submission", "线上提交"),
    ("review", "小组审议"),
    ("handling", "办理落实"),
    ("supervision", "执行督查"),
    ("feedback", "总结反馈"),
)

_STEP_OF_TRANSITION = {"assignment": "handling"}
"""交办 belongs to handling on the five-step line: the unit is chosen as handling starts."""

_CURRENT_STEP = {
    "submitted": "review",
    "returned": "review",
    "accepted": "handling",
    "offered": "handling",
    "assigned": "handling",
    "in_progress": "handling",
    "completed": "supervision",
    "verified": "feedback",
}

_ENDED_AT_REVIEW = {"rejected": "不予立案", "merged": "已并案"}

DEADLINE_LABELS = {
    "review": "审议立案",
    "claim": "认领",
    "acceptance": "单位受理",
    "handling": "办理",
    "supervision": "督查",
    "closure": "办结",
}

DEADLINE_STATES = {
    "running": "进行中",
    "overdue": "已超期",
    "met": "按时完成",
    "late": "超期完成",
}

SATISFACTION_LABELS = {1: "很不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "很满意"}


@dataclass(frozen=True)
class Names:
    """Display names for the opaque ids of people and the codes of units; the id when unknown."""

    people: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)

    def knowing(self, case: Mapping[str, Any]) -> Names:
        """These names and those a case answer carries for the people it mentions."""
        mentioned = case.get("names") or {}
        return replace(self, people={**self.people, **mentioned}) if mentioned else self

    def person(self, sub: str | None) -> str:
        """A person's name."""
        if not sub:
            return ""
        return self.people.get(sub, sub)

    def unit(self, code: str | None) -> str:
        """A unit's name."""
        if not code:
            return ""
        return self.units.get(code, code)

    def actor(self, actor: str) -> str:
        """Who acted on a timeline: a unit (`dept:<code>`), the system, or a person."""
        if actor.startswith("dept:"):
            return self.unit(actor.removeprefix("dept:"))
        if actor == "system":
            return "系统"
        return self.person(actor)


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened, as a line on the timeline."""

    seq: int
    label: str
    who: str
    at: str
    note: str
    percent: int | None
    milestone: str | None


@dataclass(frozen=True)
class StepView:
    """One of the five steps: done, current, waiting or skipped, with what happened in it."""

    key: str
    label: str
    state: str
    state_label: str
    finished_at: str
    entries: list[TimelineEntry]


@dataclass(frozen=True)
class DeadlineView:
    """A step's deadline in Beijing time, with how much is left or how late it is."""

    label: str
    due_at: str
    state: str
    state_label: str
    words: str
    overdue: bool


@dataclass(frozen=True)
class CoHandlingView:
    """协办: a co-handling unit's own part of the case."""

    unit: str
    status_label: str
    progress_percent: int
    result: str


CO_STATUS_LABELS = {
    "assigned": "待受理",
    "in_progress": "办理中",
    "completed": "已办结",
    "declined": "已退回",
}


@dataclass(frozen=True)
class CaseView:
    """Everything the case page shows."""

    id: str
    number: str
    kind_label: str
    title: str
    body: str
    category_label: str
    area_code: str
    submitted_by: str
    submitted_at: str
    status: str
    status_label: str
    priority_high: bool
    unit: str
    handler: str
    responsible_person: str
    progress_percent: int
    result: str
    satisfaction: int | None
    satisfaction_label: str
    feedback_comment: str
    steps: list[StepView]
    deadlines: list[DeadlineView]
    overdue: bool
    closed: bool
    awaiting_feedback: bool
    co_handling: list[CoHandlingView]
    outcome_ratings: int
    outcome_average: float | None


_STATE_LABELS = {"done": "已完成", "current": "进行中", "waiting": "未开始", "skipped": "未进行"}


def case_number(case: Mapping[str, Any]) -> str:
    """The readable number (`350482-2026-000042`) when the service gives one, else the id."""
    return str(case.get("number") or case.get("case_no") or case["id"])


def category_label(category: str | None) -> str:
    """A category in Chinese."""
    if not category:
        return "未分类"
    return CATEGORY_LABELS.get(category, category)


def deadline_views(
    deadlines: list[Mapping[str, Any]], *, now: datetime, only_open: bool = False
) -> list[DeadlineView]:
    """Deadlines with due times in Beijing time; `only_open` keeps the running and overdue ones."""
    views = []
    for row in deadlines:
        state = str(row["state"])
        if only_open and state not in ("running", "overdue"):
            continue
        due = instant(row["due_at"])
        assert due is not None
        if state == "running":
            words = f"还剩{span_words(due - now)}"
        elif state == "overdue":
            words = f"已超期{span_words(now - due)}"
        else:
            ended = instant(row.get("ended_at"))
            words = f"{beijing(ended)}完成" if ended else ""
        views.append(
            DeadlineView(
                label=DEADLINE_LABELS.get(str(row["step"]), str(row["step"])),
                due_at=beijing(due),
                state=state,
                state_label=DEADLINE_STATES.get(state, state),
                words=words,
                overdue=state == "overdue",
            )
        )
    return views


def timeline_entry(transition: Mapping[str, Any], names: Names) -> TimelineEntry:
    """One transition as a line: what, who (by name), when (Beijing time), the note."""
    details = transition.get("details") or {}
    label = str(transition.get("action_label") or transition["action"])
    if transition["action"] in ("assign", "reassign", "claim") and transition.get("unit_code"):
        label = f"{label}：{names.unit(transition['unit_code'])}"
    percent = details.get("percent")
    return TimelineEntry(
        seq=int(transition["seq"]),
        label=label,
        who=names.actor(str(transition["actor"])),
        at=beijing(transition["at"]),
        note=str(transition.get("note") or ""),
        percent=int(percent) if percent is not None else None,
        milestone=str(details["milestone"]) if details.get("milestone") else None,
    )


def five_steps(case: Mapping[str, Any], names: Names) -> list[StepView]:
    """The five steps of the closed loop with their state and the timeline lines in each."""
    status = str(case["status"])
    entries: dict[str, list[TimelineEntry]] = {key: [] for key, _ in STEPS}
    finished: dict[str, str] = {}
    for transition in case.get("timeline") or []:
        step = _STEP_OF_TRANSITION.get(transition["step"], transition["step"])
        if step in entries:
            entries[step].append(timeline_entry(transition, names))
    current = _CURRENT_STEP.get(status)
    order = [key for key, _ in STEPS]
    views = []
    for index, (key, label) in enumerate(STEPS):
        if status == "closed":
            state = "done"
        elif status in _ENDED_AT_REVIEW:
            state = "done" if index <= order.index("review") else "skipped"
        elif current is None:
            state = "waiting"
        elif index < order.index(current):
            state = "done"
        elif key == current:
            state = "current"
        else:
            state = "waiting"
        if state == "done" and entries[key]:
            finished[key] = entries[key][-1].at
        state_label = _STATE_LABELS[state]
        if key == "review" and status in _ENDED_AT_REVIEW:
            state_label = _ENDED_AT_REVIEW[status]
        views.append(
            StepView(
                key=key,
                label=label,
                state=state,
                state_label=state_label,
                finished_at=finished.get(key, ""),
                entries=entries[key],
            )
        )
    return views


def case_view(
    case: Mapping[str, Any], *, names: Names, now: datetime, masked: bool = False
) -> CaseView:
    """The case page's content from `GET /proposals/{id}`; `masked` hides phone and ID numbers
    in the submitter's text from everyone else."""
    names = names.knowing(case)
    shown = mask_text if masked else str
    ratings = case.get("outcome_ratings") or []
    deadlines = deadline_views(case.get("deadlines") or [], now=now, only_open=True)
    satisfaction = case.get("satisfaction")
    status = str(case["status"])
    return CaseView(
        id=str(case["id"]),
        number=case_number(case),
        kind_label=KIND_LABELS.get(str(case["kind"]), str(case["kind"])),
        title=shown(str(case["title"])),
        body=shown(str(case["body"])),
        category_label=category_label(case.get("category")),
        area_code=str(case.get("area_code") or ""),
        submitted_by=names.person(case["submitted_by"]),
        submitted_at=beijing(case["submitted_at"]),
        status=status,
        status_label=str(case.get("status_label") or status),
        priority_high=case.get("priority") == "high",
        unit=names.unit(case.get("unit_code") or case.get("claimed_by")),
        handler=str(case.get("handler") or ""),
        responsible_person=str(case.get("responsible_person") or ""),
        progress_percent=int(case.get("progress_percent") or 0),
        result=str(case.get("result") or ""),
        satisfaction=int(satisfaction) if satisfaction is not None else None,
        satisfaction_label=SATISFACTION_LABELS.get(int(satisfaction), "")
        if satisfaction is not None
        else "",
        feedback_comment=str(case.get("feedback_comment") or ""),
        steps=five_steps(case, names),
        deadlines=deadlines,
        overdue=any(d.overdue for d in deadlines),
        closed=status == "closed",
        awaiting_feedback=status == "verified",
        co_handling=[
            CoHandlingView(
                unit=names.unit(part["unit_code"]),
                status_label=CO_STATUS_LABELS.get(part["status"], part["status"]),
                progress_percent=int(part.get("progress_percent") or 0),
                result=str(part.get("result") or ""),
            )
            for part in case.get("co_handling") or []
        ],
        outcome_ratings=len(ratings),
        outcome_average=round(sum(r["score"] for r in ratings) / len(ratings), 1)
        if ratings
        else None,
    )


@dataclass(frozen=True)
class CaseRow:
    """A line of a list of cases."""

    id: str
    number: str
    kind_label: str
    title: str
    status: str
    status_label: str
    submitted_at: str
    unit: str
    priority_high: bool


def case_row(case: Mapping[str, Any], names: Names) -> CaseRow:
    """One case of `GET /proposals` as a line of "my cases"."""
    return CaseRow(
        id=str(case["id"]),
        number=case_number(case),
        kind_label=KIND_LABELS.get(str(case["kind"]), str(case["kind"])),
        title=str(case["title"]),
        status=str(case["status"]),
        status_label=str(case.get("status_label") or case["status"]),
        submitted_at=beijing(case["submitted_at"]),
        unit=names.unit(case.get("unit_code") or case.get("claimed_by")),
        priority_high=case.get("priority") == "high",
    )
