"""Contracts of the proposals service (云履职)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from gonghui.shared.contracts.base import Event


class CaseKind(StrEnum):
    """What kind of case a representative brings."""

    PROPOSAL = "proposal"
    ISSUE = "issue"
    ZERO_DISTANCE = "zero_distance"
    HOTLINE = "hotline"
    PRACTICAL_PROJECT = "practical_project"


class ProposalSubmitted(Event):
    """proposal.submitted.v1: a representative submitted a case (线上提交); subject = its id."""

    type_name = "proposal.submitted.v1"
    owner = "proposals"

    proposal_id: str = Field(description="The case id.")
    kind: CaseKind = Field(description="Kind of case.")
    title: str = Field(description="Short title.")
    area_code: str | None = Field(None, description="Six-digit administrative area, if known.")
    submitted_by: str = Field(description="Opaque id of the submitting representative.")
    submitted_at: datetime = Field(description="When it was submitted.")
