"""The `gonghui` command."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from redis.asyncio import Redis
from redis.exceptions import ConnectionError
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from gonghui.cli import embedded_redis
from gonghui.cli.services import FRONT, SERVABLE, SERVICES, ServiceEntry
from gonghui.cli.stations import demo, stations_app
from gonghui.cli.supervisor import python_command
from gonghui.shared import heartbeat
from gonghui.shared.auth import Principal, Role, UserDirectory, auth_secret
from gonghui.shared.clock import SHANGHAI
from gonghui.shared.connections import RedisModeMismatch, check_redis_mode, redis_client
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.departments import DepartmentDirectory, DirectoryError, connection_url
from gonghui.shared.migrations import upgrade
from gonghui.shared.passwords import new_password
from gonghui.shared.privacy import configure_logging
from gonghui.shared.runtime import relay_for
from gonghui.shared.settings import VAR_DIR, RedisNotConfigured, ServiceSettings, default_redis_url
from gonghui.shared.signing import Signing
from gonghui.shared.streams import StreamKeys

app = typer.Typer(help="gonghui: trade-union services for outdoor workers.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead letters: entries that could not be applied.", no_args_is_help=True)
dept_app = typer.Typer(help="The department directory: partners on the bus.", no_args_is_help=True)
user_app = typer.Typer(help="People and their bearer tokens.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(dept_app, name="dept")
app.add_typer(user_app, name="user")
app.add_typer(stations_app, name="stations")
app.command()(demo)
console = Console()
T = TypeVar("T")

EMBEDDED_PORT = 6390
"""Where `gonghui up` runs its embedded Redis unless told otherwise (not 6379: a real one may)."""
ServiceName = Annotated[str, typer.Argument(help="stations, proposals or notify")]


def _run(job: Callable[..., Awaitable[T]], *args: Any) -> T:
    return asyncio.run(job(*args))


def _service(name: str, known: Mapping[str, ServiceEntry] = SERVICES) -> ServiceEntry:
    if name not in known:
        raise typer.BadParameter(f"unknown service {name!r}; choose from {', '.join(known)}")
    return known[name]


def _keys() -> StreamKeys:
    return StreamKeys(os.environ.get("GONGHUI_STREAM_PREFIX", ""))


def _refuse(reason: str, code: int = 2) -> typer.Exit:
    """Say why the command stops (on stderr, unwrapped) and give the exit to raise."""
    typer.echo(f"gonghui: {reason}", err=True)
    return typer.Exit(code)


def _bus_url(resolve: Callable[[], str]) -> str:
    """The Redis URL `resolve` finds, or stop the command saying where it looked."""
    try:
        return resolve()
    except RedisNotConfigured as exc:
        raise _refuse(str(exc)) from exc


@app.command()
def up(
    redis_port: Annotated[
        int,
        typer.Option(
            envvar="GONGHUI_REDIS_PORT",
            min=1,
            max=65535,
            help="Port of the embedded Redis (used when REDIS_URL is not set); "
            "if it is taken, up stops instead of moving",
        ),
    ] = EMBEDDED_PORT,
) -> None:
    """Run everything: Redis (embedded unless REDIS_URL is set), migrations, services, relays."""
    configure_logging()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    embedded = []
    if os.environ.get("REDIS_URL") is None:
        try:
            embedded_redis.require_free(redis_port)
        except embedded_redis.EmbeddedRedisError as exc:
            raise _refuse(str(exc)) from exc
        embedded = ["--embedded-redis-port", str(redis_port)]
    for entry in SERVICES.values():
        _run(upgrade, entry.migrations, entry.settings().database_url)
    console.print("migrations applied")
    announce = []
    for entry in SERVABLE.values():
        settings = entry.settings()
        what = "the pages" if entry is FRONT else "docs /docs, ready /readyz, streams /asyncapi"
        announce += [
            "--announce",
            f"{entry.name} http://{settings.http_host}:{settings.http_port}  ({what})",
        ]
    announce += ["--announce", "Ctrl-C stops everything."]
    sys.stdout.flush()
    # One process hosts the services and the front (the libraries once in memory); each
    # service relays its own outbox in the background, under the relay lease. The watcher
    # replaces this process, so it holds none of what preparing needed.
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gonghui.cli.supervisor",
            "--var-dir",
            str(VAR_DIR),
            *embedded,
            *announce,
            "--",
            *python_command("serve", *SERVABLE),
        ],
    )


@app.command()
def serve(
    services: Annotated[
        list[str],
        typer.Argument(help="stations, proposals, notify or front; several share one process"),
    ],
    port: Annotated[int | None, typer.Option(help="HTTP port (default: the service's own)")] = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
) -> None:
    """Run services' HTTP APIs and stream consumers, or the web front: several in one process."""
    from gonghui.cli import host as hosting

    if port is not None and len(services) > 1:
        raise typer.BadParameter("--port names one service's port; each of several keeps its own")
    apps = []
    for name in dict.fromkeys(services):
        entry = _service(name, SERVABLE)
        settings = entry.settings()
        _bus_url(lambda settings=settings: settings.bus_url)
        apps.append(
            hosting.Hosted(
                name,
                entry.app_factory,
                host=host or settings.http_host,
                port=port or settings.http_port,
            )
        )
    configure_logging()
    raise typer.Exit(hosting.run(apps))


