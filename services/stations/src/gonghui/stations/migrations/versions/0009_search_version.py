"""every write of a station stamps it with a search version, so a search index can follow changes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:10:00

The stamp is set by the database, whichever process or tool writes the row:

- PostgreSQL: the writing transaction's id (`pg_current_xact_id()`). A reader that remembers
  the oldest transaction still running when it last looked (`pg_snapshot_xmin`) finds every
  row written since, including by transactions that committed out of id order.
- SQLite: one more than the highest stamp. It has one writer at a time, so stamps grow in
  commit order.

A later migration that rebuilds `stations` on SQLite (`batch_alter_table`) must create the
SQLite triggers again: a table copy drops them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_STAMP = (
    "UPDATE stations SET search_version ="
    " (SELECT coalesce(max(search_version), 0) + 1 FROM stations) WHERE code = NEW.code"
)


def upgrade() -> None:
    op.add_column("stations", sa.Column("search_version", sa.BigInteger(), nullable=True))
    op.create_index("ix_stations_search_version", "stations", ["search_version"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION stations_search_version() RETURNS trigger AS $$"
            " BEGIN NEW.search_version := pg_current_xact_id()::text::bigint; RETURN NEW; END"
            " $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER stations_search_version BEFORE INSERT OR UPDATE ON stations"
            " FOR EACH ROW EXECUTE FUNCTION stations_search_version()"
        )
    else:
        op.execute(
            "CREATE TRIGGER stations_search_version_insert AFTER INSERT ON stations"
            f" BEGIN {SQLITE_STAMP}; END"
        )
        # The guard keeps the stamp's own UPDATE from stamping again (recursive triggers).
        op.execute(
            "CREATE TRIGGER stations_search_version_update AFTER UPDATE ON stations"
            " WHEN NEW.search_version IS OLD.search_version"
            f" BEGIN {SQLITE_STAMP}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER stations_search_version ON stations")
        op.execute("DROP FUNCTION stations_search_version()")
    else:
        op.execute("DROP TRIGGER stations_search_version_update")
        op.execute("DROP TRIGGER stations_search_version_insert")
    op.drop_index("ix_stations_search_version", "stations")
    op.drop_column("stations", "search_version")
