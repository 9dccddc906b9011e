"""Wires the door, the webhook routes and the webhook deliverer into one router."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gonghui.front.partner.door import Door, door_router, refusal
from gonghui.front.partner.settings import PartnerDoorSettings
from gonghui.front.partner.webhooks import Deliverer, WebhookRefused, Webhooks
from gonghui.front.settings import FrontSettings
from gonghui.shared.connections import redis_client
from gonghui.shared.departments import Department
from gonghui.shared.receivers import ReceiverAddresses, receivers_client
from gonghui.shared.streams import StreamKeys


class WebhookRequest(BaseModel):
    """Where to push your inbox items."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, description="Your receiver, `https://...`.")
    feed: bool = Field(False, description="Push your feed too, not only your inbox.")


class WebhookAnswer(BaseModel):
    """Your webhook; `secret` only in the answer to PUT (keep it: it verifies signatures)."""

    url: str
    feed: bool
    registered_at: str
    secret: str | None = Field(
        None, description="`whsec_...`: verify `webhook-signature` with it (Standard Webhooks)."
    )


def partner_router(front: FrontSettings, settings: PartnerDoorSettings | None = None) -> APIRouter:
    """`/partner/v1/...`, with the webhook deliverer running for the router's life."""
    settings = settings or PartnerDoorSettings()
    redis = redis_client(front.bus_url)
    keys = StreamKeys(front.stream_prefix)
    door = Door(
        redis,
        keys,
        settings,
        blocking=redis_client(front.redis_url, socket_timeout=settings.longest_wait_s + 10),
    )
    developing = front.environment == "development"
    receivers = ReceiverAddresses(settings.webhook_internal_networks, anywhere=developing)
    webhooks = Webhooks(redis, keys, receivers)
    allow_http = settings.allow_http_webhooks or developing

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
        stop = asyncio.Event()
        async with receivers_client(receivers) as http:
            deliverer = Deliverer(redis, keys, webhooks, settings, http)
            task = asyncio.create_task(deliverer.run(stop))
            try:
                yield {}
            finally:
                stop.set()
                await asyncio.wait([task], timeout=settings.webhook_timeout_s + 5)
                task.cancel()
                await door.blocking.aclose()
                await redis.aclose()

    router = APIRouter(lifespan=lifespan)
    router.include_router(door_router(door))

    async def department(
        authorization: Annotated[str | None, Header(description="`Bearer <key>`.")] = None,
    ) -> Department:
        return await door.department(authorization)

    Caller = Annotated[Department, Depends(department)]
    hooks = APIRouter(prefix="/partner/v1/webhook", tags=["partners"])

    @hooks.put("", summary="Register your webhook (a new signing secret each time)")
    async def register(caller: Caller, body: WebhookRequest) -> WebhookAnswer:
        try:
            hook = await webhooks.register(
                caller.code, body.url, feed=body.feed, allow_http=allow_http
            )
        except WebhookRefused as exc:
            raise HTTPException(400, str(exc)) from exc
        return WebhookAnswer(
            url=hook.url, feed=hook.feed, registered_at=hook.registered_at, secret=hook.secret
        )

    @hooks.get("", summary="Your webhook (without its secret)", response_model=WebhookAnswer)
    async def show(caller: Caller) -> WebhookAnswer | JSONResponse:
        hook = await webhooks.get(caller.code)
        if hook is None:
            return refusal(404, "未登记 webhook", "no webhook registered")
        return WebhookAnswer(url=hook.url, feed=hook.feed, registered_at=hook.registered_at)

    @hooks.delete("", summary="Stop pushing; items wait for GET /partner/v1/inbox", status_code=204)
    async def remove(caller: Caller) -> Response:
        if not await webhooks.remove(caller.code):
            return refusal(404, "未登记 webhook", "no webhook registered")
        return Response(status_code=204)

    @hooks.get("/deliveries", summary="Delivery attempts, newest first")
    async def deliveries(
        caller: Caller, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[dict[str, Any]]:
        return await webhooks.deliveries(caller.code, limit=limit)

    router.include_router(hooks)
    return router
