"""Bearer tokens: who may call what, refused with a reason, revoked at once."""

from __future__ import annotations

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
    require,
)
from gonghui.shared.streams import StreamKeys


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
