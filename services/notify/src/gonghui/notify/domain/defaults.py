"""The rules a fresh deployment starts with; admins change them over HTTP (`PUT /rules/{id}`).

They follow the proposals service's events (`shared/.../contracts/proposals.py`): one
`proposal.submitted.v1`, then one `proposal.transitioned.v1` per step of the loop (its `action`
says which), `proposal.claimed.v1` for zero-distance reports and `proposal.overdue.v1`.
"""

from __future__ import annotations

from gonghui.notify.domain.model import Rule

PERSONAL = ["in_app", "preferred"]
CASE = "（编号 {{ case_no or proposal_id or event.subject }}）"
UNIT = "{{ unit_name or unit_code }}"
NAMED = "{{ title or (kind | kind_zh) }}"
QUOTED = "{% if title %}「{{ title }}」{% endif %}"

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

MEMBERS_SEE = ["accept", "reject", "merge", "assign", "claim", "complete", "send_back", "reopen"]
"""The steps a member the case is for is told of: taken up or not, with whom, done, redone."""

RESPONSIBLE_SEES = [
    "accept",
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
"""What the named responsible person of a hotline case hears of: every step once it is theirs."""

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
        body_zh="{{ submitted_by_name }}提交了新的{{ kind | kind_zh }}"
        + QUOTED
        + CASE
        + "，请小组审议。",
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
        body_zh="您提交的{{ kind | kind_zh }}" + QUOTED + CASE + "已进入小组审议。",
    ),
    Rule(
        id="proposal-progress-submitter",
        event_type="proposal.transitioned.v1",
        description="进度可视: the submitter sees every step of their case.",
        recipients=["$submitted_by"],
        channels=PERSONAL,
        conditions={"action": SUBMITTER_SEES},
        title_zh="{{ step | step_zh }}：{{ action | action_zh }}",
        body_zh="您的{{ kind | kind_zh }}" + QUOTED + CASE + "{{ action | action_zh }}"
        "{% if unit_code %}（承办单位：" + UNIT + "）{% endif %}"
        "{% if note %}：{{ note }}{% endif %}。",
    ),
    Rule(
        id="proposal-assigned-unit",
        event_type="proposal.transitioned.v1",
        description="办理落实: the unit's people and channels hear of the case; not its bus "
        "inbox, which has the work item from proposals already (one notice per fact). A hotline "
        "case's is urgent (12351 green channel).",
        recipients=["dept:$unit_code"],
        channels=PERSONAL,
        conditions={"action": ["assign", "reassign", "send_back", "reopen"]},
        not_via=["inbox"],
        urgent_when={"kind": ["hotline"]},
        title_zh="{% if kind == 'hotline' %}【12351 加急】{% endif %}交办：" + NAMED + CASE,
        body_zh=UNIT + "：{{ kind | kind_zh }}" + QUOTED + CASE + "{{ action | action_zh }}"
        "，请及时接收办理"
        "{% if responsible_person %}，责任人：{{ responsible_person_name }}{% endif %}"
        "{% if note %}。说明：{{ note }}{% endif %}。",
    ),
    Rule(
        id="proposal-completed-supervision",
        event_type="proposal.transitioned.v1",
        description="执行督查: the supervisors are asked to verify a unit's result.",
        recipients=["role:supervisor"],
        channels=PERSONAL,
        conditions={"action": ["complete"]},
        title_zh="待督查：" + NAMED + CASE,
        body_zh="承办单位"
        + UNIT
        + "已办结{{ kind | kind_zh }}"
        + QUOTED
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
        body_zh="{{ claimed_by_name }}已认领您反映的事项" + QUOTED + CASE + "，将尽快处理。",
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
        title_zh="【督办】{{ step | late_zh }}：{{ title }}",
        body_zh="{{ kind | kind_zh }}" + QUOTED + CASE + "的{{ step | step_zh }}已超过期限"
        "（{{ due_at | local }}）"
        "{% if unit_code %}，承办单位：" + UNIT + "{% endif %}"
        "{% if responsible_person %}，责任人：{{ responsible_person_name }}{% endif %}"
        "。请督促办理。",
        title_en="[Escalation] Overdue: {{ title }}",
        body_en="The {{ step }} step of case {{ proposal_id }} is overdue. Please follow up.",
    ),
    Rule(
        id="hotline-responsible-person",
        event_type="proposal.transitioned.v1",
        description="12351 green channel: the named responsible person (一把手) is told personally "
        "of each step of the case, urgently.",
        recipients=["$responsible_person"],
        channels=PERSONAL,
        conditions={"kind": ["hotline"], "action": RESPONSIBLE_SEES},
        priority="urgent",
        title_zh="【12351 加急】{{ step | step_zh }}：{{ title }}",
        body_zh="{{ recipient.name }}：您负责的 12351 热线事项"
        + QUOTED
        + CASE
        + "{{ action | action_zh }}{% if unit_code %}（承办单位："
        + UNIT
        + "）{% endif %}"
        "{% if note %}：{{ note }}{% endif %}。",
    ),
    Rule(
        id="hotline-overdue-responsible-person",
        event_type="proposal.overdue.v1",
        description="12351 green channel: the responsible person hears of a late step in person.",
        recipients=["$responsible_person"],
        channels=PERSONAL,
        conditions={"kind": ["hotline"]},
        priority="urgent",
        title_zh="【12351 督办】{{ step | late_zh }}：{{ title }}",
        body_zh="{{ recipient.name }}：您负责的 12351 热线事项"
        + QUOTED
        + CASE
        + "的{{ step | step_zh }}已超过期限（{{ due_at | local }}）"
        "{% if unit_code %}，承办单位：" + UNIT + "{% endif %}，请立即督办。",
    ),
    Rule(
        id="station-suspended",
        event_type="station.suspended.v1",
        description="动态管理: the area's station admins hear that a station closed for a while.",
        recipients=["role:station_admin"],
        channels=PERSONAL,
        title_zh="站点暂停服务：{{ code }}",
        body_zh="站点 {{ code }} 暂停服务至 {{ until | local }}，原因：{{ reason }}。",
    ),
    Rule(
        id="station-exited",
        event_type="station.exited.v1",
        description="退出机制: the area's station admins hear that a station left the registry.",
        recipients=["role:station_admin"],
        channels=PERSONAL,
        title_zh="站点退出：{{ code }}",
        body_zh="站点 {{ code }} 已退出，原因：{{ reason }}。",
    ),
    Rule(
        id="station-reinspection-opened",
        event_type="station.reinspection_opened.v1",
        description="动态管理: complaints reached the threshold; the area's admins and the "
        "operator are asked to re-inspect.",
        recipients=["role:station_admin", "dept:$operator"],
        channels=PERSONAL,
        title_zh="需复查：{{ name }}",
        body_zh="站点 {{ name }}（{{ code }}）近 {{ window_days }} 天收到 {{ complaints }} 件投诉，"
        "请安排“六有”复查。",
    ),
    Rule(
        id="station-reinspection-closed",
        event_type="station.reinspection_closed.v1",
        description="The re-inspection's outcome reaches the area's admins.",
        recipients=["role:station_admin"],
        channels=PERSONAL,
        title_zh="复查{% if outcome == 'passed' %}通过{% else %}未通过{% endif %}：{{ code }}",
        body_zh="站点 {{ code }} 的复查{% if outcome == 'passed' %}已通过{% else %}未通过"
        "（未达标：{{ failed | join('、') }}），已在站点查询中标注{% endif %}。",
    ),
    Rule(
        id="problem-raised-representative",
        event_type="problem.raised.v1",
        description="云履职 for workers: the representative hears of a problem raised to them.",
        recipients=["$representative_id"],
        channels=PERSONAL,
        title_zh="会员反映问题：{{ title }}",
        body_zh="有会员向您反映了问题「{{ title }}」，请在“会员反映”中立项或答复。",
    ),
    Rule(
        id="problem-answered-member",
        event_type="problem.answered.v1",
        description="The member hears whether their problem was taken up, and why not.",
        recipients=["$member_id"],
        channels=PERSONAL,
        title_zh="{% if outcome == 'adopted' %}已立项{% else %}代表答复{% endif %}：{{ title }}",
        body_zh="您反映的问题「{{ title }}」"
        "{% if outcome == 'adopted' %}已立项（编号 {{ case_no }}），可随时查看办理进度"
        "{% else %}暂不立项：{{ answer }}{% endif %}。",
    ),
    Rule(
        id="proposal-progress-members",
        event_type="proposal.transitioned.v1",
        description="The members a case is for hear of the steps that matter to them.",
        recipients=["$members"],
        channels=PERSONAL,
        conditions={"action": MEMBERS_SEE},
        title_zh="{{ step | step_zh }}：{{ action | action_zh }}",
        body_zh="与您有关的{{ kind | kind_zh }}" + QUOTED + CASE + "{{ action | action_zh }}"
        "{% if unit_code %}（承办单位：" + UNIT + "）{% endif %}"
        "{% if action == 'complete' %}，办理结果：{{ note }}。欢迎评价办理结果{% endif %}。",
    ),
    Rule(
        id="proposal-low-satisfaction",
        event_type="proposal.low_satisfaction.v1",
        description="会员评家: an outcome rated at or below the threshold reaches the supervisors "
        "and the review group of the case's area.",
        recipients=["role:supervisor", "role:review_group"],
        channels=PERSONAL,
        title_zh="会员不满意：" + NAMED + CASE,
        body_zh="会员对{{ kind | kind_zh }}" + QUOTED + CASE + "的办理结果评分 {{ score }} 分"
        "（不高于 {{ threshold }} 分）"
        "{% if unit_code %}，承办单位：" + UNIT + "{% endif %}，请核实跟进。",
    ),
    Rule(
        id="activity-promoted",
        event_type="activity.signup_promoted.v1",
        description="一键报名: a waitlisted worker who signed up signed in hears that a place "
        "became theirs (an anonymous sign-up carries nobody to tell).",
        recipients=["$recipient"],
        channels=PERSONAL,
        title_zh="候补成功：{{ title or '活动' }}",
        body_zh="{{ recipient.name }}，有人退出了{% if title %}「{{ title }}」{% endif %}，"
        "您已从候补转为正式报名，请按时参加。",
    ),
]


