"""gonghui-partner is pinned to the contracts: its copy is the platform's, and what it sends is
what the consumers accept."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from importlib import resources

import pytest

from gonghui.notify.entrypoints.consumers import department_handlers as notify_commands
from gonghui.proposals.entrypoints.consumers import department_handlers as proposal_commands
from gonghui.shared.consumer import Entry, judge_at_the_door
from gonghui.shared.contracts import CATALOGUE, Command
from gonghui.shared.contracts.published import published_schema
from gonghui.shared.signing import Signing
from gonghui.shared.streams import StreamKeys
from gonghui.stations.entrypoints.consumers import department_handlers as station_commands
from gonghui_partner import NotACommand, command_fields, contracts, sign
from tests.support.builders import station_data

KEYS = StreamKeys("fj:")
OUTBOX = KEYS.outbox("cib-bank")


def test_the_clients_schema_is_the_platforms() -> None:
    pinned = json.loads(
        resources.files("gonghui_partner").joinpath("contracts.schema.json").read_text()
    )
    assert pinned == json.loads(json.dumps(published_schema())), (
        "the contracts changed: run `uv run python clients/python/scripts/generate_contracts.py` "
        "and release gonghui-partner"
    )


def test_every_type_has_a_model_and_the_commands_are_the_catalogues() -> None:
    assert set(contracts.TYPES) >= {c.type_name for c in CATALOGUE.contracts}
    assert contracts.COMMANDS == {
        c.type_name for c in CATALOGUE.contracts if issubclass(c, Command)
    }


def test_each_service_accepts_exactly_the_commands_it_owns() -> None:
    """The door judges an entry by its owner's commands; the consumers must agree."""
    for owner, handlers in (
        ("stations", station_commands(worker_id_secret="x")),
        ("proposals", proposal_commands()),
        ("notify", notify_commands(broadcasters=frozenset())),
    ):
        assert set(handlers.contracts) == set(CATALOGUE.commands_for(owner)), owner


def fields_of(payload: object, **kwargs: object) -> dict[bytes, bytes]:
    fields = command_fields(payload, code="cib-bank", **kwargs)  # type: ignore[arg-type]
    return {k.encode(): v.encode() for k, v in fields.items()}


def test_a_command_the_client_builds_is_what_the_consumers_accept() -> None:
    register = contracts.RegisterStation(**station_data())
    verdict = judge_at_the_door(
        Entry(OUTBOX, "0-0", fields_of(register, subject="CIB-FZ-0001")),
        keys=KEYS,
        signing=None,
        now=datetime.now(UTC),
    )
    assert verdict is None
    progress = contracts.ReportProgress(proposal_id="01JDX", percent=40, milestone="选址完成")
    assert json.loads(fields_of(progress)[b"data"]) == {
        "proposal_id": "01JDX",
        "percent": 40,
        "milestone": "选址完成",
    }


def test_a_signed_command_passes_the_signature_check() -> None:
    secret = base64.b64encode(b"k" * 32).decode()
    fields = command_fields(
        contracts.ExitStation(external_ref="R-1", reason="网点搬迁"), code="cib-bank"
    )
    signed = {k.encode(): v.encode() for k, v in sign(fields, secret).items()}
    verdict = judge_at_the_door(
        Entry(OUTBOX, "0-0", signed),
        keys=KEYS,
        signing=Signing("hmac-sha256", secret),
        now=datetime.now(UTC),
    )
    assert verdict is None


def test_the_client_refuses_to_send_an_event() -> None:
    notice = contracts.EntryRejected(
        entry_id="1-0",
        reason_zh="数据校验未通过",
        reason_en="x",
        refused_by="stations",
        deliveries=1,
    )
    with pytest.raises(NotACommand, match="is an event"):
        command_fields(notice, code="cib-bank")
