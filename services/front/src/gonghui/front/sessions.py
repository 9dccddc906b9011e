"""Sign-in sessions: an HttpOnly cookie naming a record in Redis that holds a short-lived token.

The token is issued by the front for the session and checked by every service like any other,
so revoking a person (`gonghui user revoke`) ends their sessions: the front finds the token
revoked on the next request, and the services refuse it meanwhile. Forms and fetch() calls
carry a per-session CSRF token (field `csrf_token`, header `X-CSRF-Token`); anonymous visitors
get one in a cookie of their own (double submit), so public forms are protected too.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from redis.asyncio import Redis

from gonghui.front.settings import FrontSettings
from gonghui.shared.auth import (
    AuthError,
    Principal,
    Role,
    UserDirectory,
    issue_token,
    read_token,
)
from gonghui.shared.streams import StreamKeys

SESSION_COOKIE = "gonghui_session"
CSRF_COOKIE = "gonghui_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FORM_FIELD = "form_id"
"""Carried by every page form (`form_fields` in the templates): a form sent again (返回 and 提交
once more, a retrying proxy) goes where the first went instead of being applied twice."""
_FORM_ID = re.compile(r"[0-9a-f]{32}")
_SENT_AGAIN_ON_PURPOSE = ("/sign-in",)
"""Forms whose second sending is meant: signing in again (as someone else), a new code."""
FORM_MEMORY_S = 3_600
FORM_ANSWERING_S = 120
"""How long a form's first sending holds its claim unanswered: a process killed while answering
must not leave the form refused for the hour."""
FORM_WAIT_S = 5.0
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_NO_SESSION_PATHS = ("/static/", "/docs-assets/", "/healthz", "/readyz", "/partner/")


@dataclass(frozen=True)
class Session:
    """Who is signed in on this browser, with the bearer token the front calls services with."""

    principal: Principal
    token: str
    csrf: str
    name: str
    """What the header shows: the account's name (else its id), or a worker's masked phone."""
    signed_in_at: float
    must_change_password: bool = False
    uses_password: bool = False

    @property
    def role(self) -> Role:
        """The signed-in person's role."""
        return self.principal.role


class SignInRequired(Exception):
    """The page needs a signed-in person; the browser is sent to the sign-in page."""

    def __init__(self, next_url: str = "/") -> None:
        super().__init__("请先登录 (sign_in_required)")
        self.next_url = next_url


class PasswordChangeRequired(Exception):
    """A password set by an admin is changed before anything else."""


class NotAllowed(Exception):
    """The signed-in person's role may not open this page."""

    def __init__(self, role: Role, allowed: tuple[Role, ...]) -> None:
        names = ", ".join(r.value for r in allowed)
        super().__init__(f"您的角色无权访问此页面 (role {role.value} may not open this; {names})")


class CsrfRefused(Exception):
    """A state-changing request without this browser's CSRF token."""

    def __init__(self) -> None:
        super().__init__("页面已过期，请刷新后重试 (csrf_token_missing_or_wrong)")


class FormSentAgain(Exception):
    """A form this browser already sent: `location` is where the first sending went."""

    def __init__(self, location: str | None) -> None:
        super().__init__("此表单已提交，请勿重复提交 (form_already_sent)")
        self.location = location


class SessionStore:
    """Sessions in Redis: idle timeout refreshed on use, absolute lifetime from sign-in."""

    def __init__(
        self, redis: Redis, keys: StreamKeys, *, settings: FrontSettings, secret: str
    ) -> None:
        self._redis = redis
        self._prefix = f"{keys.prefix}front.session."
        self._idle_s = settings.session_idle_s
        self._absolute_s = settings.session_absolute_s
        self._secret = secret
        self._users = UserDirectory(redis, keys)

    def _key(self, session_id: str) -> str:
        # Only a hash of the cookie is stored: a copy of Redis does not give out sessions.
        return self._prefix + hashlib.sha256(session_id.encode()).hexdigest()

    async def open(
        self,
        principal: Principal,
        *,
        name: str,
        must_change_password: bool = False,
        uses_password: bool = False,
    ) -> tuple[str, Session]:
        """A new session for `principal`; returns (cookie value, session)."""
        token, _ = issue_token(principal, secret=self._secret, lifetime_s=self._absolute_s)
        session = Session(
            principal=read_token(token, secret=self._secret),
            token=token,
            csrf=secrets.token_urlsafe(32),
            name=name,
            signed_in_at=time.time(),
            must_change_password=must_change_password,
            uses_password=uses_password,
        )
        session_id = secrets.token_urlsafe(32)
        await self._save(session_id, session)
        return session_id, session

    async def load(self, session_id: str) -> Session | None:
        """The live session, its idle timer restarted; None if over, expired or revoked."""
        raw = await self._redis.get(self._key(session_id))
        if raw is None:
            return None
        record = json.loads(raw)
        try:
            principal = read_token(record["token"], secret=self._secret)
        except AuthError:
            await self.close(session_id)
            return None
        if await self._users.is_revoked(principal):
            await self.close(session_id)
            return None
        session = Session(
            principal=principal,
            token=record["token"],
            csrf=record["csrf"],
            name=record["name"],
            signed_in_at=record["signed_in_at"],
            must_change_password=record.get("must_change_password", False),
            uses_password=record.get("uses_password", False),
        )
        left = self._absolute_s - (time.time() - session.signed_in_at)
        if left <= 0:
            await self.close(session_id)
            return None
        await self._redis.expire(self._key(session_id), max(1, int(min(self._idle_s, left))))
        return session

    async def update(self, session_id: str, session: Session, **changes: object) -> Session:
        """The session with `changes` saved."""
        changed = replace(session, **changes)  # type: ignore[arg-type]
        await self._save(session_id, changed)
        return changed

    async def close(self, session_id: str) -> None:
        """End the session (sign-out)."""
        await self._redis.delete(self._key(session_id))

    async def _save(self, session_id: str, session: Session) -> None:
        record = {k: v for k, v in asdict(session).items() if k != "principal"}
        left = self._absolute_s - (time.time() - session.signed_in_at)
        ttl = max(1, int(min(self._idle_s, left)))
        await self._redis.set(self._key(session_id), json.dumps(record), ex=ttl)


