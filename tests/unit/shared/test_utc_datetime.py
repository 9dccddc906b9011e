"""UtcDateTime writes SQLite the very text SQLAlchemy's DATETIME writes, only faster."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite import DATETIME

from gonghui.shared.db import UtcDateTime

SQLITE = sqlite.dialect()


def test_sqlite_gets_the_text_sqlalchemys_datetime_wrote() -> None:
    ours = UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    theirs = DATETIME().bind_processor(SQLITE)
    spread = random.Random(11)
    moments = [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        *(
            datetime(1, 1, 1, tzinfo=UTC) + timedelta(microseconds=spread.randrange(3 * 10**17))
            for _ in range(5_000)
        ),
    ]
    assert [ours(moment) for moment in moments] == [theirs(moment) for moment in moments]
    assert ours(None) is None


def test_a_moment_in_another_zone_is_stored_in_utc_and_a_naive_one_is_refused() -> None:
    ours = UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert ours(datetime(2026, 12, 1, 13, 0, tzinfo=timezone(timedelta(hours=8)))) == (
        "2026-12-01 05:00:00.000000"
    )
    with pytest.raises(ValueError, match="naive datetime"):
        ours(datetime(2026, 12, 1, 13, 0))


def test_postgresql_keeps_its_own_timestamp_type() -> None:
    impl = UtcDateTime().dialect_impl(postgresql.dialect()).impl
    assert type(impl) is type(postgresql.dialect().type_descriptor(UtcDateTime.impl))
