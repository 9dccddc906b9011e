"""Routing rules: which handling unit a case goes to, by category × area."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UnitKind(StrEnum):
    """What sort of body handles cases."""

    DEPARTMENT = "department"
    """A government department or public company (city management, transport, power, …)."""
    ORGANISATION = "organisation"
    """A company union, a property company, a social organisation."""
    LEGAL_SERVICE = "legal_service"
    """A law firm or legal-aid service paired with enterprises (Yinchuan's 325 lawyers)."""


@dataclass(frozen=True)
class Unit:
    """A handling unit; its code is its department code on the bus (`dept.<code>.inbox`)."""

    code: str
    name: str
    kind: UnitKind
    active: bool = True
    responsible_person: str | None = None
    """Opaque id of the unit's head (一把手), told personally of its urgent cases."""
    responsible_person_name: str | None = None


@dataclass(frozen=True)
class RoutingRule:
    """Cases of `category` (None = any) from areas starting with `area_prefix` (None = any)."""

    id: int
    unit_code: str
    category: str | None = None
    area_prefix: str | None = None

    def matches(self, category: str | None, area_code: str | None) -> bool:
        """Whether a case of this category and area falls under the rule."""
        if self.category is not None and self.category != category:
            return False
        if self.area_prefix is not None and not (area_code or "").startswith(self.area_prefix):
            return False
        return True

    @property
    def specificity(self) -> tuple[int, int]:
        """A category match counts first, then the longer area prefix."""
        return (self.category is not None, len(self.area_prefix or ""))


def route(rules: list[RoutingRule], *, category: str | None, area_code: str | None) -> str | None:
    """The unit of the most specific matching rule (the oldest rule breaks ties), or None."""
    matching = [r for r in rules if r.matches(category, area_code)]
    if not matching:
        return None
    return min(matching, key=lambda r: (tuple(-x for x in r.specificity), r.id)).unit_code


def eligible(rules: list[RoutingRule], *, category: str | None, area_code: str | None) -> list[str]:
    """Every unit some rule routes this case to: who may claim a zero-distance report."""
    return sorted({r.unit_code for r in rules if r.matches(category, area_code)})
