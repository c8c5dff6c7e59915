"""Hardblocks, their nights and versions (``uow.hardblocks``), scoped by the property's country."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Date, and_, cast, delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from chalicelib.db.filtering import where_equal
from chalicelib.db.models import (
    Hardblock,
    HardblockNight,
    HardblockVersion,
    OtaAccount,
    OtaConnection,
    Property,
    RoomTypeMapping,
)
from chalicelib.db.pagination import paginate
from chalicelib.db.scoping import scoped, scoped_row
from chalicelib.domain.access import CountryScope
from chalicelib.domain.hardblocks import BlockFilters, BlockNightRow, BlockRecord, BlockState, BlockStatus
from chalicelib.domain.views import view_from


def _stored_rate(rate: Decimal) -> Decimal:
    """``rate`` as ``NUMERIC(14, 3)`` stores and returns it (three places, half away from zero)."""
    return rate.quantize(_RATE_PLACES, rounding=ROUND_HALF_UP)


_RATE_PLACES = Decimal("0.001")


class SqlHardblockRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _records(self, rows: Sequence[Hardblock]) -> list[BlockRecord]:
        """Blocks with their nights: one query for the nights whatever the number of blocks."""
        nights: dict[int, list[BlockNightRow]] = {row.id: [] for row in rows}
        if nights:
            for night in self._session.scalars(
                select(HardblockNight)
                .where(HardblockNight.block_id.in_(list(nights)))
                .order_by(HardblockNight.room_type_id, HardblockNight.night)
            ):
                nights[night.block_id].append(
                    BlockNightRow(
                        night.room_type_id, night.night, night.rooms, night.rate, night.released, night.picked_up
                    )
                )
        return [view_from(BlockRecord, row, nights=tuple(nights[row.id])) for row in rows]

    def page(
        self, scope: CountryScope, filters: BlockFilters, *, offset: int, limit: int
    ) -> tuple[list[BlockRecord], int]:
        statement = where_equal(
            scoped(select(Hardblock), Hardblock.country_code, scope),
            (Hardblock.property_id, filters.property_id),
            (Hardblock.agency_id, filters.agency_id),
            (Hardblock.status, filters.status),
        ).order_by(Hardblock.id)
        rows, total = paginate(self._session, statement, offset=offset, limit=limit)
        return self._records([row[0] for row in rows]), total

    def get(self, scope: CountryScope, block_id: int, *, for_update: bool = False) -> BlockRecord | None:
        row = scoped_row(self._session, Hardblock, block_id, scope, for_update=for_update)
        return None if row is None else self._records([row])[0]

    def add(self, fields: Mapping[str, Any]) -> int:
        row = Hardblock(**fields)
        self._session.add(row)
        self._session.flush()
        return row.id

    def save(self, block_id: int, changes: Mapping[str, Any], state: BlockState) -> BlockRecord:
        """Write the block's terms and replace its nights with ``state``'s."""
        row = self._session.get_one(Hardblock, block_id)
        for name, value in {**changes, "guarantee": state.guarantee, "status": state.status}.items():
            setattr(row, name, value)
        self._session.execute(delete(HardblockNight).where(HardblockNight.block_id == block_id))
        if state.nights:  # one multi-row INSERT: a block's nights in one round trip
            self._session.execute(
                insert(HardblockNight).values(
                    [
                        {
                            "block_id": block_id,
                            "room_type_id": room_type_id,
                            "night": night,
                            "rooms": cell.rooms,
                            "rate": cell.rate,
                            "released": cell.released,
                            "picked_up": cell.picked_up,
                        }
                        for (room_type_id, night), cell in state.nights.items()
                    ]
                )
            )
        self._session.flush()
        self._session.refresh(row)
        nights = tuple(
            BlockNightRow(room_type_id, night, cell.rooms, _stored_rate(cell.rate), cell.released, cell.picked_up)
            for (room_type_id, night), cell in sorted(state.nights.items())
        )
        return view_from(BlockRecord, row, nights=nights)  # the nights as just written: no second read

    def add_version(self, block: BlockRecord, user_id: int | None) -> None:
        self._session.add(
            HardblockVersion(
                block_id=block.id, version=block.version, snapshot=block.snapshot(), created_by_user_id=user_id
            )
        )
        self._session.flush()

    def versions(self, block_id: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self._session.execute(
            select(HardblockVersion.version, HardblockVersion.snapshot)
            .where(HardblockVersion.block_id == block_id)
            .order_by(HardblockVersion.version)
        ).all()
        return [(version, snapshot) for version, snapshot in rows]

    def channels(self, property_id: int) -> dict[int, tuple[str, ...]]:
        """Per room type of the property, the OTAs of its active connections that map it (by code)."""
        rows = self._session.execute(
            select(RoomTypeMapping.room_type_id, OtaAccount.ota_code)
            .join(OtaConnection, OtaConnection.id == RoomTypeMapping.connection_id)
            .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
            .where(OtaConnection.property_id == property_id, OtaConnection.is_active.is_(True))
            .distinct()
            .order_by(RoomTypeMapping.room_type_id, OtaAccount.ota_code)
        )
        found: dict[int, tuple[str, ...]] = {}
        for room_type_id, ota_code in rows:
            found[room_type_id] = (*found.get(room_type_id, ()), ota_code)
        return found

    def due_for_release(self, now: datetime, *, after: int, limit: int) -> list[int]:
        """Ids (above ``after``, ascending, at most ``limit``) of the active blocks with rooms not picked
        up whose release date (see :mod:`chalicelib.domain.hardblock_release`) has come in their
        property's local time at the instant ``now``. Reads without locking: :meth:`claim` decides."""
        local_today = cast(func.timezone(Property.timezone, now), Date)
        rolling = Hardblock.release_days_before
        due_night = exists().where(
            HardblockNight.block_id == Hardblock.id,
            HardblockNight.rooms > HardblockNight.picked_up,
            or_(
                and_(rolling.is_(None), Hardblock.cut_off_date <= local_today),
                and_(rolling.is_not(None), HardblockNight.night - rolling <= local_today),
            ),
        )
        statement = (
            select(Hardblock.id)
            .join(Property, Property.id == Hardblock.property_id)
            .where(Hardblock.status == BlockStatus.ACTIVE, Hardblock.id > after, due_night)
            .order_by(Hardblock.id)
            .limit(limit)
        )
        return list(self._session.scalars(statement))

    def claim(self, block_id: int) -> BlockRecord | None:
        """The block, its row locked to the end of the transaction; None when another transaction
        holds it (``SKIP LOCKED``: an overlapping run leaves it to the one that has it)."""
        row = self._session.scalars(
            select(Hardblock).where(Hardblock.id == block_id).with_for_update(skip_locked=True)
        ).one_or_none()
        return None if row is None else self._records([row])[0]

    def selected(
        self, scope: CountryScope, block_ids: Sequence[int] | None, agency_id: int | None, *, for_update: bool
    ) -> list[BlockRecord]:
        """The blocks ``block_ids`` in ``scope``, or every active block of ``agency_id``; by id, rows
        locked (in id order) when ``for_update``."""
        statement = scoped(select(Hardblock), Hardblock.country_code, scope).order_by(Hardblock.id)
        if block_ids is not None:
            statement = statement.where(Hardblock.id.in_(list(block_ids)))
        else:
            statement = statement.where(Hardblock.agency_id == agency_id, Hardblock.status == BlockStatus.ACTIVE)
        if for_update:
            statement = statement.with_for_update(of=Hardblock)
        return self._records(list(self._session.scalars(statement)))
