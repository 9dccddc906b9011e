"""The partners' HTTPS door: a department's outbox, inbox and feed over HTTP (DESIGN §9).

A posted CloudEvent becomes exactly the entry the department could have XADDed itself, judged
first by the function the consumers judge with, so a malformed event is refused here with the
reason its dead letter would carry. Reading uses the department's own consumer group.
"""

import asyncio
import json
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from gonghui.front.partner.binding import BATCH, STRUCTURED, NotACloudEvent, events_from_request
from gonghui.front.partner.settings import PartnerDoorSettings
from gonghui.shared.consumer import Entry, judge_at_the_door, responsible_service
from gonghui.shared.deadletters import reason_in_chinese
from gonghui.shared.departments import Department, DepartmentDirectory
from gonghui.shared.ratelimit import RateLimited, RateLimiter
from gonghui.shared.streams import SERVICES, StreamKeys

MAX_EVENT_BYTES = 1_048_576
ENTRY_ID = r"^\d{1,20}-\d{1,20}$"


class Accepted(BaseModel):
    """What the door answers for accepted events: where each one is on the outbox."""

    stream: str = Field(description="The outbox the events were added to.")
    entry_ids: list[str] = Field(description="The stream entry id of each event, in order.")
    ids: list[str] = Field(description="The CloudEvents `id` of each event, in order.")


class InboxItem(BaseModel):
    """One item of an inbox or feed: its entry id (acknowledge with it) and the CloudEvent."""

    entry_id: str = Field(description="The stream entry id; acknowledge with it.")
    deliveries: int | None = Field(
        None, description="How often it was handed out, when it is a redelivery."
    )
    event: dict[str, Any] = Field(
        description="The CloudEvent (structured mode): attributes, and `data` as JSON."
    )


class InboxPage(BaseModel):
    """Items handed out to this consumer; each comes back until it is acknowledged."""

    stream: str
    consumer: str
    items: list[InboxItem]


class Ack(BaseModel):
    """Entry ids to acknowledge."""

    model_config = ConfigDict(extra="forbid")

    entry_ids: list[Annotated[str, Field(pattern=ENTRY_ID)]] = Field(
        min_length=1, max_length=1000, description="Entry ids handed out by this door or read."
    )


class Acknowledged(BaseModel):
    """How many of the given entries left the pending list (already acknowledged ones: 0)."""

    acknowledged: int


def refusal(
    status: int, zh: str, en: str, *, headers: dict[str, str] | None = None, **more: Any
) -> JSONResponse:
    """A refusal in the platform's shape: `detail` zh-CN first with the English key."""
    return JSONResponse(
        status_code=status, content={"detail": f"{zh} / {en}", **more}, headers=headers
    )


def as_cloud_event(fields: dict[bytes, bytes]) -> dict[str, Any]:
    """An entry as a structured-mode CloudEvent: `data` parsed when it is JSON."""
    event: dict[str, Any] = {
        k.decode(errors="replace"): v.decode(errors="replace") for k, v in fields.items()
    }
    try:
        event["data"] = json.loads(event.get("data", "null"))
    except ValueError:
        pass
    return event


