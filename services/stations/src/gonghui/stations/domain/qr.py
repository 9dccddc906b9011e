"""A station's QR code that rotates, so a visit proves the worker stood in front of it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime


class QrRefused(Exception):
    """A visit whose QR token is missing, forged, for another station or too old."""


@dataclass(frozen=True)
class QrCode:
    """The code a station shows now."""

    token: str
    valid_from: datetime
    valid_until: datetime
    """When the next code replaces it (it is still accepted for the grace period after)."""


def current_code(secret: str, code: str, *, at: datetime, rotation_s: int) -> QrCode:
    """The token a station's QR code carries at `at`."""
    window = int(at.timestamp()) // rotation_s
    return QrCode(
        token=_token(secret, code, window),
        valid_from=datetime.fromtimestamp(window * rotation_s, UTC),
        valid_until=datetime.fromtimestamp((window + 1) * rotation_s, UTC),
    )


def check_code(
    secret: str, code: str, token: str, *, at: datetime, rotation_s: int, grace_s: int
) -> None:
    """Raise QrRefused unless `token` is this station's current code or the one before it."""
    window_text, _, _ = token.partition(".")
    try:
        window = int(window_text, 16)
    except ValueError:
        raise QrRefused("二维码无效，请扫描站点现场的二维码 / the QR token is malformed") from None
    if not hmac.compare_digest(token, _token(secret, code, window)):
        raise QrRefused("二维码无效，请扫描本站点现场的二维码 / the QR token is not this station's")
    now = int(at.timestamp())
    current = now // rotation_s
    if window > current:
        raise QrRefused("二维码尚未生效 / the QR token is not valid yet")
    if window < current - 1 or (window == current - 1 and now - current * rotation_s > grace_s):
        raise QrRefused("二维码已过期，请重新扫描现场二维码 / the QR token has expired; scan again")


def _token(secret: str, code: str, window: int) -> str:
    mac = hmac.new(secret.encode(), f"{code}|{window}".encode(), hashlib.sha256).digest()
    return f"{window:x}." + base64.urlsafe_b64encode(mac[:12]).decode()
