"""Settings of the web front (env prefix FRONT_)."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gonghui.shared.settings import configured_redis_url, require_redis_url


class FrontSettings(BaseSettings):
    """Where the front listens and where the services it is a client of answer."""

    model_config = SettingsConfigDict(env_prefix="FRONT_", extra="ignore")

    environment: str = Field("development", description="`development` or `production`.")
    redis_url: str = Field(default_factory=configured_redis_url)
    stream_prefix: str = Field(
        default_factory=lambda: os.environ.get("GONGHUI_STREAM_PREFIX", ""),
        description="Prefix of every key, as the services use it.",
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    stations_url: str = Field(
        "http://127.0.0.1:8001", description="The stations service's public API."
    )
    proposals_url: str = Field(
        "http://127.0.0.1:8002", description="The proposals service's public API."
    )
    notify_url: str = Field("http://127.0.0.1:8003", description="The notify service's public API.")

    @property
    def bus_url(self) -> str:
        """The Redis to connect to; refuses, saying where it looked, when none is configured."""
        return require_redis_url(self.redis_url)

    @classmethod
    def service_name(cls) -> str:
        """The front's name, as the command line knows it."""
        return "front"
