"""Money and goods: donations, supplies with low-stock flags, model rest room subsidies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from gonghui.shared.errors import Conflict


class LedgerRefused(Conflict):
    """The step is not possible now; the message says why (HTTP 409)."""


class SupplyItem(StrEnum):
    """What a station keeps in stock for workers."""

    WATER = "water"
    FOOD = "food"
    MEDICINE = "medicine"
    PROTECTIVE_KIT = "protective_kit"


@dataclass
class Supply:
    """A station's stock of one item."""

    code: str
    item: SupplyItem
    quantity: int
    low_threshold: int
    updated_at: datetime

    @property
    def low(self) -> bool:
        """At or below the threshold: time to replenish."""
        return self.quantity <= self.low_threshold

    def change(self, delta: int, *, at: datetime) -> None:
        """Add (replenish) or take (use) units; stock never goes below zero."""
        if self.quantity + delta < 0:
            raise LedgerRefused(f"only {self.quantity} {self.item} in stock; cannot use {-delta}")
        self.quantity += delta
        self.updated_at = at


class SubsidyStatus(StrEnum):
    """Where a subsidy application stands."""

    APPLIED = "applied"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSED = "disbursed"
    REPORTED = "reported"


@dataclass
class Subsidy:
    """A model rest room subsidy: apply -> review -> approve or reject -> disburse -> report."""

    id: str
    code: str
    purpose: str
    requested_fen: int
    applied_at: datetime
    updated_at: datetime
    status: SubsidyStatus = SubsidyStatus.APPLIED
    approved_fen: int | None = None
    disbursed_fen: int | None = None
    usage_report: str | None = None
    history: list[dict[str, object]] = field(default_factory=list)

    def start_review(self, *, at: datetime) -> None:
        """The union takes the application up."""
        self._require(SubsidyStatus.APPLIED, "start a review")
        self._to(SubsidyStatus.UNDER_REVIEW, at)

    def approve(self, *, amount_fen: int, at: datetime) -> None:
        """Approve, at most the amount asked for."""
        self._require(SubsidyStatus.UNDER_REVIEW, "approve")
        if not 0 < amount_fen <= self.requested_fen:
            raise LedgerRefused(f"approve between 1 and {self.requested_fen} fen")
        self.approved_fen = amount_fen
        self._to(SubsidyStatus.APPROVED, at)

    def reject(self, *, at: datetime) -> None:
        """Reject (the reason goes with the event)."""
        self._require(SubsidyStatus.UNDER_REVIEW, "reject")
        self._to(SubsidyStatus.REJECTED, at)

    def disburse(self, *, amount_fen: int, at: datetime) -> None:
        """Pay out, at most the approved amount."""
        self._require(SubsidyStatus.APPROVED, "disburse")
        if not 0 < amount_fen <= (self.approved_fen or 0):
            raise LedgerRefused(f"disburse between 1 and {self.approved_fen} fen")
        self.disbursed_fen = amount_fen
        self._to(SubsidyStatus.DISBURSED, at)

    def report_usage(self, report: str, *, at: datetime) -> None:
        """The station accounts for the money (监管)."""
        self._require(SubsidyStatus.DISBURSED, "report usage")
        self.usage_report = report
        self._to(SubsidyStatus.REPORTED, at)

    def _require(self, status: SubsidyStatus, action: str) -> None:
        if self.status is not status:
            raise LedgerRefused(f"cannot {action}: the application is {self.status}")

    def _to(self, status: SubsidyStatus, at: datetime) -> None:
        self.status = status
        self.updated_at = at
