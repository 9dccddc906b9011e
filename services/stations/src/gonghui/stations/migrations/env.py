"""Alembic environment of the stations database."""

from gonghui.shared.db import PlumbingBase
from gonghui.shared.migrations import run_env
from gonghui.stations.adapters.orm import Base

run_env([Base.metadata, PlumbingBase.metadata])
