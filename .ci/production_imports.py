"""Import every module of gonghui and build every app, with only the production dependencies.

Run by `.ci/run` in a venv made by `uv sync --frozen --no-dev`: a module that imports a
package only the dev group provides fails here, as it would in the images.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
import tempfile

import gonghui
from gonghui.cli.services import SERVABLE

DEV_ONLY = ("pytest", "testcontainers", "ruff", "schemathesis", "hypothesis")


def main() -> int:
    present = [name for name in DEV_ONLY if importlib.util.find_spec(name) is not None]
    if present:
        print(f"not the production set: {', '.join(present)} installed", file=sys.stderr)
        return 1
    modules = sorted(
        info.name
        for info in pkgutil.walk_packages(gonghui.__path__, prefix="gonghui.")
        # alembic loads revisions by file path; `__main__` runs the command line
        if ".migrations.versions." not in info.name and not info.name.endswith(".__main__")
    )
    failed = {}
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"
    with tempfile.TemporaryDirectory() as var:
        for entry in SERVABLE.values():
            settings_type = type(entry.settings())
            options = {"redis_url": "redis://127.0.0.1:1/0"}  # built, never connected
            if entry.name != "front":
                options["database_url"] = f"sqlite:///{var}/{entry.name}.db"
            try:
                factory = importlib.import_module(f"{entry.package}.bootstrap").create_app
                factory(settings_type(**options))
            except Exception as exc:
                failed[f"{entry.name} app"] = f"{type(exc).__name__}: {exc}"
    for name, reason in failed.items():
        print(f"FAILED {name}: {reason}", file=sys.stderr)
    consumers = [m for m in modules if m.endswith(".consumers")]
    print(
        f"{len(modules)} modules imported ({len(consumers)} consumer modules), "
        f"{len(SERVABLE)} apps built, {len(failed)} failures"
    )
    return 1 if failed or not consumers else 0


if __name__ == "__main__":
    raise SystemExit(main())
