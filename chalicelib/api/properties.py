"""Properties and their room types: scoped CRUD, list with filters/search/sort, CSV export."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.api.pagination import Page, PageQuery, filters_from
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint, csv_download
from chalicelib.api.schemas import CountryCode, RecordCode, RecordName, Rooms, ShortText, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import SORTABLE_PROPERTY_FIELDS, PropertyFilters, PropertyRecord, RoomTypeRecord
from chalicelib.domain.permissions import Permission
from chalicelib.services import property_service, room_type_service

blueprint = ApiBlueprint(__name__, tag="properties")
properties = Resource(blueprint, read=Permission.PROPERTIES_READ, write=Permission.PROPERTIES_WRITE)

Status = Literal["active", "inactive", "archived"]
SortKey = Annotated[str, StringConstraints(pattern=r"^-?(" + "|".join(SORTABLE_PROPERTY_FIELDS) + r")$")]
Timezone = str  # validated against the IANA database by the service (422 naming body.timezone)
Currency = str  # validated against ISO 4217 by the service (422 naming body.currency)
Buffer = Field(default=None, ge=0, le=1000, description="rooms kept back from sale; null = inherit")


class PropertyOut(ViewModel, view=PropertyRecord):
    status: Status


class PropertyQuery(PageQuery):
    country_code: CountryCode | None = None
    status: Status | None = Field(default=None, description="default: every status but archived")
    city: str | None = Field(default=None, max_length=120, description="exact city, any case")
    search: str | None = Field(default=None, max_length=100, description="part of the name or code")
    sort: SortKey = Field(default="name", description="a field name; prefix with - for descending")

    def filters(self) -> PropertyFilters:
        return filters_from(self, PropertyFilters)


class PropertyExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country_code: CountryCode | None = None
    status: Status | None = None
    city: str | None = Field(default=None, max_length=120)
    search: str | None = Field(default=None, max_length=100)
    sort: SortKey = "name"

    def filters(self) -> PropertyFilters:
        return filters_from(self, PropertyFilters)


_PROPERTY_EXAMPLE: dict[str, Any] = {
    "code": "HAN-LAKE",
    "name": "Hoan Kiem Lakeside Hotel",
    "country_code": "VN",
    "timezone": "Asia/Ho_Chi_Minh",
    "currency": "VND",
    "address": "12 Dinh Tien Hoang",
    "city": "Hanoi",
}


class PropertyCreate(BaseModel):
    model_config = request_body_config(_PROPERTY_EXAMPLE)

    code: RecordCode
    name: RecordName
    country_code: CountryCode
    timezone: Timezone = Field(max_length=64, description="IANA timezone, e.g. Asia/Jakarta")
    currency: Currency = Field(max_length=3, description="ISO 4217 code, e.g. IDR")
    address: ShortText = ""
    city: ShortText = ""
    region: ShortText = ""
    postal_code: str = Field(default="", max_length=20)
    status: Literal["active", "inactive"] = "active"
    buffer_rooms: int | None = Buffer


class PropertyUpdate(PatchBody):
    model_config = request_body_config({"name": "Renamed Hotel"})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"buffer_rooms"})

    code: RecordCode | None = None
    name: RecordName | None = None
    country_code: CountryCode | None = None
    timezone: Timezone | None = Field(default=None, max_length=64)
    currency: Currency | None = Field(default=None, max_length=3)
    address: ShortText | None = None
    city: ShortText | None = None
    region: ShortText | None = None
    postal_code: str | None = Field(default=None, max_length=20)
    status: Status | None = Field(default=None, description="archived = soft-deleted; active restores")
    buffer_rooms: int | None = Buffer


@properties.get("/properties", "List properties in your country scope")
def list_properties(caller: Caller, query: PropertyQuery) -> Page[PropertyOut]:
    records, total = property_service.list_properties(
        caller, query.filters(), offset=query.offset, limit=query.page_size
    )
    return Page.of([PropertyOut.of(record) for record in records], total, query)


@properties.get(
    "/properties/export.csv", "Export properties as CSV (same filters as the list)", response_content_type="text/csv"
)
def export_properties(caller: Caller, query: PropertyExportQuery) -> Response:
    body = property_service.export_properties_csv(caller, query.filters())
    return csv_download(body, "properties.csv")


property_record = properties.record("/properties/{property_id}", PropertyOut)
property_record.create(
    property_service.create_property,
    PropertyCreate,
    "Create a property",
    build=property_service.NewProperty,
    error_statuses=(409, 422),
)
property_record.get(property_service.get_property, "One property")
property_record.update(
    property_service.update_property,
    PropertyUpdate,
    "Edit a property (status archived/active archives or restores it)",
    error_statuses=(409, 422),
)
property_record.delete(
    property_service.archive_property,
    "Archive a property (soft delete: nothing is removed; PATCH status=active restores it)",
    verb="archive",
)


# --- room types ----------------------------------------------------------------------------------


class RoomTypeOut(ViewModel, view=RoomTypeRecord):
    pass


class RoomTypeCreate(BaseModel):
    model_config = request_body_config(
        {"code": "DLX", "name": "Deluxe King", "total_rooms": 12, "max_occupancy": 2, "base_rate": "1800000"}
    )

    code: RecordCode
    name: RecordName
    total_rooms: Rooms
    max_occupancy: int = Field(default=2, ge=1, le=50)
    base_rate: Decimal = Field(default=Decimal(0), description="in the property's currency, at most its decimals")
    buffer_rooms: int | None = Buffer


class RoomTypeUpdate(PatchBody):
    model_config = request_body_config({"name": "Deluxe King (renovated)"})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"buffer_rooms"})

    code: RecordCode | None = None
    name: RecordName | None = None
    total_rooms: Rooms | None = Field(
        default=None, description="re-derives every night from today; 409 naming nights already sold beyond it"
    )
    max_occupancy: int | None = Field(default=None, ge=1, le=50)
    base_rate: Decimal | None = None
    buffer_rooms: int | None = Buffer
    is_active: bool | None = None


room_types = properties.collection("/properties/{property_id}/room-types", RoomTypeOut, noun="room_type")
room_types.list(room_type_service.list_room_types, "The room types of a property")
room_types.create(
    room_type_service.create_room_type,
    RoomTypeCreate,
    "Create a room type (and its 24 months of calendar)",
    build=room_type_service.NewRoomType,
    error_statuses=(409, 422),
)


room_type = properties.record("/room-types/{room_type_id}", RoomTypeOut)
room_type.get(room_type_service.get_room_type, "One room type")
room_type.update(
    room_type_service.update_room_type,
    RoomTypeUpdate,
    "Edit a room type (a new total re-derives every future night)",
    error_statuses=(409, 422),
)
room_type.delete(
    room_type_service.delete_room_type,
    "Delete a room type with its calendar (409 while rooms are sold, held or blocked)",
    error_statuses=(409,),
)
