"""Settings of the stations service (env prefix STATIONS_)."""

from pydantic_settings import SettingsConfigDict

from gonghui.shared.settings import ServiceSettings


class StationsSettings(ServiceSettings):
    """Where the stations service keeps its data and how it serves."""

    model_config = SettingsConfigDict(env_prefix="STATIONS_", extra="ignore")

    http_port: int = 8001
    code_prefix: str = "GH"
