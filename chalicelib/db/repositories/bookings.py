"""Bookings in SQL: statuses, groups and lines (scoped by country), nights, timeline, OTA revisions, lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    TextClause,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db import lean
from chalicelib.db.filtering import containing, where_equal, where_within
from chalicelib.db.models import (
    BookingEvent,
    BookingGroup,
    BookingLine,
    BookingNight,
    BookingStatus,
    BookingStatusTransition,
    OtaReservationRevision,
    Property,
    RateDay,
    RatePlan,
    RoomType,
)
from chalicelib.db.pagination import paginate
from chalicelib.db.scoping import fetch_one, scoped, scoped_row
from chalicelib.domain.access import CountryScope
from chalicelib.domain.alerts import BookingOnNight
from chalicelib.domain.bookings import BookingFilters, InventoryEffect
from chalicelib.domain.catalog import PropertyStatus

# --- statuses ------------------------------------------------------------------------------------


def statuses(session: Session) -> list[BookingStatus]:
    return list(session.scalars(select(BookingStatus).order_by(BookingStatus.sort_order, BookingStatus.id)))


def status_by_code(session: Session, code: str) -> BookingStatus | None:
    return session.scalar(select(BookingStatus).where(BookingStatus.code == code))


def status_by_id(session: Session, status_id: int, *, for_update: bool = False) -> BookingStatus | None:
    return fetch_one(session, select(BookingStatus).where(BookingStatus.id == status_id), for_update=for_update)


def transitions(session: Session) -> list[BookingStatusTransition]:
    return list(session.scalars(select(BookingStatusTransition).order_by(BookingStatusTransition.id)))


def transitions_from(session: Session, from_status_id: int) -> list[tuple[BookingStatusTransition, BookingStatus]]:
    rows = session.execute(
        select(BookingStatusTransition, BookingStatus)
        .join(BookingStatus, BookingStatus.id == BookingStatusTransition.to_status_id)
        .where(BookingStatusTransition.from_status_id == from_status_id)
        .order_by(BookingStatus.sort_order, BookingStatus.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def transition_between(session: Session, from_status_id: int, to_status_id: int) -> BookingStatusTransition | None:
    return session.scalar(
        select(BookingStatusTransition).where(
            BookingStatusTransition.from_status_id == from_status_id,
            BookingStatusTransition.to_status_id == to_status_id,
        )
    )


def transition_by_id(session: Session, transition_id: int) -> BookingStatusTransition | None:
    return session.get(BookingStatusTransition, transition_id)


def status_in_use(session: Session, status_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                or_(
                    exists().where(BookingGroup.status_id == status_id),
                    exists().where(BookingLine.status_id == status_id),
                )
            )
        )
    )


# --- what a booking refers to --------------------------------------------------------------------


def property_in_scope(session: Session, property_id: int, scope: CountryScope) -> Property | None:
    return session.scalar(scoped(select(Property).where(Property.id == property_id), Property.country_code, scope))


@dataclass(frozen=True, slots=True)
class HotelRow:
    """What a new booking reads of its property."""

    id: int
    code: str
    name: str
    status: PropertyStatus
    country_code: str
    currency: str
    timezone: str


@dataclass(frozen=True, slots=True)
class StatusRow:
    """What a new booking reads of its status (what a booking's answer shows of it)."""

    id: int
    code: str
    label: str
    colour: str
    icon: str
    inventory_effect: InventoryEffect
    is_terminal: bool


@dataclass(frozen=True, slots=True)
class RoomTypeRow:
    """What a new booking reads of a room type."""

    id: int
    code: str
    name: str
    is_active: bool
    base_rate: Decimal


@dataclass(frozen=True)
class BookingTargets:
    """:func:`booking_targets`: the property (None outside the scope, then nothing else either), the
    status, one setting's stored value (None if unset) and the property's room types asked for."""

    hotel: HotelRow | None
    status: StatusRow | None
    stored_setting: Any
    room_types: dict[int, RoomTypeRow]


_NO_TARGETS = BookingTargets(None, None, None, {})


def booking_targets(
    session: Session,
    property_id: int,
    scope: CountryScope,
    status_code: str,
    setting_key: str,
    room_type_ids: Iterable[int],
) -> BookingTargets:
    """Everything a new booking reads before its locks, in one statement: the property if within
    ``scope``, the status ``status_code``, the setting ``setting_key``'s stored value, and those of
    ``room_type_ids`` that are the property's (one row per room type; run on the driver's cursor)."""
    countries = None if scope.agency_id is not None or scope.countries is None else sorted(scope.countries)
    if scope.agency_id is not None or countries == []:
        return _NO_TARGETS  # an agency's account or an empty scope sees no property (``in_scope``)
    params: dict[str, Any] = {
        "property_id": property_id,
        "status_code": status_code,
        "setting_key": setting_key,
        "room_type_ids": sorted(set(room_type_ids)),
    }
    if countries is not None:
        params["countries"] = countries
    rows = lean.fetch_all(
        session, _BOOKING_TARGETS_IN_COUNTRIES if countries is not None else _BOOKING_TARGETS, params, autoflush=True
    )
    if not rows:
        return _NO_TARGETS
    first = rows[0]
    hotel = HotelRow(first[0], first[1], first[2], PropertyStatus(first[3]), first[4], first[5], first[6])
    status = (
        None
        if first[7] is None
        else StatusRow(first[7], first[8], first[9], first[10], first[11], InventoryEffect(first[12]), first[13])
    )
    room_types = {
        row[15]: RoomTypeRow(row[15], row[16], row[17], row[18], row[19]) for row in rows if row[15] is not None
    }
    return BookingTargets(hotel, status, first[14], room_types)


def _booking_targets_statement(of_countries: bool) -> TextClause:
    in_countries = " AND p.country_code = ANY(CAST(:countries AS text[]))" if of_countries else ""
    return text(
        "SELECT p.id, p.code, p.name, p.status, p.country_code, p.currency, p.timezone,"
        " s.id, s.code, s.label, s.colour, s.icon, s.inventory_effect, s.is_terminal,"
        " (SELECT value FROM app_settings WHERE key = :setting_key),"
        " rt.id, rt.code, rt.name, rt.is_active, rt.base_rate"
        " FROM properties AS p"
        " LEFT OUTER JOIN booking_statuses AS s ON s.code = :status_code"
        " LEFT OUTER JOIN room_types AS rt ON rt.property_id = p.id"
        " AND rt.id = ANY(CAST(:room_type_ids AS integer[]))"
        f" WHERE p.id = :property_id{in_countries}"
        " ORDER BY rt.id"
    )


_BOOKING_TARGETS = _booking_targets_statement(False)
_BOOKING_TARGETS_IN_COUNTRIES = _booking_targets_statement(True)


_ROOM_TYPES_OF_PROPERTY = select(RoomType).where(
    RoomType.property_id == bindparam("property_id"), RoomType.id.in_(bindparam("ids", expanding=True))
)


def room_types_of_property(session: Session, property_id: int, ids: Iterable[int]) -> dict[int, RoomType]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(_ROOM_TYPES_OF_PROPERTY, {"property_id": property_id, "ids": wanted})
    return {room_type.id: room_type for room_type in rows}


def rate_plans_by_id(session: Session, ids: Iterable[int]) -> dict[int, RatePlan]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {plan.id: plan for plan in session.scalars(select(RatePlan).where(RatePlan.id.in_(wanted)))}


def rate_amounts(session: Session, rate_plan_id: int, nights: Sequence[date]) -> dict[date, Decimal]:
    """The plan's resolved rate of each night that has one."""
    if not nights:
        return {}
    rows = session.execute(
        select(RateDay.night, RateDay.amount).where(
            RateDay.rate_plan_id == rate_plan_id, RateDay.night >= min(nights), RateDay.night <= max(nights)
        )
    ).all()
    return {row.night: row.amount for row in rows}


# --- groups and lines ----------------------------------------------------------------------------


def scoped_group(
    session: Session, group_id: int, scope: CountryScope, *, for_update: bool = False
) -> BookingGroup | None:
    """The group if it exists within ``scope`` (None otherwise → 404)."""
    return scoped_row(session, BookingGroup, group_id, scope, for_update=for_update)


def group_for_update(session: Session, group_id: int) -> BookingGroup | None:
    """The group's row, locked, with every attribute re-read (an earlier unlocked read may be stale)."""
    return session.scalar(
        select(BookingGroup)
        .where(BookingGroup.id == group_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def ota_group(session: Session, ota: str, reservation_id: str, *, for_update: bool = False) -> BookingGroup | None:
    statement = select(BookingGroup).where(
        BookingGroup.ota_code == ota, BookingGroup.ota_reservation_id == reservation_id
    )
    return fetch_one(session, statement, for_update=for_update)


def lines_of(session: Session, group_id: int, *, refresh: bool = False) -> list[BookingLine]:
    """The group's lines in order; ``refresh`` re-reads rows already loaded (after taking the group's lock)."""
    statement = select(BookingLine).where(BookingLine.group_id == group_id).order_by(BookingLine.position)
    if refresh:
        statement = statement.execution_options(populate_existing=True)
    return list(session.scalars(statement))


def room_type_ids_of_group(session: Session, group_id: int) -> set[int]:
    return set(session.scalars(select(BookingLine.room_type_id).where(BookingLine.group_id == group_id).distinct()))


def insert_nights(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert booking nights in one multi-row statement."""
    if rows:
        table: Table = BookingNight.__table__  # type: ignore[assignment]
        session.execute(insert(table).values(list(rows)))


def set_night_effect(session: Session, line_ids: Iterable[int], effect: InventoryEffect) -> None:
    ids = sorted(set(line_ids))
    if ids:
        session.execute(update(BookingNight).where(BookingNight.line_id.in_(ids)).values(effect=effect))


def delete_nights(session: Session, line_ids: Iterable[int]) -> None:
    ids = sorted(set(line_ids))
    if ids:
        session.execute(delete(BookingNight).where(BookingNight.line_id.in_(ids)))


def nights_of_lines(session: Session, line_ids: Iterable[int]) -> list[BookingNight]:
    ids = sorted(set(line_ids))
    if not ids:
        return []
    return list(session.scalars(select(BookingNight).where(BookingNight.line_id.in_(ids)).order_by(BookingNight.night)))


def expired_hold_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Groups in a hold status whose hold ran out, oldest expiry first."""
    statement = (
        select(BookingGroup.id)
        .join(BookingStatus, BookingStatus.id == BookingGroup.status_id)
        .where(
            BookingStatus.inventory_effect == InventoryEffect.HOLD,
            BookingGroup.hold_expires_at.is_not(None),
            BookingGroup.hold_expires_at <= now,
        )
        .order_by(BookingGroup.hold_expires_at)
        .limit(limit)
    )
    return list(session.scalars(statement))


def bookings_on_night(session: Session, room_type_id: int, night: date) -> list[BookingOnNight]:
    """Every line taking rooms of the room type on the night, with its group (for an alert's root cause)."""
    rows = session.execute(
        select(
            BookingGroup.id,
            BookingGroup.reference,
            BookingGroup.source,
            BookingGroup.channel,
            BookingNight.rooms,
            BookingNight.effect,
            BookingGroup.created_at,
            BookingGroup.booked_at,
        )
        .join(BookingLine, BookingLine.id == BookingNight.line_id)
        .join(BookingGroup, BookingGroup.id == BookingLine.group_id)
        .where(
            BookingNight.room_type_id == room_type_id,
            BookingNight.night == night,
            BookingNight.effect != InventoryEffect.NONE.value,
        )
    ).all()
    return [
        BookingOnNight(
            group_id=row[0],
            reference=row[1],
            source=row[2],
            channel=row[3],
            rooms=row[4],
            effect=row[5],
            arrived_at=row[6],
            booked_at=row[7],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class CounterMismatch:
    room_type_id: int
    night: date
    sold: int
    held: int
    nights_sold: int
    nights_held: int


def counter_mismatches(session: Session, room_type_ids: Iterable[int] | None = None) -> list[CounterMismatch]:
    """Cells whose ``sold``/``held`` differ from the sum over booking nights (should be none, ever)."""
    conditions = ["(d.sold <> COALESCE(n.sold, 0) OR d.held <> COALESCE(n.held, 0))"]
    params: dict[str, Any] = {}
    if room_type_ids is not None:
        conditions.append("d.room_type_id = ANY(CAST(:ids AS integer[]))")
        params["ids"] = sorted(set(room_type_ids))
    rows = session.execute(
        text(
            "SELECT d.room_type_id, d.night, d.sold, d.held,"
            " COALESCE(n.sold, 0) AS nights_sold, COALESCE(n.held, 0) AS nights_held"
            " FROM inventory_days d LEFT JOIN ("
            "   SELECT room_type_id, night,"
            "          SUM(rooms) FILTER (WHERE effect = 'sell') AS sold,"
            "          SUM(rooms) FILTER (WHERE effect = 'hold') AS held"
            "   FROM booking_nights GROUP BY room_type_id, night"
            " ) n ON n.room_type_id = d.room_type_id AND n.night = d.night"
            " WHERE " + " AND ".join(conditions) + " ORDER BY d.room_type_id, d.night"
        ),
        params,
    ).all()
    return [CounterMismatch(*row) for row in rows]


# --- OTA revisions -------------------------------------------------------------------------------


def revisions_of_reservation(session: Session, ota: str, reservation_id: str) -> list[OtaReservationRevision]:
    return list(
        session.scalars(
            select(OtaReservationRevision)
            .where(OtaReservationRevision.ota_code == ota, OtaReservationRevision.reservation_id == reservation_id)
            .order_by(OtaReservationRevision.revision)
        )
    )


def revisions_of_group(session: Session, group_id: int) -> list[OtaReservationRevision]:
    return list(
        session.scalars(
            select(OtaReservationRevision)
            .where(OtaReservationRevision.booking_group_id == group_id)
            .order_by(OtaReservationRevision.id)
        )
    )


def events_of(session: Session, group_id: int) -> list[BookingEvent]:
    return list(
        session.scalars(select(BookingEvent).where(BookingEvent.group_id == group_id).order_by(BookingEvent.id))
    )


# --- lists ---------------------------------------------------------------------------------------


def _filtered(scope: CountryScope, filters: BookingFilters) -> Any:
    statement = scoped(
        select(BookingGroup, BookingStatus, Property)
        .join(BookingStatus, BookingStatus.id == BookingGroup.status_id)
        .join(Property, Property.id == BookingGroup.property_id),
        BookingGroup.country_code,
        scope,
    )
    conditions: list[ColumnElement[bool]] = []
    # A stay overlaps [stay_from, stay_to] (nights, both inclusive) when it starts on or before
    # stay_to and checks out after stay_from.
    if filters.stay_from is not None:
        conditions.append(BookingGroup.check_out > filters.stay_from)
    if filters.stay_to is not None:
        conditions.append(BookingGroup.check_in <= filters.stay_to)
    if filters.statuses:
        conditions.append(BookingStatus.code.in_(filters.statuses))
    if filters.sources:
        conditions.append(BookingGroup.source.in_(filters.sources))
    if filters.room_type_id is not None:
        conditions.append(
            exists().where(BookingLine.group_id == BookingGroup.id, BookingLine.room_type_id == filters.room_type_id)
        )
    if filters.guest:
        pattern = containing(filters.guest)
        conditions.append(
            or_(
                BookingGroup.guest_name.ilike(pattern),
                BookingGroup.reference.ilike(pattern),
                BookingGroup.ota_reservation_id.ilike(pattern),
            )
        )
    if conditions:
        statement = statement.where(and_(*conditions))
    statement = where_equal(
        statement, (BookingGroup.ota_code, filters.ota), (BookingGroup.property_id, filters.property_id)
    )
    statement = where_within(statement, BookingGroup.created_at, filters.created_from, filters.created_to)
    return statement.order_by(BookingGroup.created_at.desc(), BookingGroup.id.desc())


def list_groups(
    session: Session, scope: CountryScope, filters: BookingFilters, *, offset: int, limit: int
) -> tuple[list[tuple[BookingGroup, BookingStatus, Property]], int]:
    rows, total = paginate(session, _filtered(scope, filters), offset=offset, limit=limit)
    return [(row[0], row[1], row[2]) for row in rows], total


def count_groups(session: Session, scope: CountryScope, filters: BookingFilters) -> int:
    return int(
        session.scalar(select(func.count()).select_from(_filtered(scope, filters).order_by(None).subquery())) or 0
    )


def all_groups(
    session: Session, scope: CountryScope, filters: BookingFilters, *, limit: int
) -> list[tuple[BookingGroup, BookingStatus, Property]]:
    rows = session.execute(_filtered(scope, filters).limit(limit)).all()
    return [(row[0], row[1], row[2]) for row in rows]


def lines_with_room_types(
    session: Session, group_ids: Iterable[int]
) -> list[tuple[BookingLine, RoomType, BookingStatus]]:
    ids = sorted(set(group_ids))
    if not ids:
        return []
    rows = session.execute(
        select(BookingLine, RoomType, BookingStatus)
        .join(RoomType, RoomType.id == BookingLine.room_type_id)
        .join(BookingStatus, BookingStatus.id == BookingLine.status_id)
        .where(BookingLine.group_id.in_(ids))
        .order_by(BookingLine.group_id, BookingLine.position)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]
