"""Alembic environment of the proposals database."""

from gonghui.proposals.adapters.orm import Base
from gonghui.shared.db import PlumbingBase
from gonghui.shared.migrations import run_env

run_env([Base.metadata, PlumbingBase.metadata])
