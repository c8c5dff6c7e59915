"""Properties, room types, rate plans and their rules, always read through the caller's country scope.

A room type, rate plan or rule belongs to the country of its property: every lookup by id joins
up to ``properties`` and filters on its country, so a record of another country is not found.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from chalicelib.db.filtering import containing
from chalicelib.db.locks import lock_room_types
from chalicelib.db.models import Country, Property, RatePlan, RatePlanRule, RoomType
from chalicelib.db.pagination import paginate_entities
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.repositories.calendar import amount_at_scale
from chalicelib.db.scoping import SelectT, first_row, scoped, scoped_row
from chalicelib.db.writing import inserted, updated
from chalicelib.domain.access import CountryScope
from chalicelib.domain.catalog import (
    SORTABLE_PROPERTY_FIELDS,
    NewProperty,
    NewRoomType,
    PropertyFilters,
    PropertyRecord,
    PropertyStatus,
    RoomTypeRecord,
)
from chalicelib.domain.views import view_from


def _property_query(scope: CountryScope, filters: PropertyFilters) -> Select[Any]:
    statement = scoped(select(Property), Property.country_code, scope)
    if filters.country_code is not None:
        statement = statement.where(Property.country_code == filters.country_code)
    if filters.status is None:
        statement = statement.where(Property.status != PropertyStatus.ARCHIVED)
    else:
        statement = statement.where(Property.status == filters.status)
    if filters.city:
        statement = statement.where(func.lower(Property.city) == filters.city.strip().lower())
    if filters.search:
        pattern = containing(filters.search.strip())
        statement = statement.where(or_(Property.name.ilike(pattern), Property.code.ilike(pattern)))
    descending = filters.sort.startswith("-")
    name = filters.sort.lstrip("-")
    if name not in SORTABLE_PROPERTY_FIELDS:
        raise ValueError(f"cannot sort by {name!r}")
    key: Any = getattr(Property, name)
    return statement.order_by(key.desc() if descending else key.asc(), Property.id)


def list_properties(
    session: Session, scope: CountryScope, filters: PropertyFilters, *, offset: int, limit: int
) -> tuple[list[Property], int]:
    return paginate_entities(session, _property_query(scope, filters), offset=offset, limit=limit)


def iter_properties(session: Session, scope: CountryScope, filters: PropertyFilters, limit: int) -> Iterator[Property]:
    for row in session.execute(_property_query(scope, filters).limit(limit)):
        yield row[0]


def scoped_property(
    session: Session, property_id: int, scope: CountryScope, *, for_update: bool = False
) -> Property | None:
    return scoped_row(session, Property, property_id, scope, for_update=for_update)


def property_code_taken(session: Session, code: str, *, except_id: int | None = None) -> bool:
    statement = select(Property.id).where(func.lower(Property.code) == code.lower())
    if except_id is not None:
        statement = statement.where(Property.id != except_id)
    return session.scalar(statement) is not None


def room_types_of(session: Session, property_id: int, *, active_only: bool = False) -> list[RoomType]:
    statement = select(RoomType).where(RoomType.property_id == property_id)
    if active_only:
        statement = statement.where(RoomType.is_active.is_(True))
    return list(session.scalars(statement.order_by(RoomType.code, RoomType.id)))


def scoped_room_type(
    session: Session, room_type_id: int, scope: CountryScope, *, for_update: bool = False
) -> tuple[RoomType, Property] | None:
    statement = scoped(
        select(RoomType, Property)
        .join(Property, Property.id == RoomType.property_id)
        .where(RoomType.id == room_type_id),
        Property.country_code,
        scope,
    )
    row = first_row(session, statement, lock=RoomType if for_update else None)
    return None if row is None else (row[0], row[1])


def room_type_code_taken(session: Session, property_id: int, code: str, *, except_id: int | None = None) -> bool:
    statement = select(RoomType.id).where(RoomType.property_id == property_id, RoomType.code == code)
    if except_id is not None:
        statement = statement.where(RoomType.id != except_id)
    return session.scalar(statement) is not None


def _up_to_property(statement: SelectT) -> SelectT:
    """``statement`` over rate plans joined to their room type and its property."""
    return statement.join(RoomType, RoomType.id == RatePlan.room_type_id).join(
        Property, Property.id == RoomType.property_id
    )


def scoped_rate_plan(
    session: Session, rate_plan_id: int, scope: CountryScope
) -> tuple[RatePlan, RoomType, Property] | None:
    statement = _up_to_property(select(RatePlan, RoomType, Property)).where(RatePlan.id == rate_plan_id)
    row = session.execute(scoped(statement, Property.country_code, scope)).first()
    return None if row is None else (row[0], row[1], row[2])


def rate_plan_code_taken(session: Session, room_type_id: int, code: str, *, except_id: int | None = None) -> bool:
    statement = select(RatePlan.id).where(RatePlan.room_type_id == room_type_id, RatePlan.code == code)
    if except_id is not None:
        statement = statement.where(RatePlan.id != except_id)
    return session.scalar(statement) is not None


def children_of_plan(session: Session, rate_plan_id: int) -> list[int]:
    return list(session.scalars(select(RatePlan.id).where(RatePlan.parent_id == rate_plan_id).order_by(RatePlan.id)))


def scoped_rule(
    session: Session, rule_id: int, scope: CountryScope
) -> tuple[RatePlanRule, RatePlan, RoomType, Property] | None:
    statement = _up_to_property(
        select(RatePlanRule, RatePlan, RoomType, Property).join(RatePlan, RatePlan.id == RatePlanRule.rate_plan_id)
    ).where(RatePlanRule.id == rule_id)
    row = session.execute(scoped(statement, Property.country_code, scope)).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


def count_rate_plans_of_property(session: Session, property_id: int) -> int:
    return (
        session.scalar(
            select(func.count(RatePlan.id))
            .join(RoomType, RoomType.id == RatePlan.room_type_id)
            .where(RoomType.property_id == property_id)
        )
        or 0
    )


# --- the repositories of a unit of work ----------------------------------------------------------


def property_record(prop: Property) -> PropertyRecord:
    return view_from(PropertyRecord, prop)


def room_type_record(room_type: RoomType, currency: str) -> RoomTypeRecord:
    return view_from(
        RoomTypeRecord,
        room_type,
        base_rate=amount_at_scale(room_type.base_rate, currency),
    )


class SqlPropertyRepository(SessionRepository):
    """Properties of one unit of work (``uow.properties``), read through the caller's country scope."""

    def page(
        self, scope: CountryScope, filters: PropertyFilters, *, offset: int, limit: int
    ) -> tuple[list[PropertyRecord], int]:
        rows, total = list_properties(self._session, scope, filters, offset=offset, limit=limit)
        return [property_record(row) for row in rows], total

    def export(self, scope: CountryScope, filters: PropertyFilters, limit: int) -> list[PropertyRecord]:
        return [property_record(row) for row in iter_properties(self._session, scope, filters, limit)]

    def get(self, scope: CountryScope, property_id: int, *, for_update: bool = False) -> PropertyRecord | None:
        prop = scoped_property(self._session, property_id, scope, for_update=for_update)
        return None if prop is None else property_record(prop)

    def code_taken(self, code: str, *, except_id: int | None = None) -> bool:
        return property_code_taken(self._session, code, except_id=except_id)

    def active_country(self, code: str) -> str | None:
        country = self._session.get(Country, code.upper())
        return country.code if country is not None and country.is_active else None

    def count_rate_plans(self, property_id: int) -> int:
        return count_rate_plans_of_property(self._session, property_id)

    def add(self, new: NewProperty, *, archived_at: datetime | None) -> PropertyRecord:
        prop = Property(**vars(new), archived_at=archived_at)
        inserted(self._session, prop)
        return property_record(prop)

    def update(self, property_id: int, changes: Mapping[str, Any]) -> PropertyRecord:
        prop = updated(self._session, Property, property_id, changes)
        return property_record(prop)


