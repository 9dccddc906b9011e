"""The rules a fresh deployment starts with; admins change them over HTTP (`PUT /rules/{id}`).

They follow the proposals service's events (`shared/.../contracts/proposals.py`): one
`proposal.submitted.v1`, then one `proposal.transitioned.v1` per step of the loop (its `action`
says which), `proposal.claimed.v1` for zero-distance reports and `proposal.overdue.v1`.
"""

from __future__ import annotations

from gonghui.notify.domain.model import Rule

PERSONAL = ["in_app", "preferred"]
CASE = "（编号 {{ proposal_id or event.subject }}）"

SUBMITTER_SEES = [
    "resubmit",
    "accept",
    "reject",
    "merge",
    "return",
    "offer",
    "assign",
    "reassign",
    "accept_assignment",
    "decline",
    "progress",
    "complete",
    "verify",
    "send_back",
    "feedback",
    "reopen",
]
"""Every transition but the submission (the receipt tells it) and a claim (proposal.claimed.v1)."""

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
        id="station-complaint",
        event_type="station.complaint_received.v1",
        description="服务投诉: the station's operator and the union's station admins hear of it.",
        recipients=["role:station_admin", "dept:$operator"],
        channels=PERSONAL,
        title_zh="站点投诉：{{ name }}（{{ category_label }}）",
        body_zh="{{ area_name }}的站点 {{ name }}（{{ code }}）收到职工投诉：{{ text }}。"
        "近期共 {{ complaints_in_window }} 件投诉，请及时核实处理。",
        title_en="Complaint about station {{ code }}",
        body_en="A worker complained about station {{ code }} ({{ category }}): {{ text }}",
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
        body_en="A representative submitted a new case ({{ proposal_id }}). Please review it.",
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
        id="proposal-progress-submitter",
        event_type="proposal.transitioned.v1",
        description="进度可视: the submitter sees every step of their case.",
        recipients=["$submitted_by"],
        channels=PERSONAL,
        conditions={"action": SUBMITTER_SEES},
        title_zh="{{ step | step_zh }}：{{ action | action_zh }}",
        body_zh="您的{{ kind | kind_zh }}" + CASE + "{{ action | action_zh }}"
        "{% if unit_code %}（承办单位：{{ unit_code }}）{% endif %}"
        "{% if note %}：{{ note }}{% endif %}。",
    ),
    Rule(
        id="proposal-assigned-unit",
        event_type="proposal.transitioned.v1",
        description="办理落实: the unit's own channels hear of the case (its inbox has it too).",
        recipients=["dept:$unit_code"],
        channels=PERSONAL,
        conditions={"action": ["assign", "reassign", "send_back", "reopen"]},
        title_zh="交办：{{ kind | kind_zh }}" + CASE,
        body_zh="{{ kind | kind_zh }}" + CASE + "{{ action | action_zh }}，请及时接收办理"
        "{% if note %}。说明：{{ note }}{% endif %}。",
    ),
    Rule(
        id="proposal-completed-supervision",
        event_type="proposal.transitioned.v1",
        description="执行督查: the supervisors are asked to verify a unit's result.",
        recipients=["role:supervisor"],
        channels=PERSONAL,
        conditions={"action": ["complete"]},
        title_zh="待督查：{{ kind | kind_zh }}" + CASE,
        body_zh="承办单位 {{ unit_code }} 已办结"
        + CASE
        + "{% if note %}：{{ note }}{% endif %}，请督查。",
    ),
    Rule(
        id="proposal-claimed",
        event_type="proposal.claimed.v1",
        description="零距离: the reporter sees who claimed the report.",
        recipients=["$submitted_by"],
        channels=PERSONAL,
        title_zh="已认领：{{ title }}",
        body_zh="{{ claimed_by }} 已认领您反映的事项" + CASE + "，将尽快处理。",
    ),
    Rule(
        id="proposal-overdue-escalation",
        event_type="proposal.overdue.v1",
        description="Overdue: escalated to the supervisor of the person or unit responsible, "
        "and to the supervisors' group.",
        recipients=[
            "supervisor:$responsible_person",
            "supervisor:dept:$unit_code",
            "role:supervisor",
        ],
        channels=PERSONAL,
        priority="urgent",
        title_zh="【督办】逾期未办结：{{ title }}",
        body_zh="{{ kind | kind_zh }}" + CASE + "的{{ step | step_zh }}已超过期限"
        "（{{ due_at | local }}）"
        "{% if unit_code %}，承办单位：{{ unit_code }}{% endif %}"
        "{% if responsible_person %}，责任人：{{ responsible_person }}{% endif %}"
        "。请督促办理。",
        title_en="[Escalation] Overdue: {{ title }}",
        body_en="The {{ step }} step of case {{ proposal_id }} is overdue. Please follow up.",
    ),
]
