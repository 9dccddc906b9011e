"""Settings of the proposals service (env prefix PROPOSALS_)."""

from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.proposals.domain.model import CaseKind, DeadlineStep
from gonghui.shared.auth import Role
from gonghui.shared.settings import ServiceSettings


class ProposalsSettings(ServiceSettings):
    """Where the proposals service keeps its data and how it serves."""

    model_config = SettingsConfigDict(env_prefix="PROPOSALS_", extra="ignore")

    http_port: int = 8002
    deadlines: dict[str, dict[str, timedelta]] = Field(
        default_factory=dict,
        description="Overrides of the deadlines, JSON: "
        '`{"hotline": {"review": "PT2H", "closure": "P3D"}}` (ISO 8601 durations or seconds).',
    )
    deadline_check_interval_s: float = Field(
        30.0, gt=0, description="How often each replica looks for overdue steps."
    )
    deadline_batch_size: int = Field(200, ge=1, description="Overdue steps claimed per check.")
    personal_data_roles: list[Role] = Field(
        default_factory=lambda: [Role.UNION_ADMIN, Role.REPRESENTATIVE],
        description="Roles that may read key contacts' personal data in full, with a purpose.",
    )
    low_satisfaction_threshold: int = Field(
        3,
        ge=1,
        le=5,
        description="Outcome ratings at or below this are flagged to supervisors and reviewers.",
    )
    audit_retention_days: int = Field(
        1095, ge=1, description="How long audit rows of personal-data reads are kept."
    )
    photo_max_bytes: int = Field(
        3 * 1024 * 1024, ge=1024, description="Largest photo of a case accepted, in bytes."
    )
    photos_per_case: int = Field(9, ge=1, description="How many photos a case may have.")
    audit_purge_interval_s: float = Field(
        3600.0, gt=0, description="How often each replica deletes expired audit rows."
    )

    @field_validator("deadlines")
    @classmethod
    def _known_kinds_and_steps(
        cls, value: dict[str, dict[str, timedelta]]
    ) -> dict[str, dict[str, timedelta]]:
        for kind, steps in value.items():
            CaseKind(kind)
            for step in steps:
                DeadlineStep(step)
        return value

    def deadline_policy(self) -> DeadlinePolicy:
        """The default deadlines with this deployment's overrides."""
        return DeadlinePolicy.with_overrides(self.deadlines)