class SqlRoomTypeRepository(SessionRepository):
    """Room types of one unit of work (``uow.room_types``); scoped through their property's country."""

    def of_property(self, property_id: int, currency: str) -> list[RoomTypeRecord]:
        return [room_type_record(row, currency) for row in room_types_of(self._session, property_id)]

    def get(
        self, scope: CountryScope, room_type_id: int, *, for_update: bool = False
    ) -> tuple[RoomTypeRecord, PropertyRecord] | None:
        found = scoped_room_type(self._session, room_type_id, scope, for_update=for_update)
        if found is None:
            return None
        room_type, prop = found
        if for_update:
            self._session.refresh(room_type)
        return room_type_record(room_type, prop.currency), property_record(prop)

    def lock(self, room_type_ids: Sequence[int]) -> None:
        """The room types' advisory locks (held to the end of the transaction), in id order."""
        lock_room_types(self._session, room_type_ids)

    def code_taken(self, property_id: int, code: str, *, except_id: int | None = None) -> bool:
        return room_type_code_taken(self._session, property_id, code, except_id=except_id)

    def add(self, property_id: int, new: NewRoomType, currency: str) -> RoomTypeRecord:
        room_type = RoomType(property_id=property_id, **vars(new))
        inserted(self._session, room_type)
        return room_type_record(room_type, currency)

    def update(self, room_type_id: int, changes: Mapping[str, Any], currency: str) -> RoomTypeRecord:
        room_type = updated(self._session, RoomType, room_type_id, changes)
        return room_type_record(room_type, currency)

    def delete(self, room_type_id: int) -> None:
        """Delete a room type; its calendar, rate plans and allocations go with it (ON DELETE CASCADE)."""
        self._session.delete(self._session.get_one(RoomType, room_type_id))
        self._session.flush()
