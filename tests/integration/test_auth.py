"""Bearer tokens: who may call what, refused with a reason, revoked at once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import Depends, FastAPI
from redis.asyncio import Redis

from gonghui.shared.auth import (
    Authenticator,
    Principal,
    Role,
    UserDirectory,
    auth_secret,
    issue_token,
    read_token,
    require,
)
from gonghui.shared.streams import StreamKeys
from tests.support.servers import run_cli


@pytest.fixture
async def app_and_users(
    redis: Redis, keys: StreamKeys
) -> AsyncIterator[tuple[httpx.AsyncClient, UserDirectory]]:
    users = UserDirectory(redis, keys)
    app = FastAPI()
    app.state.authenticate = Authenticator(secret=auth_secret(), users=users)

    @app.get("/reviews")
    async def reviews(
        caller: Principal = Depends(require(Role.REVIEWER, Role.UNION_ADMIN)),
    ) -> dict[str, str]:
        return {"sub": caller.sub, "role": caller.role.value}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        yield http, users


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_right_role_gets_in_and_others_are_told_why_not(app_and_users) -> None:
    http, users = app_and_users
    reviewer = await users.add(
        Principal(sub="rev-1", role=Role.REVIEWER, area="330482"), secret=auth_secret()
    )
    worker = await users.add(Principal(sub="w-1", role=Role.WORKER), secret=auth_secret())

    assert (await http.get("/reviews", headers=bearer(reviewer))).json() == {
        "sub": "rev-1",
        "role": "reviewer",
    }
    refused = await http.get("/reviews", headers=bearer(worker))
    assert refused.status_code == 403 and "role worker may not do this" in refused.json()["detail"]
    missing = await http.get("/reviews")
    assert missing.status_code == 401 and missing.json()["detail"] == "missing bearer token"


async def test_forged_and_revoked_tokens_are_refused(app_and_users) -> None:
    http, users = app_and_users
    forged, _ = issue_token(
        Principal(sub="x", role=Role.UNION_ADMIN),
        secret="not-the-deployment-key-but-long-enough-for-hs256",
    )
    assert (await http.get("/reviews", headers=bearer(forged))).status_code == 401

    token = await users.add(Principal(sub="rev-2", role=Role.REVIEWER), secret=auth_secret())
    assert (await http.get("/reviews", headers=bearer(token))).status_code == 200
    assert await users.revoke("rev-2")
    revoked = await http.get("/reviews", headers=bearer(token))
    assert revoked.status_code == 401 and revoked.json()["detail"] == "token revoked"


async def test_revoking_a_person_revokes_every_token_issued_to_them(app_and_users) -> None:
    http, users = app_and_users
    person = Principal(sub="rev-3", role=Role.REVIEWER, area="330482")
    first = await users.add(person, secret=auth_secret())
    second = await users.add(person, secret=auth_secret())
    never_recorded, _ = issue_token(person, secret=auth_secret())
    [user] = await users.all()
    assert len(user.tokens) == 2

    assert await users.revoke("rev-3")
    for token in (first, second, never_recorded):
        refused = await http.get("/reviews", headers=bearer(token))
        assert refused.status_code == 401 and refused.json()["detail"] == "token revoked"

    again = await users.add(person, secret=auth_secret())
    assert (await http.get("/reviews", headers=bearer(again))).status_code == 200
    assert (await http.get("/reviews", headers=bearer(first))).status_code == 401


async def test_pages_name_a_person_by_the_name_their_account_was_given(
    redis: Redis, keys: StreamKeys
) -> None:
    users = UserDirectory(redis, keys)
    chen = Principal(sub="rev-5", role=Role.REVIEWER, area="330482")
    await users.add(chen, secret=auth_secret(), name="陈静（审议小组）")
    await users.add(chen, secret=auth_secret())  # a new token keeps the name
    await users.set_password(chen, "a-long-enough-password", must_change=True)
    await users.add(Principal(sub="sup-1", role=Role.SUPERVISOR), secret=auth_secret())

    assert await users.names({"rev-5", "sup-1", "nobody"}) == {"rev-5": "陈静（审议小组）"}
    assert await users.names(set()) == {}
    assert (await users.get("rev-5")).name == "陈静（审议小组）"
    signed = await users.check_password("rev-5", "a-long-enough-password")
    assert signed is not None and signed.name == "陈静（审议小组）"
    # Revoked, they are still named on the cases they acted on.
    assert await users.revoke("rev-5")
    assert await users.names({"rev-5"}) == {"rev-5": "陈静（审议小组）"}


def test_the_command_line_lists_each_live_token_and_revokes_them_all(
    redis_url: str, prefix: str
) -> None:
    env = {"REDIS_URL": redis_url, "GONGHUI_STREAM_PREFIX": prefix}
    add = ("user", "add", "u-cli", "--role", "supervisor", "--area", "330482")
    named = (*add, "--name", " 陈静（督查） ")
    tokens = [run_cli(*given, env=env).stdout.strip().splitlines()[-1] for given in (named, add)]
    [listed] = json.loads(run_cli("user", "list", "--json", env=env).stdout)
    assert (listed["sub"], listed["role"], listed["area"]) == ("u-cli", "supervisor", "330482")
    assert listed["name"] == "陈静（督查）"  # kept when the second token was issued
    assert sorted(t["token_id"] for t in listed["tokens"]) == sorted(
        read_token(t, secret=auth_secret()).token_id for t in tokens
    )
    assert run_cli("user", "list", env=env).stdout.count("u-cli") == 2

    revoked = run_cli("user", "revoke", "u-cli", env=env)
    assert revoked.returncode == 0 and "every token revoked" in revoked.stdout
    assert "u-cli" not in run_cli("user", "list", env=env).stdout


async def test_the_command_line_revocation_is_honoured_by_services(
    app_and_users, redis_url: str, prefix: str
) -> None:
    http, _ = app_and_users
    env = {"REDIS_URL": redis_url, "GONGHUI_STREAM_PREFIX": prefix}
    add = ("user", "add", "rev-4", "--role", "reviewer")
    tokens = [run_cli(*add, env=env).stdout.strip().splitlines()[-1] for _ in range(2)]
    assert [(await http.get("/reviews", headers=bearer(t))).status_code for t in tokens] == [
        200
    ] * 2
    run_cli("user", "revoke", "rev-4", env=env)
    assert [(await http.get("/reviews", headers=bearer(t))).status_code for t in tokens] == [
        401
    ] * 2


async def test_openapi_shows_the_bearer_scheme(app_and_users) -> None:
    http, _ = app_and_users
    spec = (await http.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("scope", "area", "covered"),
    [
        ("350000", "350203", True),
        ("350200", "350203", True),
        ("350200", "350102", False),
        (None, "350102", True),
    ],
)
def test_an_area_covers_what_lies_inside_it(scope: str | None, area: str, covered: bool) -> None:
    assert Principal(sub="a", role=Role.UNION_ADMIN, area=scope).covers(area) is covered
