"""Contracts of the stations service: commands departments send, events it announces."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from gonghui.shared.contracts.base import Command, Contract, Event
from gonghui.shared.contracts.common import DepartmentCode, Instant, MainlandPhone
from gonghui.shared.hours import HoursInvalid, validate


class StationService(StrEnum):
    """A free service a station offers (the seed's list, plus hot water, charging and toilets)."""

    DRINKING_WATER = "drinking_water"
    HOT_WATER = "hot_water"
    HEATING = "heating"
    COOLING = "cooling"
    REST = "rest"
    MEAL_HEATING = "meal_heating"
    WIFI = "wifi"
    FIRST_AID = "first_aid"
    UMBRELLA = "umbrella"
    CHARGING = "charging"
    TOILET = "toilet"


class CoordSystem(StrEnum):
    """Datum of coordinates: WGS-84 (GPS) or GCJ-02 (Amap, Tencent maps)."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"


class PostedDocuments(Contract):
    """公示上墙: the three documents every station posts (text or a URL)."""

    management_rules: str | None = Field(None, max_length=5000, description="管理制度.")
    service_process: str | None = Field(None, max_length=5000, description="服务流程.")
    safety_notice: str | None = Field(None, max_length=5000, description="安全须知.")


AREA_CODE = r"^\d{6}$"


def _valid_hours(value: str | None) -> str | None:
    """The strict form of OSM opening_hours the reference accepts (`Mo–Fr 8:00-18:00;` too)."""
    if value is None:
        return value
    try:
        return validate(value)
    except HoursInvalid as exc:
        raise ValueError(str(exc)) from exc


class RegisterStation(Command):
    """station.register.v1: a partner registers a station it operates, or re-sends it to update."""

    type_name = "station.register.v1"
    owner = "stations"

    external_ref: str = Field(
        min_length=1, max_length=100, description="The partner's own id for the station; stable."
    )
    name: str = Field(
        min_length=2, max_length=120, description="Public name, e.g. `兴业银行鼓楼支行爱心驿站`."
    )
    address: str = Field(min_length=4, max_length=300, description="Street address, zh-CN.")
    lat: float = Field(ge=-90, le=90, description="Latitude in degrees (datum: `coord_system`).")
    lon: float = Field(ge=-180, le=180, description="Longitude in degrees (datum: `coord_system`).")
    services: list[StationService] = Field(
        min_length=1, description="Free services offered; keys from the fixed taxonomy."
    )
    open_hours: str = Field(
        min_length=1,
        max_length=500,
        description="Opening hours in OSM `opening_hours` syntax, e.g. `Mo-Su 08:00-20:00; PH off`"
        " (PH: China's public holidays); stored in the strict form.",
    )
    manager_name: str = Field(
        min_length=1, max_length=50, description="The manager's name (public)."
    )
    manager_phone: MainlandPhone = Field(description="The manager's phone (public by design).")
    area_code: str | None = Field(
        None,
        pattern=AREA_CODE,
        description="GB/T 2260 six-digit area code; derived from address or coordinates if absent.",
    )
    coord_system: CoordSystem = Field(
        CoordSystem.WGS84, description="Datum of `lat`/`lon`; stored as WGS-84 either way."
    )
    co_builders: list[str] = Field(
        default_factory=list, max_length=20, description="Co-building partners (共建单位), by name."
    )
    funding_source: str | None = Field(None, max_length=100, description="Who funds the station.")
    documents: PostedDocuments = Field(
        default_factory=PostedDocuments, description="Posted documents (公示上墙)."
    )

    @field_validator("open_hours")
    @classmethod
    def _parses_as_osm(cls, value: str) -> str:
        return _valid_hours(value)

    @field_validator("services")
    @classmethod
    def _no_repeats(cls, value: list[StationService]) -> list[StationService]:
        return sorted(set(value))


class _StationCommand(Command):
    """A command about one station the sending department operates."""

    code: str | None = Field(None, max_length=40, description="The station code; or give:")
    external_ref: str | None = Field(
        None, max_length=100, description="The department's own id for the station."
    )
    actor: str | None = Field(
        None, max_length=60, description="The person at the department who acts (recorded)."
    )

    @model_validator(mode="after")
    def _names_one_station(self) -> _StationCommand:
        if (self.code is None) == (self.external_ref is None):
            raise ValueError("give exactly one of `code` or `external_ref`")
        return self


class UpdateStation(_StationCommand):
    """station.update.v1: change a station's public information; absent fields stay as they are."""

    type_name = "station.update.v1"
    owner = "stations"

    name: str | None = Field(None, min_length=2, max_length=120, description="Public name.")
    address: str | None = Field(None, min_length=4, max_length=300, description="Address.")
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude (datum: coord_system).")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude (datum: coord_system).")
    coord_system: CoordSystem = Field(CoordSystem.WGS84, description="Datum of `lat`/`lon`.")
    services: list[StationService] | None = Field(None, min_length=1, description="Services.")
    open_hours: str | None = Field(None, max_length=500, description="OSM opening_hours.")
    manager_name: str | None = Field(None, min_length=1, max_length=50, description="Manager.")
    manager_phone: MainlandPhone | None = Field(None, description="Manager's phone.")
    co_builders: list[str] | None = Field(None, max_length=20, description="Co-builders.")
    funding_source: str | None = Field(None, max_length=100, description="Funding source.")
    documents: PostedDocuments | None = Field(None, description="Posted documents.")

    @field_validator("open_hours")
    @classmethod
    def _parses_as_osm(cls, value: str | None) -> str | None:
        return _valid_hours(value)

    @model_validator(mode="after")
    def _both_coordinates(self) -> UpdateStation:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give `lat` and `lon` together")
        return self


