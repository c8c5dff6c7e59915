"""Properties (hotels): scoped CRUD, list with filters/search/sort/pagination, CSV export.

Status: ``active`` (selling), ``inactive`` (temporarily not selling; calendars still kept up to
date), ``archived`` — the soft delete: ``DELETE /properties/{id}`` archives (its rows, calendar
and history stay; lists hide it unless ``status=archived`` is asked for; the housekeeping stops
extending its calendar; calendar writes are refused). ``PATCH`` with ``status`` restores it.
Every change writes an audit row with before/after in the same transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.locks import lock_room_types
from chalicelib.db.models import Country, Property
from chalicelib.db.repositories import properties as property_repository
from chalicelib.db.repositories import settings as settings_repository
from chalicelib.db.repositories.properties import PropertyFilters
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.money import validate_currency
from chalicelib.domain.timezones import validate_timezone
from chalicelib.services import calendar_upkeep
from chalicelib.services.audit_service import audit_snapshot, record_audit

PROPERTY_AUDIT_FIELDS = (
    "code",
    "name",
    "country_code",
    "timezone",
    "currency",
    "address",
    "city",
    "region",
    "postal_code",
    "status",
    "buffer_rooms",
)
EXPORT_LIMIT = 10_000
EXPORT_COLUMNS = ("id", *PROPERTY_AUDIT_FIELDS, "created_at", "updated_at")


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


def property_record(prop: Property) -> PropertyRecord:
    return PropertyRecord(
        id=prop.id,
        code=prop.code,
        name=prop.name,
        country_code=prop.country_code,
        timezone=prop.timezone,
        currency=prop.currency,
        address=prop.address,
        city=prop.city,
        region=prop.region,
        postal_code=prop.postal_code,
        status=prop.status,
        buffer_rooms=prop.buffer_rooms,
        archived_at=prop.archived_at,
        created_at=prop.created_at,
        updated_at=prop.updated_at,
    )


def scoped_property(session: Session, caller: Caller, property_id: int, *, for_update: bool = False) -> Property:
    """The property if the caller's scope includes it; NotFound otherwise."""
    prop = property_repository.scoped_property(session, property_id, caller.scope, for_update=for_update)
    if prop is None:
        raise NotFound("No such property.")
    return prop


def require_not_archived(prop: Property) -> None:
    if prop.status == "archived":
        raise Conflict(
            f"Property {prop.code} is archived; restore it (PATCH status) first.",
            details=[{"field": "property_id", "message": "archived"}],
        )


def list_properties(
    caller: Caller, filters: PropertyFilters, *, offset: int, limit: int
) -> tuple[list[PropertyRecord], int]:
    """One page of the properties in the caller's scope matching ``filters``."""
    with unit_of_work() as uow:
        rows, total = property_repository.list_properties(
            uow.session, caller.scope, filters, offset=offset, limit=limit
        )
        return [property_record(row) for row in rows], total


def export_properties_csv(caller: Caller, filters: PropertyFilters) -> str:
    """The properties matching ``filters`` as CSV (at most 10,000 rows; same scope as the list)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    with unit_of_work() as uow:
        for prop in property_repository.iter_properties(uow.session, caller.scope, filters, EXPORT_LIMIT):
            writer.writerow([_csv_cell(getattr(prop, name)) for name in EXPORT_COLUMNS])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def get_property(caller: Caller, property_id: int) -> PropertyRecord:
    with unit_of_work() as uow:
        return property_record(scoped_property(uow.session, caller, property_id))


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


def _check_country(session: Session, caller: Caller, code: str) -> str:
    field = "body.country_code"
    country = session.get(Country, code.upper())
    if country is None or not country.is_active:
        raise InvalidInput(f"Unknown country {code!r}.", details=[{"field": field, "message": "unknown country"}])
    if not caller.scope.includes(country.code):
        raise InvalidInput(
            "That country is outside your country scope.", details=[{"field": field, "message": "outside your scope"}]
        )
    return country.code


def _check_code_free(session: Session, code: str, except_id: int | None = None) -> None:
    if property_repository.property_code_taken(session, code, except_id=except_id):
        raise Conflict(
            f"A property with code {code!r} already exists.",
            details=[{"field": "body.code", "message": "already used"}],
        )


def create_property(caller: Caller, new: NewProperty) -> PropertyRecord:
    """Create a property in a country of the caller's scope (timezone and currency validated)."""
    validate_timezone(new.timezone, field="body.timezone")
    validate_currency(new.currency, field="body.currency")
    with unit_of_work() as uow:
        session = uow.session
        country = _check_country(session, caller, new.country_code)
        _check_code_free(session, new.code)
        prop = Property(
            code=new.code,
            name=new.name,
            country_code=country,
            timezone=new.timezone,
            currency=new.currency,
            address=new.address,
            city=new.city,
            region=new.region,
            postal_code=new.postal_code,
            status=new.status,
            buffer_rooms=new.buffer_rooms,
            archived_at=calendar_upkeep.utc_now() if new.status == "archived" else None,
        )
        session.add(prop)
        session.flush()
        session.refresh(prop)
        record_audit(
            session,
            caller,
            "property.created",
            "property",
            prop.id,
            None,
            audit_snapshot(prop, PROPERTY_AUDIT_FIELDS),
            country_code=prop.country_code,
        )
        return property_record(prop)