def relay_heartbeat(service: str) -> Path:
    """The file a relay touches while its database and Redis answer (compose's health check)."""
    return VAR_DIR / f"{service}-relay.heartbeat"


@app.command()
def relay(service: ServiceName) -> None:
    """Run one service's outbox relay until SIGINT or SIGTERM; touch its heartbeat file.

    It sends while it holds the service's relay lease and stands by otherwise. Services relay
    their own outbox already (`<SVC>_RELAY_IN_PROCESS`, on by default), so a relay process is
    one more standby, or the only relay where that setting is off.
    """
    configure_logging()
    entry = _service(service)
    settings = entry.settings()
    assert isinstance(settings, ServiceSettings)
    bus_url = _bus_url(lambda: settings.bus_url)

    async def main() -> None:
        await _check_redis(bus_url, settings.redis_mode)
        engine = create_engine(settings.database_url)
        redis = redis_client(bus_url, mode=settings.redis_mode)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        relay = relay_for(settings, session_factory(engine), redis, service=service)

        async def database_answers() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        logging.getLogger(__name__).info("outbox relay of %s running", service)
        try:
            await asyncio.gather(
                relay.run(stop),
                heartbeat.beat(
                    relay_heartbeat(service),
                    [database_answers, redis.ping],
                    stop,
                    every_s=settings.relay_heartbeat_s,
                ),
            )
        finally:
            await redis.aclose()
            await engine.dispose()

    asyncio.run(main())


@app.command()
def migrate(
    services: Annotated[list[str] | None, typer.Argument(help="Default: all")] = None,
) -> None:
    """Bring the services' databases to the newest schema."""
    for name in services or list(SERVICES):
        entry = _service(name)
        _run(upgrade, entry.migrations, entry.settings().database_url)
        console.print(f"{name}: migrated")


