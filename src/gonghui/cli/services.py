"""The three services, as the command line starts and migrates them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from gonghui.front.settings import FrontSettings
from gonghui.shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceEntry:
    """Where a service's app factory, settings and migrations live."""

    name: str
    package: str
    settings_class: str

    @property
    def app_factory(self) -> str:
        """`module:function` for uvicorn's factory mode."""
        return f"{self.package}.bootstrap:create_app"

    def settings(self) -> ServiceSettings | FrontSettings:
        """The service's settings, read from the environment now."""
        module = importlib.import_module(f"{self.package}.settings")
        return getattr(module, self.settings_class)()

    @property
    def migrations(self) -> Path:
        """The service's Alembic scripts."""
        return importlib.import_module(f"{self.package}.bootstrap").MIGRATIONS


SERVICES = {
    entry.name: entry
    for entry in (
        ServiceEntry("stations", "gonghui.stations", "StationsSettings"),
        ServiceEntry("proposals", "gonghui.proposals", "ProposalsSettings"),
        ServiceEntry("notify", "gonghui.notify", "NotifySettings"),
    )
}

FRONT = ServiceEntry("front", "gonghui.front", "FrontSettings")
"""The web front: no database, no stream of its own; a client of the three services."""

SERVABLE = {**SERVICES, FRONT.name: FRONT}
"""Everything `gonghui serve` runs."""
