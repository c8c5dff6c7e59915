"""SQL of the ARI push: the relay's claim on outbox rows, acknowledged versions and push state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, TextClause, and_, delete, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db import lean
from chalicelib.db.models import (
    AriAcknowledgedVersion,
    AriChangeRecord,
    AriPushState,
    OtaAccount,
    OtaConnection,
    Property,
    RatePlan,
)
from chalicelib.db.repositories.calendar import OutboxRow, unnest_rows
from chalicelib.domain.ari_changes import AriCellKey, AriChange
from chalicelib.domain.ari_push import IdRange
from chalicelib.domain.ota_accounts import AccountStatus

# --- the relay ------------------------------------------------------------------------------------


def claim_unrelayed(
    session: Session, property_ids: Iterable[int] | None = None, *, limit: int = 5000
) -> list[tuple[int, int]]:
    """(id, property id) of outbox rows not yet relayed, oldest first, locked for this transaction;
    rows another relay holds are skipped (it relays them)."""
    statement = (
        select(AriChangeRecord.id, AriChangeRecord.property_id)
        .where(AriChangeRecord.relayed_at.is_(None))
        .order_by(AriChangeRecord.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if property_ids is not None:
        ids = sorted(set(property_ids))
        if not ids:
            return []
        statement = statement.where(AriChangeRecord.property_id.in_(ids))
    return [(row_id, property_id) for row_id, property_id in session.execute(statement)]


def _claim_statement(wanted: str, *, by_id: bool = False) -> TextClause:
    # By id the rows are locked by primary key and ``relayed_at`` is checked on the rows found: with
    # ``relayed_at IS NULL`` in the locking scan the planner also walks the unrelayed-rows index, past
    # every entry relayed since the last vacuum (ms per claim under a stream of bookings).
    unrelayed, inner = ("AND relayed_at IS NULL", "") if by_id else ("", "relayed_at IS NULL AND")
    return text(f"""
WITH claimed AS (
  UPDATE ari_changes SET relayed_at = :moment
  WHERE id IN (
    SELECT id FROM ari_changes WHERE {inner} {wanted}
    ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
  ) {unrelayed}
  RETURNING id, property_id
)
SELECT c.property_id, array_agg(c.id ORDER BY c.id),
       ARRAY(SELECT oc.id FROM ota_connections AS oc JOIN ota_accounts AS a ON a.id = oc.ota_account_id
             WHERE oc.property_id = c.property_id AND oc.is_active AND a.status = :active ORDER BY oc.id)