async def _check_redis(url: str, mode: str | None = None) -> None:
    """Stop with the reason when Redis is not the kind GONGHUI_REDIS_MODE says (or is down)."""
    try:
        await check_redis_mode(url, mode=mode, wait_s=5)
    except (RedisModeMismatch, ConnectionError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # one line, never wrapped
        raise typer.Exit(2) from exc


async def _with_redis(job: Callable[[Redis], Awaitable[T]]) -> T:
    url = _bus_url(default_redis_url)
    await _check_redis(url)
    redis = redis_client(url)
    try:
        return await job(redis)
    finally:
        await redis.aclose()


@dlq_app.command("list")
def dlq_list(
    stream: Annotated[
        str | None, typer.Option(help="Only this DLQ stream (`<stream>.dlq`)")
    ] = None,
    count: int = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts")] = False,
) -> None:
    """The oldest dead letters, with their reasons."""
    letters = _run(_with_redis, lambda r: DeadLetters(r, _keys()).list(stream, count=count))
    if as_json:
        print(json.dumps([vars(letter) for letter in letters], ensure_ascii=False))
        return
    table = Table("dlq", "id", "group", "deliveries", "reason")
    for letter in letters:
        table.add_row(letter.dlq, letter.id, letter.group, str(letter.deliveries), letter.reason)
    console.print(table if letters else "no dead letters")


@dlq_app.command("show")
def dlq_show(dlq: str, letter_id: str) -> None:
    """One dead letter in full: reason, source stream, original fields."""
    letter = _run(_with_redis, lambda r: DeadLetters(r, _keys()).show(dlq, letter_id))
    if letter is None:
        console.print(f"no dead letter {letter_id} on {dlq}")
        raise typer.Exit(1)
    console.print_json(data=vars(letter))


@dlq_app.command("replay")
def dlq_replay(
    dlq: str,
    letter_ids: Annotated[
        list[str] | None, typer.Argument(help="Default with --all: every one")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Replay every dead letter of this DLQ")
    ] = False,
) -> None:
    """Put dead letters back on their stream; groups skip what they had already applied."""

    async def replay(redis: Redis) -> list[tuple[str, str]]:
        letters = DeadLetters(redis, _keys())
        ids = letter_ids or (
            [letter.id for letter in await letters.list(dlq, count=100_000)] if all_ else []
        )
        if not ids:
            raise typer.BadParameter("name dead-letter ids, or pass --all")
        return [(letter_id, await letters.replay(dlq, letter_id)) for letter_id in ids]

    for old, new in _run(_with_redis, replay):
        console.print(f"{old} replayed as {new}")


def _directory(job: Callable[[DepartmentDirectory], Awaitable[T]]) -> T:
    """Run a directory operation; a refusal prints its reason and exits with status 2."""
    try:
        return _run(_with_redis, lambda redis: job(DepartmentDirectory(redis, _keys())))
    except DirectoryError as exc:
        console.print(f"[red]refused:[/] {exc}")
        raise typer.Exit(2) from exc


def _print_url(code: str, password: str) -> None:
    # Inside compose the admin URL names the internal host; partners need the public one.
    public = os.environ.get("GONGHUI_PUBLIC_REDIS_URL") or _bus_url(default_redis_url)
    print(
        connection_url(
            public, username=DepartmentDirectory.username_in(_keys(), code), password=password
        )
    )


@dept_app.command("add")
def dept_add(
    code: str,
    name: Annotated[
        str, typer.Option("--name", help="The department's name, e.g. 兴业银行福州分行")
    ],
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="A rehearsal department: its stations are test data, out of statistics and search",
        ),
    ] = False,
) -> None:
    """Provision a department: its Redis user, its inbox group, its place in the directory."""
    department, password = _directory(lambda d: d.add(code, name, sandbox=sandbox))
    if not _directory(lambda d: d.persists_users()):
        console.print(
            "[yellow]warning:[/] this Redis has no ACL file; the user is lost when Redis restarts"
        )
    keys = _keys()
    console.print(f"department [bold]{department.code}[/] ({department.name}) added")
    if department.sandbox:
        console.print("  [yellow]sandbox:[/] what it creates is marked test data (测试数据)")
    console.print(f"  publishes to  {keys.outbox(code)}")
    console.print(f"  reads         {keys.inbox(code)} as group {code}")
    console.print(f"  over HTTPS    POST /partner/v1/events (key: gonghui dept key {code})")
    console.print("connection URL (shown once, keep it secret):")
    _print_url(code, password)


@dept_app.command("sync")
def dept_sync() -> None:
    """Write every department's Redis user again on every node (Redis Cluster: new nodes)."""
    nodes = _directory(lambda d: d.sync())
    console.print(f"department users written on {len(nodes)} node(s): {', '.join(nodes)}")


@dept_app.command("list")
def dept_list() -> None:
    """Every department, active or revoked."""
    departments = _directory(lambda d: d.all())
    table = Table("code", "name", "status", "since", "feed", "signed", "sandbox")
    for d in departments:
        signed = d.signing.scheme if d.signing else "-"
        table.add_row(
            d.code,
            d.name,
            d.status,
            d.revoked_at or d.created_at,
            ", ".join(d.grants) or "-",
            signed,
            "yes" if d.sandbox else "-",
        )
    console.print(table if departments else "no departments")


@dept_app.command("revoke")
def dept_revoke(code: str) -> None:
    """Revoke a department at once: its user is deleted and its connections closed."""
    department = _directory(lambda d: d.revoke(code))
    console.print(f"department {department.code} revoked at {department.revoked_at}")