class SuspendStation(_StationCommand):
    """station.suspend.v1: close a station for a while (临时关闭), with a reason and an end."""

    type_name = "station.suspend.v1"
    owner = "stations"

    reason: str = Field(min_length=2, max_length=500, description="Why it closes.")
    until: Instant = Field(description="Until when (RFC 3339, with a zone).")


class ResumeStation(_StationCommand):
    """station.resume.v1: reopen a suspended station."""

    type_name = "station.resume.v1"
    owner = "stations"

    reason: str = Field("reopened", min_length=2, max_length=500, description="Why it reopens.")


class ExitStation(_StationCommand):
    """station.exit.v1: 退出机制: retire a station for good; its code is never reused."""

    type_name = "station.exit.v1"
    owner = "stations"

    reason: str = Field(min_length=2, max_length=500, description="Why it leaves the registry.")


class RecordVisit(_StationCommand):
    """visit.record.v1: a worker used a station (the partner's own check-in system)."""

    type_name = "visit.record.v1"
    owner = "stations"

    worker_id: str = Field(
        min_length=1, max_length=100, description="The partner's id of the worker; hashed."
    )
    visited_at: Instant = Field(description="When the worker checked in (RFC 3339).")


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
    area_code: str | None = Field(None, description="GB/T 2260 area code the code was issued in.")
    actor: str | None = Field(None, description="Who registered it: staff, or `dept/<code>`.")
    test_data: bool = Field(
        False,
        description="测试数据: registered by a sandbox department; never offered to workers.",
    )


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
    actor: str | None = Field(None, description="Who changed it.")
    address: str | None = Field(None, description="Street address after the change.")
    area_code: str | None = Field(None, description="GB/T 2260 area code of the station.")


class StationAssessed(Event):
    """station.assessed.v1: a six-point (六有) assessment was recorded."""

    type_name = "station.assessed.v1"
    owner = "stations"

    code: str = Field(description="The station code.")
    assessment_id: str = Field(description="The assessment's id.")
    assessor: str = Field(description="Who assessed.")
    passed: bool = Field(description="Whether all six criteria passed.")
    failed: list[str] = Field(description="Criteria that did not pass.")
    map_verified_on: date | None = Field(None, description="When the map entry was last checked.")
    assessed_at: datetime = Field(description="When.")


class StationTransition(Event):
    """A lifecycle step of one station (动态管理), with who and why."""

    code: str = Field(description="The station code.")
    from_status: str = Field(description="State before.")
    to_status: str = Field(description="State after.")
    actor: str = Field(description="Who did it: a staff member, or `dept/<code>[:person]`.")
    reason: str = Field(description="Why.")
    at: datetime = Field(description="When.")


class StationActivated(StationTransition):
    """station.activated.v1: the station passed the six-point gate and hung the plaque."""

    type_name = "station.activated.v1"
    owner = "stations"


class StationSuspended(StationTransition):
    """station.suspended.v1: the station is closed for a while."""

    type_name = "station.suspended.v1"
    owner = "stations"

    until: datetime = Field(description="Until when it is closed.")


class StationResumed(StationTransition):
    """station.resumed.v1: a suspended station reopened."""

    type_name = "station.resumed.v1"
    owner = "stations"


