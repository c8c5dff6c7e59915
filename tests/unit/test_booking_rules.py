"""Pure booking rules: effects and counter moves, revision ordering, references, keys, alert lifecycle, root cause."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.alerts import (
    AlertAction,
    AlertStatus,
    AlertTransitionNotAllowed,
    BookingOnNight,
    ChannelFreshness,
    next_status,
    overbooking_key,
    overbooking_root_cause,
)
from chalicelib.domain.bookings import (
    DEFAULT_STATUSES,
    DEFAULT_TRANSITIONS,
    SYSTEM_STATUS_EFFECTS,
    CounterMove,
    InventoryEffect,
    apply_moves,
    check_colour,
    check_idempotency_key,
    counter_changes,
    format_reference,
    moves_for,
    request_fingerprint,
)
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inventory import CounterChange, InsufficientInventory, InventoryCell, new_cell
from chalicelib.domain.locks import LockNamespace, ota_reservation_lock_key
from chalicelib.domain.ota_booking import (
    OtaBookingLine,
    OtaBookingRequest,
    RevisionDecision,
    decide_revision,
    validate_request,
)
from chalicelib.domain.ota_codes import OtaCode, channel_name
from chalicelib.domain.ota_reservation import NightlyRate, ReservationAction

D = date(2030, 3, 1)
HOLD, SELL, NONE = InventoryEffect.HOLD, InventoryEffect.SELL, InventoryEffect.NONE


def _cells(total: int, nights: int = 4, room_type_id: int = 1) -> dict[tuple[int, date], InventoryCell]:
    cells = {}
    for offset in range(nights):
        cell = new_cell(room_type_id, D + timedelta(days=offset), total=total)
        cells[(room_type_id, cell.night)] = cell
    return cells


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (HOLD, SELL, (CounterChange.CONFIRM_HOLD,)),
        (HOLD, NONE, (CounterChange.RELEASE_HOLD,)),
        (SELL, NONE, (CounterChange.CANCEL_SALE,)),
        (NONE, HOLD, (CounterChange.HOLD,)),
        (NONE, SELL, (CounterChange.SELL,)),
        (SELL, HOLD, (CounterChange.CANCEL_SALE, CounterChange.HOLD)),
        (SELL, SELL, ()),
        (NONE, NONE, ()),
    ],
)
def test_each_effect_change_moves_the_counters_it_should(
    before: InventoryEffect, after: InventoryEffect, expected: tuple[CounterChange, ...]
) -> None:
    assert counter_changes(before, after) == expected


@given(st.sampled_from(list(InventoryEffect)), st.sampled_from(list(InventoryEffect)), st.integers(1, 3))
def test_moving_a_line_from_any_effect_to_another_counts_it_exactly_once(
    before: InventoryEffect, after: InventoryEffect, rooms: int
) -> None:
    start = {key: cell for key, cell in _cells(total=5).items()}
    nights = [D, D + timedelta(days=1)]
    # Put the line in its "before" state first, then move it.
    placed = apply_moves(start, moves_for(1, nights, rooms, NONE, before))
    moved = apply_moves(placed, moves_for(1, nights, rooms, before, after))
    for night in nights:
        cell = moved[(1, night)]
        assert (cell.sold, cell.held) == ({SELL: rooms}.get(after, 0), {HOLD: rooms}.get(after, 0))


def test_a_booking_moving_within_its_own_nights_is_never_short_of_its_own_rooms() -> None:
    cells = apply_moves(_cells(total=2), [CounterMove(1, (D, D + timedelta(days=1)), 2, CounterChange.SELL)])
    # The same two rooms, one night later: release first, then take; no overbooking allowed here.
    moves = [
        CounterMove(1, (D + timedelta(days=1), D + timedelta(days=2)), 2, CounterChange.SELL),
        CounterMove(1, (D, D + timedelta(days=1)), 2, CounterChange.CANCEL_SALE),
    ]
    after = apply_moves(cells, moves)
    assert [after[(1, D + timedelta(days=d))].sold for d in range(3)] == [0, 2, 2]


def test_moves_refuse_all_or_change_nothing_unless_overbooking_is_allowed() -> None:
    cells = _cells(total=1)
    with pytest.raises(InsufficientInventory):
        apply_moves(
            cells,
            [
                CounterMove(1, (D,), 1, CounterChange.HOLD),
                CounterMove(1, (D,), 1, CounterChange.HOLD),
            ],
        )
    assert cells[(1, D)].held == 0  # the input is never mutated
    overbooked = apply_moves(cells, [CounterMove(1, (D,), 2, CounterChange.SELL)], allow_overbooking=True)
    assert overbooked[(1, D)].overbooked_by == 1
    assert overbooked[(1, D)].version == cells[(1, D)].version + 1


def test_seeded_statuses_give_the_system_statuses_their_fixed_effects_and_terminals_no_way_out() -> None:
    by_code = {status.code: status for status in DEFAULT_STATUSES}
    for code, effect in SYSTEM_STATUS_EFFECTS.items():
        assert by_code[code].effect is effect
    terminal = {status.code for status in DEFAULT_STATUSES if status.terminal}
    assert not [t for t in DEFAULT_TRANSITIONS if t.from_code in terminal]
    assert {t.to_code for t in DEFAULT_TRANSITIONS} | {t.from_code for t in DEFAULT_TRANSITIONS} <= set(by_code)


def test_references_are_prefixed_crockford_base32() -> None:
    reference = format_reference(bytes([0xFF] * 5))
    assert reference == "PTX-ZZZZZZZZ"
    assert format_reference(bytes(5)) == "PTX-00000000"
    assert not set(format_reference(b"\x12\x34\x56\x78\x9a")[4:]) & set("ILOU")


def test_idempotency_keys_and_request_fingerprints() -> None:
    assert check_idempotency_key("b7f1c0de-0000-4000-8000-000000000000")
    for bad in ("", "has space", "x" * 256, "naïve"):
        with pytest.raises(InvalidInput):
            check_idempotency_key(bad)
    assert request_fingerprint("op", {"a": 1, "b": [1, 2]}) == request_fingerprint("op", {"b": [1, 2], "a": 1})
    assert request_fingerprint("op", {"a": 1}) != request_fingerprint("op", {"a": 2})
    assert request_fingerprint("op", {"a": 1}) != request_fingerprint("other", {"a": 1})


def test_colours_are_hex_triplets() -> None:
    assert check_colour("#10b981") == "#10B981"
    with pytest.raises(InvalidInput):
        check_colour("green")


def test_revision_decisions() -> None:
    assert decide_revision("0002", ["0001", "0002"], "0002") is RevisionDecision.DUPLICATE
    assert decide_revision("0001", ["0002"], "0002") is RevisionDecision.STALE
    assert decide_revision("0003", ["0001", "0002"], "0002") is RevisionDecision.APPLY
    assert decide_revision("0001", [], None) is RevisionDecision.APPLY
    # A stale revision is recorded but was never applied: it does not move the newest applied one.
    assert decide_revision("0000", ["0001", "0000x"], "0001") is RevisionDecision.STALE


@given(st.lists(st.integers(0, 9), min_size=1, max_size=12))
def test_whatever_the_delivery_order_the_newest_revision_is_the_one_applied_last(deliveries: list[int]) -> None:
    recorded: list[str] = []
    newest: str | None = None
    applied: list[str] = []
    for number in deliveries:
        revision = f"{number:04d}"
        decision = decide_revision(revision, recorded, newest)
        if decision is RevisionDecision.DUPLICATE:
            continue
        recorded.append(revision)
        if decision is RevisionDecision.APPLY:
            applied.append(revision)
            newest = revision
    assert applied == sorted(applied)
    assert applied[-1] == f"{max(deliveries):04d}"
    assert len(recorded) == len(set(deliveries))


def test_ota_reservation_lock_keys_are_stable_signed_32_bit_and_namespaced() -> None:
    namespace, key = ota_reservation_lock_key("booking_com", "4711")
    assert namespace == LockNamespace.OTA_RESERVATION == 3
    assert -(2**31) <= key < 2**31
    assert ota_reservation_lock_key("booking_com", "4711") == (namespace, key)
    assert ota_reservation_lock_key("agoda", "4711") != (namespace, key)


def _request(**changes: object) -> OtaBookingRequest:
    base: dict[str, object] = {
        "ota": OtaCode.AGODA,
        "reservation_id": "A-1",
        "revision": "0001",
        "action": ReservationAction.NEW,
        "property_id": 1,
        "lines": (
            OtaBookingLine(1, None, D, D + timedelta(days=2), nightly_amounts=(NightlyRate(D, Decimal("100.50")),)),
        ),
        "guest": None,
        "total_amount": None,
        "currency": "MYR",
        "received_at": datetime(2030, 1, 1, tzinfo=UTC),
    }
    base.update(changes)
    return OtaBookingRequest(**base)  # type: ignore[arg-type]


def test_ingest_requests_are_checked_naming_the_field() -> None:
    validate_request(_request())
    validate_request(_request(action=ReservationAction.CANCEL, lines=()))
    cases = {
        "lines": _request(lines=()),
        "received_at": _request(received_at=datetime(2030, 1, 1)),
        "lines[0].check_out": _request(lines=(OtaBookingLine(1, None, D, D),)),
        "lines[0].nightly_amounts": _request(currency="VND"),  # 100.50 has decimals VND does not allow
        "currency": _request(currency="XXX"),
    }
    for field, request in cases.items():
        with pytest.raises(InvalidInput) as refused:
            validate_request(request)
        assert field in {d["field"] for d in refused.value.details}, field


# --- alerts --------------------------------------------------------------------------------------

NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)


def test_the_alert_lifecycle() -> None:
    assert next_status(AlertStatus.NEW, AlertAction.ACKNOWLEDGE, snooze_until=None, now=NOW) is AlertStatus.ACKNOWLEDGED
    assert (
        next_status(AlertStatus.ACKNOWLEDGED, AlertAction.SNOOZE, snooze_until=NOW + timedelta(hours=1), now=NOW)
        is AlertStatus.SNOOZED
    )
    assert next_status(AlertStatus.SNOOZED, AlertAction.RESOLVE, snooze_until=None, now=NOW) is AlertStatus.RESOLVED
    with pytest.raises(InvalidInput):
        next_status(AlertStatus.NEW, AlertAction.SNOOZE, snooze_until=NOW - timedelta(seconds=1), now=NOW)
    for action in AlertAction:
        with pytest.raises(AlertTransitionNotAllowed):
            next_status(AlertStatus.RESOLVED, action, snooze_until=NOW + timedelta(hours=1), now=NOW)
    with pytest.raises(AlertTransitionNotAllowed):
        next_status(AlertStatus.ACKNOWLEDGED, AlertAction.ACKNOWLEDGE, snooze_until=None, now=NOW)
    assert overbooking_key(7, D) == "overbooking:7:2030-03-01"


def _on_night(group_id: int, channel: str, arrived: datetime, booked: datetime | None = None) -> BookingOnNight:
    return BookingOnNight(
        group_id,
        f"PTX-{group_id}",
        "ota" if channel != "direct" else "direct",
        channel,
        1,
        "sell",
        arrived,
        booked or arrived,
    )


def test_alert_text_names_channels_as_people_know_them() -> None:
    assert [channel_name(c) for c in ("booking_com", "agoda", "expedia", "traveloka")] == [
        "Booking.com",
        "Agoda",
        "Expedia",
        "Traveloka",
    ]
    assert (channel_name("direct"), channel_name("partner")) == ("Direct", "Partner")
    assert channel_name("new_ota") == "new_ota"  # unknown: shown as stored rather than hidden


def test_the_root_cause_names_the_bookings_and_the_stale_channel() -> None:
    cell = InventoryCell(room_type_id=1, night=D, total=1, sold=2, version=3)
    direct = _on_night(1, "direct", NOW)
    ota = _on_night(2, "agoda", NOW + timedelta(minutes=2), booked=NOW + timedelta(minutes=1))
    stale = {"agoda": ChannelFreshness("agoda", last_ari_ack_at=NOW - timedelta(minutes=5))}

    cause = overbooking_root_cause(cell, [ota, direct], trigger_group_id=2, freshness=stale)

    assert [b["group_id"] for b in cause["bookings"]] == [1, 2]  # in order of arrival
    assert cause["overbooked_by"] == 1
    assert cause["rooms_by_channel"] == {"agoda": 1, "direct": 1}
    assert cause["trigger_channel"] == "agoda"
    assert cause["stale_channels"][0]["channel"] == "agoda"
    assert cause["stale_channels"][0]["behind_by_seconds"] == 300.0

    fresh = {"agoda": ChannelFreshness("agoda", last_ari_ack_at=NOW + timedelta(seconds=10))}
    assert overbooking_root_cause(cell, [ota, direct], 2, fresh)["stale_channels"] == []
    unknown = overbooking_root_cause(cell, [ota, direct], 2, {})
    assert unknown["stale_channels"] == [] and unknown["channel_freshness_unknown"] == ["agoda"]
    # The OTA sold before the direct booking reached us: a genuine race, nobody was stale.
    early = _on_night(2, "agoda", NOW + timedelta(minutes=2), booked=NOW - timedelta(minutes=1))
    assert overbooking_root_cause(cell, [early, direct], 2, stale)["stale_channels"] == []
