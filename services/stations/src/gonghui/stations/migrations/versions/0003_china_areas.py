"""stations everywhere in China: area codes of stations numbered before the national table

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 06:00:00

Stations registered outside Fujian before this revision were given the national area `100000`
and codes like `CN-0001`. They keep their codes (partners and events know them), but now get
the area their address or coordinates tell, so area-scoped staff see them and totals count them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gonghui.stations.domain.areas import NATIONAL_CODE, locate

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Tables that copy a station's area, and the column naming the station.
_BY_STATION = [
    ("stations", "code"),
    ("visit_days", "code"),
    ("activities", "station_code"),
    ("donations", "station_code"),
]


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT code, address, lat, lon FROM stations WHERE area_code = :national"),
        {"national": NATIONAL_CODE},
    ).all()
    for code, address, lat, lon in rows:
        found = locate(address=address, lat=lat, lon=lon)
        if found == NATIONAL_CODE:
            continue
        for table, column in _BY_STATION:
            bind.execute(
                sa.text(f"UPDATE {table} SET area_code = :area WHERE {column} = :code"),
                {"area": found, "code": code},
            )


def downgrade() -> None:
    # The national code was a placeholder; the located areas are kept.
    pass
