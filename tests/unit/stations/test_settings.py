"""The worker-hash secret must be real outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gonghui.stations.domain.privacy import worker_ref
from gonghui.stations.settings import StationsSettings


def test_placeholder_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="STATIONS_WORKER_ID_SECRET"):
        StationsSettings(environment="production", database_url="sqlite:///x.db")
    ok = StationsSettings(
        environment="production", database_url="sqlite:///x.db", worker_id_secret="s3cr3t-a9f2"
    )
    assert ok.worker_id_secret == "s3cr3t-a9f2"


def test_worker_refs_depend_on_the_secret_and_hide_the_id() -> None:
    a, b = worker_ref("k1", "13912345678"), worker_ref("k2", "13912345678")
    assert a != b and len(a) == 32 and "1391234" not in a
    assert worker_ref("k1", " 13912345678 ") == a