@dept_app.command("rotate")
def dept_rotate(
    code: str,
    finish: Annotated[bool, typer.Option("--finish", help="Retire the old password")] = False,
) -> None:
    """Rotate a department's password without downtime: both work until `--finish`."""
    if finish:
        _directory(lambda d: d.finish_rotation(code))
        console.print(f"department {code}: old password retired, its connections closed")
        return
    _, password = _directory(lambda d: d.rotate(code))
    console.print("new connection URL (shown once); the old one works until `--finish`:")
    _print_url(code, password)


@dept_app.command("key")
def dept_key(
    code: str,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="Issue a new key; the old one works until --finish")
    ] = False,
    finish: Annotated[bool, typer.Option("--finish", help="Retire every key but the newest")] = (
        False
    ),
) -> None:
    """The department's key for the HTTPS door (`Authorization: Bearer <key>`), as the last line."""
    if finish:
        _directory(lambda d: d.finish_http_key_rotation(code))
        console.print(f"department {code}: old HTTPS key retired")
        return
    if rotate:
        key = _directory(lambda d: d.rotate_http_key(code))
        console.print("new HTTPS key; the old one works until `--finish`:")
    else:
        key = _directory(lambda d: d.http_key(code))
    print(key)


@dept_app.command("grant")
def dept_grant(
    code: str,
    stream: Annotated[
        str, typer.Argument(help="stations.events, proposals.events or notify.events")
    ],
    revoke: Annotated[bool, typer.Option("--revoke", help="Stop the copy instead")] = False,
) -> None:
    """Give a department a read-only copy of a public stream on its own feed."""
    department = _directory(lambda d: d.ungrant(code, stream) if revoke else d.grant(code, stream))
    console.print(f"{_keys().feed(code)} carries: {', '.join(department.grants) or 'nothing'}")


@dept_app.command("require-signature")
def dept_require_signature(
    code: str,
    scheme: Annotated[str, typer.Option(help="hmac-sha256 or ed25519")] = "hmac-sha256",
    public_key: Annotated[
        str | None, typer.Option(help="ed25519: the department's public key, base64")
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Stop requiring signatures")] = False,
) -> None:
    """Require a department to sign its entries; for HMAC a shared secret is printed once."""
    secret = None
    if off:
        signing = None
    elif scheme == "hmac-sha256":
        secret = base64.b64encode(secrets.token_bytes(32)).decode()
        signing = Signing(scheme, secret)
    elif scheme == "ed25519" and public_key:
        signing = Signing(scheme, public_key)
    else:
        raise typer.BadParameter("choose --scheme hmac-sha256, or ed25519 with --public-key")
    _directory(lambda d: d.require_signature(code, signing))
    if secret:
        console.print("HMAC secret (shown once; sign `id.sigtimestamp.data` with it):")
        print(secret)
    else:
        console.print(
            f"department {code}: signatures {'no longer required' if off else 'required (ed25519)'}"
        )


@user_app.command("add")
def user_add(
    sub: Annotated[str, typer.Argument(help="An opaque id for the person, e.g. rep-0042")],
    role: Annotated[Role, typer.Option(help="What the person does")],
    area: Annotated[
        str | None, typer.Option(help="Six-digit area the role covers (GB/T 2260)")
    ] = None,
    department: Annotated[
        str | None, typer.Option(help="For handlers and partners: their department")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="How pages name the person instead of the id, e.g. 陈静（审议小组）"),
    ] = None,
    password: Annotated[
        bool,
        typer.Option("--password", help="Also set a first password for the pages (printed once)"),
    ] = False,
) -> None:
    """Issue a bearer token (printed once) for a person with a role and an area."""
    principal = Principal(sub=sub, role=role, area=area, department=department)
    if name is not None:
        name = name.strip()
        if not 1 <= len(name) <= 60:
            raise _refuse("--name: 1 to 60 characters")
    token = _run(
        _with_redis,
        lambda r: UserDirectory(r, _keys()).add(principal, secret=auth_secret(), name=name),
    )
    console.print(
        f"{sub}: {role.value}" + (f" in {area}" if area else "") + "; bearer token (shown once):"
    )
    print(token)
    if password:
        _set_first_password(principal)


def _set_first_password(principal: Principal) -> None:
    first = new_password()
    _run(
        _with_redis,
        lambda r: UserDirectory(r, _keys()).set_password(principal, first, must_change=True),
    )
    console.print(
        f"{principal.sub}: first password for the pages (shown once; changed at first sign-in):"
    )
    print(first)