def install_sessions(app: FastAPI, store: SessionStore, settings: FrontSettings) -> None:
    """Load the browser's session (or give it an anonymous CSRF token) on every page request."""

    @app.middleware("http")
    async def sessions(request: Request, call_next: Callable[[Request], Awaitable[Response]]):  # type: ignore[no-untyped-def]
        if request.url.path.startswith(_NO_SESSION_PATHS):
            return await call_next(request)
        session_id = request.cookies.get(SESSION_COOKIE)
        session = await store.load(session_id) if session_id else None
        anonymous_csrf = request.cookies.get(CSRF_COOKIE)
        new_csrf = None
        if session is None and not anonymous_csrf:
            new_csrf = anonymous_csrf = secrets.token_urlsafe(32)
        request.state.session = session
        request.state.session_id = session_id if session else None
        request.state.csrf = session.csrf if session else anonymous_csrf
        try:
            response = await call_next(request)
        except BaseException:
            await forget_the_form(request)  # it did not get through: it may be sent again
            raise
        await remember_where_the_form_went(request, response)
        if new_csrf:
            set_cookie(response, CSRF_COOKIE, new_csrf, settings=settings)
        if session_id and session is None and not getattr(request.state, "session_opened", False):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def set_cookie(
    response: Response,
    name: str,
    value: str,
    *,
    settings: FrontSettings,
    max_age: int | None = None,
) -> None:
    """An HttpOnly, SameSite=Lax cookie for the whole site, Secure in production."""
    response.set_cookie(
        name,
        value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def current_session(request: Request) -> Session | None:
    """The signed-in person on this request, or None (anonymous pages)."""
    return getattr(request.state, "session", None)


async def signed_in(request: Request) -> Session:
    """A dependency: the signed-in session, else the browser goes to the sign-in page."""
    session = current_session(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    if session.must_change_password and request.url.path not in ("/password", "/sign-out"):
        raise PasswordChangeRequired()
    return session


def require_role(*roles: Role) -> Callable[[Request], Awaitable[Session]]:
    """A dependency admitting signed-in people with one of `roles` (else a 403 page)."""

    async def allowed(request: Request) -> Session:
        session = await signed_in(request)
        if session.role not in roles:
            raise NotAllowed(session.role, roles)
        return session

    return allowed


async def csrf_protect(request: Request) -> None:
    """A dependency refusing a state-changing request without this browser's CSRF token."""
    if request.method in _SAFE_METHODS:
        return
    expected = getattr(request.state, "csrf", None)
    sent = request.headers.get(CSRF_HEADER)
    form = None
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = sent or (field if isinstance(field, str) else None)
    if not expected or not sent or not secrets.compare_digest(sent, expected):
        raise CsrfRefused()
    if (
        form is not None
        and isinstance(form_id := form.get(FORM_FIELD), str)
        and not request.url.path.startswith(_SENT_AGAIN_ON_PURPOSE)
    ):
        await _send_once(request, expected, form_id)


async def _send_once(request: Request, csrf: str, form_id: str) -> None:
    """Let a form through the first time; a second sending goes where the first went.

    The first sending's answer is remembered only when it was a redirect (done); one that
    failed may be sent again.
    """
    if not _FORM_ID.fullmatch(form_id):
        return
    state = request.app.state
    browser = hashlib.sha256(csrf.encode()).hexdigest()[:16]
    key = f"{state.keys.prefix}front.form.{browser}.{form_id}"
    if await state.redis.set(key, "", nx=True, ex=FORM_ANSWERING_S):
        request.state.form_key = key
        return
    location = await state.redis.get(key)
    for _ in range(int(FORM_WAIT_S / 0.1)):
        if location != b"":
            break
        await asyncio.sleep(0.1)  # the first sending is still being answered, elsewhere
        location = await state.redis.get(key)
    raise FormSentAgain(location.decode() if location else None)


async def remember_where_the_form_went(request: Request, response: Response) -> None:
    """After a form's first sending: where it went, or forget it if it did not get through."""
    key = getattr(request.state, "form_key", None)
    if key is None:
        return
    if response.status_code == 303 and (location := response.headers.get("location")):
        await request.app.state.redis.set(key, location, ex=FORM_MEMORY_S)
    else:
        await forget_the_form(request)


async def forget_the_form(request: Request) -> None:
    """Release a form's first sending that did not get through, so it may be sent again."""
    if (key := getattr(request.state, "form_key", None)) is not None:
        await request.app.state.redis.delete(key)


def page_router() -> APIRouter:
    """A router for pages: every POST, PUT, PATCH and DELETE on it must carry the CSRF token."""
    return APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def sign_in_url(next_url: str) -> str:
    """The sign-in page, returning to `next_url` after."""
    return "/sign-in?next=" + quote(next_url, safe="/")
