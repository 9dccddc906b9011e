"""Contracts of the stations service: commands departments send, events it announces."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from opening_hours import OpeningHours, ParserError
from pydantic import Field, field_validator

from gonghui.shared.contracts.base import Command, Event
from gonghui.shared.contracts.common import DepartmentCode, MainlandPhone


class StationService(StrEnum):
    """A free service a station offers (the seed's list, plus charging and toilets)."""

    DRINKING_WATER = "drinking_water"
    HEATING = "heating"
    COOLING = "cooling"
    REST = "rest"
    MEAL_HEATING = "meal_heating"
    WIFI = "wifi"
    FIRST_AID = "first_aid"
    UMBRELLA = "umbrella"
    CHARGING = "charging"
    TOILET = "toilet"


class RegisterStation(Command):
    """station.register.v1: a partner registers a station it operates, or re-sends it to update."""

    type_name = "station.register.v1"
    owner = "stations"

    external_ref: str = Field(
        min_length=1, max_length=100, description="The partner's own id for the station; stable."
    )
    name: str = Field(min_length=2, max_length=120, description="Public name, e.g. `兴业银行鼓楼支行爱心驿站`.")
    address: str = Field(min_length=4, max_length=300, description="Street address, zh-CN.")
    lat: float = Field(ge=-90, le=90, description="Latitude, WGS-84 degrees.")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS-84 degrees.")
    services: list[StationService] = Field(
        min_length=1, description="Free services offered; keys from the fixed taxonomy."
    )
    open_hours: str = Field(
        min_length=1,
        max_length=500,
        description="Opening hours in OSM `opening_hours` syntax, e.g. `Mo-Su 08:00-20:00`.",
    )
    manager_name: str = Field(min_length=1, max_length=50, description="The manager's name (public).")
    manager_phone: MainlandPhone = Field(description="The manager's phone (public by design).")

    @field_validator("open_hours")
    @classmethod
    def _parses_as_osm(cls, value: str) -> str:
        try:
            OpeningHours(value)
        except ParserError as exc:
            raise ValueError(f"not valid OSM opening_hours: {str(exc).splitlines()[0]}") from exc
        return value

    @field_validator("services")
    @classmethod
    def _no_repeats(cls, value: list[StationService]) -> list[StationService]:
        return sorted(set(value))


class StationRegistered(Event):
    """station.registered.v1: a station entered the registry (subject = its code)."""

    type_name = "station.registered.v1"
    owner = "stations"

    code: str = Field(description="The station code assigned by the registry, never reused.")
    external_ref: str = Field(description="The operator's own id for the station.")
    operator: DepartmentCode | None = Field(
        None, description="The department that operates the station, if any."
    )
    name: str = Field(description="Public name.")
    address: str = Field(description="Street address.")
    lat: float = Field(description="Latitude, WGS-84.")
    lon: float = Field(description="Longitude, WGS-84.")
    services: list[StationService] = Field(description="Free services offered.")
    open_hours: str = Field(description="OSM opening_hours.")
    status: str = Field(description="Lifecycle state: proposed, active, suspended or exited.")
    registered_at: datetime = Field(description="When the registry accepted it.")


class StationUpdated(Event):
    """station.updated.v1: a registered station's public information changed."""

    type_name = "station.updated.v1"
    owner = "stations"

    code: str = Field(description="The station code.")
    changed: list[str] = Field(description="Names of the fields that changed.")
    name: str = Field(description="Public name after the change.")
    lat: float = Field(description="Latitude, WGS-84, after the change.")
    lon: float = Field(description="Longitude, WGS-84, after the change.")
    services: list[StationService] = Field(description="Free services after the change.")
    open_hours: str = Field(description="OSM opening_hours after the change.")
