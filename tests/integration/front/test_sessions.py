"""Sessions, CSRF and sign-in codes on a real Redis (the front's app in-process)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.responses import RedirectResponse
from redis.asyncio import Redis

from gonghui.front.bootstrap import create_app
from gonghui.front.sessions import FORM_ANSWERING_S, SessionStore, page_router
from gonghui.front.settings import FrontSettings
from gonghui.front.signin import CodeRefused, SignInCodes, normalize_mobile, worker_account
from gonghui.shared.auth import Principal, Role, UserDirectory, auth_secret, read_token
from gonghui.shared.ratelimit import RateLimited
from gonghui.shared.streams import StreamKeys
from tests.support.auth import csrf_of
from tests.support.system import eventually

REP = Principal(sub="rep-7", role=Role.REPRESENTATIVE, area="350104")


@pytest.fixture
def settings(redis_url: str, keys: StreamKeys) -> FrontSettings:
    """The front's settings on the test's Redis and prefix."""
    return FrontSettings(
        redis_url=redis_url, stream_prefix=keys.prefix, code_phone_per_hour=3, code_attempts=2
    )


@pytest.fixture
def sessions(redis: Redis, keys: StreamKeys, settings: FrontSettings) -> SessionStore:
    return SessionStore(redis, keys, settings=settings, secret=auth_secret())


async def test_a_session_holds_a_short_token_the_services_accept_and_ends_at_sign_out(
    sessions: SessionStore, redis: Redis, keys: StreamKeys
) -> None:
    cookie, opened = await sessions.open(REP, name="rep-7")
    token = read_token(opened.token, secret=auth_secret())
    assert token.sub == "rep-7" and token.role is Role.REPRESENTATIVE and token.area == "350104"
    stored = [key async for key in redis.scan_iter(match=f"{keys.prefix}front.session.*")]
    assert len(stored) == 1 and cookie not in stored[0].decode()  # only a hash of the cookie
    assert 1700 < await redis.ttl(stored[0]) <= 1800  # the idle timeout
    loaded = await sessions.load(cookie)
    assert loaded is not None and loaded.csrf == opened.csrf
    await sessions.close(cookie)
    assert await sessions.load(cookie) is None


async def test_a_session_ends_at_its_absolute_lifetime_even_when_used(
    sessions: SessionStore, redis: Redis, keys: StreamKeys
) -> None:
    cookie, _ = await sessions.open(REP, name="rep-7")
    [key] = [k async for k in redis.scan_iter(match=f"{keys.prefix}front.session.*")]
    record = json.loads(await redis.get(key))
    record["signed_in_at"] -= 8 * 3600 + 1
    await redis.set(key, json.dumps(record), ex=600)
    assert await sessions.load(cookie) is None
    assert not await redis.exists(key)


async def test_revoking_the_person_ends_their_sessions(
    sessions: SessionStore, redis: Redis, keys: StreamKeys
) -> None:
    users = UserDirectory(redis, keys)
    await users.set_password(REP, "a-long-Password-1", must_change=False)
    cookie, _ = await sessions.open(REP, name="rep-7")
    assert await sessions.load(cookie) is not None
    await users.revoke("rep-7")
    assert await sessions.load(cookie) is None
    assert await users.check_password("rep-7", "a-long-Password-1") is None


async def test_a_code_works_once_within_its_attempts(
    redis: Redis, keys: StreamKeys, settings: FrontSettings
) -> None:
    codes = SignInCodes(redis, keys, settings=settings)
    account = worker_account("13800138000", secret="s")
    code = await codes.issue(account, client="10.0.0.1")
    assert re.fullmatch(r"\d{6}", code)
    stored = await redis.hgetall(f"{keys.prefix}front.code.{account}")
    assert code.encode() not in b"".join(stored.values())  # hashed, never kept as sent
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(CodeRefused, match="code_wrong"):
        await codes.redeem(account, wrong)
    await codes.redeem(account, code)
    with pytest.raises(CodeRefused, match="code_expired"):
        await codes.redeem(account, code)

    code = await codes.issue(account, client="10.0.0.1")
    for _ in range(2):
        with pytest.raises(CodeRefused, match="code_wrong"):
            await codes.redeem(account, wrong)
    with pytest.raises(CodeRefused, match="code_attempts_exceeded"):
        await codes.redeem(account, code)  # even the right code, after too many tries


async def test_a_code_expires(redis: Redis, keys: StreamKeys, settings: FrontSettings) -> None:
    codes = SignInCodes(redis, keys, settings=settings)
    account = worker_account("13800138000", secret="s")
    code = await codes.issue(account, client="10.0.0.2")
    assert 290 < await redis.ttl(f"{keys.prefix}front.code.{account}") <= 300
    await redis.pexpire(f"{keys.prefix}front.code.{account}", 1)
    await asyncio.sleep(0.05)
    with pytest.raises(CodeRefused, match="code_expired"):
        await codes.redeem(account, code)


async def test_codes_are_limited_per_number(
    redis: Redis, keys: StreamKeys, settings: FrontSettings
) -> None:
    codes = SignInCodes(redis, keys, settings=settings)
    account = worker_account("13800138000", secret="s")
    for _ in range(3):
        await codes.issue(account, client="10.0.0.3")
    with pytest.raises(RateLimited):
        await codes.issue(account, client="10.0.0.4")


def test_mobile_numbers_are_read_as_people_type_them() -> None:
    assert normalize_mobile("+86 138-0013-8000") == "13800138000"
    assert normalize_mobile("8613800138000") == "13800138000"
    assert normalize_mobile("12800138000") is None
    assert normalize_mobile("1380013800") is None
    assert worker_account("13800138000", secret="s") == worker_account("13800138000", secret="s")
    assert worker_account("13800138000", secret="s") != worker_account("13800138001", secret="s")


@pytest.fixture
async def front(settings: FrontSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The front's app in-process (no services behind it: these pages do not call them), with
    a form whose answering breaks as a bug would."""
    app = create_app(settings)
    broken = page_router()

    @broken.post("/broken-form")
    async def _break() -> None:
        raise RuntimeError("a bug while answering the form")

    answered = 0

    @broken.post("/slow-form")
    async def _answer_slowly() -> RedirectResponse:
        nonlocal answered
        answered += 1
        await asyncio.sleep(0.5)
        return RedirectResponse("/done", status_code=303, headers={"x-answered": str(answered)})

    app.include_router(broken)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://front") as client:
        yield client
    await app.state.redis.aclose()


