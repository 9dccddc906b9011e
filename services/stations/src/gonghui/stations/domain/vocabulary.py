"""The words the registry's keys stand for, in Chinese (zh-CN), for pages and notices."""

from __future__ import annotations

SERVICE_LABELS: dict[str, str] = {
    "drinking_water": "饮水",
    "hot_water": "热水",
    "heating": "取暖",
    "cooling": "纳凉",
    "rest": "休息",
    "meal_heating": "热饭",
    "wifi": "无线网络",
    "first_aid": "应急救护",
    "umbrella": "借伞",
    "charging": "充电",
    "toilet": "如厕",
}
"""The free services a station offers (the seed's list, plus hot water, charging and toilets)."""

STATUS_LABELS: dict[str, str] = {
    "proposed": "待挂牌",
    "active": "运营中",
    "suspended": "暂停服务",
    "exited": "已退出",
}
"""Where a station stands in its life (动态管理)."""

OPEN_STATE_LABELS: dict[str, str] = {
    "open": "营业中",
    "closed": "已关门",
    "unknown": "营业时间不确定",
}
"""Whether a station is open at a moment."""

FEEDBACK_KIND_LABELS: dict[str, str] = {"rating": "服务评价", "complaint": "投诉"}
"""What a worker tells about a station."""

COMPLAINT_CATEGORY_LABELS: dict[str, str] = {
    "closed_when_open": "标注开放却关门",
    "service_missing": "服务缺失或不可用",
    "hygiene": "卫生环境差",
    "staff_attitude": "工作人员态度",
    "facilities_broken": "设施损坏",
    "safety": "安全隐患",
    "wrong_information": "信息有误",
    "other": "其他",
}
"""Why a worker complains (服务投诉的类别)."""

REINSPECTION_LABELS: dict[str, str] = {
    "open": "复查中",
    "passed": "复查通过",
    "failed": "复查未通过",
}
"""A re-inspection opened by complaints (动态管理), and how it ended."""


CRITERION_LABELS: dict[str, str] = {
    "sign": "统一标识和名称",
    "layout": "合理布局",
    "facilities": "完善设施",
    "services": "齐全服务功能",
    "rules": "规范管理制度",
    "map_info": "及时的地图信息",
}
"""六有: what a station must have before it hangs the union plaque (挂牌)."""


SUPPLY_LABELS: dict[str, str] = {
    "water": "饮用水",
    "food": "食品",
    "medicine": "药品",
    "protective_kit": "防护用品",
}
"""What a station keeps in stock for workers (补给)."""


def labelled(labels: dict[str, str]) -> list[dict[str, str]]:
    """`[{"key": ..., "label": ...}]` in the vocabulary's order."""
    return [{"key": key, "label": label} for key, label in labels.items()]


def service_labels(services: list[str]) -> dict[str, str]:
    """Each of a station's service keys with its zh-CN label."""
    return {key: SERVICE_LABELS.get(key, key) for key in services}
