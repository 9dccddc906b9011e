"""Sending on outbound channels: Standard Webhooks (our own), everything else through Apprise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import apprise
import httpx

from gonghui.notify.domain.model import APPRISE_KINDS, INBOX, WEBHOOK, Target
from gonghui.shared.receivers import ReceiverAddresses, receivers_client, refused_receiver
from gonghui.shared.streams import DEPARTMENT_CODE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """What one attempt sends: the rendered message and what it is about."""

    delivery_id: str
    event_type: str
    subject: str | None
    recipient: str
    title: str
    body: str
    priority: str
    sent_at: datetime


@dataclass(frozen=True)
class Outcome:
    """How one attempt went; `permanent` failures skip the remaining retries on that channel."""

    ok: bool
    error: str | None = None
    permanent: bool = False


def new_webhook_secret() -> str:
    """A fresh Standard Webhooks secret: `whsec_` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value: `v1,` + base64(HMAC-SHA256(id.timestamp.body))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def webhook_payload(message: Outgoing) -> dict[str, Any]:
    """The JSON body partners receive (Standard Webhooks shape: type, timestamp, data)."""
    return {
        "type": message.event_type,
        "timestamp": message.sent_at.isoformat(),
        "data": {
            "delivery_id": message.delivery_id,
            "subject": message.subject,
            "recipient": message.recipient,
            "title": message.title,
            "body": message.body,
            "priority": message.priority,
        },
    }


def check_target(target: Target) -> str | None:
    """Why a channel address cannot work, or None if it looks usable."""
    if target.kind == WEBHOOK:
        if not target.address.startswith(("http://", "https://")):
            return "a webhook address must be an http(s) URL"
        if not target.secret or not target.secret.startswith("whsec_"):
            return "a webhook needs a `whsec_...` secret"
        try:
            base64.b64decode(target.secret.removeprefix("whsec_"), validate=True)
        except ValueError:
            return "the webhook secret is not base64 after `whsec_`"
        return None
    if target.kind == INBOX:
        if not DEPARTMENT_CODE.match(target.address):
            return "an inbox address is a department code, e.g. `transport`"
        return None
    if target.kind in APPRISE_KINDS:
        return _apprise_problem(target)
    return f"unknown channel kind {target.kind!r}"


APPRISE_SCHEMES = {
    "dingtalk": ("dingtalk",),
    "wecom": ("wecombot",),
    "feishu": ("feishu",),
    "email": ("mailto", "mailtos"),
}
"""The Apprise schemes a kind's address may use (`sms` and `apprise`, set by admins, take any):
the kind a person may set is not a way to post elsewhere."""


def _apprise_problem(target: Target) -> str | None:
    plugins = apprise.Apprise()
    plugins.add(target.address)
    if not plugins:
        return f"{target.address.split('://')[0]}:// is not an Apprise URL it understands"
    if len(plugins) > 1:  # Apprise reads a list of URLs from one string
        return "一个渠道只能填一个地址 / a channel holds one Apprise URL"
    schemes = APPRISE_SCHEMES.get(target.kind)
    if schemes is not None and target.address.split("://", 1)[0].lower() not in schemes:
        starts = " / ".join(f"{scheme}://" for scheme in schemes)
        kind = target.kind
        return f"{kind} 渠道的地址须以 {starts} 开头 / a {kind} address starts with {starts}"
    return None


def smtp_server(address: str) -> tuple[str, int] | None:
    """The host and port an `email` channel's Apprise URL sends through, if it is one."""
    plugin = apprise.Apprise.instantiate(address)
    host = getattr(plugin, "smtp_host", None)
    return (host, int(plugin.port or 25)) if host else None


class Channels:
    """Sends one message to one target; never raises for a failed send."""

    def __init__(self, receivers: ReceiverAddresses, *, timeout_s: float = 10.0) -> None:
        self._http = receivers_client(receivers, timeout_s=timeout_s)

    async def aclose(self) -> None:
        """Release connections."""
        await self._http.aclose()

    async def send(self, target: Target, message: Outgoing) -> Outcome:
        """Try once."""
        try:
            if target.kind == WEBHOOK:
                return await self._webhook(target, message)
            return await self._apprise(target, message)
        except Exception as exc:
            return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])

    async def _webhook(self, target: Target, message: Outgoing) -> Outcome:
        body = json.dumps(webhook_payload(message), ensure_ascii=False).encode()
        timestamp = int(message.sent_at.timestamp())
        headers = {
            "content-type": "application/json",
            # The delivery id stays the same across retries, so a partner can drop repeats.
            "webhook-id": message.delivery_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(
                target.secret or "", msg_id=message.delivery_id, timestamp=timestamp, body=body
            ),
        }
        try:
            response = await self._http.post(target.address, content=body, headers=headers)
        except httpx.HTTPError as exc:
            if (refusal := refused_receiver(exc)) is not None:
                return Outcome(ok=False, error=str(refusal)[:500], permanent=True)
            return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= response.status_code < 300:
            return Outcome(ok=True)
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        return Outcome(
            ok=False,
            error=f"HTTP {response.status_code}: {response.text[:200]}",
            permanent=permanent,
        )

    async def _apprise(self, target: Target, message: Outgoing) -> Outcome:
        # Checked again when sent: a channel stored before a rule was added is held to it too.
        if (problem := check_target(target)) is not None:
            return Outcome(ok=False, error=problem, permanent=True)
        sender = apprise.Apprise()
        sender.add(target.address)  # one URL Apprise understands: checked above
        with apprise.LogCapture(level=apprise.logging.WARNING) as captured:
            ok = await sender.async_notify(
                title=message.title,
                body=message.body,
                notify_type=apprise.NotifyType.WARNING
                if message.priority != "normal"
                else apprise.NotifyType.INFO,
            )
            errors = captured.getvalue().strip()
        if ok:
            return Outcome(ok=True)
        return Outcome(
            ok=False, error=(errors.splitlines() or ["Apprise reported failure"])[-1][:500]
        )
