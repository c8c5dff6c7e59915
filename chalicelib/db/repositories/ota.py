"""OTA accounts, connections, mappings and proposals: scoped reads and the sync engine's queries.

Accounts are scoped by their own country; connections, mappings and proposals by the country of
the connection's property. A record outside the caller's scope is simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    Table,
    Update,
    bindparam,
    case,
    column,
    func,
    or_,
    select,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chalicelib.db.filtering import containing, where_equal
from chalicelib.db.models import (
    MappingProposal,
    OtaAccount,
    OtaConnection,
    Property,
    RatePlan,
    RatePlanMapping,
    RoomType,
    RoomTypeMapping,
)
from chalicelib.db.pagination import paginate, paginate_entities
from chalicelib.db.repositories.settings import stored_setting
from chalicelib.db.scoping import first_row, scoped, scoped_row
from chalicelib.domain.access import CountryScope
from chalicelib.domain.catalog import PropertyStatus
from chalicelib.domain.errors import Conflict
from chalicelib.domain.ota_accounts import AccountStatus, ConnectionHealth
from chalicelib.domain.ota_connections import ConnectionFilters
from chalicelib.domain.ota_mappings import ExistingMappings, LocalRatePlan, LocalRoomType, MappingIndex

RowT = TypeVar("RowT")
MappingT = TypeVar("MappingT", RoomTypeMapping, RatePlanMapping)
TargetT = TypeVar("TargetT", RoomType, RatePlan)
ChildT = TypeVar("ChildT", RoomTypeMapping, RatePlanMapping, MappingProposal)


def flush_or_conflict(session: Session, message: str, *, field: str | None = None) -> None:
    """Flush; a unique constraint hit by a concurrent request becomes a Conflict, not a 500.

    The services check uniqueness first (with a precise message); this covers the race between
    that check and the insert. The transaction is rolled back by the unit of work.
    """
    try:
        session.flush()
    except IntegrityError:
        details = [{"field": field, "message": "already used"}] if field else []
        raise Conflict(message, details=details) from None


# --- accounts ---------------------------------------------------------------------------------------


def reserve_account_id(session: Session) -> int:
    """The id the next account will have: the credentials are sealed to it before the row exists."""
    value = session.scalar(select(func.nextval(func.pg_get_serial_sequence("ota_accounts", "id"))))
    assert value is not None
    return int(value)


def scoped_account(
    session: Session, account_id: int, scope: CountryScope, *, for_update: bool = False
) -> OtaAccount | None:
    return scoped_row(session, OtaAccount, account_id, scope, for_update=for_update)


def account_name_taken(
    session: Session, country_code: str, ota_code: str, name: str, *, except_id: int | None = None
) -> bool:
    statement = select(OtaAccount.id).where(
        OtaAccount.country_code == country_code,
        OtaAccount.ota_code == ota_code,
        func.lower(OtaAccount.name) == name.lower(),
    )
    if except_id is not None:
        statement = statement.where(OtaAccount.id != except_id)
    return session.scalar(statement) is not None


def connection_count(session: Session, account_id: int) -> int:
    return int(
        session.scalar(select(func.count(OtaConnection.id)).where(OtaConnection.ota_account_id == account_id)) or 0
    )


@dataclass(frozen=True)
class AccountFilters:
    ota_code: str | None = None
    country_code: str | None = None
    status: str | None = None
    search: str | None = None


def list_accounts(
    session: Session, scope: CountryScope, filters: AccountFilters, *, offset: int, limit: int
) -> tuple[list[tuple[OtaAccount, int]], int]:
    """One page of accounts in ``scope``, each with its number of connections."""
    connections = (
        select(func.count(OtaConnection.id))
        .where(OtaConnection.ota_account_id == OtaAccount.id)
        .correlate(OtaAccount)
        .scalar_subquery()
    )
    statement = scoped(select(OtaAccount, connections), OtaAccount.country_code, scope)
    statement = where_equal(
        statement,
        (OtaAccount.ota_code, filters.ota_code),
        (OtaAccount.country_code, filters.country_code),
        (OtaAccount.status, filters.status),
    )
    if filters.search:
        statement = statement.where(OtaAccount.name.ilike(containing(filters.search)))
    rows, total = paginate(session, statement.order_by(OtaAccount.id), offset=offset, limit=limit)
    return [(row[0], int(row[1])) for row in rows], total


def all_account_ids(session: Session, *, not_under_key: str | None = None) -> list[int]:
    """Every account id in id order (optionally only those whose data key another KMS key wraps)."""
    statement = select(OtaAccount.id).order_by(OtaAccount.id)
    if not_under_key is not None:
        statement = statement.where(OtaAccount.credentials_key_id != not_under_key)
    return list(session.scalars(statement))


def account_hotel_ids(session: Session, account_id: int) -> list[str]:
    return list(
        session.scalars(
            select(OtaConnection.ota_hotel_id)
            .where(OtaConnection.ota_account_id == account_id)
            .order_by(OtaConnection.id)
        )
    )


def account_hotels_by_scope(
    session: Session, account_id: int, scope: CountryScope
) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """The account's connections split by the caller's scope: OTA hotel id → (connection id,
    property id) for connections whose property the caller sees, and the hotel ids of the others
    (which must not appear in anything the caller is shown)."""
    rows = session.execute(
        select(OtaConnection.ota_hotel_id, OtaConnection.id, OtaConnection.property_id, Property.country_code)
        .join(Property, Property.id == OtaConnection.property_id)
        .where(OtaConnection.ota_account_id == account_id)
        .order_by(OtaConnection.id)
    )
    visible: dict[str, tuple[int, int]] = {}
    hidden: set[str] = set()
    for hotel, connection_id, property_id, country in rows:
        if scope.includes(country):
            visible[hotel] = (connection_id, property_id)
        else:
            hidden.add(hotel)
    return visible, hidden - set(visible)


def account_connections_by_hotel(session: Session, account_id: int) -> dict[str, tuple[int, int]]:
    """OTA hotel id → (connection id, property id) for the account's connections."""
    rows = session.execute(
        select(OtaConnection.ota_hotel_id, OtaConnection.id, OtaConnection.property_id).where(
            OtaConnection.ota_account_id == account_id
        )
    )
    return {hotel: (connection_id, property_id) for hotel, connection_id, property_id in rows}


