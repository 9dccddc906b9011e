"""Signing in on the pages over real HTTP and Redis: the front and notify as processes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.shared.auth import Principal, Role, UserDirectory, auth_secret
from gonghui.shared.streams import StreamKeys
from tests.support.auth import csrf_of
from tests.support.servers import run_cli
from tests.support.system import RunningSystem, shared_system, wait_until

MOBILE = "13800138000"


@pytest.fixture(scope="module")
def running(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningSystem, str]]:
    """Notify (which texts the codes) and the front, each a process, shared by this module."""
    with shared_system(
        redis_url,
        tmp_path_factory.mktemp("sign-in"),
        services=("notify",),
        front=True,
        extra_env={"FRONT_CODE_PHONE_PER_HOUR": "3", "FRONT_SIGN_IN_CLIENT_PER_MINUTE": "600"},
    ) as shared:
        yield shared


@pytest.fixture
def system(running: tuple[RunningSystem, str]) -> RunningSystem:
    """The shared system."""
    return running[0]


@pytest.fixture
def users(running: tuple[RunningSystem, str], redis: Redis) -> UserDirectory:
    """The user directory the running system reads."""
    return UserDirectory(redis, StreamKeys(running[1]))


def browser(system: RunningSystem) -> httpx.Client:
    """A client that keeps cookies like a browser, without following redirects."""
    return httpx.Client(base_url=system.url("front"), follow_redirects=False, timeout=10)


def last_code(system: RunningSystem, mobile: str = MOBILE) -> str:
    """The newest sign-in code notify logged for a number (development: nothing is texted)."""
    masked = re.escape(f"{mobile[:3]}****{mobile[-4:]}")
    found = re.findall(rf"development sign-in code (\d{{6}}) for {masked}", system.log("notify"))
    return found[-1] if found else ""


def test_a_worker_signs_in_with_a_texted_code_and_signs_out(system: RunningSystem) -> None:
    with browser(system) as web:
        csrf = csrf_of(web.get("/sign-in"))
        sent = web.post("/sign-in/code/send", data={"mobile": MOBILE, "csrf_token": csrf})
        assert sent.status_code == 200 and "验证码已发送至 138****8000" in sent.text
        code = wait_until(lambda: last_code(system))
        wrong = "000000" if code != "000000" else "111111"
        refused = web.post(
            "/sign-in/code", data={"mobile": MOBILE, "code": wrong, "csrf_token": csrf}
        )
        assert refused.status_code == 400 and "code_wrong" in refused.text
        signed = web.post(
            "/sign-in/code",
            data={"mobile": MOBILE, "code": code, "csrf_token": csrf, "next": "/sign-in"},
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/sign-in"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        page = web.get("/sign-in")
        assert "138****8000" in page.text and MOBILE not in page.text
        again = web.post(
            "/sign-in/code", data={"mobile": MOBILE, "code": code, "csrf_token": csrf_of(page)}
        )
        assert again.status_code == 400 and "code_expired" in again.text
        out = web.post("/sign-out", data={"csrf_token": csrf_of(page)})
        assert out.status_code == 303
        assert "138****8000" not in web.get("/sign-in").text


def test_a_form_without_the_csrf_token_is_refused(system: RunningSystem) -> None:
    mobile = "13900139001"
    with browser(system) as web:
        web.get("/sign-in")
        refused = web.post("/sign-in/code/send", data={"mobile": mobile})
        assert refused.status_code == 403 and "csrf_token_missing_or_wrong" in refused.text
        forged = web.post("/sign-in/code/send", data={"mobile": mobile, "csrf_token": "x" * 43})
        assert forged.status_code == 403
    assert last_code(system, mobile) == ""


def test_codes_for_one_phone_are_limited(system: RunningSystem) -> None:
    with browser(system) as web:
        csrf = csrf_of(web.get("/sign-in"))
        answers = [
            web.post("/sign-in/code/send", data={"mobile": "13700137002", "csrf_token": csrf})
            for _ in range(4)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert "请求过于频繁" in answers[-1].text


async def test_staff_sign_in_with_a_first_password_change_it_and_are_ended_by_revocation(
    system: RunningSystem, users: UserDirectory
) -> None:
    rep = Principal(sub="rep-0042", role=Role.REPRESENTATIVE, area="350104")
    await users.add(rep, secret=auth_secret(), name="沈代表")
    await users.set_password(rep, "first-Password-1", must_change=True)
    with browser(system) as web:
        csrf = csrf_of(web.get("/sign-in"))
        wrong = web.post(
            "/sign-in/password",
            data={"account": "rep-0042", "password": "nope-nope-nope", "csrf_token": csrf},
        )
        assert wrong.status_code == 400 and "wrong_account_or_password" in wrong.text
        signed = web.post(
            "/sign-in/password",
            data={"account": "rep-0042", "password": "first-Password-1", "csrf_token": csrf},
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/password"
        # Until the password is changed, every page leads to the change.
        forced = web.get("/password")
        assert "首次登录请设置您自己的密码" in forced.text
        csrf = csrf_of(forced)
        weak = web.post(
            "/password",
            data={
                "current": "first-Password-1",
                "new": "short",
                "repeat": "short",
                "csrf_token": csrf,
            },
        )
        assert weak.status_code == 400 and "password_too_short" in weak.text
        changed = web.post(
            "/password",
            data={
                "current": "first-Password-1",
                "new": "my-own-Password-2",
                "repeat": "my-own-Password-2",
                "csrf_token": csrf,
            },
        )
        assert changed.status_code == 303
        page = web.get("/password").text
        assert "首次登录" not in page
        assert '<span class="signed-in" data-testid="signed-in">沈代表</span>' in page
        assert (await users.get("rep-0042")).must_change_password is False  # type: ignore[union-attr]
        await users.revoke("rep-0042")
        ended = web.get("/password")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/sign-in")
    with browser(system) as web:
        csrf = csrf_of(web.get("/sign-in"))
        again = web.post(
            "/sign-in/password",
            data={"account": "rep-0042", "password": "my-own-Password-2", "csrf_token": csrf},
        )
        assert again.status_code == 400


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.REVIEWER, "/desk"),
        (Role.SUPERVISOR, "/desk"),
        (Role.UNION_ADMIN, "/dashboard"),
        (Role.HANDLER, "/work"),
        (Role.REPRESENTATIVE, "/cases"),
    ],
)
async def test_staff_land_on_their_own_work_unless_they_came_from_a_page(
    system: RunningSystem, users: UserDirectory, role: Role, home: str
) -> None:
    person = Principal(sub=f"home-{role.value}", role=role, area="350104", department="ph-legal")
    await users.set_password(person, "my-own-Password-3", must_change=False)
    for came_from, lands in (("/", home), ("/stations/X1", "/stations/X1")):
        with browser(system) as web:
            signed = web.post(
                "/sign-in/password",
                data={
                    "account": person.sub,
                    "password": "my-own-Password-3",
                    "next": came_from,
                    "csrf_token": csrf_of(web.get("/sign-in")),
                },
            )
            assert (signed.status_code, signed.headers["location"]) == (303, lands)


def cli_env(system: RunningSystem, prefix: str) -> dict[str, str]:
    """What `gonghui user ...` needs to act on the running system."""
    return {
        "REDIS_URL": system.env["REDIS_URL"],
        "GONGHUI_STREAM_PREFIX": prefix,
        "GONGHUI_AUTH_SECRET": system.env["GONGHUI_AUTH_SECRET"],
    }


def test_a_workers_sessions_end_when_an_admin_revokes_their_number(
    running: tuple[RunningSystem, str],
) -> None:
    # A lost phone: the worker has no account entry, only the number they sign in with.
    system, prefix = running
    mobile = "13700137000"
    with browser(system) as web:
        csrf = csrf_of(web.get("/sign-in"))
        web.post("/sign-in/code/send", data={"mobile": mobile, "csrf_token": csrf})
        code = wait_until(lambda: last_code(system, mobile))
        signed = web.post(
            "/sign-in/code",
            data={"mobile": mobile, "code": code, "csrf_token": csrf, "next": "/password"},
        )
        assert (signed.status_code, signed.headers["location"]) == (303, "/password")
        assert web.get("/password").status_code == 200
        env = cli_env(system, prefix)
        revoked = run_cli("user", "revoke", "--mobile", f"+86 {mobile}", env=env)
        assert revoked.returncode == 0, revoked.stderr
        assert "137****7000" in revoked.stdout and mobile not in revoked.stdout
        ended = web.get("/password")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/sign-in")
        assert "137****7000" not in web.get("/sign-in").text
        # A new code signs them in again; the id the logs show ends that session too.
        csrf = csrf_of(web.get("/sign-in"))
        web.post("/sign-in/code/send", data={"mobile": mobile, "csrf_token": csrf})
        fresh = wait_until(lambda: (c := last_code(system, mobile)) != code and c)
        web.post("/sign-in/code", data={"mobile": mobile, "code": fresh, "csrf_token": csrf})
        assert web.get("/password").status_code == 200
        worker = re.search(r"\((w-[0-9a-f]+)\)", revoked.stdout).group(1)  # type: ignore[union-attr]
        assert run_cli("user", "revoke", worker, env=env).returncode == 0
        assert web.get("/password").status_code == 303
    refused = run_cli("user", "revoke", "--mobile", "12345", env=env)
    assert refused.returncode != 0 and "11-digit" in refused.stderr


def test_a_blocked_number_gets_no_code_and_no_session_until_it_is_unblocked(
    running: tuple[RunningSystem, str],
) -> None:
    # A stolen phone: ending its sessions is not enough while it can ask for a new code.
    system, prefix = running
    mobile, env = "13700137001", cli_env(system, prefix)
    with browser(system) as web:
        csrf = csrf_of(web.get("/sign-in"))
        web.post("/sign-in/code/send", data={"mobile": mobile, "csrf_token": csrf})
        first = wait_until(lambda: last_code(system, mobile))
        web.post("/sign-in/code", data={"mobile": mobile, "code": first, "csrf_token": csrf})
        assert web.get("/password").status_code == 200
        csrf = csrf_of(web.get("/sign-in"))  # a session's own token
        web.post("/sign-in/code/send", data={"mobile": mobile, "csrf_token": csrf})
        sent_before = wait_until(lambda: (c := last_code(system, mobile)) != first and c)

        blocked = run_cli("user", "block", "--mobile", mobile, env=env)
        assert blocked.returncode == 0 and "137****7001" in blocked.stdout, blocked.stderr
        assert web.get("/password").status_code == 303
        csrf = csrf_of(web.get("/sign-in"))
        late = web.post(
            "/sign-in/code", data={"mobile": mobile, "code": sent_before, "csrf_token": csrf}
        )
        assert late.status_code == 400 and "number_blocked" in late.text
        asked = web.post("/sign-in/code/send", data={"mobile": mobile, "csrf_token": csrf})
        assert asked.status_code == 403 and "此号码已停用" in asked.text
        time.sleep(0.5)
        assert last_code(system, mobile) == sent_before  # nothing was texted

        assert run_cli("user", "unblock", "--mobile", mobile, env=env).returncode == 0
        web.post("/sign-in/code/send", data={"mobile": mobile, "csrf_token": csrf})
        fresh = wait_until(lambda: (c := last_code(system, mobile)) != sent_before and c)
        signed = web.post(
            "/sign-in/code", data={"mobile": mobile, "code": fresh, "csrf_token": csrf}
        )
        assert signed.status_code == 303 and web.get("/password").status_code == 200
    again = run_cli("user", "unblock", "--mobile", mobile, env=env)
    assert again.returncode == 1 and "was not blocked" in again.stdout


async def test_a_blocked_account_may_not_sign_in_with_its_password(
    running: tuple[RunningSystem, str], users: UserDirectory
) -> None:
    system, prefix = running
    staff = Principal(sub="blocked-clerk", role=Role.REVIEWER, area="330482")
    await users.set_password(staff, "Clerk-pass-2026!", must_change=False)
    assert run_cli("user", "block", "blocked-clerk", env=cli_env(system, prefix)).returncode == 0
    with browser(system) as web:
        csrf = csrf_of(web.get("/sign-in"))
        form = {"account": "blocked-clerk", "password": "Clerk-pass-2026!", "csrf_token": csrf}
        refused = web.post("/sign-in/password", data=form)
        assert refused.status_code == 403 and "account_blocked" in refused.text
        await users.unblock("blocked-clerk")
        assert web.post("/sign-in/password", data=form).status_code == 303


async def test_signing_in_again_with_the_same_form_signs_the_second_person_in(
    system: RunningSystem, users: UserDirectory
) -> None:
    # A shared phone, 返回 to the sign-in page: the form's once-only id must not send the second
    # person to where the first one's sign-in went.
    for sub in ("desk-a", "desk-b"):
        principal = Principal(sub=sub, role=Role.REVIEWER, area="330482")
        await users.set_password(principal, "Desk-pass-2026!", must_change=False)
    with browser(system) as web:
        csrf = csrf_of(web.get("/sign-in"))
        form = {"password": "Desk-pass-2026!", "csrf_token": csrf, "form_id": "a" * 32}
        assert web.post("/sign-in/password", data={**form, "account": "desk-a"}).is_redirect
        web.post("/sign-out", data={"csrf_token": csrf_of(web.get("/sign-in"))})
        second = web.post("/sign-in/password", data={**form, "account": "desk-b"})
        assert second.status_code == 303
        assert "desk-b" in web.get("/password").text
