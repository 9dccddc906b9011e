"""Opening hours in words: the OSM `opening_hours` text of a station, as people read it."""

from __future__ import annotations

import re

_DAYS = {
    "Mo": "周一",
    "Tu": "周二",
    "We": "周三",
    "Th": "周四",
    "Fr": "周五",
    "Sa": "周六",
    "Su": "周日",
}
_WORDS = {
    "PH": "法定节假日",
    "SH": "学校假期",
    "off": "休息",
    "closed": "休息",
    "open": "开放",
    "sunrise": "日出",
    "sunset": "日落",
    "dawn": "黎明",
    "dusk": "黄昏",
}
_MONTHS = {
    m: f"{i}月"
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def describe_hours(text: str | None) -> list[str]:
    """Each rule of the hours in words, e.g. `周一至周五 08:00–20:00`; unknown words kept."""
    if not text or not text.strip():
        return ["未公布营业时间"]
    if text.strip() == "24/7":
        return ["全天 24 小时开放"]
    return [_rule(rule.strip()) for rule in re.split(r";|\|\|", text) if rule.strip()]


def _rule(rule: str) -> str:
    comment = ""
    if found := re.search(r'"([^"]*)"', rule):
        comment = f"（{found.group(1)}）"
        rule = rule.replace(found.group(0), "").strip()
    rule = rule.replace("24/7", "全天")
    rule = re.sub(r"\b(Mo|Tu|We|Th|Fr|Sa|Su)-(Mo|Tu|We|Th|Fr|Sa|Su)\b", _day_range, rule)
    rule = re.sub(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", _month, rule)
    rule = rule.replace("周一至周日", "每天")
    rule = re.sub(r"\b(Mo|Tu|We|Th|Fr|Sa|Su)\b", lambda m: _DAYS[m.group(1)], rule)
    rule = re.sub(r"\b(PH|SH|off|closed|open|sunrise|sunset|dawn|dusk)\b", _word, rule)
    rule = re.sub(r"(\d{1,2}:\d{2})-(\d{1,2}:\d{2}|日落|黄昏)", r"\1–\2", rule)
    rule = re.sub(r"(日出|黎明)-", r"\1–", rule)
    rule = rule.replace(",", "、").replace("+", " 起")
    if not re.search(r"周|节假日|月|全天", rule) and re.match(r"[\d日黎]", rule):
        rule = "每天 " + rule
    return (rule + comment).strip()


def _day_range(match: re.Match[str]) -> str:
    return f"{_DAYS[match.group(1)]}至{_DAYS[match.group(2)]}"


def _month(match: re.Match[str]) -> str:
    return _MONTHS[match.group(1)]


def _word(match: re.Match[str]) -> str:
    return _WORDS[match.group(1)]
