"""Alembic environment of the notify database."""

from gonghui.notify.adapters.orm import Base
from gonghui.shared.db import PlumbingBase
from gonghui.shared.migrations import run_env

run_env([Base.metadata, PlumbingBase.metadata])
