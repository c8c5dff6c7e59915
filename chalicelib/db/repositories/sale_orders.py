"""Agency bookings, their picked-up allotment nights and sale orders (``uow.agency_sales``).

Sale orders are scoped like their contract: the property's country and the agency's both in scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db.filtering import where_equal
from chalicelib.db.models import (
    Agency,
    AgencyBooking,
    AgencyBookingNight,
    AgencyContract,
    AllotmentNightState,
    BookingGroup,
    BookingStatus,
    SaleOrder,
    SaleOrderLineRow,
)
from chalicelib.db.pagination import paginate
from chalicelib.db.repositories.allotments import contract_scope, upsert_nights
from chalicelib.domain.access import CountryScope
from chalicelib.domain.agency_bookings import NightTake
from chalicelib.domain.bookings import InventoryEffect
from chalicelib.domain.sale_orders import (
    AgencyBookingState,
    SaleOrderFilters,
    SaleOrderLine,
    SaleOrderRecord,
    SaleOrderStatus,
    sale_order_number,
)
from chalicelib.domain.views import view_from

PickUps = Mapping[tuple[int, date], int]
"""Rooms per (room type, night) of one contract."""


@dataclass(frozen=True)
class AgencyBookingLink:
    """The contract an agency booking was taken under and what each of its nights took."""

    booking_id: int
    contract_id: int
    agency_id: int
    state: AgencyBookingState
    takes: tuple[NightTake, ...]

    def allotted(self) -> dict[tuple[int, date], int]:
        return {(take.room_type_id, take.night): take.from_allotment for take in self.takes if take.from_allotment}


def _sale_order_query(scope: CountryScope) -> Select[SaleOrder, str]:
    return (
        select(SaleOrder, BookingGroup.reference)
        .join(AgencyContract, AgencyContract.id == SaleOrder.contract_id)
        .join(Agency, Agency.id == SaleOrder.agency_id)
        .join(BookingGroup, BookingGroup.id == SaleOrder.booking_group_id)
        .where(*contract_scope(scope))
    )


class SqlSaleOrderRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # --- agency bookings and the allotment they pick up --------------------------------------------

    def add_agency_booking(self, booking_id: int, contract_id: int, agency_id: int, takes: Sequence[NightTake]) -> None:
        self._session.add(AgencyBooking(booking_group_id=booking_id, contract_id=contract_id, agency_id=agency_id))
        self._session.flush()
        self._session.execute(
            insert(AgencyBookingNight),
            [
                {
                    "booking_group_id": booking_id,
                    "room_type_id": take.room_type_id,
                    "night": take.night,
                    "from_allotment": take.from_allotment,
                    "from_pool": take.from_pool,
                    "rate": take.rate,
                }
                for take in takes
            ],
        )

    def agency_booking(self, booking_id: int) -> AgencyBookingLink | None:
        row = self._session.get(AgencyBooking, booking_id, populate_existing=True)
        if row is None:
            return None
        nights = self._session.scalars(
            select(AgencyBookingNight)
            .where(AgencyBookingNight.booking_group_id == booking_id)
            .order_by(AgencyBookingNight.room_type_id, AgencyBookingNight.night)
        ).all()
        takes = tuple(NightTake(n.room_type_id, n.night, n.from_allotment, n.from_pool, n.rate) for n in nights)
        return AgencyBookingLink(row.booking_group_id, row.contract_id, row.agency_id, row.state, takes)

    def mark_returned(self, booking_id: int) -> None:
        self._session.execute(
            update(AgencyBooking)
            .where(AgencyBooking.booking_group_id == booking_id)
            .values(state=AgencyBookingState.RETURNED, updated_at=func.now())
        )

    def returnable_booking_ids(self, now: datetime, limit: int) -> list[int]:
        """Agency bookings still holding their picked-up rooms whose booking no longer counts (cancelled)
        or whose hold ran out at ``now``."""
        expired = and_(
            BookingStatus.inventory_effect == InventoryEffect.HOLD,
            BookingGroup.hold_expires_at.is_not(None),
            BookingGroup.hold_expires_at <= now,
        )
        return list(
            self._session.scalars(
                select(AgencyBooking.booking_group_id)
                .join(BookingGroup, BookingGroup.id == AgencyBooking.booking_group_id)
                .join(BookingStatus, BookingStatus.id == BookingGroup.status_id)
                .where(
                    AgencyBooking.state == AgencyBookingState.ACTIVE,
                    or_(BookingStatus.inventory_effect == InventoryEffect.NONE, expired),
                )
                .order_by(AgencyBooking.booking_group_id)
                .limit(limit)
            ).all()
        )

    def picked_up(self, contract_id: int, first_night: date, last_night: date) -> dict[tuple[int, int, date], int]:
        """Rooms picked up per (contract, room type, night) of one contract from ``first_night`` to ``last_night``."""
        rows = self._session.execute(
            select(AllotmentNightState.room_type_id, AllotmentNightState.night, AllotmentNightState.picked_up).where(
                AllotmentNightState.contract_id == contract_id,
                AllotmentNightState.night >= first_night,
                AllotmentNightState.night <= last_night,
                AllotmentNightState.picked_up > 0,
            )
        ).all()
        return {(contract_id, room_type_id, night): picked for room_type_id, night, picked in rows}

    def pick_up(self, contract_id: int, rooms: PickUps) -> None:
        """``rooms`` picked up: ``picked_up`` grows and ``withheld`` shrinks by them (the booking holds them now)."""
        rows = [
            {"contract_id": contract_id, "room_type_id": rt, "night": night, "picked_up": n, "withheld": 0}
            for (rt, night), n in sorted(rooms.items())
        ]
        upsert_nights(
            self._session,
            rows,
            lambda excluded: {
                "picked_up": AllotmentNightState.picked_up + excluded.picked_up,
                "withheld": AllotmentNightState.withheld - excluded.picked_up,
            },
        )

    def give_back(self, contract_id: int, rooms: PickUps) -> None:
        """``rooms`` no longer picked up (the allotment's withholding is brought in line afterwards)."""
        for (room_type_id, night), count in sorted(rooms.items()):
            self._session.execute(
                update(AllotmentNightState)
                .where(
                    AllotmentNightState.contract_id == contract_id,
                    AllotmentNightState.room_type_id == room_type_id,
                    AllotmentNightState.night == night,
                )
                .values(picked_up=AllotmentNightState.picked_up - count, updated_at=func.now())
            )

    # --- sale orders -------------------------------------------------------------------------------

    def add_sale_order(
        self,
        link: AgencyBookingLink,
        property_id: int,
        currency: str,
        lines: Sequence[SaleOrderLine],
        confirmed_at: datetime,
        confirmed_on: date,
    ) -> int:
        row = SaleOrder(
            number=f"pending-{link.booking_id}",
            booking_group_id=link.booking_id,
            agency_id=link.agency_id,
            contract_id=link.contract_id,
            property_id=property_id,
            currency=currency,
            total=sum((line.amount for line in lines), Decimal(0)),
            status=SaleOrderStatus.TO_INVOICE,
            confirmed_at=confirmed_at,
        )
        self._session.add(row)
        self._session.flush()
        row.number = sale_order_number(row.id, confirmed_on)
        self._session.add_all(SaleOrderLineRow(sale_order_id=row.id, **asdict(line)) for line in lines)
        self._session.flush()
        return row.id

    def sale_order_of_booking(self, booking_id: int) -> int | None:
        return self._session.scalar(select(SaleOrder.id).where(SaleOrder.booking_group_id == booking_id))

    def cancel_sale_order(self, sale_order_id: int, at: datetime) -> None:
        self._session.execute(
            update(SaleOrder)
            .where(SaleOrder.id == sale_order_id, SaleOrder.status != SaleOrderStatus.CANCELLED)
            .values(status=SaleOrderStatus.CANCELLED, cancelled_at=at, updated_at=func.now())
        )

    def get_sale_order(self, scope: CountryScope, sale_order_id: int) -> SaleOrderRecord | None:
        found = self._session.execute(_sale_order_query(scope).where(SaleOrder.id == sale_order_id)).first()
        return None if found is None else self._records([(found[0], found[1])])[0]

    def sale_order_page(
        self, scope: CountryScope, filters: SaleOrderFilters, *, offset: int, limit: int
    ) -> tuple[list[SaleOrderRecord], int]:
        rows, total = paginate(self._session, self._filtered(scope, filters), offset=offset, limit=limit)
        return self._records([(row[0], row[1]) for row in rows]), total

    def _filtered(self, scope: CountryScope, filters: SaleOrderFilters) -> Select[SaleOrder, str]:
        return where_equal(
            _sale_order_query(scope),
            (SaleOrder.agency_id, filters.agency_id),
            (SaleOrder.contract_id, filters.contract_id),
            (SaleOrder.property_id, filters.property_id),
            (SaleOrder.status, filters.status),
        ).order_by(SaleOrder.confirmed_at.desc(), SaleOrder.id.desc())

    def _records(self, rows: Iterable[tuple[SaleOrder, str]]) -> list[SaleOrderRecord]:
        found = list(rows)
        lines: dict[int, list[SaleOrderLine]] = {}
        ids = [order.id for order, _ in found]
        if ids:
            for line in self._session.scalars(
                select(SaleOrderLineRow)
                .where(SaleOrderLineRow.sale_order_id.in_(ids))
                .order_by(SaleOrderLineRow.room_type_id, SaleOrderLineRow.night)
            ):
                lines.setdefault(line.sale_order_id, []).append(
                    SaleOrderLine(line.room_type_id, line.night, line.rooms, line.rate, line.amount)
                )
        return [
            view_from(
                SaleOrderRecord,
                order,
                booking_id=order.booking_group_id,
                booking_reference=reference,
                lines=tuple(lines.get(order.id, ())),
            )
            for order, reference in found
        ]
