"""Properties (hotels): scoped CRUD, list with filters/search/sort/pagination, CSV export.

Status: ``active`` (selling), ``inactive`` (temporarily not selling; calendars still kept up to
date), ``archived`` — the soft delete: ``DELETE /properties/{id}`` archives (its rows, calendar
and history stay; lists hide it unless ``status=archived`` is asked for; the housekeeping stops
extending its calendar; calendar writes are refused). ``PATCH`` with ``status`` restores it.
Every change writes an audit row with before/after in the same transaction.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, date, datetime
from typing import Any, Protocol

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.catalog import (
    SORTABLE_PROPERTY_FIELDS,
    NewProperty,
    PropertyFilters,
    PropertyRecord,
    PropertyStatus,
    require_not_archived,
)
from chalicelib.domain.errors import Conflict, InvalidInput, existing
from chalicelib.domain.money import validate_currency
from chalicelib.domain.timezones import today_in_timezone, validate_timezone
from chalicelib.services.audit_service import AuditedKind, audit_entry
from chalicelib.services.catalog_lookup import scoped_property
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.scoped_reads import page_reader, record_reader

__all__ = [
    "SORTABLE_PROPERTY_FIELDS",
    "NewProperty",
    "PropertyFilters",
    "PropertyRecord",
    "archive_property",
    "create_property",
    "export_properties_csv",
    "get_property",
    "list_properties",
    "require_not_archived",
    "scoped_property",  # on a bare session, for the services not yet on the unit of work
    "update_property",
]

PROPERTY_AUDIT = AuditedKind(
    "property",
    (
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
    ),
)
EXPORT_LIMIT = 10_000
EXPORT_COLUMNS = ("id", *PROPERTY_AUDIT.fields, "created_at", "updated_at")


def utc_now() -> datetime:
    return datetime.now(UTC)


def property_today(prop: PropertyRecord, now: datetime | None = None) -> date:
    """Today in the property's timezone: the first night that can be sold or edited."""
    return today_in_timezone(now or utc_now(), prop.timezone)


def find_property(work: UnitOfWork, caller: Caller, property_id: int, *, for_update: bool = False) -> PropertyRecord:
    """The property if the caller's scope includes it; NotFound otherwise."""
    return existing(work.properties.get(caller.scope, property_id, for_update=for_update), "No such property.")


class OwnedByProperty(Protocol):
    @property
    def property_id(self) -> int: ...


def property_of(work: UnitOfWork, record: OwnedByProperty) -> PropertyRecord:
    """The property of a record whose scope was already checked (a contract, a block): such a
    property is never deleted while the record exists (ON DELETE RESTRICT)."""
    prop = work.properties.get(CountryScope.everywhere(), record.property_id)
    assert prop is not None, f"the property of {type(record).__name__} is never deleted (ON DELETE RESTRICT)"
    return prop


list_properties = page_reader(lambda work: work.properties.page)


def export_properties_csv(caller: Caller, filters: PropertyFilters, *, uow: UnitOfWorkFactory = unit_of_work) -> str:
    """The properties matching ``filters`` as CSV (at most 10,000 rows; same scope as the list)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    with uow() as work:
        for prop in work.properties.export(caller.scope, filters, EXPORT_LIMIT):
            writer.writerow([csv_cell(getattr(prop, name)) for name in EXPORT_COLUMNS])
    return buffer.getvalue()


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


get_property = record_reader(find_property)


def check_country(work: UnitOfWork, caller: Caller, code: str) -> str:
    """The country code if it is active and in the caller's scope; InvalidInput naming ``country_code`` otherwise."""
    field = "country_code"
    country = work.properties.active_country(code)
    if country is None:
        raise InvalidInput(f"Unknown country {code!r}.", details=[{"field": field, "message": "unknown country"}])
    if not caller.scope.includes(country):
        raise InvalidInput(
            "That country is outside your country scope.", details=[{"field": field, "message": "outside your scope"}]
        )
    return country


def _check_code_free(work: UnitOfWork, code: str, except_id: int | None = None) -> None:
    if work.properties.code_taken(code, except_id=except_id):
        raise Conflict(
            f"A property with code {code!r} already exists.",
            details=[{"field": "code", "message": "already used"}],
        )


def create_property(caller: Caller, new: NewProperty, *, uow: UnitOfWorkFactory = unit_of_work) -> PropertyRecord:
    """Create a property in a country of the caller's scope (timezone and currency validated)."""
    validate_timezone(new.timezone)
    validate_currency(new.currency)
    with uow() as work:
        new = dataclasses.replace(new, country_code=check_country(work, caller, new.country_code))
        _check_code_free(work, new.code)
        prop = work.properties.add(new, archived_at=utc_now() if new.status == PropertyStatus.ARCHIVED else None)
        PROPERTY_AUDIT.created(work.audit, caller, prop, country_code=prop.country_code)
        return prop


def update_property(
    caller: Caller,
    property_id: int,
    changes: dict[str, Any],
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> PropertyRecord:
    """Edit a property. A new buffer or timezone re-syncs its calendars; the currency cannot change
    once rate plans exist (their amounts are in it); archiving and restoring go through ``status``."""
    changes = dict(changes)
    with uow() as work:
        prop = find_property(work, caller, property_id, for_update=True)
        before = PROPERTY_AUDIT.snapshot(prop)
        if "timezone" in changes:
            validate_timezone(changes["timezone"])
        if "currency" in changes:
            validate_currency(changes["currency"])
            if changes["currency"] != prop.currency and work.properties.count_rate_plans(prop.id):
                raise Conflict(
                    "The currency cannot change while the property has rate plans priced in it.",
                    details=[{"field": "currency", "message": "rate plans exist in " + prop.currency}],
                )
        if "country_code" in changes:
            changes["country_code"] = check_country(work, caller, changes["country_code"])
        if "code" in changes:
            _check_code_free(work, changes["code"], except_id=prop.id)
        if "status" in changes and changes["status"] != prop.status:
            changes["archived_at"] = utc_now() if changes["status"] == PropertyStatus.ARCHIVED else None
        updated = work.properties.update(prop.id, changes)
        PROPERTY_AUDIT.updated(work.audit, caller, before, updated, country_code=updated.country_code)
        after = PROPERTY_AUDIT.snapshot(updated)
        if updated.status != PropertyStatus.ARCHIVED and any(
            before[key] != after[key] for key in ("buffer_rooms", "timezone", "status")
        ):
            work.catalog_calendar.sync_property(updated.id, property_today(updated, now))
        return updated


def archive_property(caller: Caller, property_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> None:
    """The soft delete: status ``archived`` (idempotent); nothing is removed."""
    with uow() as work:
        prop = find_property(work, caller, property_id, for_update=True)
        if prop.status == PropertyStatus.ARCHIVED:
            return
        before = PROPERTY_AUDIT.snapshot(prop)
        work.properties.update(prop.id, {"status": PropertyStatus.ARCHIVED, "archived_at": utc_now()})
        work.audit.add(
            audit_entry(
                caller,
                "property.archived",
                "property",
                prop.id,
                before,
                {**before, "status": "archived"},
                country_code=prop.country_code,
            )
        )