# --- properties, room types, rate plans (what mappings point at) -----------------------------------------


def scoped_property(session: Session, property_id: int, scope: CountryScope) -> Property | None:
    return session.scalar(scoped(select(Property).where(Property.id == property_id), Property.country_code, scope))


def room_types_of(session: Session, property_id: int) -> list[RoomType]:
    return list(session.scalars(select(RoomType).where(RoomType.property_id == property_id).order_by(RoomType.id)))


def rate_plans_of(session: Session, property_id: int) -> list[RatePlan]:
    return list(
        session.scalars(
            select(RatePlan)
            .join(RoomType, RoomType.id == RatePlan.room_type_id)
            .where(RoomType.property_id == property_id)
            .order_by(RatePlan.id)
        )
    )


def local_catalogue(session: Session, property_id: int) -> tuple[list[LocalRoomType], list[LocalRatePlan]]:
    """The property's room types and rate plans as the matching rules see them."""
    room_types = [LocalRoomType(rt.id, rt.code, rt.name) for rt in room_types_of(session, property_id)]
    rate_plans = [LocalRatePlan(rp.id, rp.room_type_id, rp.code, rp.name) for rp in rate_plans_of(session, property_id)]
    return room_types, rate_plans


# --- connections ------------------------------------------------------------------------------------------


def _connections() -> Select[OtaConnection, Property, OtaAccount]:
    return (
        select(OtaConnection, Property, OtaAccount)
        .join(Property, Property.id == OtaConnection.property_id)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
    )


def scoped_connection(
    session: Session, connection_id: int, scope: CountryScope, *, for_update: bool = False
) -> tuple[OtaConnection, Property, OtaAccount] | None:
    """The connection, its property and its account, if the property is within ``scope``."""
    statement = scoped(_connections().where(OtaConnection.id == connection_id), Property.country_code, scope)
    row = first_row(session, statement, lock=OtaConnection if for_update else None)
    return (row[0], row[1], row[2]) if row else None


def connection_with_account(session: Session, connection_id: int) -> tuple[OtaConnection, Property, OtaAccount] | None:
    """Unscoped (the sync engine acts for every country)."""
    row = session.execute(_connections().where(OtaConnection.id == connection_id)).first()
    return (row[0], row[1], row[2]) if row else None


