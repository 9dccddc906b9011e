"""服务评价/投诉: what workers tell about a station, and the re-inspection complaints open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gonghui.shared.errors import Conflict
from gonghui.stations.domain.vocabulary import COMPLAINT_CATEGORY_LABELS


class FeedbackKind(StrEnum):
    """A rating of the service, or a complaint."""

    RATING = "rating"
    COMPLAINT = "complaint"


ComplaintCategory = StrEnum(  # type: ignore[misc]
    "ComplaintCategory", {key.upper(): key for key in COMPLAINT_CATEGORY_LABELS}
)
"""Why a worker complains; the keys of the vocabulary's complaint categories."""


class FeedbackRefused(Conflict):
    """A step the feedback's state does not allow (HTTP 409), with the reason."""


@dataclass
class Feedback:
    """One rating or complaint; the worker, if named at all, only as a keyed hash."""

    id: str
    code: str
    area_code: str
    kind: FeedbackKind
    stars: int | None
    text: str
    category: str | None
    worker_ref: str | None
    received_at: datetime
    status: str = "recorded"
    """`recorded` for a rating; `open` then `closed` for a complaint."""
    closed_at: datetime | None = None
    closed_by: str | None = None
    resolution: str | None = None

    def __post_init__(self) -> None:
        if self.kind is FeedbackKind.RATING:
            if self.stars is None or not 1 <= self.stars <= 5:
                raise ValueError("a rating gives 1 to 5 stars")
        else:
            if not self.text.strip():
                raise ValueError("a complaint says what went wrong (text)")
            if self.category not in COMPLAINT_CATEGORY_LABELS:
                raise ValueError(
                    f"unknown complaint category {self.category!r}; "
                    f"one of {sorted(COMPLAINT_CATEGORY_LABELS)}"
                )

    def close(self, *, by: str, resolution: str, at: datetime) -> None:
        """The station's managers or the union dealt with a complaint."""
        if self.kind is not FeedbackKind.COMPLAINT:
            raise FeedbackRefused("only a complaint is closed; a rating is just recorded")
        if self.status == "closed":
            raise FeedbackRefused(f"complaint {self.id} is already closed")
        self.status, self.closed_by, self.resolution, self.closed_at = "closed", by, resolution, at