class StationExited(StationTransition):
    """station.exited.v1: 退出: the station left the registry; its code is never reused."""

    type_name = "station.exited.v1"
    owner = "stations"


class StationRated(Event):
    """station.rated.v1: a worker rated a station's service (服务评价), 1 to 5 stars."""

    type_name = "station.rated.v1"
    owner = "stations"

    code: str = Field(description="The station code.")
    area_code: str = Field(description="The station's GB/T 2260 area code.")
    feedback_id: str = Field(description="The rating's id.")
    stars: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent).")
    received_at: datetime = Field(description="When it was received.")


class StationComplaintReceived(Event):
    """station.complaint_received.v1: a worker complained about a station (投诉).

    For the station's managers (its operator, `dept:<operator>`) and the union's station admins
    of its area (`area_code`).
    """

    type_name = "station.complaint_received.v1"
    owner = "stations"

    code: str = Field(description="The station code.")
    name: str = Field(description="The station's public name.")
    area_code: str = Field(description="The station's GB/T 2260 area code.")
    area_name: str = Field(description="The area's names from the province down, zh-CN.")
    operator: DepartmentCode | None = Field(None, description="The department that runs it.")
    feedback_id: str = Field(description="The complaint's id.")
    category: str = Field(description="Why: a key of GET /vocabulary `complaint_categories`.")
    category_label: str = Field(description="The category in zh-CN.")
    text: str = Field(description="What the worker wrote; phone and ID numbers masked.")
    complaints_in_window: int = Field(
        description="Complaints about this station within the re-inspection window, this included."
    )
    received_at: datetime = Field(description="When it was received.")


class StationReinspectionOpened(Event):
    """station.reinspection_opened.v1: complaints reached the threshold; a re-inspection is due."""

    type_name = "station.reinspection_opened.v1"
    owner = "stations"

    code: str = Field(description="The station code.")
    name: str = Field(description="The station's public name.")
    area_code: str = Field(description="The station's GB/T 2260 area code.")
    operator: DepartmentCode | None = Field(None, description="The department that runs it.")
    complaints: int = Field(description="Complaints within the window that opened it.")
    window_days: int = Field(description="The window, in days.")
    opened_at: datetime = Field(description="When.")


class StationReinspectionClosed(Event):
    """station.reinspection_closed.v1: a six-point assessment closed the re-inspection."""

    type_name = "station.reinspection_closed.v1"
    owner = "stations"

    code: str = Field(description="The station code.")
    area_code: str = Field(description="The station's GB/T 2260 area code.")
    outcome: str = Field(description="`passed` or `failed` (then marked in search results).")
    assessment_id: str = Field(description="The assessment that closed it.")
    failed: list[str] = Field(description="Criteria that did not pass.")
    closed_at: datetime = Field(description="When.")


class ActivityPublished(Event):
    """activity.published.v1: a station or city union published an activity (subject = its id)."""

    type_name = "activity.published.v1"
    owner = "stations"

    activity_id: str = Field(description="The activity's id.")
    title: str = Field(description="Title.")
    station_code: str | None = Field(None, description="The hosting station, if any.")
    area_code: str = Field(description="Area of the organising union or station.")
    place: str = Field(description="Where.")
    starts_at: datetime = Field(description="Start.")
    ends_at: datetime = Field(description="End.")
    capacity: int = Field(description="Places.")
    published_by: str = Field(description="Who published it.")


class SignupStep(Event):
    """One worker's step on one activity; the worker appears only as an opaque hash."""

    activity_id: str = Field(description="The activity's id.")
    worker_ref: str = Field(description="Opaque, keyed hash of the worker's id.")
    status: str = Field(description="The sign-up's state after the step.")
    confirmed: int = Field(description="Confirmed places taken after the step.")
    waitlisted: int = Field(description="Workers waiting after the step.")
    at: datetime = Field(description="When.")
    title: str | None = Field(None, description="The activity's title.")
    recipient: str | None = Field(
        None,
        description="On a promotion: the worker's id in the union's directory (the subject of "
        "the token they signed up with), so they can be told; absent for anonymous sign-ups.",
    )


class ActivitySignedUp(SignupStep):
    """activity.signed_up.v1: a worker signed up (status `confirmed` or `waitlisted`)."""

    type_name = "activity.signed_up.v1"
    owner = "stations"


class ActivitySignupCancelled(SignupStep):
    """activity.signup_cancelled.v1: a worker cancelled."""

    type_name = "activity.signup_cancelled.v1"
    owner = "stations"


