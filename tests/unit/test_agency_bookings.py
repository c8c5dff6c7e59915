"""The pure planning of agency bookings: allotment first, then (free sale) the pool, or a 409 naming each night."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.agency_bookings import (
    AllotmentExhausted,
    NightTake,
    check_min_stay,
    demand_of,
    plan_agency_booking,
    plan_pick_up,
    terms_within,
)
from chalicelib.domain.allotments import (
    AllotmentEvent,
    AllotmentEventKind,
    AllotmentNight,
    ContractMode,
    ContractStatus,
    ContractTerms,
    ReleaseStep,
    Season,
    resolve_allotment_nights,
)
from chalicelib.domain.booking_plans import Actor, DirectBookingFacts, StatusFacts
from chalicelib.domain.booking_requests import NewBooking, NewBookingLine, PricedLine, PropertyFacts
from chalicelib.domain.bookings import ActorSource, BookingSource, InventoryEffect
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inventory import InsufficientInventory, InventoryCell
from chalicelib.domain.nights import NightRange
from chalicelib.domain.sale_orders import sale_order_lines, sale_order_number

NIGHT = date(2030, 7, 1)
RT = 7


def resolved(night: date, *, outstanding: int, contracted: int = 5, stop_sale: bool = False) -> AllotmentNight:
    return AllotmentNight(
        1, RT, night, contracted, contracted - outstanding, outstanding, 0, Decimal(900), 2, stop_sale, None
    )


def nights_of(*entries: AllotmentNight) -> dict[tuple[int, date], AllotmentNight]:
    return {(entry.room_type_id, entry.night): entry for entry in entries}


def test_rooms_come_from_the_allotment_first_then_for_free_sale_from_the_pool() -> None:
    nights = nights_of(resolved(NIGHT, outstanding=2), resolved(NIGHT + timedelta(days=1), outstanding=5))
    demand = demand_of([(RT, NightRange(NIGHT, NIGHT + timedelta(days=2)), 3)])

    takes = plan_pick_up(ContractMode.FREE_SALE, demand, nights)

    assert [(t.from_allotment, t.from_pool) for t in takes] == [(2, 1), (3, 0)]
    assert [t.amount for t in takes] == [Decimal(2700)] * 2


def test_an_allotment_contract_names_every_night_it_cannot_serve_and_what_remains() -> None:
    second = NIGHT + timedelta(days=1)
    nights = nights_of(resolved(NIGHT, outstanding=1), resolved(second, outstanding=0, stop_sale=True))
    demand = demand_of([(RT, NightRange(NIGHT, NIGHT + timedelta(days=3)), 2)])

    with pytest.raises(AllotmentExhausted) as refused:
        plan_pick_up(ContractMode.ALLOTMENT, demand, nights)

    reasons = [(d["night"], d["reason"], d["remaining"], d["requested"]) for d in refused.value.details]
    assert reasons == [
        (NIGHT.isoformat(), "exhausted", 1, 2),
        (second.isoformat(), "stop_sale", 0, 2),
        ((NIGHT + timedelta(days=2)).isoformat(), "not_contracted", 0, 2),
    ]
    assert refused.value.code == "allotment_exhausted" and refused.value.details[0]["field"] == "body.lines"


def test_two_lines_of_one_room_type_add_up_and_the_min_stay_names_the_short_line() -> None:
    stay = NightRange(NIGHT, NIGHT + timedelta(days=1))
    assert demand_of([(RT, stay, 1), (RT, stay, 2)]) == {(RT, NIGHT): 3}
    with pytest.raises(InvalidInput) as short:
        check_min_stay(
            [(RT, NightRange(NIGHT, NIGHT + timedelta(days=2))), (RT, stay)], nights_of(resolved(NIGHT, outstanding=1))
        )
    assert [d["field"] for d in short.value.details] == ["body.lines[1].check_out"]


def test_the_hold_moves_allotted_rooms_from_blocked_and_checks_only_the_pool_part() -> None:
    # 10 rooms: 8 sold, 2 withheld for the contract, a buffer of 1 — the pool is empty.
    cells = {
        (RT, NIGHT): InventoryCell(RT, NIGHT, total=10, sold=8, blocked=2, buffer=1),
        (RT, NIGHT + timedelta(days=1)): InventoryCell(RT, NIGHT + timedelta(days=1), total=10),
    }
    stay = NightRange(NIGHT, NIGHT + timedelta(days=1))
    line = NewBookingLine(RT, stay.check_in, stay.check_out, rooms=2)
    facts = DirectBookingFacts(
        NewBooking(1, (line,), "Guest", source=BookingSource.PARTNER, partner_code="AG"),
        PropertyFacts(1, "Hotel", "active", "VN", "VND", "Asia/Ho_Chi_Minh"),
        (PricedLine(line, stay, Decimal(1800), {NIGHT: Decimal(1800)}),),
        StatusFacts(1, "pending", InventoryEffect.HOLD),
        timedelta(minutes=15),
        Actor(None, "partner@example.com", ActorSource.PARTNER),
    )
    moment = datetime(2030, 6, 1, tzinfo=UTC)

    plan = plan_agency_booking(facts, [NightTake(RT, NIGHT, 2, 0, Decimal(900))], cells, reference="R", moment=moment)
    after = plan.cells_after[(RT, NIGHT)]
    assert (after.sold, after.held, after.blocked) == (8, 2, 0)  # the buffer does not eat the allotted rooms
    assert plan.cells_before == cells

    with pytest.raises(InsufficientInventory):  # one more room from the (empty) pool is refused
        plan_agency_booking(facts, [NightTake(RT, NIGHT, 1, 1, Decimal(900))], cells, reference="R", moment=moment)


def test_resolving_within_a_window_gives_the_same_nights_as_the_whole_contract() -> None:
    year = NightRange(date(2030, 1, 1), date(2031, 1, 1))
    terms = ContractTerms(
        1,
        ContractMode.ALLOTMENT,
        ContractStatus.ACTIVE,
        (
            Season(RT, year, 4, Decimal(900)),
            Season(RT + 1, NightRange(date(2030, 9, 1), date(2030, 9, 5)), 2, Decimal(5)),
        ),
        (ReleaseStep(30, 1),),
    )
    at = datetime(2030, 6, 15, tzinfo=UTC)
    events = [
        AllotmentEvent(1, AllotmentEventKind.INCREASE_ALLOTMENT, at - timedelta(days=1), 0, rooms=2),
        AllotmentEvent(
            1,
            AllotmentEventKind.RELEASE,
            at - timedelta(hours=1),
            1,
            room_type_id=RT,
            nights=NightRange(NIGHT, NIGHT + timedelta(days=1)),
            rooms=1,
        ),
    ]
    picked = {(1, RT, NIGHT + timedelta(days=1)): 3}
    window = NightRange(NIGHT - timedelta(days=2), NIGHT + timedelta(days=3))

    def resolve(contract: ContractTerms) -> dict[tuple[int, date], AllotmentNight]:
        nights = resolve_allotment_nights([contract], events, picked_up=picked, as_of=at, today=at.date())
        return {(n.room_type_id, n.night): n for n in nights if n.night in window}

    assert resolve(terms_within(terms, window)) == resolve(terms)
    assert len(resolve(terms)) == 5


def test_a_sale_order_has_one_line_per_room_type_and_night_at_the_contract_rate() -> None:
    takes = [
        NightTake(RT + 1, NIGHT, 1, 0, Decimal(500)),
        NightTake(RT, NIGHT + timedelta(days=1), 1, 1, Decimal(950)),
        NightTake(RT, NIGHT, 2, 0, Decimal(900)),
    ]
    lines = sale_order_lines(takes)
    assert [(line.room_type_id, line.night, line.rooms, line.amount) for line in lines] == [
        (RT, NIGHT, 2, Decimal(1800)),
        (RT, NIGHT + timedelta(days=1), 2, Decimal(1900)),
        (RT + 1, NIGHT, 1, Decimal(500)),
    ]
    assert sale_order_number(42, NIGHT) == "SO-2030-000042"