FROM claimed AS c GROUP BY c.property_id ORDER BY c.property_id
""")


CLAIM_OF_PROPERTIES = _claim_statement("property_id = ANY(CAST(:property_ids AS integer[]))")
# The rows a write just appended, by id (the booking writer's): a primary-key probe each.
CLAIM_OF_IDS = _claim_statement("id = ANY(CAST(:ids AS bigint[]))", by_id=True)
_CLAIM_ALL = _claim_statement("TRUE")


def claim_for_relay(
    session: Session,
    property_ids: Iterable[int] | None,
    moment: datetime,
    *,
    limit: int = 5000,
    row_ids: Iterable[int] | None = None,
) -> list[tuple[int, list[int], list[int]]]:
    """Claim unrelayed outbox rows (``row_ids``, else those of ``property_ids``, else of every property),
    oldest first, and mark them relayed at ``moment``, in one statement that also reads where each
    property's ARI goes: (property id, its claimed row ids, the ids of its active connections through
    active accounts).

    Rows another relay holds are skipped (it relays them). The marks commit with the relay's
    transaction: a relay that dies or rolls back leaves the rows unrelayed; one whose send failed
    puts them back (:func:`put_back`).
    """
    params: dict[str, object] = {"moment": moment, "limit": limit, "active": AccountStatus.ACTIVE.value}
    if row_ids is not None:
        params["ids"] = sorted(set(row_ids))
        if not params["ids"]:
            return []
        statement = CLAIM_OF_IDS
    elif property_ids is None:
        statement = _CLAIM_ALL
    else:
        params["property_ids"] = sorted(set(property_ids))
        if not params["property_ids"]:
            return []
        statement = CLAIM_OF_PROPERTIES
    return [
        (property_id, list(ids), list(connections))
        for property_id, ids, connections in lean.fetch_all(session, statement, params)
    ]


def put_back(session: Session, ids: Sequence[int]) -> None:
    """Unmark rows :func:`claim_for_relay` marked (their send failed): the next relay takes them."""
    if ids:
        session.execute(
            update(AriChangeRecord)
            .where(AriChangeRecord.id.in_(list(ids)))
            .values(relayed_at=None)
            .execution_options(synchronize_session=False)
        )


def purge_relayed(session: Session, relayed_before: datetime, limit: int) -> int:
    """Delete up to ``limit`` outbox rows relayed before ``relayed_before`` (oldest first); how many."""
    oldest = (
        select(AriChangeRecord.id)
        .where(AriChangeRecord.relayed_at < relayed_before)
        .order_by(AriChangeRecord.id)
        .limit(limit)
        .scalar_subquery()
    )
    result = session.execute(delete(AriChangeRecord).where(AriChangeRecord.id.in_(oldest)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- the worker -----------------------------------------------------------------------------------


def rows_in_ranges(session: Session, property_id: int, ranges: Sequence[IdRange]) -> list[OutboxRow]:
    if not ranges:
        return []
    condition = or_(*(AriChangeRecord.id.between(low, high) for low, high in ranges))
    rows = session.execute(
        select(AriChangeRecord.id, AriChangeRecord.payload)
        .where(AriChangeRecord.property_id == property_id, condition)
        .order_by(AriChangeRecord.id)
    )
    return [OutboxRow(row_id, AriChange.from_payload(payload), payload.get("cause_ota")) for row_id, payload in rows]


def _cells_table(cells: Iterable[AriCellKey]) -> object:
    items = sorted(set(cells), key=AriCellKey.sort_key)
    return unnest_rows(
        "cells",
        [
            ("room_type_id", Integer, [cell.room_type_id for cell in items]),
            ("rate_plan_id", Integer, [cell.rate_plan_id or 0 for cell in items]),
            ("night", Date, [cell.night for cell in items]),
        ],
    )


def unacknowledged_rows(
    session: Session, property_id: int, connection_id: int, cells: Iterable[AriCellKey]
) -> list[OutboxRow]:
    """Every outbox row of ``cells`` newer than what the connection acknowledged, oldest first."""
    cells = list(cells)
    if not cells:
        return []
    wanted = _cells_table(cells)
    acked = (
        select(AriAcknowledgedVersion.version)
        .where(
            AriAcknowledgedVersion.connection_id == connection_id,
            AriAcknowledgedVersion.room_type_id == AriChangeRecord.room_type_id,
            AriAcknowledgedVersion.rate_plan_id == func.coalesce(AriChangeRecord.rate_plan_id, 0),
            AriAcknowledgedVersion.night == AriChangeRecord.night,
        )
        .scalar_subquery()
    )
    statement = (
        select(AriChangeRecord.id, AriChangeRecord.payload)
        .join(
            wanted,  # type: ignore[arg-type]
            and_(
                AriChangeRecord.room_type_id == wanted.c.room_type_id,  # type: ignore[attr-defined]
                func.coalesce(AriChangeRecord.rate_plan_id, 0) == wanted.c.rate_plan_id,  # type: ignore[attr-defined]
                AriChangeRecord.night == wanted.c.night,  # type: ignore[attr-defined]
            ),
        )
        .where(AriChangeRecord.property_id == property_id, AriChangeRecord.version > func.coalesce(acked, 0))
        .order_by(AriChangeRecord.id)
    )
    return [
        OutboxRow(row_id, AriChange.from_payload(payload), payload.get("cause_ota"))
        for row_id, payload in session.execute(statement)
    ]


def acknowledged_versions(session: Session, connection_id: int, cells: Iterable[AriCellKey]) -> dict[AriCellKey, int]:
    cells = list(cells)
    if not cells:
        return {}
    wanted = _cells_table(cells)
    rows = session.execute(
        select(
            AriAcknowledgedVersion.room_type_id,
            AriAcknowledgedVersion.rate_plan_id,
            AriAcknowledgedVersion.night,
            AriAcknowledgedVersion.version,
        ).join(
            wanted,  # type: ignore[arg-type]
            and_(
                AriAcknowledgedVersion.room_type_id == wanted.c.room_type_id,  # type: ignore[attr-defined]
                AriAcknowledgedVersion.rate_plan_id == wanted.c.rate_plan_id,  # type: ignore[attr-defined]
                AriAcknowledgedVersion.night == wanted.c.night,  # type: ignore[attr-defined]
                AriAcknowledgedVersion.connection_id == connection_id,
            ),
        )
    )
    return {
        AriCellKey(room_type_id, rate_plan_id or None, night): version
        for room_type_id, rate_plan_id, night, version in rows
    }


def record_acknowledged(session: Session, connection_id: int, versions: Mapping[AriCellKey, int]) -> None:
    """Upsert acknowledged versions; a stored version never goes down."""
    if not versions:
        return
    items = sorted(versions.items(), key=lambda item: item[0].sort_key())
    source = unnest_rows(
        "acked",
        [
            ("room_type_id", Integer, [key.room_type_id for key, _ in items]),
            ("rate_plan_id", Integer, [key.rate_plan_id or 0 for key, _ in items]),
            ("night", Date, [key.night for key, _ in items]),
            ("version", BigInteger, [version for _, version in items]),
        ],
    )
    statement = insert(AriAcknowledgedVersion).from_select(
        ["connection_id", "room_type_id", "rate_plan_id", "night", "version"],
        select(
            literal(connection_id, Integer),
            source.c.room_type_id,
            source.c.rate_plan_id,
            source.c.night,
            source.c.version,
        ),
    )
    statement = statement.on_conflict_do_update(
        index_elements=["connection_id", "room_type_id", "rate_plan_id", "night"],
        set_={"version": func.greatest(AriAcknowledgedVersion.version, statement.excluded.version)},
    )
    session.execute(statement)


def plan_currencies(session: Session, rate_plan_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(rate_plan_ids))
    if not ids:
        return {}
    rows = session.execute(select(RatePlan.id, RatePlan.currency).where(RatePlan.id.in_(ids)))
    return {plan_id: currency for plan_id, currency in rows}


# --- the nightly full resync ------------------------------------------------------------------------


def active_connections_with_timezones(session: Session) -> list[tuple[int, int, str, date | None]]:
    """(connection id, property id, property timezone, last full push local date) of every active connection."""
    rows = session.execute(
        select(OtaConnection.id, OtaConnection.property_id, Property.timezone, AriPushState.full_push_local_date)
        .join(Property, Property.id == OtaConnection.property_id)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .outerjoin(AriPushState, AriPushState.connection_id == OtaConnection.id)
        .where(OtaConnection.is_active.is_(True), OtaAccount.status == AccountStatus.ACTIVE)
        .order_by(OtaConnection.id)
    )
    return [(a, b, c, d) for a, b, c, d in rows]


def note_full_push_enqueued(session: Session, connection_id: int, local_date: date, moment: datetime) -> None:
    statement = insert(AriPushState).values(
        connection_id=connection_id, full_push_local_date=local_date, full_push_enqueued_at=moment
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["connection_id"],
            set_={"full_push_local_date": local_date, "full_push_enqueued_at": moment},
        )
    )


def property_timezone(session: Session, property_id: int) -> str:
    found = session.scalar(select(Property.timezone).where(Property.id == property_id))
    if found is None:
        raise LookupError(f"property {property_id} does not exist")
    return found