async def test_fetch_calls_carry_the_csrf_token_in_a_header(front: httpx.AsyncClient) -> None:
    page = await front.get("/sign-in")
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=lax" in page.headers["set-cookie"]
    token = csrf_of(page)
    refused = await front.post("/sign-out", headers={"Accept": "application/json"})
    assert refused.status_code == 403
    assert "csrf_token_missing_or_wrong" in refused.json()["detail"]
    accepted = await front.post("/sign-out", headers={"X-CSRF-Token": token})
    assert accepted.status_code == 303


async def test_pages_that_need_a_person_send_the_browser_to_sign_in(
    front: httpx.AsyncClient,
) -> None:
    answer = await front.get("/password")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/password"
    fetched = await front.get("/password", headers={"Accept": "application/json"})
    assert fetched.status_code == 401 and "sign_in_required" in fetched.json()["detail"]


async def test_a_form_whose_answer_broke_may_be_sent_again(
    front: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    # A bug answering the first sending left the form claimed for the hour: sent again, it was
    # refused as 已提交 though nothing had been done.
    form = {"csrf_token": await csrf_token(front), "form_id": "b" * 32}
    assert (await front.post("/broken-form", data=form)).status_code == 500
    assert (await front.post("/broken-form", data=form)).status_code == 500  # not 409
    claims = [k async for k in redis.scan_iter(match=f"{keys.prefix}front.form.*")]
    assert claims == []


async def test_a_form_claimed_while_it_is_answered_is_released_if_its_process_dies(
    front: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    form = {"csrf_token": await csrf_token(front), "form_id": "c" * 32}
    sending = asyncio.create_task(front.post("/slow-form", data=form))
    assert 0 < await _first_claim(redis, keys) <= FORM_ANSWERING_S  # while it is answered
    assert (await sending).headers["location"] == "/done"
    assert await _first_claim(redis, keys) > FORM_ANSWERING_S  # where it went, for the hour


async def _first_claim(redis: Redis, keys: StreamKeys) -> int:
    """The time to live of the first form claim seen under the prefix."""

    async def ttl_of_a_claim() -> int | None:
        async for key in redis.scan_iter(match=f"{keys.prefix}front.form.*"):
            return await redis.ttl(key)
        return None

    return await eventually(ttl_of_a_claim, within=0.4, every=0.001, failing="no form was claimed")


async def test_every_page_form_carries_a_fresh_id_so_it_is_applied_once_without_scripts(
    front: httpx.AsyncClient,
) -> None:
    page = (await front.get("/sign-in")).text
    ids = re.findall(r'name="form_id" value="([0-9a-f]{32})"', page)
    assert len(ids) == page.count("<form") >= 2 and len(set(ids)) == len(ids)
    again = (await front.get("/sign-in")).text
    assert set(ids).isdisjoint(re.findall(r'name="form_id" value="(\w+)"', again))
    form = {"csrf_token": await csrf_token(front), "form_id": ids[0]}
    first, again = await asyncio.gather(
        front.post("/slow-form", data=form), front.post("/slow-form", data=form)
    )  # a double tap, no script to stop the second
    assert first.headers["location"] == again.headers["location"] == "/done"
    assert sorted(r.headers.get("x-answered", "") for r in (first, again)) == ["", "1"]


async def csrf_token(front: httpx.AsyncClient) -> str:
    """This browser's CSRF token, as a page gives it."""
    return csrf_of(await front.get("/sign-in"))
