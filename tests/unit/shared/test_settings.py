"""Settings whose defaults follow the database a service runs on."""

from __future__ import annotations

from gonghui.notify.settings import NotifySettings
from gonghui.stations.settings import StationsSettings


def test_transactions_are_kept_short_only_where_they_hold_the_one_write_lock() -> None:
    assert StationsSettings(database_url="sqlite:///x.db").transaction_budget_s == 0.05
    assert NotifySettings(database_url="postgresql://db/notify").transaction_budget_s == 0.25
    tuned = StationsSettings(database_url="postgresql://db/s", transaction_budget_ms=80)
    assert tuned.transaction_budget_s == 0.08
