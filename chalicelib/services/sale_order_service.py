"""Confirming agency bookings into sale orders, cancelling them back into the allotment, listing sale orders.

* :func:`confirm` — the hold becomes a sale (``booking_workflow.transition_locked``: held → sold)
  and a **sale order** is written: number, agency, contract, one line per room type and night at
  the contract's rate, total in the contract's currency, status ``to_invoice``.
* :func:`cancel` — the booking is cancelled (its rooms leave ``held`` / ``sold``), its picked-up
  rooms are given back (``picked_up`` decreases) and the allotment's withholding is brought in
  line (``allotment_service.withhold_allotments``): before the release the rooms are withheld for
  the agency again, after it they stay in the pool. Its sale order, if any, is cancelled.
* :func:`return_cancelled_rooms` — housekeeping: the same return for agency bookings cancelled
  some other way (hold expiry, a staff transition).

Each takes every room type lock of the property (ascending ids) before the booking's own locks,
the order :func:`~chalicelib.services.allotment_service.withhold_allotments` takes them in.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from chalicelib.db.repositories.sale_orders import AgencyBookingLink
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.allotment_records import ContractRecord
from chalicelib.domain.booking_plans import SYSTEM, Actor, hold_is_due
from chalicelib.domain.bookings import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    ActorSource,
    BookingNotPending,
    EventKind,
    InventoryEffect,
)
from chalicelib.domain.errors import InvalidInput, existing
from chalicelib.domain.sale_orders import AgencyBookingState, SaleOrderFilters, SaleOrderRecord, sale_order_lines
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.services.agency_booking_service import AgencyBookingView, agency_booking_view, allotted, pick_up_audit
from chalicelib.services.allotment_service import withhold_allotments
from chalicelib.services.audit_service import audit_change, audit_entry
from chalicelib.services.booking_support import lock_group, status_by_code, status_by_id
from chalicelib.services.booking_workflow import transition_locked
from chalicelib.services.booking_writer import snapshot_group
from chalicelib.services.property_service import csv_cell, property_of

RETURN_BATCH = 200
MAX_EXPORT_ROWS = 10_000
EXPORT_COLUMNS = (
    "number",
    "status",
    "agency_id",
    "contract_id",
    "property_id",
    "booking_reference",
    "currency",
    "total",
    "nights",
    "rooms",
    "confirmed_at",
    "cancelled_at",
)


def _locked_booking(
    work: SqlUnitOfWork, caller: Caller | None, booking_id: int
) -> tuple[AgencyBookingLink, ContractRecord]:
    """The agency booking and its contract (404 outside the caller's scope), with every lock taken."""
    link = existing(work.agency_sales.agency_booking(booking_id), "No such agency booking.")
    scope = caller.scope if caller is not None else CountryScope.everywhere()
    contract = existing(work.allotments.get_contract(scope, link.contract_id), "No such agency booking.")
    prop = property_of(work, contract)
    work.room_types.lock([rt.id for rt in work.room_types.of_property(prop.id, prop.currency)])
    return link, contract


def confirm(caller: Caller, booking_id: int, *, now: datetime | None = None) -> SaleOrderRecord:
    """The hold becomes a sale and its sale order (confirming twice answers the same sale order; a
    booking already confirmed another way gets its sale order).

    409 ``booking_not_pending`` once the hold expired or was cancelled.
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as work:
        link, contract = _locked_booking(work, caller, booking_id)
        group, lines = lock_group(work.session, booking_id, None)  # in scope: _locked_booking checked its contract
        current = status_by_id(work.session, group.status_id)
        existing = work.agency_sales.sale_order_of_booking(booking_id)
        if current.code == CONFIRMED and existing is not None:
            return _sale_order(work, existing)
        if current.code not in (PENDING, CONFIRMED):
            raise BookingNotPending(f"Booking {group.reference} is {current.label.lower()}, not a pending hold.")
        if current.code == PENDING:
            confirmed = status_by_code(work.session, CONFIRMED)
            transition_locked(work, group, lines, current, confirmed, Actor.of(caller, ActorSource.PARTNER), "", moment)
        prop = property_of(work, contract)
        sale_order_id = work.agency_sales.add_sale_order(
            link,
            prop.id,
            contract.currency,
            sale_order_lines(link.takes),
            moment,
            today_in_timezone(moment, prop.timezone),
        )
        record = _sale_order(work, sale_order_id)
        after = {"number": record.number, "booking_id": booking_id, "total": str(record.total)}
        audit_change(work.audit, caller, "sale_order", sale_order_id, None, after, country_code=prop.country_code)
        return record


def cancel(caller: Caller, booking_id: int, reason: str = "", *, now: datetime | None = None) -> AgencyBookingView:
    """Cancel an agency booking (held or confirmed): its rooms go back to the allotment or the pool."""
    moment = now or datetime.now(UTC)
    with unit_of_work() as work:
        link, contract = _locked_booking(work, caller, booking_id)
        group, lines = lock_group(work.session, booking_id, None)  # in scope: _locked_booking checked its contract
        current = status_by_id(work.session, group.status_id)
        if InventoryEffect(current.inventory_effect) is not InventoryEffect.NONE:
            cancelled = status_by_code(work.session, CANCELLED)
            transition_locked(
                work, group, lines, current, cancelled, Actor.of(caller, ActorSource.PARTNER), reason, moment
            )
        if link.state is AgencyBookingState.ACTIVE:
            _return_rooms(work, caller, link, contract, moment)
        status = status_by_id(work.session, group.status_id)
        return agency_booking_view(group, contract, status.code, link.takes)


def _return_rooms(
    work: SqlUnitOfWork, caller: Caller | None, link: AgencyBookingLink, contract: ContractRecord, moment: datetime
) -> None:
    """Give the booking's picked-up rooms back and bring the withholding in line (under the locks)."""
    work.agency_sales.give_back(contract.id, allotted(link.takes))
    work.agency_sales.mark_returned(link.booking_id)
    sale_order_id = work.agency_sales.sale_order_of_booking(link.booking_id)
    if sale_order_id is not None:
        work.agency_sales.cancel_sale_order(sale_order_id, moment)
        work.audit.add(
            audit_entry(
                caller,
                "sale_order.cancelled",
                "sale_order",
                sale_order_id,
                None,
                {"booking_id": link.booking_id},
                country_code=contract.country_code,
            )
        )
    withhold_allotments(work, property_of(work, contract), moment, strict=False)
    work.audit.add(pick_up_audit(caller, contract, link.booking_id, link.takes, "allotment.returned"))


def return_cancelled_rooms(now: datetime | None = None, *, limit: int = RETURN_BATCH) -> dict[str, int]:
    """Housekeeping, before ``expire_holds``: agency holds whose time ran out are cancelled with their
    rooms back to the allotment in the same transaction; agency bookings cancelled another way (a
    staff transition, or ``expire_holds`` first) get their rooms back. One transaction each."""
    moment = now or datetime.now(UTC)
    with unit_of_work() as work:
        candidates = work.agency_sales.returnable_booking_ids(moment, limit)
    returned = 0
    for booking_id in candidates:
        with unit_of_work() as work:
            link, contract = _locked_booking(work, None, booking_id)
            group, lines = lock_group(work.session, booking_id, None)
            current = status_by_id(work.session, group.status_id)
            if hold_is_due(snapshot_group(group, current), moment):
                cancelled = status_by_code(work.session, CANCELLED)
                transition_locked(
                    work, group, lines, current, cancelled, SYSTEM, "hold expired", moment, kind=EventKind.EXPIRED
                )
            elif current.inventory_effect != InventoryEffect.NONE:
                continue  # confirmed in the meantime
            if link.state is AgencyBookingState.ACTIVE:
                _return_rooms(work, None, link, contract, moment)
                returned += 1
    return {"agency_bookings_returned": returned}


# --- sale orders ------------------------------------------------------------------------------------


def _sale_order(work: SqlUnitOfWork, sale_order_id: int) -> SaleOrderRecord:
    record = work.agency_sales.get_sale_order(CountryScope.everywhere(), sale_order_id)
    assert record is not None, "just written or found"
    return record


def list_sale_orders(
    caller: Caller, filters: SaleOrderFilters, *, offset: int, limit: int
) -> tuple[list[SaleOrderRecord], int]:
    with unit_of_work() as work:
        return work.agency_sales.sale_order_page(caller.scope, filters, offset=offset, limit=limit)


def get_sale_order(caller: Caller, sale_order_id: int) -> SaleOrderRecord:
    with unit_of_work() as work:
        return existing(work.agency_sales.get_sale_order(caller.scope, sale_order_id), "No such sale order.")


def export_csv(caller: Caller, filters: SaleOrderFilters) -> str:
    """The sale orders matching ``filters`` as CSV (one row per order), at most 10,000 of them."""
    with unit_of_work() as work:
        records, total = work.agency_sales.sale_order_page(caller.scope, filters, offset=0, limit=MAX_EXPORT_ROWS)
    if total > MAX_EXPORT_ROWS:
        raise InvalidInput(
            f"{total} sale orders match; narrow the filters to at most {MAX_EXPORT_ROWS}.",
            details=[{"field": "query", "message": f"{total} sale orders match (at most {MAX_EXPORT_ROWS})"}],
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for record in records:
        values = {
            **{name: getattr(record, name) for name in EXPORT_COLUMNS if hasattr(record, name)},
            "nights": len({line.night for line in record.lines}),
            "rooms": sum(line.rooms for line in record.lines),
        }
        writer.writerow([csv_cell(values[name]) for name in EXPORT_COLUMNS])
    return buffer.getvalue()
