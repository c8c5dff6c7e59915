"""Agency contracts (seasons, release steps, versions), allotment events and the resolved allotment calendars."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.api.pagination import Page, PageQuery, filtered_page
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import RecordName, Rooms, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.allotment_pool import PoolNight
from chalicelib.domain.allotment_records import ContractFilters, ContractRecord, EventRecord, SeasonSpec, event_payload
from chalicelib.domain.allotment_reports import PickUpRow, PickUpTotal, ReleasingNight
from chalicelib.domain.allotments import (
    AllotmentEvent,
    AllotmentEventKind,
    AllotmentNight,
    ContractMode,
    ContractStatus,
    ReleaseStep,
)
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday, parse_weekdays
from chalicelib.domain.permissions import Permission
from chalicelib.domain.views import attributes_of, view_from
from chalicelib.services import allotment_report_service, allotment_service, contract_service
from chalicelib.services.allotment_report_service import MAX_RELEASING_DAYS, AgencyPickUp
from chalicelib.services.allotment_service import ResolvedAllotments
from chalicelib.services.property_service import utc_now

blueprint = ApiBlueprint(__name__, tag="contracts")
contracts = Resource(blueprint, read=Permission.CONTRACTS_READ, write=Permission.CONTRACTS_WRITE)


class SeasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room_type_id: int = Field(ge=1)
    date_from: date = Field(description="first night (inclusive)")
    date_to: date = Field(description="last night (inclusive)")
    weekdays: list[str] | None = Field(default=None, max_length=7, description="mon ... sun; default every day")
    rooms: Rooms = Field(description="rooms per night")
    rate: Decimal = Field(description="contract rate per room and night, in the contract's currency")
    min_stay: int = Field(default=1, ge=1, le=365)


class SeasonOut(ViewModel, view=SeasonSpec):
    weekdays: list[str] = Field(description="mon ... sun")

    @field_validator("weekdays", mode="before")
    @classmethod
    def _weekday_names(cls, days: Iterable[Weekday | str]) -> list[str]:
        return [day if isinstance(day, str) else day.name.lower() for day in sorted(days)]


class ReleaseStepIn(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    days_before: int = Field(ge=0, description="days before the night (in the property's time zone), at most 365")
    rooms_kept: Rooms = Field(description="unsold rooms the agency keeps from then on")


class ContractOut(ViewModel, view=ContractRecord):
    seasons: list[SeasonOut]
    release_steps: list[ReleaseStepIn]


class ContractQuery(PageQuery):
    agency_id: int | None = Field(default=None, ge=1)
    property_id: int | None = Field(default=None, ge=1)
    status: ContractStatus | None = None
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description='full-text search over names, conditions and notes (web search syntax: "a phrase", -word, or)',
    )


class ContractCreate(BaseModel):
    model_config = request_body_config(
        {
            "agency_id": 1,
            "property_id": 1,
            "name": "Summer 2030 allotment",
            "mode": "allotment",
            "status": "active",
            "currency": "VND",
            "seasons": [
                {
                    "room_type_id": 1,
                    "date_from": "2030-06-01",
                    "date_to": "2030-08-31",
                    "rooms": 5,
                    "rate": "1200000",
                }
            ],
            "release_steps": [{"days_before": 30, "rooms_kept": 2}, {"days_before": 7, "rooms_kept": 0}],
        }
    )

    agency_id: int = Field(ge=1)
    property_id: int = Field(ge=1)
    name: RecordName
    mode: ContractMode = ContractMode.ALLOTMENT
    status: ContractStatus = ContractStatus.DRAFT
    currency: str = Field(min_length=3, max_length=3)
    notes: str = Field(default="", max_length=5000)
    conditions: str = Field(default="", max_length=20_000, description="the contract's terms (free text)")
    seasons: list[SeasonIn] = Field(default_factory=list, max_length=200)
    release_steps: list[ReleaseStepIn] = Field(default_factory=list, max_length=20)


class ContractUpdate(PatchBody):
    model_config = request_body_config({"status": "active"})

    name: RecordName | None = None
    mode: ContractMode | None = None
    status: ContractStatus | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    notes: str | None = Field(default=None, max_length=5000)
    conditions: str | None = Field(default=None, max_length=20_000)
    seasons: list[SeasonIn] | None = Field(default=None, max_length=200, description="replaces every season")
    release_steps: list[ReleaseStepIn] | None = Field(default=None, max_length=20, description="replaces every step")


class ContractVersionOut(BaseModel):
    version: int
    contract: dict[str, Any]


class AllotmentEventIn(BaseModel):
    model_config = request_body_config(
        {
            "kind": "INCREASE_ALLOTMENT",
            "effective_at": "2030-05-01T00:00:00+07:00",
            "sequence": 1,
            "room_type_id": 1,
            "date_from": "2030-07-01",
            "date_to": "2030-07-31",
            "rooms": 2,
        }
    )

    kind: AllotmentEventKind
    effective_at: datetime | None = Field(default=None, description="when it takes effect; default now")
    sequence: int = Field(default=0, ge=0, description="orders events of the same effective time")
    room_type_id: int | None = Field(default=None, ge=1, description="default every room type of the contract")
    date_from: date | None = Field(default=None, description="first night (inclusive); default every night")
    date_to: date | None = Field(default=None, description="last night (inclusive)")
    weekdays: list[str] | None = Field(default=None, max_length=7)
    rooms: int | None = Field(default=None, ge=1, le=100_000, description="RELEASE without rooms: every unsold room")
    rate: Decimal | None = None


class AllotmentEventOut(BaseModel):
    id: int
    contract_id: int
    kind: AllotmentEventKind
    effective_at: datetime
    sequence: int
    room_type_id: int | None
    date_from: date | None
    date_to: date | None
    weekdays: list[str]
    rooms: int | None
    rate: Decimal | None
    created_by_user_id: int | None
    created_at: datetime


class AllotmentCalendarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_from: date | None = Field(default=None, description="first night (inclusive); default today")
    date_to: date | None = Field(default=None, description="last night (inclusive); at most 366 nights")


class AllotmentNightOut(BaseModel):
    contract_id: int
    room_type_id: int
    night: date
    contracted: int
    picked_up: int
    remaining: int = Field(description="outstanding: contracted, not picked up, not released (withheld from OTAs)")
    released: int = Field(description="unsold rooms given back (release steps, RELEASE events)")
    rate: Decimal | None
    min_stay: int
    stop_sale: bool
    release_date: date | None = Field(description="the local date the first release step applies")


class PoolNightOut(ViewModel, view=PoolNight):
    blocked: int = Field(description="blocked by anything but allotments")
    allotted: int = Field(description="outstanding allotments of every contract")
    pool: int = Field(description="total - buffer - sold - held - blocked - allotted: what OTAs and direct may sell")


class ContractRoomTypeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str


class ContractPropertyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    timezone: str
    currency: str
    room_types: list[ContractRoomTypeOut]


class AllotmentCalendarOut(BaseModel):
    property_id: int
    today: date = Field(description="today in the property's time zone")
    date_from: date
    date_to: date
    allotments: list[AllotmentNightOut]
    pool: list[PoolNightOut]


# --- conversions ---------------------------------------------------------------------------------


def _weekdays(names: list[str] | None, field: str) -> frozenset[Any]:
    return ALL_WEEKDAYS if names is None else parse_weekdays(names, field=field)


def _seasons(seasons: list[SeasonIn]) -> list[SeasonSpec]:
    return [
        view_from(SeasonSpec, season, weekdays=_weekdays(season.weekdays, f"body.seasons.{index}.weekdays"))
        for index, season in enumerate(seasons)
    ]


def _steps(steps: list[ReleaseStepIn]) -> list[ReleaseStep]:
    return [ReleaseStep(step.days_before, step.rooms_kept) for step in steps]


def event_out(record: EventRecord) -> AllotmentEventOut:
    event = record.event
    return AllotmentEventOut(
        **attributes_of(record, ("id", "contract_id", "created_by_user_id", "created_at")),
        **attributes_of(event, ("kind", "effective_at", "sequence")),
        **event_payload(event),
    )


def _event(contract_id: int, body: AllotmentEventIn) -> AllotmentEvent:
    nights = None
    if (body.date_from is None) != (body.date_to is None):
        missing = "date_to" if body.date_to is None else "date_from"
        raise InvalidInput(
            f"body.{missing}: give both date_from and date_to, or neither",
            details=[{"field": f"body.{missing}", "message": "give both date_from and date_to, or neither"}],
        )
    if body.date_from is not None and body.date_to is not None:
        nights = NightRange.through(
            body.date_from, body.date_to, start_field="body.date_from", end_field="body.date_to"
        )
    return AllotmentEvent(
        contract_id,
        body.kind,
        body.effective_at or utc_now(),
        body.sequence,
        room_type_id=body.room_type_id,
        nights=nights,
        weekdays=_weekdays(body.weekdays, "body.weekdays"),
        rooms=body.rooms,
        rate=body.rate,
    )


def calendar_out(resolved: ResolvedAllotments) -> AllotmentCalendarOut:
    return AllotmentCalendarOut(
        property_id=resolved.property_id,
        today=resolved.today,
        date_from=resolved.nights.first_night,
        date_to=resolved.nights.last_night,
        allotments=[_allotment_out(night) for night in resolved.calendar.allotments],
        pool=[PoolNightOut.of(night) for night in resolved.calendar.pools],
    )


def _allotment_out(night: AllotmentNight) -> AllotmentNightOut:
    values = night._asdict()
    values["remaining"] = values.pop("outstanding")
    return AllotmentNightOut(**values)


# --- routes --------------------------------------------------------------------------------------


@contracts.get(
    "/contracts",
    "List agency contracts in your scope; with q, the best full-text matches first",
    partner=True,
)
def list_contracts(caller: Caller, query: ContractQuery) -> Page[ContractOut]:
    return filtered_page(caller, query, ContractFilters, contract_service.list_contracts, ContractOut)


@contracts.create(
    "/contracts",
    "Create a contract; an active one withholds its rooms from every other channel at once",
    error_statuses=(409, 422),
)
def create_contract(caller: Caller, body: ContractCreate) -> ContractOut:
    fields = body.model_dump(exclude={"seasons", "release_steps"})
    record = contract_service.create_contract(caller, fields, _seasons(body.seasons), _steps(body.release_steps))
    return ContractOut.of(record)


contract = contracts.record("/contracts/{contract_id}", ContractOut)
contract.get(contract_service.get_contract, "One contract with its seasons and release steps", partner=True)


@contracts.patch(
    "/contracts/{contract_id}",
    "Change a contract: a new version, audited; the calendar follows in the same transaction",
    error_statuses=(409, 422),
)
def update_contract(caller: Caller, contract_id: int, body: ContractUpdate) -> ContractOut:
    changes = body.changes()
    seasons = changes.pop("seasons", None)
    steps = changes.pop("release_steps", None)
    record = contract_service.update_contract(
        caller,
        contract_id,
        changes,
        None if seasons is None else _seasons(body.seasons or []),
        None if steps is None else _steps(body.release_steps or []),
    )
    return ContractOut.of(record)


@contracts.delete(
    "/contracts/{contract_id}", "End a contract: its unsold rooms go back to the pool (history stays)", status=200
)
def end_contract(caller: Caller, contract_id: int) -> ContractOut:
    return ContractOut.of(contract_service.end_contract(caller, contract_id))


@contracts.get(
    "/contract-properties",
    "The properties of your contracts, with their room types (names for agency accounts)",
    partner=True,
)
def list_contract_properties(caller: Caller) -> list[ContractPropertyOut]:
    return [
        ContractPropertyOut.model_validate({**vars(prop), "room_types": room_types})
        for prop, room_types in contract_service.contract_properties(caller)
    ]


@contracts.get("/contracts/{contract_id}/versions", "Every version of a contract, oldest first", partner=True)
def list_versions(caller: Caller, contract_id: int) -> list[ContractVersionOut]:
    return [
        ContractVersionOut(version=version, contract=snapshot)
        for version, snapshot in contract_service.contract_versions(caller, contract_id)
    ]


@contracts.get("/contracts/{contract_id}/events", "The contract's allotment events, in effective order", partner=True)
def list_events(caller: Caller, contract_id: int) -> list[AllotmentEventOut]:
    return [event_out(record) for record in allotment_service.list_events(caller, contract_id)]


@contracts.create(
    "/contracts/{contract_id}/events",
    "Append an allotment event (append-only); the calendar follows in the same transaction",
    error_statuses=(409, 422),
)
def post_event(caller: Caller, contract_id: int, body: AllotmentEventIn) -> AllotmentEventOut:
    return event_out(allotment_service.post_event(caller, _event(contract_id, body)))


@contracts.get(
    "/contracts/{contract_id}/allotments",
    "The contract's resolved allotments per room type and night",
    error_statuses=(422,),
    partner=True,
)
def contract_allotments(caller: Caller, contract_id: int, query: AllotmentCalendarQuery) -> AllotmentCalendarOut:
    return calendar_out(allotment_service.contract_calendar(caller, contract_id, query.date_from, query.date_to))


@contracts.get(
    "/properties/{property_id}/allotments",
    "Every contract's allotments of a property and the pool they leave, per room type and night",
    error_statuses=(422,),
)
def property_allotments(caller: Caller, property_id: int, query: AllotmentCalendarQuery) -> AllotmentCalendarOut:
    return calendar_out(allotment_service.property_calendar(caller, property_id, query.date_from, query.date_to))


# --- reports -------------------------------------------------------------------------------------


class PickUpOut(ViewModel, view=PickUpRow):
    released: int = Field(description="unsold rooms given back to the pool (release steps, RELEASE events)")
    remaining: int = Field(description="still withheld for the agency")
    pick_up_percent: Decimal = Field(description="picked up / contracted, in percent (one decimal)")


class PickUpTotalOut(ViewModel, view=PickUpTotal):
    contracts: int = Field(description="contracts with nights in the window")
    pick_up_percent: Decimal = Field(description="picked up / contracted over every contract, in percent")


class AgencyPickUpOut(ViewModel, view=AgencyPickUp):
    total: PickUpTotalOut
    rows: list[PickUpOut] = Field(description="per contract and room type, by contract")


class ReleasingNightOut(ViewModel, view=ReleasingNight):
    release_date: date = Field(description="the local date the contract's first release step applies")
    remaining: int = Field(description="rooms still withheld, which the pool gets back then unless sold")


class ReleasingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=7, ge=1, le=MAX_RELEASING_DAYS, description="from today (local), at most 30")


@contracts.get(
    "/contracts/{contract_id}/pick-up",
    "The contract's pick-up per room type: contracted, picked up, released unsold, remaining, pick-up %",
    error_statuses=(422,),
    partner=True,
)
def contract_pick_up(caller: Caller, contract_id: int, query: AllotmentCalendarQuery) -> list[PickUpOut]:
    rows = allotment_report_service.contract_pick_up(caller, contract_id, query.date_from, query.date_to)
    return [PickUpOut.of(row) for row in rows]


@contracts.get(
    "/agencies/{agency_id}/pick-up",
    "The agency's pick-up: every contract per room type, and the total over them all",
    error_statuses=(422,),
    partner=True,
)
def agency_pick_up(caller: Caller, agency_id: int, query: AllotmentCalendarQuery) -> AgencyPickUpOut:
    report = allotment_report_service.agency_pick_up(caller, agency_id, query.date_from, query.date_to)
    return AgencyPickUpOut.of(report)


@contracts.get(
    "/properties/{property_id}/allotments/releasing",
    "Contract nights of a property releasing in the next days (default 7) that still withhold rooms",
)
def property_releasing(caller: Caller, property_id: int, query: ReleasingQuery) -> list[ReleasingNightOut]:
    return [
        ReleasingNightOut.of(night)
        for night in allotment_report_service.property_releasing(caller, property_id, query.days)
    ]
