"""Settings of the notify service (env prefix NOTIFY_)."""

from pydantic_settings import SettingsConfigDict

from gonghui.shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    """Where the notify service keeps its data and how it serves."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    http_port: int = 8003
