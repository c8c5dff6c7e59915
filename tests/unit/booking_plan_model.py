"""An in-memory stand-in for the booking writer and the ingesting service, for the planners' unit tests.

:class:`Reservation` keeps one OTA reservation's group, lines and calendar cells as the database
would after each plan is written, and feeds revisions through ``decide_revision`` and
``plan_ota_revision`` exactly as ``booking_ota.ingest_ota_reservation`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chalicelib.domain.booking_ota_plans import OtaRevisionPlan, OtaStatuses, plan_ota_revision
from chalicelib.domain.booking_plans import BookingPlan, GroupSnapshot, LineSnapshot, StatusFacts
from chalicelib.domain.booking_requests import PropertyFacts
from chalicelib.domain.bookings import CellKey, InventoryEffect
from chalicelib.domain.inventory import InventoryCell, new_cell
from chalicelib.domain.ota_booking import OtaBookingLine, OtaBookingRequest, RevisionDecision, decide_revision
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import NightlyRate, ReservationAction

D = date(2030, 3, 1)
MOMENT = datetime(2030, 2, 1, 12, tzinfo=UTC)
PENDING = StatusFacts(1, "pending", InventoryEffect.HOLD)
CONFIRMED = StatusFacts(2, "confirmed", InventoryEffect.SELL)
CHECKED_IN = StatusFacts(3, "checked_in", InventoryEffect.SELL)
CANCELLED = StatusFacts(5, "cancelled", InventoryEffect.NONE)
STATUSES = {status.id: status for status in (PENDING, CONFIRMED, CHECKED_IN, CANCELLED)}
OTA_STATUSES = OtaStatuses(confirmed=CONFIRMED, cancelled=CANCELLED)
HOTEL = PropertyFacts(1, "Hotel", "active", "VN", "USD", "Asia/Ho_Chi_Minh")


def calendar(totals: dict[int, int], nights: int = 12, blocked: int = 0) -> dict[CellKey, InventoryCell]:
    cells = {}
    for room_type_id, total in totals.items():
        for offset in range(nights):
            cell = replace(new_cell(room_type_id, D + timedelta(days=offset), total=total), blocked=blocked)
            cells[(room_type_id, cell.night)] = cell
    return cells


def ota_line(
    room_type_id: int = 1, first: int = 1, nights: int = 2, rooms: int = 1, ref: str | None = None
) -> OtaBookingLine:
    check_in = D + timedelta(days=first)
    return OtaBookingLine(
        room_type_id,
        None,
        check_in,
        check_in + timedelta(days=nights),
        rooms=rooms,
        nightly_amounts=tuple(
            NightlyRate(check_in + timedelta(days=n), Decimal("50.00") * rooms) for n in range(nights)
        ),
        line_ref=ref,
    )


def revision(
    number: int, action: ReservationAction, lines: tuple[OtaBookingLine, ...], reservation: str = "R-1"
) -> OtaBookingRequest:
    return OtaBookingRequest(
        ota=OtaCode.BOOKING_COM,
        reservation_id=reservation,
        revision=f"{number:04d}",
        action=action,
        property_id=HOTEL.id,
        lines=lines,
        guest=None,
        total_amount=None,
        currency=None,
        received_at=MOMENT,
    )


@dataclass
class Reservation:
    """One OTA reservation as stored: its group, lines, revisions and the calendar."""

    cells: dict[CellKey, InventoryCell]
    group: GroupSnapshot | None = None
    lines: dict[int, LineSnapshot] = field(default_factory=dict)
    recorded: list[str] = field(default_factory=list)
    newest: str | None = None
    plans: list[OtaRevisionPlan] = field(default_factory=list)

    def deliver(self, request: OtaBookingRequest) -> OtaRevisionPlan | None:
        """What ingesting ``request`` does: nothing for a duplicate or a stale revision, else its plan, written."""
        decision = decide_revision(request.revision, self.recorded, self.newest)
        if decision is RevisionDecision.DUPLICATE:
            return None
        self.recorded.append(request.revision)
        if decision is RevisionDecision.STALE:
            return None
        self.newest = request.revision
        plan = plan_ota_revision(
            request,
            HOTEL,
            self.group,
            list(self.lines.values()),
            dict(self.cells),
            OTA_STATUSES,
            reference="PTX-TEST",
            moment=MOMENT,
        )
        self.write(plan.booking)
        self.plans.append(plan)
        return plan

    def write(self, plan: BookingPlan) -> None:
        """What the booking writer stores for ``plan``."""
        group_id = plan.group_id if plan.group_id is not None else 1
        self.group = GroupSnapshot(group_id, plan.group, STATUSES[plan.group.status_id])
        for write in plan.lines:
            line_id = write.line_id if write.line_id is not None else len(self.lines) + 1
            self.lines[line_id] = LineSnapshot(line_id, write.values)
        for restatus in plan.restatus:
            for line_id in restatus.line_ids:
                line = self.lines[line_id]
                self.lines[line_id] = LineSnapshot(line_id, replace(line.values, status_id=restatus.status_id))
        self.cells.update(plan.cells_after)

    def selling_lines(self) -> list[LineSnapshot]:
        """The lines whose nights count as sold: those in the group's status, when that status sells."""
        if self.group is None or self.group.status.effect is not InventoryEffect.SELL:
            return []
        return [line for line in self.lines.values() if line.values.status_id == self.group.status.id]