class ActivitySignupPromoted(SignupStep):
    """activity.signup_promoted.v1: a waitlisted worker got a place someone gave up."""

    type_name = "activity.signup_promoted.v1"
    owner = "stations"


class ActivityCheckedIn(SignupStep):
    """activity.checked_in.v1: a confirmed worker checked in on the day."""

    type_name = "activity.checked_in.v1"
    owner = "stations"


class DonationRecorded(Event):
    """donation.recorded.v1: money or goods were donated to a station or an area's stations."""

    type_name = "donation.recorded.v1"
    owner = "stations"

    donation_id: str = Field(description="The ledger entry's id.")
    donor: str = Field(
        description="The donor (an organisation or a person who agreed to be named)."
    )
    kind: str = Field(description="`money` or `goods`.")
    amount_fen: int | None = Field(None, description="Money, in fen (0.01 yuan).")
    goods: str | None = Field(None, description="What goods.")
    quantity: int | None = Field(None, description="How many of the goods.")
    station_code: str | None = Field(None, description="The receiving station, if one.")
    area_code: str = Field(description="Area the donation is for.")
    received_at: datetime = Field(description="When it was received.")


class SuppliesChanged(Event):
    """supplies.changed.v1: a station's stock of one kind of supplies went up or down."""

    type_name = "supplies.changed.v1"
    owner = "stations"

    code: str = Field(description="The station code.")
    item: str = Field(description="water, food, medicine or protective_kit.")
    change: int = Field(description="Units added (positive) or used (negative).")
    quantity: int = Field(description="Units in stock after the change.")
    low_threshold: int = Field(description="At or below this the stock is low.")
    low: bool = Field(description="Whether the stock is low now: time to replenish.")
    actor: str = Field(description="Who recorded it.")


class SubsidyStep(Event):
    """subsidy.<step>.v1: one step of a model rest room's subsidy application (subject = its id)."""

    owner = "stations"

    subsidy_id: str = Field(description="The application's id.")
    code: str = Field(description="The applying station.")
    status: str = Field(
        description="applied, under_review, approved, rejected, disbursed, reported."
    )
    requested_fen: int = Field(description="Amount asked for, in fen.")
    approved_fen: int | None = Field(None, description="Amount approved, in fen.")
    disbursed_fen: int | None = Field(None, description="Amount paid out, in fen.")
    actor: str = Field(description="Who took the step.")
    note: str = Field(description="Why, or what was reported.")
    at: datetime = Field(description="When.")


class SubsidyApplied(SubsidyStep):
    """subsidy.applied.v1: a station applied for a model rest room subsidy."""

    type_name = "subsidy.applied.v1"


class SubsidyReviewStarted(SubsidyStep):
    """subsidy.review_started.v1: the union started reviewing the application."""

    type_name = "subsidy.review_started.v1"


class SubsidyApproved(SubsidyStep):
    """subsidy.approved.v1: the application was approved, with the amount."""

    type_name = "subsidy.approved.v1"


class SubsidyRejected(SubsidyStep):
    """subsidy.rejected.v1: the application was rejected, with the reason."""

    type_name = "subsidy.rejected.v1"


class SubsidyDisbursed(SubsidyStep):
    """subsidy.disbursed.v1: the approved money was paid out."""

    type_name = "subsidy.disbursed.v1"


class SubsidyUsageReported(SubsidyStep):
    """subsidy.usage_reported.v1: the station reported how the money was used."""

    type_name = "subsidy.usage_reported.v1"


STATION_CONTRACTS: tuple[type[Contract], ...] = (
    RegisterStation,
    UpdateStation,
    SuspendStation,
    ResumeStation,
    ExitStation,
    RecordVisit,
    StationRegistered,
    StationUpdated,
    StationAssessed,
    StationActivated,
    StationSuspended,
    StationResumed,
    StationExited,
    StationRated,
    StationComplaintReceived,
    StationReinspectionOpened,
    StationReinspectionClosed,
    ActivityPublished,
    ActivitySignedUp,
    ActivitySignupCancelled,
    ActivitySignupPromoted,
    ActivityCheckedIn,
    DonationRecorded,
    SuppliesChanged,
    SubsidyApplied,
    SubsidyReviewStarted,
    SubsidyApproved,
    SubsidyRejected,
    SubsidyDisbursed,
    SubsidyUsageReported,
)
"""Every contract of the stations service, for the catalogue."""
