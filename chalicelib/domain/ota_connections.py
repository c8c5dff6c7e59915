"""Frozen views of OTA connections and their mappings, as services and repositories pass them.

A connection is shown with its property and account; a mapping with our room type / rate plan.
The references (:class:`PropertyRef`, :class:`AccountRef`, :class:`RoomTypeRef`,
:class:`RatePlanRef`) carry what the connection and mapping rules look at, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PropertyRef:
    id: int
    code: str
    name: str
    country_code: str
    status: str


@dataclass(frozen=True)
class AccountRef:
    id: int
    ota_code: str
    name: str
    country_code: str
    status: str


@dataclass(frozen=True)
class RoomTypeRef:
    id: int
    property_id: int
    code: str
    name: str


@dataclass(frozen=True)
class RatePlanRef:
    id: int
    room_type_id: int
    property_id: int
    code: str
    name: str


@dataclass(frozen=True)
class ConnectionFilters:
    property_id: int | None = None
    ota_account_id: int | None = None
    ota_code: str | None = None
    health: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True)
class ConnectionRecord:
    id: int
    property_id: int
    property_code: str
    property_name: str
    country_code: str
    ota_account_id: int
    ota: str
    ota_name: str
    account_name: str
    ota_hotel_id: str
    is_active: bool
    poll_interval_seconds: int | None
    last_poll_at: datetime | None
    next_poll_at: datetime | None
    last_success_at: datetime | None
    health: str
    consecutive_failures: int
    last_error: str | None
    last_error_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewConnectionRow:
    """A connection to insert (already validated)."""

    property_id: int
    ota_account_id: int
    ota_hotel_id: str
    is_active: bool
    poll_interval_seconds: int | None
    next_poll_at: datetime | None


@dataclass(frozen=True)
class ConnectionSettings:
    """The fields of a connection staff change (``update_connection``)."""

    ota_hotel_id: str
    is_active: bool
    poll_interval_seconds: int | None
    next_poll_at: datetime | None


@dataclass(frozen=True)
class RoomTypeMappingRecord:
    id: int
    connection_id: int
    room_type_id: int
    room_type_code: str
    room_type_name: str
    ota_room_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RatePlanMappingRecord:
    id: int
    connection_id: int
    room_type_id: int
    rate_plan_id: int
    rate_plan_code: str
    rate_plan_name: str
    ota_room_id: str
    ota_rate_plan_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ProposalDraft:
    """A proposal to store: new (``id`` None) or an existing one with refreshed values."""

    id: int | None
    kind: str
    ota_room_id: str
    ota_room_name: str
    ota_rate_plan_id: str | None
    ota_rate_plan_name: str | None
    room_type_id: int | None
    rate_plan_id: int | None
    match_reason: str | None
    status: str


@dataclass(frozen=True)
class ProposalRecord(ProposalDraft):
    """A stored proposal: the draft's values with its id, its connection and its decision."""

    id: int
    connection_id: int
    decided_at: datetime | None
    decided_by_user_id: int | None
    created_at: datetime
    updated_at: datetime
