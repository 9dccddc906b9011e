"""Settings of the notify service (env prefix NOTIFY_)."""

from ipaddress import IPv4Network, IPv6Network

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gonghui.notify.application.policy import DeliveryPolicy
from gonghui.shared.receivers import ReceiverAddresses
from gonghui.shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    """Where the notify service keeps its data, how it serves and how it delivers."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    http_port: int = 8003
    retry_base_s: float = Field(5.0, gt=0, description="First retry delay (doubles each time).")
    retry_cap_s: float = Field(900.0, gt=0, description="Longest retry delay.")
    attempts_per_channel: int = Field(4, ge=1, description="Tries on a channel before failover.")
    lease_s: float = Field(60.0, gt=0, description="How long a claimed delivery is held.")
    dispatch_batch: int = Field(100, ge=1, le=5000)
    dispatch_interval_s: float = Field(0.2, gt=0)
    digest_hour: int = Field(8, ge=0, le=23, description="Shanghai hour of the daily digest.")
    broadcast_page: int = Field(2000, ge=10, le=50_000)
    sign_in_sms_url: str = Field(
        "",
        description="Apprise SMS URL for workers' sign-in codes, `{mobile}` where the number "
        "goes, e.g. `smseagle://TOKEN@sms-gw.union.local/{mobile}`. Empty in development: the "
        "code is logged (masked number) instead of sent.",
    )
    webhook_internal_networks: list[IPv4Network | IPv6Network] = Field(
        default_factory=list,
        description='Internal networks webhook channels may reach, e.g. `["10.20.0.0/16"]` for '
        "departments on a government network. Other private, loopback and link-local "
        "addresses are refused (every address in `development`).",
    )
    broadcast_departments: str = Field(
        "", description="Comma-separated department codes allowed to send notify.broadcast.v1."
    )

    def policy(self) -> DeliveryPolicy:
        """The delivery knobs."""
        return DeliveryPolicy(
            retry_base_s=self.retry_base_s,
            retry_cap_s=self.retry_cap_s,
            attempts_per_channel=self.attempts_per_channel,
            lease_s=self.lease_s,
            batch_size=self.dispatch_batch,
            digest_hour=self.digest_hour,
            broadcast_page=self.broadcast_page,
        )

    def receivers(self) -> ReceiverAddresses:
        """Where webhook channels may go."""
        return ReceiverAddresses(
            self.webhook_internal_networks,
            anywhere=self.environment == "development",
            setting="NOTIFY_WEBHOOK_INTERNAL_NETWORKS",
        )

    def broadcasters(self) -> frozenset[str]:
        """Departments allowed to broadcast."""
        return frozenset(c.strip() for c in self.broadcast_departments.split(",") if c.strip())
