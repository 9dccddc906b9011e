"""Sign-in pages: a worker's one-time code, everyone else's password; sign-out; password change."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gonghui.front.adapters.services import ServiceRefusal, Services, ServiceUnavailable
from gonghui.front.pages import home_for, render
from gonghui.front.sessions import (
    SESSION_COOKIE,
    Session,
    page_router,
    set_cookie,
    signed_in,
)
from gonghui.front.signin import (
    CodeRefused,
    masked_mobile,
    normalize_mobile,
    worker_account,
)
from gonghui.shared.auth import Principal, Role, issue_token
from gonghui.shared.passwords import password_problem
from gonghui.shared.ratelimit import RateLimited

FRONT_ACCOUNT = Principal(sub="gonghui-front", role=Role.SERVICE)
"""Who the front is when it asks notify to text a code."""

BLOCKED = "此号码已停用，如有疑问请联系工会 (number_blocked)"
BLOCKED_ACCOUNT = "此账号已停用，如有疑问请联系工会 (account_blocked)"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def landing(target: str | None, role: Role) -> str:
    """Where a person goes once signed in: the page they came from, else their role's home."""
    target = safe_next(target)
    return home_for(role) if target == "/" else target


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def signin_router():  # type: ignore[no-untyped-def]
    """`/sign-in`, `/sign-out` and `/password`."""
    router = page_router()

    def page(request: Request, *, status: int = 200, **context: object) -> Response:
        context.setdefault("next", safe_next(request.query_params.get("next")))
        return render(request, "signin.html", context, status_code=status)

    async def start(request: Request, response: Response, session_id: str) -> Response:
        set_cookie(response, SESSION_COOKIE, session_id, settings=request.app.state.settings)
        request.state.session_opened = True
        return response

    async def limit_attempts(request: Request) -> None:
        await request.app.state.sign_in_limiter.acquire(_client(request), max_wait_s=0)

    @router.get("/sign-in")
    async def sign_in_page(request: Request) -> Response:
        return page(request)

    @router.post("/sign-in/code/send")
    async def send_code(
        request: Request, mobile: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
    ) -> Response:
        number = normalize_mobile(mobile)
        if number is None:
            return page(
                request,
                status=400,
                next=safe_next(next),
                code_error="请输入 11 位手机号 (mobile_invalid)",
                mobile=mobile,
            )
        state = request.app.state
        account = worker_account(number, secret=state.auth_secret)
        if await state.users.is_blocked(account):
            return page(
                request, status=403, next=safe_next(next), code_error=BLOCKED, mobile=mobile
            )
        try:
            code = await state.codes.issue(account, client=_client(request))
        except RateLimited as exc:
            return page(
                request, status=429, next=safe_next(next), code_error=str(exc), mobile=mobile
            )
        token, _ = issue_token(FRONT_ACCOUNT, secret=state.auth_secret, lifetime_s=60)
        notify = Services(state.http, state.services, token=token)
        minutes = max(1, state.settings.code_ttl_s // 60)
        try:
            await notify.post(
                "notify",
                "/sign-in-codes",
                json={"mobile": number, "code": code, "valid_minutes": minutes},
            )
        except (ServiceRefusal, ServiceUnavailable) as exc:
            message = exc.message if isinstance(exc, ServiceRefusal) else str(exc)
            return page(
                request, status=503, next=safe_next(next), code_error=message, mobile=mobile
            )
        return page(
            request,
            next=safe_next(next),
            code_sent=f"验证码已发送至 {masked_mobile(number)}，{minutes} 分钟内有效",
            mobile=number,
        )

    @router.post("/sign-in/code")
    async def sign_in_with_code(
        request: Request,
        mobile: Annotated[str, Form()] = "",
        code: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        state = request.app.state
        number = normalize_mobile(mobile)
        try:
            await limit_attempts(request)
            if number is None:
                raise CodeRefused("请输入 11 位手机号 (mobile_invalid)")
            account = worker_account(number, secret=state.auth_secret)
            await state.codes.redeem(account, code)
            if await state.users.is_blocked(account):  # a code sent before the number was blocked
                raise CodeRefused(BLOCKED)
        except (CodeRefused, RateLimited) as exc:
            return page(
                request,
                status=400,
                next=safe_next(next),
                code_error=str(exc),
                mobile=mobile,
                code_sent="请输入短信中的 6 位验证码",
            )
        principal = Principal(sub=account, role=Role.WORKER)
        session_id, _ = await state.sessions.open(principal, name=masked_mobile(number))
        target = landing(next, principal.role)
        return await start(request, RedirectResponse(target, status_code=303), session_id)

    @router.post("/sign-in/password")
    async def sign_in_with_password(
        request: Request,
        account: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        state = request.app.state
        refused = "账号或密码不正确 (wrong_account_or_password)"
        try:
            await limit_attempts(request)
        except RateLimited as exc:
            return page(request, status=429, next=safe_next(next), password_error=str(exc))
        user = await state.users.check_password(account.strip(), password) if account else None
        if user is not None and await state.users.is_blocked(user.principal.sub):
            return page(request, status=403, next=safe_next(next), password_error=BLOCKED_ACCOUNT)
        if user is None or user.principal.role is Role.SERVICE:
            return page(
                request,
                status=400,
                next=safe_next(next),
                password_error=refused,
                account=account,
            )
        session_id, _ = await state.sessions.open(
            user.principal,
            name=user.name or user.principal.sub,
            must_change_password=user.must_change_password,
            uses_password=True,
        )
        target = "/password" if user.must_change_password else landing(next, user.principal.role)
        return await start(request, RedirectResponse(target, status_code=303), session_id)

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        if request.state.session_id:
            await request.app.state.sessions.close(request.state.session_id)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/password")
    async def password_page(
        request: Request, session: Annotated[Session, Depends(signed_in)]
    ) -> Response:
        return render(request, "password.html", {"forced": session.must_change_password})

    @router.post("/password")
    async def change_password(
        request: Request,
        session: Annotated[Session, Depends(signed_in)],
        current: Annotated[str, Form()] = "",
        new: Annotated[str, Form()] = "",
        repeat: Annotated[str, Form()] = "",
    ) -> Response:
        state = request.app.state
        sub = session.principal.sub

        def refuse(message: str, status: int = 400) -> Response:
            context = {"forced": session.must_change_password, "error": message}
            return render(request, "password.html", context, status_code=status)

        if not session.uses_password:
            return refuse("工友使用短信验证码登录，无需密码 (no_password_account)")
        try:
            await limit_attempts(request)
        except RateLimited as exc:
            return refuse(str(exc), 429)
        if await state.users.check_password(sub, current) is None:
            return refuse("当前密码不正确 (wrong_password)")
        if new != repeat:
            return refuse("两次输入的新密码不一致 (passwords_differ)")
        if new == current:
            return refuse("新密码不能与当前密码相同 (password_unchanged)")
        if problem := password_problem(new, sub=sub):
            return refuse(problem)
        await state.users.set_password(session.principal, new, must_change=False)
        await state.sessions.update(request.state.session_id, session, must_change_password=False)
        return RedirectResponse("/?ok=password", status_code=303)

    return router
