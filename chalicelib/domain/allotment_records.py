"""Frozen views of agencies, contracts and allotment events, and the rules their input must follow.

Repositories return these (never ORM rows); services validate input with the functions here,
which raise :class:`InvalidInput` naming the attribute (``seasons.0.date_to``,
``release_steps.1.days_before``, ``rooms``) so the API can say where the client sent it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.allotments import (
    ROOM_EVENTS,
    AgencyStatus,
    AllotmentEvent,
    AllotmentEventKind,
    ContractMode,
    ContractStatus,
    ContractTerms,
    ReleaseStep,
    Season,
)
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import check_amount
from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday

AGENCY_FIELDS = (
    "code",
    "name",
    "country_code",
    "contact_name",
    "email",
    "phone",
    "address",
    "status",
    "credit_limit",
    "credit_currency",
    "payment_terms_days",
    "notes",
)
MAX_RELEASE_DAYS = 365

CONTRACT_FIELDS = ("agency_id", "property_id", "name", "mode", "status", "currency", "notes")


@dataclass(frozen=True)
class AgencyRecord:
    id: int
    code: str
    name: str
    country_code: str
    contact_name: str
    email: str
    phone: str
    address: str
    status: AgencyStatus
    credit_limit: Decimal | None
    credit_currency: str | None
    payment_terms_days: int
    notes: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AgencyFilters:
    country_code: str | None = None
    status: AgencyStatus | None = None
    search: str | None = None  # part of the code, name, contact or email


@dataclass(frozen=True)
class SeasonSpec:
    """A season as entered: first and last night (inclusive), weekdays, rooms per night, rate per night."""

    room_type_id: int
    date_from: date
    date_to: date
    rooms: int
    rate: Decimal
    weekdays: frozenset[Weekday] = ALL_WEEKDAYS
    min_stay: int = 1

    def season(self) -> Season:
        return Season(
            self.room_type_id,
            NightRange.through(self.date_from, self.date_to),
            self.rooms,
            self.rate,
            self.weekdays,
            self.min_stay,
        )

    def snapshot(self) -> dict[str, Any]:
        return {
            "room_type_id": self.room_type_id,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "weekdays": [day.name.lower() for day in sorted(self.weekdays)],
            "rooms": self.rooms,
            "rate": str(self.rate),
            "min_stay": self.min_stay,
        }


@dataclass(frozen=True)
class ContractRecord:
    id: int
    agency_id: int
    property_id: int
    country_code: str
    name: str
    mode: ContractMode
    status: ContractStatus
    version: int
    currency: str
    notes: str
    conditions: str
    seasons: tuple[SeasonSpec, ...]
    release_steps: tuple[ReleaseStep, ...]
    created_at: datetime
    updated_at: datetime

    def terms(self) -> ContractTerms:
        return ContractTerms(
            self.id,
            self.mode,
            self.status,
            tuple(spec.season() for spec in self.seasons),
            self.release_steps,
        )

    def snapshot(self) -> dict[str, Any]:
        """The whole contract as JSON (stored per version, and the audit's before/after)."""
        return {
            **{name: str(getattr(self, name)) for name in ("mode", "status", "currency")},
            "agency_id": self.agency_id,
            "property_id": self.property_id,
            "name": self.name,
            "notes": self.notes,
            "conditions": self.conditions,
            "version": self.version,
            "seasons": [spec.snapshot() for spec in self.seasons],
            "release_steps": [{"days_before": s.days_before, "rooms_kept": s.rooms_kept} for s in self.release_steps],
        }


@dataclass(frozen=True)
class ContractFilters:
    agency_id: int | None = None
    property_id: int | None = None
    status: ContractStatus | None = None
    q: str | None = None  # full-text search over the name, the conditions and the notes


@dataclass(frozen=True)
class EventRecord:
    id: int
    contract_id: int
    event: AllotmentEvent
    created_by_user_id: int | None
    created_at: datetime


# --- validation ------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", details=[{"field": field, "message": message}])


def validate_seasons(
    seasons: Sequence[SeasonSpec], currency: str, room_type_ids: frozenset[int]
) -> tuple[SeasonSpec, ...]:
    """Seasons in order, of the property's room types, with rates the currency allows."""
    checked = []
    for index, spec in enumerate(seasons):
        field = f"seasons.{index}"
        if spec.room_type_id not in room_type_ids:
            raise _invalid(f"{field}.room_type_id", "not a room type of the contract's property")
        NightRange.through(spec.date_from, spec.date_to, start_field=f"{field}.date_from", end_field=f"{field}.date_to")
        if not spec.weekdays:
            raise _invalid(f"{field}.weekdays", "choose at least one weekday")
        rate = check_amount(spec.rate, currency, field=f"{field}.rate")
        checked.append(
            SeasonSpec(spec.room_type_id, spec.date_from, spec.date_to, spec.rooms, rate, spec.weekdays, spec.min_stay)
        )
    return tuple(checked)


def validate_release_steps(steps: Sequence[ReleaseStep]) -> tuple[ReleaseStep, ...]:
    """0 to 365 days, at most one step per number of days; sorted, furthest first."""
    seen: set[int] = set()
    for index, step in enumerate(steps):
        if not 0 <= step.days_before <= MAX_RELEASE_DAYS:
            raise _invalid(f"release_steps.{index}.days_before", f"between 0 and {MAX_RELEASE_DAYS} days")
        if step.days_before in seen:
            raise _invalid(f"release_steps.{index}.days_before", f"two steps at {step.days_before} days")
        seen.add(step.days_before)
    return tuple(sorted(steps, key=lambda step: -step.days_before))


def validate_event(event: AllotmentEvent, contract: ContractRecord, room_type_ids: frozenset[int]) -> AllotmentEvent:
    """An event must say what it needs: rooms for room changes, a rate for a rate change, nights for a block."""
    if event.kind in ROOM_EVENTS and event.rooms is None:
        raise _invalid("rooms", f"{event.kind} needs rooms")
    if event.kind is AllotmentEventKind.BLOCK_CONTRACT and event.nights is None:
        raise _invalid("date_from", "BLOCK_CONTRACT needs date_from and date_to")
    if event.kind is AllotmentEventKind.RATE_CHANGE and event.rate is None:
        raise _invalid("rate", "RATE_CHANGE needs a rate")
    if event.room_type_id is not None and event.room_type_id not in room_type_ids:
        raise _invalid("room_type_id", "not a room type of the contract's property")
    if event.rate is not None:
        check_amount(event.rate, contract.currency, field="rate")
    return event


def event_payload(event: AllotmentEvent) -> dict[str, Any]:
    """What an event stores besides its kind, time and sequence."""
    return {
        "room_type_id": event.room_type_id,
        "date_from": event.nights.first_night.isoformat() if event.nights else None,
        "date_to": event.nights.last_night.isoformat() if event.nights else None,
        "weekdays": [day.name.lower() for day in sorted(event.weekdays)],
        "rooms": event.rooms,
        "rate": None if event.rate is None else str(event.rate),
    }


def event_from_payload(
    contract_id: int, kind: AllotmentEventKind, effective_at: datetime, sequence: int, payload: dict[str, Any]
) -> AllotmentEvent:
    nights = None
    if payload.get("date_from") and payload.get("date_to"):
        nights = NightRange.through(date.fromisoformat(payload["date_from"]), date.fromisoformat(payload["date_to"]))
    weekdays = frozenset(Weekday[name.upper()] for name in payload.get("weekdays") or []) or ALL_WEEKDAYS
    rate = payload.get("rate")
    return AllotmentEvent(
        contract_id,
        kind,
        effective_at,
        sequence,
        room_type_id=payload.get("room_type_id"),
        nights=nights,
        weekdays=weekdays,
        rooms=payload.get("rooms"),
        rate=None if rate is None else Decimal(rate),
    )
