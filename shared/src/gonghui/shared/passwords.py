"""Passwords people sign in with: scrypt hashes (stdlib), never the password itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**15, 8, 1
"""scrypt cost: 32 MiB and ~0.1 s a check, RFC 7914's interactive-login figures."""
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash` (base64) of a password, with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n=_N, r=_R, p=_P)
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return f"scrypt${_N}${_R}${_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        found = _scrypt(password, base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(found, expected)


def password_problem(password: str, *, sub: str = "") -> str | None:
    """Why a new password is too weak (zh-CN with the English key), or None if acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符 (password_too_short)"
    if len(password) > 200:
        return "密码过长 (password_too_long)"
    if sub and sub.lower() in password.lower():
        return "密码不能包含账号 (password_contains_account)"
    if len(set(password)) < 5:
        return "密码过于简单 (password_too_simple)"
    return None


def new_password() -> str:
    """A strong random password to hand over once (an admin sets it; the person changes it)."""
    return secrets.token_urlsafe(12)


def _scrypt(password: str, salt: bytes, *, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=128 * 1024 * 1024, dklen=32
    )
