"""The rules a fresh deployment starts with; admins change them over HTTP (`PUT /rules/{id}`)."""

from __future__ import annotations

from gonghui.notify.domain.model import Rule

PERSONAL = ["in_app", "preferred"]
CASE = "（编号 {{ proposal_id or event.subject }}）"

DEFAULT_RULES = [
    Rule(
        id="station-registered",
        event_type="station.registered.v1",
        description="Station administrators hear of every new station (六有 assessment).",
        recipients=["role:station_admin"],
        channels=PERSONAL,
        title_zh="新站点登记：{{ name }}",
        body_zh="站点 {{ code }} 已登记{% if operator %}（运营单位：{{ operator }}）{% endif %}，"
        "地址：{{ address }}。请安排“六有”评估。",
        title_en="New station registered: {{ name }}",
        body_en="Station {{ code }} was registered at {{ address }}. Please assess it.",
    ),
    Rule(
        id="proposal-submitted-review",
        event_type="proposal.submitted.v1",
        description="线上提交 -> 小组审议: the review group is asked to review.",
        recipients=["role:review_group"],
        channels=PERSONAL,
        title_zh="待审议：{{ title }}",
        body_zh="代表提交了新的{{ kind | kind_zh }}" + CASE + "，请小组审议。",
        title_en="To review: {{ title }}",
        body_en="A representative submitted a new case (" + "{{ proposal_id }}). Please review it.",
    ),
    Rule(
        id="proposal-submitted-receipt",
        event_type="proposal.submitted.v1",
        description="The submitting representative gets a receipt.",
        recipients=["$submitted_by"],
        channels=PERSONAL,
        title_zh="已提交：{{ title }}",
        body_zh="您提交的{{ kind | kind_zh }}" + CASE + "已进入小组审议。",
    ),
    Rule(
        id="proposal-accepted",
        event_type="proposal.accepted.v1",
        description="小组审议通过: the submitter hears it was accepted.",
        recipients=["$submitted_by"],
        channels=PERSONAL,
        title_zh="已受理：{{ title or event.subject }}",
        body_zh="您提交的事项" + CASE + "已通过小组审议，将转交办理单位。",
    ),
    Rule(
        id="proposal-assigned",
        event_type="proposal.assigned.v1",
        description="办理落实: the handling unit gets the work; the submitter sees who has it.",
        recipients=["$assigned_to", "dept:$department", "$submitted_by"],
        channels=PERSONAL,
        title_zh="交办：{{ title or event.subject }}",
        body_zh="事项" + CASE + "已交由{{ department or assigned_to }}办理"
        "{% if due_at %}，请于 {{ due_at | local }} 前办结{% endif %}。",
    ),
    Rule(
        id="proposal-deadline-reminder",
        event_type="proposal.assigned.v1",
        description="Reminders to the handler one day and two hours before the deadline.",
        recipients=["$assigned_to", "dept:$department"],
        channels=PERSONAL,
        title_zh="即将到期：{{ title or event.subject }}",
        body_zh="事项" + CASE + "将于 {{ due_at | local }} 到期，请及时办理并反馈进展。",
        remind_before_minutes=[1440, 120],
        due_field="due_at",
        cancel_on=["proposal.completed.v1", "proposal.closed.v1", "proposal.reassigned.v1"],
    ),
    Rule(
        id="proposal-progress",
        event_type="proposal.progress.v1",
        description="执行督查: progress is visible to the submitter and the supervisor.",
        recipients=["$submitted_by", "$supervisor"],
        channels=PERSONAL,
        title_zh="进展：{{ title or event.subject }}",
        body_zh="事项" + CASE + "有新进展：{{ note or summary or '' }}",
    ),
    Rule(
        id="proposal-completed",
        event_type="proposal.completed.v1",
        description="总结反馈: everyone involved hears the result.",
        recipients=["$submitted_by", "$assigned_to", "$supervisor"],
        channels=PERSONAL,
        title_zh="已办结：{{ title or event.subject }}",
        body_zh="事项" + CASE + "已办结。{{ result or summary or '' }}",
    ),
    Rule(
        id="proposal-claimed",
        event_type="proposal.claimed.v1",
        description="零距离: the reporter sees who claimed the report.",
        recipients=["$submitted_by"],
        channels=PERSONAL,
        title_zh="已认领：{{ title or event.subject }}",
        body_zh="{{ claimed_by_name or claimed_by }} 已认领您反映的事项" + CASE + "。",
    ),
    Rule(
        id="proposal-overdue-escalation",
        event_type="proposal.overdue.v1",
        description="Overdue: escalated to the handler's supervisor (and the case's named one).",
        recipients=["supervisor:$assigned_to", "$supervisor"],
        channels=PERSONAL,
        priority="urgent",
        title_zh="【督办】逾期未办结：{{ title or event.subject }}",
        body_zh="事项" + CASE + "已超过办理期限"
        "{% if due_at %}（{{ due_at | local }}）{% endif %}，"
        "承办：{{ assigned_to or department }}。请督促办理。",
        title_en="[Escalation] Overdue: {{ title or event.subject }}",
        body_en="Case {{ proposal_id or event.subject }} is past its deadline. Please follow up.",
    ),
]