UNNOTIFIED = {
    "station.updated.v1": "public information changed; the map shows it and nobody must act",
    "station.assessed.v1": "the assessor recorded it; activation or a re-inspection's close "
    "follows as its own event",
    "station.activated.v1": "the admin who hung the plaque did it; the station is on the map",
    "station.resumed.v1": "back to normal (a suspension's end included); nobody must act",
    "station.rated.v1": "one rating is statistics (stations' totals); complaints are what "
    "someone must act on (station-complaint)",
    "activity.published.v1": "workers find activities in the list (一键预览); telling every "
    "worker of each one would drown what matters",
    "activity.signed_up.v1": "the worker did it; the answer told them",
    "activity.signup_cancelled.v1": "the worker did it; the answer told them",
    "activity.checked_in.v1": "the worker did it at the station",
    "donation.recorded.v1": "the ledger; nobody must act",
    "supplies.changed.v1": "stock levels are for the station's own staff and its operator's "
    "feed; the union is not a store room",
    "subsidy.applied.v1": "the subsidy workflow is worked off in the stations service's lists",
    "subsidy.review_started.v1": "the subsidy workflow is worked off in the stations service",
    "subsidy.approved.v1": "the subsidy workflow is worked off in the stations service",
    "subsidy.rejected.v1": "the subsidy workflow is worked off in the stations service",
    "subsidy.disbursed.v1": "the subsidy workflow is worked off in the stations service",
    "subsidy.usage_reported.v1": "the subsidy workflow is worked off in the stations service",
}
"""Stations events no default rule tells anyone of, and why (an admin may still add a rule)."""