class NoSuchStream(Exception):
    """The department has no such stream (a feed never granted): 404, zh and en."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class Door:
    """What every route of the door needs: Redis, the keys, the directory, the limits."""

    def __init__(
        self, redis: Redis, keys: StreamKeys, settings: PartnerDoorSettings, *, blocking: Redis
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.settings = settings
        self.directory = DepartmentDirectory(redis, keys)
        self.limits = {
            service: RateLimiter(
                redis,
                namespace=keys.limit(service),
                rate=settings.department_rate,
                burst=settings.department_burst,
            )
            for service in SERVICES
        }
        self.blocking = blocking
        """For blocking reads, which hold their connection for the whole wait: its socket
        timeout is longer than the longest wait (apart from the client for quick commands)."""

    async def department(self, authorization: str | None) -> Department:
        """The department whose key the request carries, or 401."""
        scheme, _, key = (authorization or "").partition(" ")
        department = (
            await self.directory.by_http_key(key.strip()) if scheme.lower() == "bearer" else None
        )
        if department is None:
            raise HTTPException(
                401,
                "未认证：请在 Authorization: Bearer 中提供本单位的密钥 (gonghui dept key) / "
                "no valid department key in Authorization: Bearer",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return department

    def stream(self, department: Department, which: str) -> str:
        """The department's inbox or feed key."""
        if which == "feed":
            return self.keys.feed(department.code)
        return self.keys.inbox(department.code)

    async def send(self, department: Department, events: list[dict[str, str]]) -> JSONResponse:
        """Judge every event as its consumer would, then add them all, or none, to the outbox."""
        outbox = self.keys.outbox(department.code)
        now = datetime.now(UTC)
        refused = []
        for n, fields in enumerate(events):
            raw = {k.encode(): v.encode() for k, v in fields.items()}
            reason = judge_at_the_door(
                Entry(outbox, "0-0", raw), keys=self.keys, signing=department.signing, now=now
            )
            if reason is not None:
                refused.append(
                    {"index": n, "reason": reason, "reason_zh": reason_in_chinese(reason)}
                )
        if refused:
            first = refused[0]
            return refusal(
                400,
                f"事件被拒绝：{first['reason_zh']}",
                first["reason"],
                reason=first["reason"],
                refused=refused,
            )
        owners: dict[str, int] = {}
        for fields in events:
            owner = responsible_service({b"type": fields["type"].encode()})
            owners[owner] = owners.get(owner, 0) + 1
        try:
            for owner, count in owners.items():
                await self.limits[owner].admit(department.code, count)
        except RateLimited as exc:
            return refusal(
                429,
                f"发送过快，请 {math.ceil(exc.retry_after_s)} 秒后再试",
                f"department {department.code} is above its rate; retry after "
                f"{exc.retry_after_s:.1f} s",
                retry_after_s=exc.retry_after_s,
                headers={"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))},
            )
        async with self.redis.pipeline(transaction=True) as pipe:
            for fields in events:
                pipe.xadd(outbox, fields)
            added = await pipe.execute()
        body = Accepted(
            stream=outbox,
            entry_ids=[entry_id.decode() for entry_id in added],
            ids=[fields["id"] for fields in events],
        )
        return JSONResponse(status_code=202, content=body.model_dump())

    async def take(
        self,
        department: Department,
        which: str,
        *,
        consumer: str,
        count: int,
        wait_s: float,
        redeliver_after_s: float,
    ) -> InboxPage:
        """This consumer's unacknowledged items, then others' stale ones, then new ones."""
        stream = self.stream(department, which)
        group = department.code
        try:
            items = await self._own_pending(stream, group, consumer, count)
            if not items:
                items = await self._stale(stream, group, consumer, count, redeliver_after_s)
            if not items:
                got = await self.blocking.xreadgroup(
                    group, consumer, {stream: ">"}, count=count, block=max(1, int(wait_s * 1000))
                )
                items = [
                    InboxItem(entry_id=entry_id.decode(), event=as_cloud_event(fields))
                    for _, entries in got or []
                    for entry_id, fields in entries
                    if fields
                ]
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            raise NoSuchStream(
                f"本单位尚无{'订阅' if which == 'feed' else '收件箱'}",
                f"no {which} for department {department.code} (gonghui dept grant)",
            ) from exc
        return InboxPage(stream=stream, consumer=consumer, items=items)

    async def _own_pending(
        self, stream: str, group: str, consumer: str, count: int
    ) -> list[InboxItem]:
        got = await self.redis.xreadgroup(group, consumer, {stream: "0"}, count=count)
        return [
            InboxItem(entry_id=entry_id.decode(), event=as_cloud_event(fields))
            for _, entries in got or []
            for entry_id, fields in entries
            if fields
        ]

    async def _stale(
        self, stream: str, group: str, consumer: str, count: int, idle_s: float
    ) -> list[InboxItem]:
        _, claimed, *_ = await self.redis.xautoclaim(
            stream, group, consumer, int(idle_s * 1000), start_id="0-0", count=count
        )
        return [
            InboxItem(entry_id=entry_id.decode(), event=as_cloud_event(fields))
            for entry_id, fields in claimed
            if fields
        ]

    async def ack(self, department: Department, which: str, entry_ids: list[str]) -> int:
        """XACK for the department's group."""
        return int(
            await self.redis.xack(self.stream(department, which), department.code, *entry_ids)
        )


def door_router(door: Door) -> APIRouter:
    """`/partner/v1/...`: send events, read and acknowledge the inbox and feed."""
    router = APIRouter(prefix="/partner/v1", tags=["partners"])

    async def department(
        authorization: Annotated[
            str | None,
            Header(description="`Bearer <key>`: the key `gonghui dept key <code>` prints."),
        ] = None,
    ) -> Department:
        return await door.department(authorization)

    Caller = Annotated[Department, Depends(department)]

    @router.post(
        "/events",
        summary="Send CloudEvents to your outbox (binary, structured or batch mode)",
        status_code=202,
        response_model=Accepted,
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "Binary mode: `ce-specversion`, `ce-id`, `ce-source`, `ce-type` "
                "(and optional `ce-*`) headers, the JSON payload as the body. Structured mode: "
                f"`Content-Type: {STRUCTURED}`, one CloudEvent as JSON. Batch: "
                f"`Content-Type: {BATCH}`, a JSON array of them (all accepted, or none).",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    STRUCTURED: {"schema": {"type": "object"}},
                    BATCH: {"schema": {"type": "array", "items": {"type": "object"}}},
                },
            },
            "responses": {
                "400": {
                    "description": "Not a CloudEvent, or refused as a dead letter would be: "
                    "`reason` is the dead letter's reason, `refused` lists each event."
                },
                "429": {"description": "Above the department's rate; retry after `Retry-After`."},
            },
        },
    )
    async def send(request: Request, caller: Caller) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_EVENT_BYTES:
            return refusal(413, "请求体过大", "the request body is over 1 MiB")
        try:
            events, _ = events_from_request(request.headers, body)
        except NotACloudEvent as exc:
            zh, _, en = str(exc).partition(" / ")
            return refusal(400, zh, en or zh, reason=en or zh)
        return await door.send(caller, events)

    for which in ("inbox", "feed"):
        _reading_routes(router, door, which, Caller)
    return router


