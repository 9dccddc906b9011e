"""Rendering pages: the templates, what every page knows (who is signed in, the CSRF token,
the nav for their role), and the pages for refusals."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from gonghui.front.adapters.services import ServiceRefusal, ServiceUnavailable
from gonghui.front.sessions import (
    CSRF_FIELD,
    FORM_FIELD,
    SESSION_COOKIE,
    CsrfRefused,
    FormSentAgain,
    NotAllowed,
    PasswordChangeRequired,
    SignInRequired,
    current_session,
    sign_in_url,
)
from gonghui.shared.auth import Role
from gonghui.shared.clock import SHANGHAI

TEMPLATES = Path(__file__).with_name("templates")

STAFF = (Role.REVIEWER, Role.SUPERVISOR, Role.UNION_ADMIN)
UNITS = (Role.HANDLER, Role.PARTNER)


@dataclass(frozen=True)
class NavLink:
    """One entry of the header's nav, shown to the roles given (everyone when empty)."""

    path: str
    label: str
    roles: tuple[Role, ...] = ()


NAV = (
    NavLink("/", "找站点"),
    NavLink("/cases", "我的诉求", (Role.WORKER, Role.MEMBER, Role.REPRESENTATIVE)),
    NavLink("/work", "工作台", UNITS),
    NavLink("/desk", "审议督查", (Role.REVIEWER, Role.SUPERVISOR)),
    NavLink("/discuss", "大家议", (Role.MEMBER, Role.REPRESENTATIVE, Role.REVIEWER)),
    NavLink("/visits", "走访", (Role.REPRESENTATIVE,)),
    NavLink("/duty", "我的履职", (Role.REPRESENTATIVE,)),
    NavLink("/dashboard", "数据看板", (Role.SUPERVISOR, Role.UNION_ADMIN)),
    NavLink("/manage", "站点管理", (Role.PARTNER, Role.UNION_ADMIN)),
    NavLink("/api", "接口文档", STAFF),
    NavLink("/messages", "消息", tuple(role for role in Role if role is not Role.SERVICE)),
)
"""The nav by role; each page lives in a router of its own (entrypoints/cases.py, work.py,
desk.py, discuss.py, visits.py, duty.py, dashboard.py, manage.py, messages.py)."""


HOMES: dict[Role, str] = {
    Role.REPRESENTATIVE: "/cases",
    Role.REVIEWER: "/desk",
    Role.SUPERVISOR: "/desk",
    Role.UNION_ADMIN: "/dashboard",
    **dict.fromkeys(UNITS, "/work"),
}
"""Where each role's work is: signing in without a page to go back to lands there (a worker and
a member on the station finder)."""


def home_for(role: Role) -> str:
    """The page a person of `role` starts from."""
    return HOMES.get(role, "/")


def templates() -> Jinja2Templates:
    """The Jinja2 environment of every page, with the filters the templates use."""
    environment = Jinja2Templates(directory=TEMPLATES)
    environment.env.filters["beijing"] = beijing_time
    environment.env.filters["distance"] = distance_text
    environment.env.globals["form_fields"] = form_fields
    return environment


@pass_context
def form_fields(context: Context) -> Markup:
    """The hidden fields of every form on a page: the browser's CSRF token, and a fresh id the
    server applies the form once by (sent again, after 返回 or by a retrying proxy, it goes
    where the first sending went), with or without the page's scripts."""
    return Markup(
        '<input type="hidden" name="{}" value="{}"><input type="hidden" name="{}" value="{}">'
    ).format(CSRF_FIELD, context.get("csrf_token", ""), FORM_FIELD, secrets.token_hex(16))


def beijing_time(value: str | datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A time as people read it here (Asia/Shanghai)."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(SHANGHAI).strftime(fmt)


def distance_text(metres: float | None) -> str:
    """`350 米`, `1.2 公里`."""
    if metres is None:
        return ""
    return f"{round(metres)} 米" if metres < 1000 else f"{metres / 1000:.1f} 公里"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A page: the template with who is signed in, the CSRF token and their nav."""
    session = current_session(request)
    role = session.role if session else None
    nav = [link for link in NAV if not link.roles or (role is not None and role in link.roles)]
    base = {
        "session": session,
        "csrf_token": getattr(request.state, "csrf", ""),
        "nav": nav,
        "path": request.url.path,
        "settings": request.app.state.settings,
    }
    return request.app.state.templates.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status_code
    )


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_page(request: Request, *, status: int, message: str, title: str) -> Response:
    """A refusal as a page (or as JSON to a fetch() call)."""
    if _wants_json(request):
        return JSONResponse(status_code=status, content={"detail": message})
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


def install_error_pages(app: FastAPI) -> None:
    """Every refusal of a page in Chinese; never a 500 from a service's failure."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if _wants_json(request):
            return JSONResponse(status_code=401, content={"detail": str(exc)})
        return RedirectResponse(sign_in_url(exc.next_url), status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _password(request: Request, _: PasswordChangeRequired) -> Response:
        return RedirectResponse("/password", status_code=303)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        return error_page(request, status=403, message=str(exc), title="无权访问")

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return error_page(request, status=403, message=str(exc), title="页面已过期")

    @app.exception_handler(FormSentAgain)
    async def _sent_again(request: Request, exc: FormSentAgain) -> Response:
        if exc.location:
            return RedirectResponse(exc.location, status_code=303)
        return error_page(request, status=409, message=str(exc), title="已提交")

    @app.exception_handler(ServiceRefusal)
    async def _refused(request: Request, exc: ServiceRefusal) -> Response:
        if exc.status == 401 and current_session(request) is not None:
            # The services no longer accept this session's token (revoked or expired).
            await request.app.state.sessions.close(request.state.session_id)
            response = RedirectResponse(sign_in_url(request.url.path), status_code=303)
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response
        return error_page(request, status=exc.status, message=exc.message, title="未能完成")

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(request: Request, exc: ServiceUnavailable) -> Response:
        return error_page(request, status=503, message=str(exc), title="服务暂时不可用")

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> Response:
        detail = getattr(exc, "detail", None)
        message = detail if isinstance(detail, str) and detail != "Not Found" else "找不到此页面"
        return error_page(request, status=404, message=f"{message} (not_found)", title="找不到")