def list_connections(
    session: Session, scope: CountryScope, filters: ConnectionFilters, *, offset: int, limit: int
) -> tuple[list[tuple[OtaConnection, Property, OtaAccount]], int]:
    statement = scoped(_connections(), Property.country_code, scope)
    statement = where_equal(
        statement,
        (OtaConnection.property_id, filters.property_id),
        (OtaConnection.ota_account_id, filters.ota_account_id),
        (OtaAccount.ota_code, filters.ota_code),
        (OtaConnection.health, filters.health),
        (OtaConnection.is_active, filters.is_active),
    )
    rows, total = paginate(session, statement.order_by(OtaConnection.id), offset=offset, limit=limit)
    return [(row[0], row[1], row[2]) for row in rows], total


def _one(session: Session, model: type[RowT], **equal: object) -> RowT | None:
    """The ``model`` row whose columns have the values ``equal`` gives (a unique key), if any."""
    return session.scalar(select(model).filter_by(**equal))


def connection_for_hotel(session: Session, account_id: int, ota_hotel_id: str) -> OtaConnection | None:
    return _one(session, OtaConnection, ota_account_id=account_id, ota_hotel_id=ota_hotel_id)


def connection_for_property(session: Session, property_id: int, account_id: int) -> OtaConnection | None:
    return _one(session, OtaConnection, property_id=property_id, ota_account_id=account_id)


def property_connection_to_ota(
    session: Session, property_id: int, ota_code: str, *, except_connection_id: int | None = None
) -> tuple[OtaConnection, OtaAccount] | None:
    """The property's connection to ``ota`` through any account (a property is listed once per OTA)."""
    statement = (
        select(OtaConnection, OtaAccount)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .where(OtaConnection.property_id == property_id, OtaAccount.ota_code == ota_code)
    )
    if except_connection_id is not None:
        statement = statement.where(OtaConnection.id != except_connection_id)
    row = session.execute(statement.limit(1)).first()
    return (row[0], row[1]) if row else None


def claim_due_connections(
    session: Session, now: datetime, *, limit: int, due_before: datetime | None = None
) -> list[tuple[OtaConnection, Property, OtaAccount]]:
    """Active connections of active accounts (and not archived properties) due at ``now`` (or
    before ``due_before``), locked so two dispatchers never take the same one (``SKIP LOCKED``);
    oldest due first."""
    statement = (
        _connections()
        .where(
            OtaConnection.is_active.is_(True),
            OtaConnection.next_poll_at.is_not(None),
            or_(OtaConnection.next_poll_at <= now, OtaConnection.next_poll_at < (due_before or now)),
            OtaAccount.status == AccountStatus.ACTIVE,
            Property.status != PropertyStatus.ARCHIVED,
        )
        .order_by(OtaConnection.next_poll_at, OtaConnection.id)
        .limit(limit)
        .with_for_update(of=OtaConnection, skip_locked=True)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(statement)]