def _reading_routes(router: APIRouter, door: Door, which: str, caller: Any) -> None:
    """`GET /<which>` (long-poll), `GET /<which>/stream` (SSE), `POST /<which>/ack`."""
    longest = door.settings.longest_wait_s
    Consumer = Annotated[
        str,
        Query(
            pattern=r"^[A-Za-z0-9._-]{1,64}$",
            description="Your reader's name; its unacknowledged items come back to it first.",
        ),
    ]

    @router.get(
        f"/{which}",
        summary=f"Long-poll your {which}: items until acknowledged (at least once)",
        response_model=InboxPage,
        name=f"take_{which}",
    )
    async def take(
        department: caller,
        consumer: Consumer = "https",
        count: Annotated[int, Query(ge=1, le=100)] = 10,
        wait: Annotated[float, Query(ge=0, le=longest, description="Seconds to wait.")] = 20,
        redeliver_after: Annotated[
            float,
            Query(ge=0, le=86_400, description="Take over others' items unacknowledged this long."),
        ] = 60,
    ) -> InboxPage | JSONResponse:
        try:
            return await door.take(
                department,
                which,
                consumer=consumer,
                count=count,
                wait_s=wait,
                redeliver_after_s=redeliver_after,
            )
        except NoSuchStream as exc:
            return refusal(404, exc.zh, exc.en)

    @router.get(
        f"/{which}/stream",
        summary=f"Your {which} as server-sent events; acknowledge with POST /{which}/ack",
        response_class=StreamingResponse,
        name=f"stream_{which}",
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def stream(
        request: Request, department: caller, consumer: Consumer = "https-sse"
    ) -> StreamingResponse:
        async def events() -> AsyncIterator[str]:
            sent: set[str] = set()
            while not await request.is_disconnected():
                page = await door.take(
                    department,
                    which,
                    consumer=consumer,
                    count=10,
                    wait_s=min(longest, 15),
                    redeliver_after_s=60,
                )
                fresh = [item for item in page.items if item.entry_id not in sent]
                for item in fresh:
                    sent.add(item.entry_id)
                    kind = item.event.get("type", "")
                    event = json.dumps(item.event, ensure_ascii=False)
                    yield f"id: {item.entry_id}\nevent: {kind}\ndata: {event}\n\n"
                if not fresh:
                    # Handed out but not yet acknowledged: wait for the ack, do not resend.
                    yield ": waiting\n\n"
                    if page.items:
                        await asyncio.sleep(1)

        return StreamingResponse(events(), media_type="text/event-stream")

    @router.post(
        f"/{which}/ack",
        summary=f"Acknowledge {which} items you have handled",
        response_model=Acknowledged,
        name=f"ack_{which}",
    )
    async def ack(department: caller, body: Ack) -> Acknowledged:
        return Acknowledged(acknowledged=await door.ack(department, which, body.entry_ids))
