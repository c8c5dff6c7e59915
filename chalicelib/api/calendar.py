"""The calendar grid of a property, and bulk updates with their preview."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import request_body_config
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission
from chalicelib.services import calendar_service
from chalicelib.services.calendar_service import BulkUpdateInput, CalendarGrid, GridRoomType

blueprint = ApiBlueprint(__name__, tag="calendar")
# Preview and apply need only INVENTORY_READ here: the service checks INVENTORY_WRITE / RATES_WRITE
# for what they change.
calendar = Resource(blueprint, read=Permission.INVENTORY_READ, write=Permission.INVENTORY_READ)


class CalendarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_from: date | None = Field(default=None, description="first night (inclusive); default today")
    date_to: date | None = Field(
        default=None,
        description=f"last night (inclusive), at most {calendar_service.MAX_GRID_NIGHTS} nights; default 30 nights",
    )
    room_type_id: int | None = Field(default=None, ge=1, description="only this room type")


class NightOut(BaseModel):
    night: date
    total: int
    sold: int
    held: int
    blocked: int
    buffer: int
    manual_buffer: bool = Field(description="availability fixed by hand (the buffer setting leaves it alone)")
    available: int = Field(description="total - sold - held - blocked - buffer (the buffer only withholds free rooms)")
    stop_sell: bool
    closed_to_arrival: bool
    closed_to_departure: bool
    min_los: int
    min_stay_through: int
    max_los: int | None
    version: int
    rates: dict[str, Decimal] = Field(description="rate plan id → the night's rate")
    channels_behind: list[str] = Field(
        description="OTA codes of the room type's channels that lack this night's latest availability, "
        "restrictions or a mapped plan's rate (not yet acknowledged); empty = every channel has it"
    )


class GridRatePlanOut(BaseModel):
    id: int
    code: str
    name: str
    parent_id: int | None
    channel: str | None


class GridRoomTypeOut(BaseModel):
    id: int
    code: str
    name: str
    total_rooms: int
    is_active: bool
    channels: list[str] = Field(description="OTA codes of the live connections that map this room type")
    rate_plans: list[GridRatePlanOut]
    nights: list[NightOut]


class CalendarOut(BaseModel):
    property_id: int
    currency: str
    today: date = Field(description="today in the property's timezone")
    date_from: date
    date_to: date
    room_types: list[GridRoomTypeOut]


def grid_body(grid: CalendarGrid) -> dict[str, Any]:
    """The grid as JSON-ready dicts (built directly: a year of ten room types is ~3,700 cells)."""
    return {
        "property_id": grid.prop.id,
        "currency": grid.prop.currency,
        "today": grid.today.isoformat(),
        "date_from": grid.nights.first_night.isoformat(),
        "date_to": grid.nights.last_night.isoformat(),
        "room_types": [_room_type_body(entry) for entry in grid.room_types],
    }


def _room_type_body(entry: GridRoomType) -> dict[str, Any]:
    plan_ids = [plan.id for plan in entry.rate_plans]
    rates = entry.rates
    nights = [
        {
            "night": cell.night.isoformat(),
            "total": cell.total,
            "sold": cell.sold,
            "held": cell.held,
            "blocked": cell.blocked,
            "buffer": cell.buffer,
            "manual_buffer": cell.manual_buffer,
            "available": cell.available,
            "stop_sell": cell.stop_sell,
            "closed_to_arrival": cell.closed_to_arrival,
            "closed_to_departure": cell.closed_to_departure,
            "min_los": cell.min_los,
            "min_stay_through": cell.min_stay_through,
            "max_los": cell.max_los,
            "version": cell.version,
            "rates": {
                str(plan_id): str(rates[(plan_id, cell.night)])
                for plan_id in plan_ids
                if (plan_id, cell.night) in rates
            },
            "channels_behind": entry.behind.get(cell.night, []),
        }
        for cell in entry.cells
    ]
    return {
        "id": entry.room_type.id,
        "code": entry.room_type.code,
        "name": entry.room_type.name,
        "total_rooms": entry.room_type.total_rooms,
        "is_active": entry.room_type.is_active,
        "channels": entry.channels,
        "rate_plans": [
            {"id": plan.id, "code": plan.code, "name": plan.name, "parent_id": plan.parent_id, "channel": plan.channel}
            for plan in entry.rate_plans
        ],
        "nights": nights,
    }


@calendar.get(
    "/properties/{property_id}/calendar",
    "The calendar grid: room types x nights, every field, availability and rates",
    response=CalendarOut,
    error_statuses=(422,),
)
def read_calendar(caller: Caller, property_id: int, query: CalendarQuery) -> dict[str, Any]:
    grid = calendar_service.read_grid(caller, property_id, query.date_from, query.date_to, query.room_type_id)
    return grid_body(grid)


class BulkUpdateBody(BaseModel):
    """Which nights and room types, and the fields to set; a field left out is left alone."""

    model_config = request_body_config(
        {
            "date_from": "2030-01-05",
            "date_to": "2030-01-31",
            "weekdays": ["fri", "sat"],
            "room_type_ids": [1],
            "stop_sell": False,
            "min_los": 2,
        }
    )

    date_from: date = Field(description="first night (inclusive)")
    date_to: date = Field(description="last night (inclusive)")
    weekdays: list[str] | None = Field(
        default=None, max_length=7, description="only these weekdays (mon ... sun); default every day"
    )
    room_type_ids: list[int] = Field(default_factory=list, max_length=200)
    availability: int | None = Field(
        default=None, ge=0, le=100_000, description="rooms to offer (override); null = follow the buffer setting again"
    )
    stop_sell: bool | None = None
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None
    min_los: int | None = Field(default=None, ge=1, le=365)
    min_stay_through: int | None = Field(default=None, ge=1, le=365)
    max_los: int | None = Field(default=None, ge=1, le=365, description="null = no maximum")
    rates: dict[int, Decimal | None] | None = Field(
        default=None, description="base rate plan id → nightly rate; null removes the manual rate"
    )

    def to_input(self) -> BulkUpdateInput:
        nullable = {"availability", "max_los"}
        fields = {
            name: getattr(self, name)
            for name in calendar_service.BULK_FIELDS
            if name in self.model_fields_set and (getattr(self, name) is not None or name in nullable)
        }
        return BulkUpdateInput(
            date_from=self.date_from,
            date_to=self.date_to,
            weekdays=self.weekdays,
            room_type_ids=self.room_type_ids,
            fields=fields,
            rates=self.rates or {},
        )


class BulkUpdateOut(BaseModel):
    applied: bool
    inventory_cells: int = Field(description="room-type nights that change")
    rate_cells: int = Field(description="rate-plan nights that change")
    ari_changes: int = Field(description="ARI change records (written when applied)")
    changes: list[dict[str, Any]] = Field(description="every changed cell with the before/after of each field")


@calendar.post(
    "/properties/{property_id}/calendar/preview",
    "Preview a bulk update: exactly what applying it would change",
    error_statuses=(409, 422),
)
def preview_bulk_update(caller: Caller, property_id: int, body: BulkUpdateBody) -> BulkUpdateOut:
    """Needs INVENTORY_WRITE for availability/restrictions and RATES_WRITE for rates, as applying does."""
    result = calendar_service.preview_bulk_update(caller, property_id, body.to_input())
    return BulkUpdateOut(**result.__dict__)


@calendar.post(
    "/properties/{property_id}/calendar/bulk-update",
    "Apply a bulk update (all or nothing; re-applying changes nothing)",
    error_statuses=(409, 422),
)
def apply_bulk_update(caller: Caller, property_id: int, body: BulkUpdateBody) -> BulkUpdateOut:
    """Needs INVENTORY_WRITE for availability/restrictions and RATES_WRITE for rates."""
    result = calendar_service.apply_bulk_update(caller, property_id, body.to_input())
    return BulkUpdateOut(**result.__dict__)
