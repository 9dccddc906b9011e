"""Settings of the proposals service (env prefix PROPOSALS_)."""

from pydantic_settings import SettingsConfigDict

from gonghui.shared.settings import ServiceSettings


class ProposalsSettings(ServiceSettings):
    """Where the proposals service keeps its data and how it serves."""

    model_config = SettingsConfigDict(env_prefix="PROPOSALS_", extra="ignore")

    http_port: int = 8002
