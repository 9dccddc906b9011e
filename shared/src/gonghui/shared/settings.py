"""Settings of a service, read from the environment once at start-up (never at import)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gonghui.shared.connections import RedisMode

VAR_DIR = Path(os.environ.get("GONGHUI_VAR_DIR", "var"))
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev-secret"}


class RedisNotConfigured(RuntimeError):
    """Neither REDIS_URL nor the file `gonghui up` writes names a Redis server."""


def configured_redis_url() -> str:
    """REDIS_URL, else the embedded server `gonghui up` started, else empty (none known)."""
    if url := os.environ.get("REDIS_URL"):
        return url
    written = VAR_DIR / "redis.url"
    if written.exists():
        return written.read_text().strip()
    return ""


def require_redis_url(url: str) -> str:
    """`url`, or refuse saying where we looked: never a silent guess such as 127.0.0.1:6379."""
    if url:
        return url
    raise RedisNotConfigured(
        "no Redis server is configured: REDIS_URL is not set and "
        f"{(VAR_DIR / 'redis.url').resolve()} (written by `gonghui up`) does not exist; "
        "set REDIS_URL (e.g. redis://127.0.0.1:6379/0) or start `gonghui up` first"
    )


def default_redis_url() -> str:
    """The Redis a command talks to: REDIS_URL, else the one `gonghui up` started, else refuse."""
    return require_redis_url(configured_redis_url())


class ServiceSettings(BaseSettings):
    """What every service needs; each service subclasses it with its own env prefix."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: str = Field("development", description="`development` or `production`.")
    redis_url: str = Field(
        default_factory=configured_redis_url,
        description="Empty when none is configured: `bus_url` then refuses with where it looked.",
    )
    redis_mode: RedisMode = Field(
        default_factory=lambda: os.environ.get("GONGHUI_REDIS_MODE", "single"),
        validate_default=True,
        description="`single` (one Redis node) or `cluster` (REDIS_URL names any cluster node); "
        "from GONGHUI_REDIS_MODE.",
    )
    stream_prefix: str = Field(
        default_factory=lambda: os.environ.get("GONGHUI_STREAM_PREFIX", ""),
        description="Prefix of every key, e.g. `fj:`, so deployments can share one Redis.",
    )
    database_url: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    consumer_name: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    batch_size: int = Field(500, ge=1, le=5_000)
    polling_interval_ms: int = Field(100, ge=10)
    linger_ms: int = Field(
        30,
        ge=0,
        description="After a read shorter than a batch, wait this long and read what came "
        "since, so a steady trickle is applied tens at a time (0: never wait).",
    )
    transaction_budget_ms: int | None = Field(
        None,
        ge=1,
        description="About how long one transaction applying stream entries may last; "
        "batches are split to fit. Unset: 50 on SQLite, where a long one holds the one write "
        "lock from the relay, and 250 on PostgreSQL, where fewer, larger ones cost less.",
    )
    reclaim_idle_ms: int = Field(
        30_000, ge=100, description="Idle time before a pending entry is retried."
    )
    reclaim_interval_s: float = Field(5.0, gt=0)
    max_deliveries: int = Field(5, ge=1, description="Deliveries before an entry is dead-lettered.")
    keeper_interval_s: float = Field(
        1.0, gt=0, description="How often groups and subscribers are checked."
    )
    department_rate: float = Field(
        500.0,
        gt=0,
        description="Entries a second one department's outbox is applied at, on average.",
    )
    department_burst: int = Field(2_000, ge=1, description="Entries a department may send at once.")
    departed_consumer_idle_ms: int = Field(
        600_000,
        ge=100,
        description="Idle time after which a consumer holding nothing pending leaves its group.",
    )
    departed_consumer_interval_s: float = Field(60.0, gt=0)
    relay_batch_size: int = Field(500, ge=1)
    relay_poll_interval_s: float = Field(0.05, gt=0)
    relay_heartbeat_s: float = Field(
        5.0, gt=0, description="How often the relay touches var/<service>-relay.heartbeat."
    )
    relay_in_process: bool = Field(
        True,
        description="Run the outbox relay inside the service: every replica stands by, the one "
        "holding the lease sends. Off when relays run as `gonghui relay` processes only.",
    )
    relay_lease_ms: int = Field(
        5_000,
        ge=500,
        description="How long a relay's lease lasts unrenewed: a standby takes over within it.",
    )

    @field_validator("stream_prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        if value and not value.endswith(":"):
            raise ValueError("stream_prefix must end with ':' (e.g. 'fj:')")
        return value

    @model_validator(mode="after")
    def _default_database(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = f"sqlite:///{VAR_DIR / (self.service_name() + '.db')}"
        if self.transaction_budget_ms is None:
            self.transaction_budget_ms = 50 if self.database_url.startswith("sqlite") else 250
        return self

    @property
    def transaction_budget_s(self) -> float:
        """`transaction_budget_ms` in seconds, the database's default when it is unset."""
        assert self.transaction_budget_ms is not None  # filled in by `_default_database`
        return self.transaction_budget_ms / 1000

    @property
    def bus_url(self) -> str:
        """The Redis to connect to; refuses, saying where it looked, when none is configured."""
        return require_redis_url(self.redis_url)

    @classmethod
    def service_name(cls) -> str:
        """The service these settings belong to (its env prefix, lowercased)."""
        return str(cls.model_config.get("env_prefix", "")).rstrip("_").lower()

    def require_secret(self, value: str, name: str) -> str:
        """Refuse placeholder secrets outside development."""
        if self.environment != "development" and value.lower() in PLACEHOLDER_SECRETS:
            raise ValueError(f"{name} must be set to a real secret outside development")
        return value
