"""The one client of the services' public APIs: the signed-in person's token on every call,
their refusals turned into a Chinese message for the page, their failures never a 500."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import Request

from gonghui.shared.http import KEEP_ALIVE_S

log = logging.getLogger(__name__)

SERVICES = ("stations", "proposals", "notify")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_REFUSAL_ZH = {
    400: "请求有误",
    401: "请重新登录",
    403: "无权执行此操作",
    404: "找不到",
    409: "当前状态不允许此操作",
    413: "内容过大",
    422: "填写的内容有误",
    429: "操作过于频繁，请稍后再试",
}
_KEYS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    422: "invalid_input",
    429: "too_many_requests",
}


class ServiceRefusal(Exception):
    """A service said no (4xx): `message` is for the page, zh-CN first, the reason kept."""

    def __init__(self, status: int, message: str, *, key: str, detail: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.key = key
        self.detail = detail


class ServiceUnavailable(Exception):
    """A service did not answer, or failed (5xx): the page says so, never a stack trace."""

    def __init__(self, service: str) -> None:
        super().__init__(
            f"{_NAMES.get(service, service)}暂时不可用，请稍后再试 ({service}_unavailable)"
        )
        self.service = service


_NAMES = {"stations": "驿站服务", "proposals": "诉求服务", "notify": "通知服务"}


def refusal_message(status: int, detail: Any) -> str:
    """The page's message for a service's refusal: its own Chinese, or ours with its reason."""
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query"))
                parts.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg")))
            else:
                parts.append(str(item))
        reason = "; ".join(parts)
    else:
        reason = str(detail or "")
    if _CJK.search(reason):
        return reason
    prefix = _REFUSAL_ZH.get(status, "未能完成")
    return f"{prefix} ({reason})" if reason else f"{prefix} ({_KEYS.get(status, status)})"


def segment(value: object) -> str:
    """A value from a page's URL as one segment of a path: percent-encoded, so a `/`, `..`,
    `?` or control character in it can neither reach another route nor break the URL."""
    return quote(str(value), safe="")


IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


class RetryOnClosedConnection(httpx.AsyncBaseTransport):
    """Sends an idempotent request once more, on a new connection, when the connection it went
    out on failed: a kept-alive connection the server closed at that moment fails the request
    with no answer at all, and asking again is always safe for a read."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._transport.handle_async_request(request)
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            if request.method not in IDEMPOTENT:
                raise
            log.info("%s %s: %s; asking again", request.method, request.url.path, repr(exc))
            return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._transport.aclose()


def services_client() -> httpx.AsyncClient:
    """The front's client of the services: it lets an idle connection go well before the
    services would (`KEEP_ALIVE_S`), and reads again once over a connection that failed."""
    limits = httpx.Limits(keepalive_expiry=KEEP_ALIVE_S / 3)
    return httpx.AsyncClient(
        timeout=10, transport=RetryOnClosedConnection(httpx.AsyncHTTPTransport(limits=limits))
    )


class Services:
    """Calls stations, proposals and notify as the signed-in person (or anonymously)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        urls: dict[str, str],
        *,
        token: str | None = None,
        client_ip: str | None = None,
    ) -> None:
        self._http = http
        self._urls = urls
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        if client_ip:
            self._headers["X-Forwarded-For"] = client_ip

    async def get(self, service: str, path: str, *, params: Any = None) -> Any:
        """GET a service's JSON."""
        return await self.request("GET", service, path, params=params)

    async def get_each(self, service: str, paths: list[str], *, width: int = 8) -> list[Any]:
        """GET each path, `width` at a time; None for one the service refuses (out of reach)."""
        gate = asyncio.Semaphore(width)

        async def one(path: str) -> Any:
            async with gate:
                try:
                    return await self.get(service, path)
                except ServiceRefusal:
                    return None

        return await asyncio.gather(*(one(path) for path in paths))

    async def post(self, service: str, path: str, *, json: Any = None) -> Any:
        """POST JSON to a service and return its JSON answer."""
        return await self.request("POST", service, path, json=json)

    async def request(
        self,
        method: str,
        service: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        files: Any = None,
        data: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One call: JSON back, `ServiceRefusal` on a 4xx, `ServiceUnavailable` otherwise."""
        url = self._urls[service] + path
        try:
            answer = await self._http.request(
                method,
                url,
                params=params,
                json=json,
                files=files,
                data=data,
                content=content,
                headers={**self._headers, **(headers or {})},
            )
        except httpx.InvalidURL as exc:  # a path built without `segment`: no such thing
            raise ServiceRefusal(404, f"{_REFUSAL_ZH[404]} ({exc})", key=_KEYS[404]) from exc
        except httpx.HTTPError as exc:
            log.warning("%s %s: %s unreachable: %s", method, path, service, type(exc).__name__)
            raise ServiceUnavailable(service) from exc
        if answer.status_code >= 500:
            log.warning("%s %s: %s answered %s", method, path, service, answer.status_code)
            raise ServiceUnavailable(service)
        if answer.status_code >= 400:
            try:
                detail = answer.json().get("detail")
            except ValueError:
                detail = answer.text[:300]
            raise ServiceRefusal(
                answer.status_code,
                refusal_message(answer.status_code, detail),
                key=_KEYS.get(answer.status_code, str(answer.status_code)),
                detail=detail,
            )
        if answer.status_code == 204 or not answer.content:
            return None
        try:
            return answer.json()
        except ValueError as exc:
            raise ServiceUnavailable(service) from exc


def services_for(request: Request) -> Services:
    """A dependency: the services, called as whoever is signed in on this request."""
    session = getattr(request.state, "session", None)
    return Services(
        request.app.state.http,
        request.app.state.services,
        token=session.token if session else None,
        client_ip=request.client.host if request.client else None,
    )
