"""The catalog as services see it: properties, room types, rate plans, seasonal rules, suppliers and
their allocations, as frozen views, with the filters and new-record values services accept.

Repositories (``chalicelib.db.repositories.properties`` and ``.suppliers``) build these views from
the ORM rows; services return them to the API. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.errors import Conflict
from chalicelib.domain.nights import ALL_WEEKDAYS, Weekday

SORTABLE_PROPERTY_FIELDS = ("code", "name", "city", "country_code", "status", "created_at", "updated_at")


# --- properties ----------------------------------------------------------------------------------


class PropertyStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # temporarily not selling, still listed and kept up to date
    ARCHIVED = "archived"  # the soft delete: hidden from lists unless asked for, no writes but restore


@dataclass(frozen=True)
class PropertyRecord:
    id: int
    code: str
    name: str
    country_code: str
    timezone: str
    currency: str
    address: str
    city: str
    region: str
    postal_code: str
    status: str
    buffer_rooms: int | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewProperty:
    code: str
    name: str
    country_code: str
    timezone: str
    currency: str
    address: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    status: str = "active"
    buffer_rooms: int | None = None


@dataclass(frozen=True)
class PropertyFilters:
    country_code: str | None = None
    status: str | None = None  # None: every status but archived
    city: str | None = None
    search: str | None = None  # part of the name or code
    sort: str = "name"  # a SORTABLE_PROPERTY_FIELDS name, "-" in front for descending


class HasStatus(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def status(self) -> str: ...


def require_not_archived(prop: HasStatus) -> None:
    """Refuse (409) a change under an archived property: restore it first."""
    if prop.status == PropertyStatus.ARCHIVED:
        raise Conflict(
            f"Property {prop.code} is archived; restore it (PATCH status) first.",
            details=[{"field": "property_id", "message": "archived"}],
        )


# --- room types ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomTypeRecord:
    id: int
    property_id: int
    code: str
    name: str
    total_rooms: int
    max_occupancy: int
    base_rate: Decimal
    buffer_rooms: int | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewRoomType:
    code: str
    name: str
    total_rooms: int
    max_occupancy: int = 2
    base_rate: Decimal = Decimal(0)
    buffer_rooms: int | None = None


# --- rate plans and seasonal rules ---------------------------------------------------------------


@dataclass(frozen=True)
class RatePlanRecord:
    id: int
    room_type_id: int
    property_id: int
    code: str
    name: str
    currency: str
    base_rate: Decimal | None
    parent_id: int | None
    derivation_kind: str | None
    derivation_value: Decimal | None
    channel: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewRatePlan:
    code: str
    name: str
    base_rate: Decimal | None = None
    parent_id: int | None = None
    derivation_kind: str | None = None
    derivation_value: Decimal | None = None
    channel: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class RuleRecord:
    id: int
    rate_plan_id: int
    name: str
    date_from: date
    date_to: date
    weekdays: list[str]
    rate: Decimal | None
    adjustment_kind: str | None
    adjustment_value: Decimal | None
    priority: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewRule:
    date_from: date
    date_to: date
    weekdays: frozenset[Weekday] = ALL_WEEKDAYS
    rate: Decimal | None = None
    adjustment_kind: str | None = None
    adjustment_value: Decimal | None = None
    priority: int = 0
    name: str = ""


# --- suppliers and allocations -------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierRecord:
    id: int
    country_code: str
    name: str
    contact_name: str
    email: str
    phone: str
    address: str
    bank_name: str
    bank_account_holder: str
    bank_swift: str
    bank_account_masked: str | None
    notes: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SupplierFilters:
    country_code: str | None = None
    search: str | None = None  # part of the name, contact name or email
    is_active: bool | None = None


@dataclass(frozen=True)
class SealedAccount:
    """A bank account number sealed at rest: ciphertext, the kid of the key, and the last 4 digits."""

    sealed: bytes
    key_id: str
    last4: str


@dataclass(frozen=True)
class AllocationRecord:
    id: int
    supplier_id: int
    room_type_id: int
    property_id: int
    date_from: date
    date_to: date
    rooms: int
    notes: str
    created_at: datetime
    updated_at: datetime