def update_property(
    caller: Caller, property_id: int, changes: dict[str, Any], *, now: datetime | None = None
) -> PropertyRecord:
    """Edit a property. A new buffer or timezone re-syncs its calendars; the currency cannot change
    once rate plans exist (their amounts are in it); archiving and restoring go through ``status``."""
    with unit_of_work() as uow:
        session = uow.session
        prop = scoped_property(session, caller, property_id, for_update=True)
        before = audit_snapshot(prop, PROPERTY_AUDIT_FIELDS)
        if "timezone" in changes:
            validate_timezone(changes["timezone"], field="body.timezone")
        if "currency" in changes:
            validate_currency(changes["currency"], field="body.currency")
            if changes["currency"] != prop.currency and property_repository.count_rate_plans_of_property(
                session, prop.id
            ):
                raise Conflict(
                    "The currency cannot change while the property has rate plans priced in it.",
                    details=[{"field": "body.currency", "message": "rate plans exist in " + prop.currency}],
                )
        if "country_code" in changes:
            changes["country_code"] = _check_country(session, caller, changes["country_code"])
        if "code" in changes:
            _check_code_free(session, changes["code"], except_id=prop.id)
        if "status" in changes and changes["status"] != prop.status:
            prop.archived_at = calendar_upkeep.utc_now() if changes["status"] == "archived" else None
        for name, value in changes.items():
            setattr(prop, name, value)
        session.flush()
        session.refresh(prop)
        after = audit_snapshot(prop, PROPERTY_AUDIT_FIELDS)
        if after != before:
            record_audit(
                session, caller, "property.updated", "property", prop.id, before, after, country_code=prop.country_code
            )
        if prop.status != "archived" and any(
            before[key] != after[key] for key in ("buffer_rooms", "timezone", "status")
        ):
            _resync(session, prop, now)
        return property_record(prop)


def _resync(session: Session, prop: Property, now: datetime | None) -> None:
    room_types = property_repository.room_types_of(session, prop.id, active_only=True)
    lock_room_types(session, [room_type.id for room_type in room_types])
    settings = settings_repository.load_app_settings(session)
    today = calendar_upkeep.property_today(prop, now)
    changes = calendar_upkeep.CalendarChanges()
    for room_type in room_types:
        buffer = calendar_upkeep.room_type_buffer(settings, prop, room_type)
        changes.add(calendar_upkeep.sync_room_type(session, prop, room_type, today=today, buffer=buffer))
    calendar_upkeep.persist(session, prop.id, changes)


def archive_property(caller: Caller, property_id: int) -> None:
    """The soft delete: status ``archived`` (idempotent); nothing is removed."""
    with unit_of_work() as uow:
        session = uow.session
        prop = scoped_property(session, caller, property_id, for_update=True)
        if prop.status == "archived":
            return
        before = audit_snapshot(prop, PROPERTY_AUDIT_FIELDS)
        prop.status = "archived"
        prop.archived_at = calendar_upkeep.utc_now()
        record_audit(
            session,
            caller,
            "property.archived",
            "property",
            prop.id,
            before,
            {**before, "status": "archived"},
            country_code=prop.country_code,
        )
