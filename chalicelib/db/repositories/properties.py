"""Properties, room types, rate plans and their rules, always read through the caller's country scope.

A room type, rate plan or rule belongs to the country of its property: every lookup by id joins
up to ``properties`` and filters on its country, so a record of another country is not found.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from chalicelib.db.models import Property, RatePlan, RatePlanRule, RoomType
from chalicelib.db.pagination import paginate
from chalicelib.db.scoping import scoped
from chalicelib.domain.access import CountryScope

SORTABLE_PROPERTY_FIELDS = ("code", "name", "city", "country_code", "status", "created_at", "updated_at")


@dataclass(frozen=True)
class PropertyFilters:
    country_code: str | None = None
    status: str | None = None  # None: every status but archived
    city: str | None = None
    search: str | None = None  # part of the name or code
    sort: str = "name"  # a SORTABLE_PROPERTY_FIELDS name, "-" in front for descending


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _property_query(scope: CountryScope, filters: PropertyFilters) -> Select[Any]:
    statement = scoped(select(Property), Property.country_code, scope)
    if filters.country_code is not None:
        statement = statement.where(Property.country_code == filters.country_code)
    if filters.status is None:
        statement = statement.where(Property.status != "archived")
    else:
        statement = statement.where(Property.status == filters.status)
    if filters.city:
        statement = statement.where(func.lower(Property.city) == filters.city.strip().lower())
    if filters.search:
        pattern = _like_pattern(filters.search.strip())
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
    rows, total = paginate(session, _property_query(scope, filters), offset=offset, limit=limit)
    return [row[0] for row in rows], total


def iter_properties(session: Session, scope: CountryScope, filters: PropertyFilters, limit: int) -> Iterator[Property]:
    for row in session.execute(_property_query(scope, filters).limit(limit)):
        yield row[0]


def scoped_property(
    session: Session, property_id: int, scope: CountryScope, *, for_update: bool = False
) -> Property | None:
    statement = scoped(select(Property).where(Property.id == property_id), Property.country_code, scope)
    if for_update:
        statement = statement.with_for_update()
    return session.scalar(statement)


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
    if for_update:
        statement = statement.with_for_update(of=RoomType)
    row = session.execute(statement).first()
    return None if row is None else (row[0], row[1])


def room_type_code_taken(session: Session, property_id: int, code: str, *, except_id: int | None = None) -> bool:
    statement = select(RoomType.id).where(RoomType.property_id == property_id, RoomType.code == code)
    if except_id is not None:
        statement = statement.where(RoomType.id != except_id)
    return session.scalar(statement) is not None


def scoped_rate_plan(
    session: Session, rate_plan_id: int, scope: CountryScope
) -> tuple[RatePlan, RoomType, Property] | None:
    statement = scoped(
        select(RatePlan, RoomType, Property)
        .join(RoomType, RoomType.id == RatePlan.room_type_id)
        .join(Property, Property.id == RoomType.property_id)
        .where(RatePlan.id == rate_plan_id),
        Property.country_code,
        scope,
    )
    row = session.execute(statement).first()
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
    statement = scoped(
        select(RatePlanRule, RatePlan, RoomType, Property)
        .join(RatePlan, RatePlan.id == RatePlanRule.rate_plan_id)
        .join(RoomType, RoomType.id == RatePlan.room_type_id)
        .join(Property, Property.id == RoomType.property_id)
        .where(RatePlanRule.id == rule_id),
        Property.country_code,
        scope,
    )
    row = session.execute(statement).first()
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
