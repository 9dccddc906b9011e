"""`gonghui stations ...` and `gonghui demo`: bulk data for the station registry."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.bulk import import_rows, read_rows
from gonghui.stations.application.demo import load_demo
from gonghui.stations.bootstrap import MIGRATIONS
from gonghui.stations.settings import StationsSettings

stations_app = typer.Typer(help="The station registry: bulk import.", no_args_is_help=True)
console = Console()

DatabaseOption = Annotated[
    str | None, typer.Option(help="Stations database URL (default: the service's own)")
]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


async def _with_uow(database_url: str | None, job):  # type: ignore[no-untyped-def]
    settings = StationsSettings(**({"database_url": database_url} if database_url else {}))
    await upgrade(MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    keys = StreamKeys(settings.stream_prefix)
    try:
        return await job(
            lambda: StationsUnitOfWork(sessions, service="stations", keys=keys), settings
        )
    finally:
        await engine.dispose()


@stations_app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="UTF-8 CSV file")],
    operator: Annotated[
        str | None, typer.Option(help="Department operating rows without an `operator` column")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Register stations from a CSV file; re-running it updates rather than duplicates."""
    rows = read_rows(file)

    async def job(uow_factory, _settings):  # type: ignore[no-untyped-def]
        with _progress() as bar:
            task = bar.add_task(f"importing {file.name}", total=len(rows))
            return await import_rows(
                rows,
                uow_factory=uow_factory,
                default_operator=operator,
                progress=lambda n: bar.advance(task, n),
            )

    report = asyncio.run(_with_uow(database_url, job))
    for line, reason in report.errors:
        console.print(f"[red]line {line}:[/] {reason}")
    console.print(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.errors)} rejected"
    )
    if report.errors:
        raise typer.Exit(1)


def demo(
    stations: Annotated[
        int, typer.Option(help="How many stations (519 are at bank branches)")
    ] = 2_600,
    seed: Annotated[int, typer.Option(help="Seed of the generator")] = 2026,
    database_url: DatabaseOption = None,
) -> None:
    """Load a generated, realistic data set: Fujian's stations, visits and activities."""

    async def job(uow_factory, settings):  # type: ignore[no-untyped-def]
        with _progress() as bar:
            task = bar.add_task("loading demo stations", total=max(stations, 519))
            return await load_demo(
                uow_factory=uow_factory,
                stations=stations,
                seed=seed,
                secret=settings.worker_id_secret,
                progress=lambda n: bar.advance(task, n),
            )

    report = asyncio.run(_with_uow(database_url, job))
    console.print(
        f"{report.stations} stations ({report.bank_stations} at bank branches, {report.active} "
        f"active), {report.visits} visits, {report.activities} activities with "
        f"{report.signups} sign-ups"
    )
