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
    qr_secret: str = Field(
        "dev-secret",
        description="Key that signs the stations' rotating QR codes; one per deployment.",
    )
    qr_rotation_s: int = Field(600, ge=60, description="A station's QR code changes this often.")
    qr_grace_s: int = Field(
        120, ge=0, description="The previous QR code still works this long after it changed."
    )
    front_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL of the pages a printed QR code opens."
    )
    public_client_limit: int = Field(
        60, ge=1, description="Public writes (visits, sign-ups) one client may make per window."
    )
    public_worker_limit: int = Field(
        30, ge=1, description="Public writes naming one worker id, per window."
    )
    public_window_s: int = Field(600, ge=1, description="The window of the public write limits.")
    feedback_client_limit: int = Field(
        10, ge=1, description="Ratings and complaints one client may send per feedback window."
    )
    feedback_worker_limit: int = Field(
        5, ge=1, description="Ratings and complaints naming one worker id per feedback window."
    )
    feedback_window_s: int = Field(86_400, ge=1, description="The window of the feedback limits.")
    complaint_threshold: int = Field(
        3,
        ge=1,
        description="This many complaints about a station within the window open a "
        "re-inspection (动态管理).",
    )
    complaint_window_days: int = Field(30, ge=1, description="The window complaints count in.")
    suspension_check_s: float = Field(
        30.0, gt=0, description="How often suspensions past their until-date are ended."
    )
    search_refresh_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How stale the nearest search may be about other replicas' writes, seconds.",
    )
    siting_min_workers: int = Field(
        5, ge=2, description="k-anonymity: grid cells with fewer workers are never shown."
    )
    siting_window_days: int = Field(
        90, ge=1, description="Positions and visits older than this do not count for siting."
    )

    @model_validator(mode="after")
    def _real_secret(self) -> "StationsSettings":
        self.require_secret(self.worker_id_secret, "STATIONS_WORKER_ID_SECRET")
        self.require_secret(self.qr_secret, "STATIONS_QR_SECRET")
        if self.qr_grace_s > self.qr_rotation_s:
            raise ValueError("STATIONS_QR_GRACE_S must not exceed STATIONS_QR_ROTATION_S")
        return self
