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
    public_url: str = Field(
        "", description="Where people reach the front, e.g. `https://gonghui.example.cn` (links)."
    )
    map_tiles_url: str = Field(
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        description="Leaflet tile URL template; empty for no map. Pages work with it unreachable.",
    )
    map_tiles_datum: str = Field(
        "gcj02",
        description="`gcj02` for Chinese tile providers (Amap, Tencent), `wgs84` for OSM-style.",
    )
    map_attribution: str = Field("© 高德地图", description="Credit shown on the map.")
    session_idle_s: int = Field(1800, ge=60, description="A session ends after this idle time.")
    session_absolute_s: int = Field(
        8 * 3600, ge=300, description="A session ends this long after sign-in, used or not."
    )
    code_ttl_s: int = Field(300, ge=60, le=1800, description="How long a sign-in code works.")
    code_attempts: int = Field(5, ge=1, le=20, description="Wrong codes before a code is void.")
    code_phone_per_hour: int = Field(5, ge=1, description="Codes one phone may ask for an hour.")
    code_client_per_hour: int = Field(20, ge=1, description="Codes one client may ask for an hour.")
    sign_in_client_per_minute: int = Field(
        10, ge=1, description="Password and code attempts one client may make a minute."
    )

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS in production."""
        return self.environment == "production"

    @property
    def bus_url(self) -> str:
        """The Redis to connect to; refuses, saying where it looked, when none is configured."""
        return require_redis_url(self.redis_url)

    @classmethod
    def service_name(cls) -> str:
        """The front's name, as the command line knows it."""
        return "front"
