"""Contracts validate what partners send and describe every field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gonghui.shared.contracts import CATALOGUE
from gonghui.shared.contracts.common import mask_phone
from gonghui.shared.contracts.refusals import NOTICES
from gonghui.shared.contracts.stations import RegisterStation
from tests.support.builders import station_data


def test_every_contract_field_is_described_for_partners() -> None:
    for contract in (*CATALOGUE.contracts, *NOTICES):
        assert contract.__doc__, contract
        for name, field in contract.model_fields.items():
            assert field.description, f"{contract.type_name}.{name} has no description"


def test_types_name_entity_verb_and_version() -> None:
    for contract in (*CATALOGUE.contracts, *NOTICES):
        entity, verb, version = contract.type_name.rsplit(".", 2)
        assert entity and verb and version.startswith("v"), contract.type_name


@pytest.mark.parametrize(
    "phone", ["13800138000", "+86 138 0013 8000", "0591-87654321", "059187654321"]
)
def test_mainland_phones_are_accepted_and_normalised(phone: str) -> None:
    assert (
        RegisterStation(**station_data(manager_phone=phone))
        .manager_phone.replace("-", "")
        .isdigit()
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"manager_phone": "12345"}, "manager_phone"),
        ({"services": ["sauna"]}, "services"),
        ({"services": []}, "services"),
        ({"open_hours": "whenever"}, "open_hours"),
        ({"lat": 91}, "lat"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_registrations_name_the_field(change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        RegisterStation(**station_data(**change))
    assert error.value.errors()[0]["loc"][0] == field


def test_repeated_services_collapse() -> None:
    services = RegisterStation(**station_data(services=["rest", "rest", "wifi"])).services
    assert [str(s) for s in services] == ["rest", "wifi"]


def test_unknown_fields_are_ignored_so_producers_can_add_optional_ones() -> None:
    assert RegisterStation(**station_data(parking=True)).name


def test_phones_are_masked_for_shared_streams() -> None:
    assert mask_phone("13800138000") == "138****8000"