def set_next_polls(session: Session, next_polls: Sequence[tuple[int, datetime]]) -> None:
    """Set many connections' ``next_poll_at`` (and ``scheduled_until``: the pulls before it are
    planned) in one statement (``UPDATE ... FROM (VALUES ...)``): the dispatcher's claim moves
    hundreds at once, and a per-row executemany is one round trip each."""
    if not next_polls:
        return
    moves = values(column("id", Integer), column("next_poll_at", DateTime(timezone=True)), name="moves").data(
        list(next_polls)
    )
    session.execute(
        update(OtaConnection)
        .where(OtaConnection.id == moves.c.id)
        .values(next_poll_at=moves.c.next_poll_at, scheduled_until=moves.c.next_poll_at)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class EmptyPoll:
    """A successful pull that brought nothing: when, and the earliest next poll it proposes."""

    connection_id: int
    polled_at: datetime
    interval_seconds: int


@cache
def empty_polls_statement() -> Update:
    """One UPDATE for many empty polls (``UPDATE ... FROM unnest(...)``, no read): streak cleared,
    health ok, ``empty_polls`` + 1, next poll one interval on but never before the pulls already
    scheduled. The rows travel as three array parameters (:func:`empty_polls_params`), so the
    statement is built and compiled once per container whatever the number of polls; a statement,
    so the worker can send it in the round trip that ends its pass."""
    stamp = DateTime(timezone=True)
    rows = (
        func.unnest(
            bindparam("poll_ids", type_=ARRAY(Integer)),
            bindparam("polled_at", type_=ARRAY(stamp)),
            bindparam("proposed", type_=ARRAY(stamp)),
        )
        .table_valued(column("id", Integer), column("polled_at", stamp), column("proposed", stamp))
        .render_derived(name="polls")
    )
    connections: Table = OtaConnection.__table__  # type: ignore[assignment]
    return (
        update(connections)
        .where(connections.c.id == rows.c.id)
        .values(
            last_poll_at=rows.c.polled_at,
            last_success_at=rows.c.polled_at,
            consecutive_failures=0,
            health=ConnectionHealth.OK,
            empty_polls=connections.c.empty_polls + 1,
            next_poll_at=case(
                (connections.c.is_active.is_(False), None),
                else_=func.greatest(rows.c.proposed, func.coalesce(connections.c.scheduled_until, rows.c.proposed)),
            ),
        )
    )


def empty_polls_params(polls: Sequence[EmptyPoll]) -> dict[str, list[Any]]:
    """:func:`empty_polls_statement`'s parameters for ``polls``."""
    return {
        "poll_ids": [p.connection_id for p in polls],
        "polled_at": [p.polled_at for p in polls],
        "proposed": [p.polled_at + timedelta(seconds=p.interval_seconds) for p in polls],
    }


def record_empty_poll(session: Session, connection_id: int, polled_at: datetime, interval_seconds: int) -> bool:
    """One empty poll on its own (see :func:`empty_polls_statement`); False when the connection no
    longer exists."""
    params = empty_polls_params([EmptyPoll(connection_id, polled_at, interval_seconds)])
    result = session.execute(empty_polls_statement(), params)
    return bool(getattr(result, "rowcount", 0))


def active_connections_of_property(
    session: Session, property_id: int
) -> list[tuple[OtaConnection, Property, OtaAccount]]:
    statement = (
        _connections()
        .where(
            OtaConnection.property_id == property_id,
            OtaConnection.is_active.is_(True),
            OtaAccount.status == AccountStatus.ACTIVE,
        )
        .order_by(OtaConnection.id)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(statement)]


SYNC_PROPERTY_ID = "sync_property_id"  # the bound parameter of property_sync_read()


@cache
def property_sync_read() -> Select[*tuple[Any, ...]]:
    """What a property's sync needs, as one SELECT of plain columns (no ORM objects to build): its
    active connections (of active accounts) with their accounts' endpoints and sealed credentials,
    and the stored global poll interval (``stored_interval``, on every row). The property is the
    bound parameter ``SYNC_PROPERTY_ID``: the statement is built once per container, and the
    worker sends it with the lease it takes (``leases.take_lease_and_read``)."""
    return (
        select(
            OtaConnection.id.label("connection_id"),
            OtaConnection.property_id,
            Property.country_code,
            OtaConnection.ota_hotel_id,
            OtaConnection.poll_interval_seconds,
            OtaConnection.is_active,
            OtaConnection.consecutive_failures,
            OtaConnection.last_error_at,
            OtaAccount.id.label("account_id"),
            OtaAccount.ota_code,
            OtaAccount.base_url,
            OtaAccount.credentials_key_id,
            OtaAccount.credentials_encrypted_data_key,
            OtaAccount.credentials_nonce,
            OtaAccount.credentials_ciphertext,
            stored_setting("sync_poll_interval_seconds").label("stored_interval"),
        )
        .join(Property, Property.id == OtaConnection.property_id)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .where(
            OtaConnection.property_id == bindparam(SYNC_PROPERTY_ID, type_=Integer),
            OtaConnection.is_active.is_(True),
            OtaAccount.status == AccountStatus.ACTIVE,
        )
        .order_by(OtaConnection.id)
    )


def property_sync_rows(session: Session, property_id: int) -> list[RowMapping]:
    """:func:`property_sync_read`'s rows for ``property_id``, in connection id order."""
    return list(session.execute(property_sync_read(), {SYNC_PROPERTY_ID: property_id}).mappings())


# --- mappings ---------------------------------------------------------------------------------------------


def mappings_of(
    session: Session,
    model: type[MappingT],
    target: type[TargetT],
    connection_id: int,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[tuple[MappingT, TargetT]], int]:
    """The connection's mappings of one kind (``RoomTypeMapping``/``RatePlanMapping``) with the
    room type or rate plan each maps (``target``), in id order: all, or one page."""
    mapping: Any = model
    key = mapping.room_type_id if target is RoomType else mapping.rate_plan_id
    statement = (
        select(model, target)
        .join(target, target.id == key)
        .where(mapping.connection_id == connection_id)
        .order_by(mapping.id)
    )
    if limit is None:
        rows = [(row[0], row[1]) for row in session.execute(statement)]
        return rows, len(rows)
    page, total = paginate(session, statement, offset=offset, limit=limit)
    return [(row[0], row[1]) for row in page], total


def scoped_child(
    session: Session, model: type[ChildT], record_id: int, scope: CountryScope, *, for_update: bool = False
) -> tuple[ChildT, OtaConnection, Property] | None:
    """A mapping or proposal (``model``) of a connection whose property is in ``scope``, with both."""
    child: Any = model
    statement = (
        select(child, OtaConnection, Property)
        .join(OtaConnection, OtaConnection.id == child.connection_id)
        .join(Property, Property.id == OtaConnection.property_id)
        .where(child.id == record_id)
    )
    row = first_row(session, scoped(statement, Property.country_code, scope), lock=model if for_update else None)
    return (row[0], row[1], row[2]) if row else None


def room_type_mapping_by_ota_room(session: Session, connection_id: int, ota_room_id: str) -> RoomTypeMapping | None:
    return _one(session, RoomTypeMapping, connection_id=connection_id, ota_room_id=ota_room_id)


def room_type_mapping_by_room_type(session: Session, connection_id: int, room_type_id: int) -> RoomTypeMapping | None:
    return _one(session, RoomTypeMapping, connection_id=connection_id, room_type_id=room_type_id)


def rate_plan_mapping_by_rate_plan(session: Session, connection_id: int, rate_plan_id: int) -> RatePlanMapping | None:
    return _one(session, RatePlanMapping, connection_id=connection_id, rate_plan_id=rate_plan_id)


def rate_plan_mapping_by_ota_rate(
    session: Session, connection_id: int, ota_room_id: str, ota_rate_plan_id: str
) -> RatePlanMapping | None:
    keys = {"connection_id": connection_id, "ota_room_id": ota_room_id, "ota_rate_plan_id": ota_rate_plan_id}
    return _one(session, RatePlanMapping, **keys)


def existing_mappings(session: Session, connection_id: int) -> ExistingMappings:
    index = mapping_index(session, connection_id)
    return ExistingMappings(
        room_types_by_ota_room=index.room_types_by_ota_room,
        rate_plans_by_ota_rate={key: plan for key, (_, plan) in index.rate_plans_by_ota_rate.items()},
    )


def mapping_index(session: Session, connection_id: int) -> MappingIndex:
    rooms = session.execute(
        select(RoomTypeMapping.ota_room_id, RoomTypeMapping.room_type_id).where(
            RoomTypeMapping.connection_id == connection_id
        )
    )
    rates = session.execute(
        select(
            RatePlanMapping.ota_room_id,
            RatePlanMapping.ota_rate_plan_id,
            RatePlanMapping.room_type_id,
            RatePlanMapping.rate_plan_id,
        ).where(RatePlanMapping.connection_id == connection_id)
    )
    return MappingIndex(
        connection_id=connection_id,
        room_types_by_ota_room={ota_room: room_type for ota_room, room_type in rooms},
        rate_plans_by_ota_rate={
            (ota_room, ota_rate): (room_type, plan) for ota_room, ota_rate, room_type, plan in rates
        },
    )


# --- proposals --------------------------------------------------------------------------------------------


def proposals_of(
    session: Session, connection_id: int, *, status: str | None, offset: int, limit: int
) -> tuple[list[MappingProposal], int]:
    statement = select(MappingProposal).where(MappingProposal.connection_id == connection_id)
    if status:
        statement = statement.where(MappingProposal.status == status)
    # Room proposals before the rate plans under them: they are accepted first.
    statement = statement.order_by(
        MappingProposal.ota_room_id, MappingProposal.ota_rate_plan_id.nulls_first(), MappingProposal.id
    )
    return paginate_entities(session, statement, offset=offset, limit=limit)


def proposals_for_items(
    session: Session, connection_id: int, items: Sequence[tuple[str, str | None]]
) -> dict[tuple[str, str | None], MappingProposal]:
    """Existing proposals of the connection for (OTA room id, OTA rate plan id or None) items."""
    if not items:
        return {}
    rooms = {room for room, _ in items}
    found = session.scalars(
        select(MappingProposal).where(
            MappingProposal.connection_id == connection_id, MappingProposal.ota_room_id.in_(sorted(rooms))
        )
    )
    wanted = set(items)
    return {
        (proposal.ota_room_id, proposal.ota_rate_plan_id): proposal
        for proposal in found
        if (proposal.ota_room_id, proposal.ota_rate_plan_id) in wanted
    }