@user_app.command("password")
def user_password(
    sub: Annotated[str, typer.Argument(help="The person's id, as `gonghui user add` named it")],
) -> None:
    """Set a new first password for a person (printed once); they change it when signing in."""
    user = _run(_with_redis, lambda r: UserDirectory(r, _keys()).get(sub))
    if user is None:
        console.print(f"no user {sub}; add them first with `gonghui user add`")
        raise typer.Exit(1)
    _set_first_password(user.principal)


@user_app.command("list")
def user_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts")] = False,
) -> None:
    """Every person holding a live token, one line per token (the token itself is never kept)."""
    users = _run(_with_redis, lambda r: UserDirectory(r, _keys()).all())
    if as_json:
        listed = [
            {
                **vars(user.principal),
                "role": user.principal.role.value,
                "name": user.name,
                "tokens": user.tokens,
            }
            for user in users
        ]
        for person in listed:
            person.pop("token_id"), person.pop("issued_at")
            person["tokens"] = [vars(token) for token in person["tokens"]]
        print(json.dumps(listed, ensure_ascii=False))
        return
    table = Table("id", "name", "role", "area", "department", "token", "issued", "expires")
    for column in table.columns:
        column.overflow = "fold"  # piped output is 80 columns wide: wrap, never cut an id
    for user in users:
        person = user.principal
        for token in user.tokens:
            table.add_row(
                person.sub,
                user.name or "-",
                person.role.value,
                person.area or "-",
                person.department or "-",
                token.token_id,
                _when(token.issued_at),
                _when(token.expires_at),
            )
    console.print(table if users else "no users")


def _when(timestamp: float) -> str:
    if timestamp in (0.0, float("inf")):
        return "-"
    return datetime.fromtimestamp(timestamp, SHANGHAI).strftime("%Y-%m-%d")


PersonId = Annotated[str | None, typer.Argument(help="The person's account id")]
WorkerMobile = Annotated[
    str | None, typer.Option(help="A worker's mobile number instead (workers have no account)")
]


def _person(sub: str | None, mobile: str | None) -> tuple[str, str]:
    """The account id of a person named by id or by a worker's number, and how to print it."""
    from gonghui.front.signin import masked_mobile, normalize_mobile, worker_account

    if (sub is None) == (mobile is None):
        raise typer.BadParameter("name the person by account id or by --mobile, not both")
    if mobile is None:
        assert sub is not None
        return sub, sub
    number = normalize_mobile(mobile)
    if number is None:
        raise typer.BadParameter("--mobile must be an 11-digit mainland mobile number")
    sub = worker_account(number, secret=auth_secret())
    return sub, f"{masked_mobile(number)} ({sub})"


@user_app.command("revoke")
def user_revoke(sub: PersonId = None, mobile: WorkerMobile = None) -> None:
    """Revoke every token of a person; every service refuses them from the next request on.

    A worker's sessions on every phone end; they may sign in again with a new code.
    """
    person, named = _person(sub, mobile)
    if _run(_with_redis, lambda r: UserDirectory(r, _keys()).revoke(person)):
        console.print(f"{named}: every token revoked")
    elif person.startswith("w-"):  # a worker, who has no entry: by number or the logs' id
        _run(_with_redis, lambda r: UserDirectory(r, _keys()).end_sessions(person))
        console.print(f"{named}: every session ended")
    else:
        console.print(f"no user {sub}")
        raise typer.Exit(1)


@user_app.command("block")
def user_block(sub: PersonId = None, mobile: WorkerMobile = None) -> None:
    """End a person's sessions and refuse them new ones: a blocked number gets no sign-in code."""
    person, named = _person(sub, mobile)
    _run(_with_redis, lambda r: UserDirectory(r, _keys()).block(person))
    console.print(f"{named}: blocked, every session ended")


@user_app.command("unblock")
def user_unblock(sub: PersonId = None, mobile: WorkerMobile = None) -> None:
    """Let a blocked person sign in again."""
    person, named = _person(sub, mobile)
    if not _run(_with_redis, lambda r: UserDirectory(r, _keys()).unblock(person)):
        console.print(f"{named} was not blocked")
        raise typer.Exit(1)
    console.print(f"{named}: may sign in again")
