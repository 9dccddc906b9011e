"""The worker-hash and QR secrets must be real outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gonghui.stations.domain.privacy import worker_ref
from gonghui.stations.settings import StationsSettings


def test_placeholder_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="STATIONS_WORKER_ID_SECRET"):
        StationsSettings(environment="production", database_url="sqlite:///x.db")
    with pytest.raises(ValidationError, match="STATIONS_QR_SECRET"):
        StationsSettings(
            environment="production", database_url="sqlite:///x.db", worker_id_secret="s3cr3t-a9f2"
        )
    ok = StationsSettings(
        environment="production",
        database_url="sqlite:///x.db",
        worker_id_secret="s3cr3t-a9f2",
        qr_secret="qr-k3y-77b1",
    )
    assert ok.worker_id_secret == "s3cr3t-a9f2" and ok.qr_secret == "qr-k3y-77b1"


def test_worker_refs_depend_on_the_secret_and_hide_the_id() -> None:
    a, b = worker_ref("k1", "13912345678"), worker_ref("k2", "13912345678")
    assert a != b and len(a) == 32 and "1391234" not in a
    assert worker_ref("k1", " 13912345678 ") == a
