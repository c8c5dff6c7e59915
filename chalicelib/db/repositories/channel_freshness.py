"""Which channels have a calendar cell's latest value (the calendar grid's freshness).

A channel is a property's active connection through an active account (where the ARI push goes).
It should hold a room type's nights when it maps the room type, and a rate plan's nights when it
maps the plan: the push worker skips unmapped cells and never acknowledges them. It lacks a cell
when the ARI outbox (``ari_changes``) holds a version of the cell newer than the one the
connection acknowledged (``ari_acknowledged_versions``, ``rate_plan_id`` 0 = the room type's own
night). Relayed outbox rows are purged after their retention: by then a push has long succeeded
or failed into the dead-letter queue and a sync alert, so the grid reads the rows still kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Subquery, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from chalicelib.db.models import (
    AriAcknowledgedVersion,
    AriChangeRecord,
    OtaAccount,
    OtaConnection,
    RatePlanMapping,
    RoomTypeMapping,
)
from chalicelib.domain.ota_accounts import AccountStatus


def _active_mappings(property_id: int, room_type_ids: list[int]) -> Subquery:
    """(connection id, OTA code, room type id) of the property's live connections mapping the room types."""
    return (
        select(OtaConnection.id.label("connection_id"), OtaAccount.ota_code, RoomTypeMapping.room_type_id)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .join(RoomTypeMapping, RoomTypeMapping.connection_id == OtaConnection.id)
        .where(
            OtaConnection.property_id == property_id,
            OtaConnection.is_active.is_(True),
            OtaAccount.status == AccountStatus.ACTIVE,
            RoomTypeMapping.room_type_id.in_(room_type_ids),
        )
        .subquery("channels")
    )


def channels_of_room_types(session: Session, property_id: int, room_type_ids: Iterable[int]) -> dict[int, list[str]]:
    """Room type → the OTA codes of the channels that should hold its nights (sorted)."""
    ids = sorted(set(room_type_ids))
    found: dict[int, list[str]] = {room_type_id: [] for room_type_id in ids}
    if not ids:
        return found
    channels = _active_mappings(property_id, ids)
    rows = session.execute(
        select(channels.c.room_type_id, channels.c.ota_code)
        .distinct()
        .order_by(channels.c.room_type_id, channels.c.ota_code)
    )
    for room_type_id, ota_code in rows:
        found[room_type_id].append(ota_code)
    return found


def channels_behind(
    session: Session, property_id: int, room_type_ids: Iterable[int], first_night: date, end_night: date
) -> dict[tuple[int, date], list[str]]:
    """(room type, night) → the OTA codes lacking the latest version of the night or of one of its
    mapped rate plans' rates, for nights from ``first_night`` up to ``end_night`` (exclusive).
    Cells every channel holds are left out."""
    ids = sorted(set(room_type_ids))
    if not ids:
        return {}
    channels = _active_mappings(property_id, ids)
    connection_id = channels.c.connection_id
    acknowledged = and_(
        AriAcknowledgedVersion.connection_id == connection_id,
        AriAcknowledgedVersion.room_type_id == AriChangeRecord.room_type_id,
        AriAcknowledgedVersion.rate_plan_id == func.coalesce(AriChangeRecord.rate_plan_id, 0),
        AriAcknowledgedVersion.night == AriChangeRecord.night,
    )
    plan_mapped = exists().where(
        RatePlanMapping.connection_id == connection_id, RatePlanMapping.rate_plan_id == AriChangeRecord.rate_plan_id
    )
    statement = (
        select(
            AriChangeRecord.room_type_id,
            AriChangeRecord.night,
            func.array_agg(channels.c.ota_code.distinct()),
        )
        .join(channels, channels.c.room_type_id == AriChangeRecord.room_type_id)
        .outerjoin(AriAcknowledgedVersion, acknowledged)
        .where(
            AriChangeRecord.property_id == property_id,
            AriChangeRecord.room_type_id.in_(ids),
            AriChangeRecord.night >= first_night,
            AriChangeRecord.night < end_night,
            AriChangeRecord.version > func.coalesce(AriAcknowledgedVersion.version, 0),
            or_(AriChangeRecord.rate_plan_id.is_(None), plan_mapped),
        )
        .group_by(AriChangeRecord.room_type_id, AriChangeRecord.night)
    )
    return {(room_type_id, night): sorted(codes) for room_type_id, night, codes in session.execute(statement)}
