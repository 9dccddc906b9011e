"""Settings of the stations service (env prefix STATIONS_)."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from gonghui.shared.settings import ServiceSettings


class StationsSettings(ServiceSettings):
    """Where the stations service keeps its data and how it serves."""

    model_config = SettingsConfigDict(env_prefix="STATIONS_", extra="ignore")

    http_port: int = 8001
    worker_id_secret: str = Field(
        "dev-secret",
        description="Key of the hash that turns workers' ids into opaque refs; never share it.",
    )
    assessment_max_age_days: int = Field(
        365, ge=1, description="A six-point assessment older than this flags the station."
    )

    @model_validator(mode="after")
    def _real_secret(self) -> "StationsSettings":
        self.require_secret(self.worker_id_secret, "STATIONS_WORKER_ID_SECRET")
        return self
