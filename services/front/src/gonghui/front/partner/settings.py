"""Settings of the partners' HTTPS door (env prefix FRONT_PARTNER_)."""

from __future__ import annotations

import os
import socket
from ipaddress import IPv4Network, IPv6Network

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PartnerDoorSettings(BaseSettings):
    """Limits, long-poll and webhook delivery of the door; the rest comes from the front's."""

    model_config = SettingsConfigDict(env_prefix="FRONT_PARTNER_", extra="ignore")

    department_rate: float = Field(
        500.0,
        gt=0,
        description="Entries a second per department: set it as the services' "
        "`<SERVICE>_DEPARTMENT_RATE`, whose allowance in Redis the door shares.",
    )
    department_burst: int = Field(2_000, ge=1, description="As `<SERVICE>_DEPARTMENT_BURST`.")
    longest_wait_s: float = Field(30.0, gt=0, le=120, description="Longest long-poll wait.")
    webhook_interval_s: float = Field(
        0.5, gt=0, description="How often the deliverer looks for work."
    )
    webhook_first_retry_s: float = Field(
        5.0, gt=0, description="Wait before the first retry; doubled for each retry after."
    )
    webhook_longest_retry_s: float = Field(3_600.0, gt=0, description="Cap of the retry wait.")
    webhook_max_attempts: int = Field(
        15, ge=1, description="Attempts before an item is left for pulling (GET .../inbox)."
    )
    webhook_timeout_s: float = Field(10.0, gt=0, description="Wait for the receiver's answer.")
    allow_http_webhooks: bool = Field(
        False, description="Accept `http://` webhook URLs (always in `development`)."
    )
    webhook_internal_networks: list[IPv4Network | IPv6Network] = Field(
        default_factory=list,
        description='Internal networks webhooks may reach, e.g. `["10.20.0.0/16"]` for '
        "departments on a government network. Other private, loopback and link-local "
        "addresses are refused (every address in `development`).",
    )
    consumer_name: str = Field(
        default_factory=lambda: f"front-{socket.gethostname()}-{os.getpid()}",
        description="This replica's consumer name for webhook delivery.",
    )
