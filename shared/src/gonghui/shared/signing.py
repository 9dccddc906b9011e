"""Signed entries from departments, after the Standard Webhooks scheme.

A department that must sign adds two CloudEvents extension attributes to each entry:
`sigtimestamp` (Unix seconds) and `signature` (space-separated `v1,<base64 HMAC-SHA256>` or
`v1a,<base64 ed25519>` values) over the text `{id}.{sigtimestamp}.{data}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gonghui.shared.envelope import InvalidEntry

TOLERANCE_S = 300
SCHEMES = ("hmac-sha256", "ed25519")


@dataclass(frozen=True)
class Signing:
    """How a department signs: the scheme and the key we verify with (base64)."""

    scheme: str
    key: str

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"signing scheme must be one of {SCHEMES}")


def signed_content(event_id: str, timestamp: int, data: str) -> bytes:
    """The bytes a signature covers."""
    return f"{event_id}.{timestamp}.{data}".encode()


def sign(fields: Mapping[str, str], *, scheme: str, key: str, timestamp: int) -> dict[str, str]:
    """The fields plus `sigtimestamp` and `signature` (what a department's code does)."""
    content = signed_content(fields["id"], timestamp, fields["data"])
    secret = base64.b64decode(key)
    if scheme == "hmac-sha256":
        value = (
            "v1," + base64.b64encode(hmac.new(secret, content, hashlib.sha256).digest()).decode()
        )
    else:
        value = (
            "v1a,"
            + base64.b64encode(Ed25519PrivateKey.from_private_bytes(secret).sign(content)).decode()
        )
    return {**fields, "sigtimestamp": str(timestamp), "signature": value}


def verify(fields: Mapping[bytes, bytes], signing: Signing, *, now: datetime) -> None:
    """Raise InvalidEntry unless the entry carries a fresh, valid signature."""
    signature = fields.get(b"signature")
    stamp = fields.get(b"sigtimestamp")
    if not signature or not stamp:
        raise InvalidEntry(
            "unsigned: this department must sign its entries (signature, sigtimestamp)"
        )
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise InvalidEntry("sigtimestamp is not Unix seconds") from exc
    age = now.timestamp() - timestamp
    if abs(age) > TOLERANCE_S:
        raise InvalidEntry(
            f"stale signature: signed {age:.0f} s from now, tolerance {TOLERANCE_S} s"
        )
    content = signed_content(
        fields.get(b"id", b"").decode(errors="replace"),
        timestamp,
        fields.get(b"data", b"").decode(errors="replace"),
    )
    key = base64.b64decode(signing.key)
    for candidate in signature.decode(errors="replace").split():
        version, _, value = candidate.partition(",")
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        if signing.scheme == "hmac-sha256" and version == "v1":
            if hmac.compare_digest(given, hmac.new(key, content, hashlib.sha256).digest()):
                return
        elif signing.scheme == "ed25519" and version == "v1a":
            try:
                Ed25519PublicKey.from_public_bytes(key).verify(given, content)
                return
            except InvalidSignature:
                continue
    raise InvalidEntry(f"invalid signature ({signing.scheme})")
