"""Alembic environment of the proposals database."""

from gonghui.shared.db import PlumbingBase
from gonghui.shared.migrations import run_env
from gonghui.proposals.adapters.orm import Base

run_env([Base.metadata, PlumbingBase.metadata])
