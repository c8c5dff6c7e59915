"""Hardblock pick-ups: the block nights a booking changes, the bookings of a block, the grid's rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from chalicelib.db.models import BookingGroup, BookingLine, BookingStatus, Hardblock, HardblockNight
from chalicelib.db.scoping import scoped
from chalicelib.domain.access import CountryScope
from chalicelib.domain.hardblocks import BlockKey, BlockNight


@dataclass(frozen=True)
class BlockBookingRow:
    """One line of a booking that picked up rooms of a block."""

    booking_id: int
    reference: str
    status: str
    guest_name: str
    room_type_id: int
    check_in: date
    check_out: date
    rooms: int
    amount: Decimal
    currency: str


class SqlHardblockPickupRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def block_id_of_group(self, group_id: int) -> int | None:
        return self._session.scalar(select(BookingGroup.hardblock_id).where(BookingGroup.id == group_id))

    def lock_block(self, block_id: int) -> None:
        """The block's row lock (taken before any room-type lock, as ``change_block`` does)."""
        self._session.execute(select(Hardblock.id).where(Hardblock.id == block_id).with_for_update())

    def save_nights(self, block_id: int, nights: Mapping[BlockKey, BlockNight]) -> int:
        """Write the changed nights' rooms, released and picked up; the block's next version number."""
        for (room_type_id, night), cell in nights.items():
            self._session.execute(
                update(HardblockNight)
                .where(
                    HardblockNight.block_id == block_id,
                    HardblockNight.room_type_id == room_type_id,
                    HardblockNight.night == night,
                )
                .values(rooms=cell.rooms, released=cell.released, picked_up=cell.picked_up)
            )
        version: int | None = self._session.scalar(
            update(Hardblock)
            .where(Hardblock.id == block_id)
            .values(version=Hardblock.version + 1, updated_at=func.now())
            .returning(Hardblock.version)
        )
        assert version is not None, "the block exists (its row is locked)"
        self._session.expire_all()
        return version

    def bookings(
        self, block_ids: list[int], room_type_id: int | None = None, night: date | None = None
    ) -> dict[int, list[BlockBookingRow]]:
        """The booking lines of the blocks (by block), optionally those of one room type staying ``night``."""
        statement = (
            select(BookingGroup, BookingLine, BookingStatus.code)
            .join(BookingLine, BookingLine.group_id == BookingGroup.id)
            .join(BookingStatus, BookingStatus.id == BookingLine.status_id)
            .where(BookingGroup.hardblock_id.in_(block_ids))
            .order_by(BookingGroup.id, BookingLine.position)
        )
        if room_type_id is not None:
            statement = statement.where(BookingLine.room_type_id == room_type_id)
        if night is not None:
            statement = statement.where(and_(BookingLine.check_in <= night, BookingLine.check_out > night))
        found: dict[int, list[BlockBookingRow]] = {block_id: [] for block_id in block_ids}
        for group, line, status in self._session.execute(statement):
            assert group.hardblock_id is not None, "selected by its block"
            found[group.hardblock_id].append(
                BlockBookingRow(
                    group.id,
                    group.reference,
                    status,
                    group.guest_name,
                    line.room_type_id,
                    line.check_in,
                    line.check_out,
                    line.rooms,
                    line.amount,
                    group.currency,
                )
            )
        return found

    def block_ids(
        self, scope: CountryScope, property_id: int | None, agency_id: int | None, first: date, last: date
    ) -> list[int]:
        """Blocks in scope (of a property, an agency) with a night from ``first`` to ``last``."""
        statement = scoped(select(Hardblock.id).distinct(), Hardblock.country_code, scope).join(
            HardblockNight, HardblockNight.block_id == Hardblock.id
        )
        statement = statement.where(HardblockNight.night >= first, HardblockNight.night <= last)
        if property_id is not None:
            statement = statement.where(Hardblock.property_id == property_id)
        if agency_id is not None:
            statement = statement.where(Hardblock.agency_id == agency_id)
        return sorted(self._session.scalars(statement))

    def cutting_off(self, scope: CountryScope, first: date, last: date) -> list[int]:
        """Active blocks in scope whose cut-off date is from ``first`` to ``last``."""
        statement = scoped(select(Hardblock.id), Hardblock.country_code, scope).where(
            Hardblock.status == "active", Hardblock.cut_off_date >= first, Hardblock.cut_off_date <= last
        )
        return sorted(self._session.scalars(statement.order_by(Hardblock.cut_off_date, Hardblock.id)))
