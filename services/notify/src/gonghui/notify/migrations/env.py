"""Alembic environment of the notify database."""

from gonghui.shared.db import PlumbingBase
from gonghui.shared.migrations import run_env
from gonghui.notify.adapters.orm import Base

run_env([Base.metadata, PlumbingBase.metadata])
