"""What each event says to whom (zh-CN first)."""

from __future__ import annotations

from dataclasses import dataclass

from gonghui.shared.contracts.proposals import ProposalSubmitted
from gonghui.shared.contracts.stations import StationRegistered

STATION_ADMINS = "role:station_admin"
REVIEW_GROUP = "role:review_group"


@dataclass(frozen=True)
class Message:
    """A rendered message for one recipient."""

    recipient: str
    title: str
    body: str


def station_registered(event: StationRegistered) -> Message:
    """Tell the union's station administrators a station entered the registry."""
    operator = f"（运营单位：{event.operator}）" if event.operator else ""
    return Message(
        recipient=STATION_ADMINS,
        title=f"新站点登记：{event.name}",
        body=f"站点 {event.code} 已登记{operator}，地址：{event.address}。请安排“六有”评估。",
    )


def proposal_submitted(event: ProposalSubmitted) -> Message:
    """Tell the review group a case waits for review."""
    return Message(
        recipient=REVIEW_GROUP,
        title=f"待审议：{event.title}",
        body=f"代表提交了新的{_KIND_ZH.get(event.kind.value, '事项')}（编号 {event.proposal_id}），请小组审议。",
    )


_KIND_ZH = {
    "proposal": "提案",
    "issue": "问题建议",
    "zero_distance": "零距离事项",
    "hotline": "12351 热线事项",
    "practical_project": "实事项目",
}
