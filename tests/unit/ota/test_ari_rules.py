"""ARI shaping rules: merge, fit to an OTA's bounds, split within its limits (pure, with properties)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.ari import (
    ARI_LIMITS,
    AriLimits,
    AriUpdate,
    Restriction,
    batch_cells,
    drop_unsupported,
    expand_to_nights,
    fit_to_limits,
    merge_into_ranges,
    plan_push,
    split_into_batches,
)
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import WarningKind

D = date(2025, 1, 1)


def night(offset: int) -> date:
    return D + timedelta(days=offset)


# --- strategies -----------------------------------------------------------------------------------

rooms = st.sampled_from(["DLX", "STE", "FAM"])
rate_plans = st.sampled_from([None, "BAR", "NRF"])


@st.composite
def ari_updates(draw: st.DrawFn, max_offset: int = 120, max_len: int = 90) -> AriUpdate:
    start = draw(st.integers(0, max_offset))
    length = draw(st.integers(1, max_len))
    min_los = draw(st.none() | st.integers(1, 10))
    max_los = draw(st.none() | st.integers(10, 28))  # within every OTA's bound; clamping has its own tests
    has_rate = draw(st.booleans())
    update = AriUpdate(
        ota_room_id=draw(rooms),
        ota_rate_plan_id=draw(rate_plans),
        start=night(start),
        end=night(start + length - 1),
        availability=draw(st.none() | st.integers(0, 3)),
        stop_sell=draw(st.none() | st.booleans()),
        closed_to_arrival=draw(st.none() | st.booleans()),
        min_los=min_los,
        max_los=max_los,
        rate=Decimal(draw(st.integers(50, 52))) if has_rate else None,
        currency="USD" if has_rate else None,
        version=draw(st.integers(0, 5)),
    )
    if update.is_empty:  # an update that carries nothing is never built by the sync engine
        update = dataclasses.replace(update, availability=1)
    return update


limits_strategy = st.builds(
    AriLimits,
    max_cells_per_message=st.none() | st.integers(1, 400),
    max_entries_per_message=st.none() | st.integers(1, 20),
    max_range_nights=st.none() | st.integers(1, 60),
    one_calendar_month_per_message=st.booleans(),
)


def values_by_night(updates: list[AriUpdate]) -> dict[tuple[str, str | None, date], tuple[object, ...]]:
    return {key: cell.values_key() for key, cell in expand_to_nights(updates).items()}


def assert_within(batch: tuple[AriUpdate, ...], limits: AriLimits) -> None:
    assert batch, "no empty message"
    if limits.max_cells_per_message is not None:
        assert batch_cells(batch) <= limits.max_cells_per_message
    if limits.max_entries_per_message is not None:
        assert len(batch) <= limits.max_entries_per_message
    for update in batch:
        if limits.max_range_nights is not None:
            assert update.nights <= limits.max_range_nights
    if limits.one_calendar_month_per_message:
        months = {(u.start.year, u.start.month) for u in batch} | {(u.end.year, u.end.month) for u in batch}
        assert len(months) == 1


# --- properties ---------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.lists(ari_updates(), min_size=1, max_size=12))
def test_merging_keeps_every_nights_values(updates: list[AriUpdate]) -> None:
    merged = merge_into_ranges(updates)
    assert values_by_night(merged) == values_by_night(updates)
    assert merge_into_ranges(merged) == merged  # canonical


@settings(max_examples=150, deadline=None)
@given(st.lists(ari_updates(), min_size=1, max_size=12), limits_strategy)
def test_split_after_merge_loses_nothing_and_respects_every_limit(updates: list[AriUpdate], limits: AriLimits) -> None:
    merged = merge_into_ranges(updates)
    batches = split_into_batches(merged, limits)
    for batch in batches:
        assert_within(batch, limits)
    flat = [update for batch in batches for update in batch]
    assert sum(u.nights for u in flat) == sum(u.nights for u in merged), "no night sent twice"
    assert values_by_night(flat) == values_by_night(updates)
    assert merge_into_ranges(flat) == merged


@settings(max_examples=60, deadline=None)
@given(st.lists(ari_updates(max_offset=900, max_len=400), min_size=1, max_size=6), st.sampled_from(list(OtaCode)))
def test_planned_messages_fit_each_otas_published_limits(updates: list[AriUpdate], ota: OtaCode) -> None:
    today = night(10)
    batches, warnings = plan_push(updates, ota, today=today)
    limits = ARI_LIMITS[ota]
    horizon = today + timedelta(days=limits.max_days_ahead or 10_000)
    for batch in batches:
        assert_within(batch, limits)
        for update in batch:
            assert today <= update.start and update.end <= horizon
            if limits.max_availability is not None and update.availability is not None:
                assert update.availability <= limits.max_availability
    sent_nights = values_by_night([u for batch in batches for u in batch])
    for (room, rate_plan, day), values in values_by_night(updates).items():
        if today <= day <= horizon:
            assert sent_nights[(room, rate_plan, day)] == values
        else:
            assert (room, rate_plan, day) not in sent_nights
    if any(u.start < today or u.end > horizon for u in updates):
        assert any(w.kind is WarningKind.OUT_OF_HORIZON for w in warnings)


# --- examples ------------------------------------------------------------------------------------------


def test_consecutive_equal_nights_become_one_range_with_the_newest_version() -> None:
    updates = [AriUpdate("DLX", night(i), night(i), availability=4, version=i) for i in range(10)]
    assert merge_into_ranges(updates) == [AriUpdate("DLX", night(0), night(9), availability=4, version=9)]


def test_a_newer_version_wins_where_updates_overlap_and_keeps_older_fields_it_does_not_carry() -> None:
    older = AriUpdate("DLX", night(0), night(4), "BAR", rate=Decimal("100"), currency="USD", min_los=2, version=1)
    newer = AriUpdate("DLX", night(2), night(3), "BAR", rate=Decimal("120"), currency="USD", version=2)
    merged = merge_into_ranges([newer, older])  # input order must not matter
    assert [(u.start, u.end, u.rate, u.min_los) for u in merged] == [
        (night(0), night(1), Decimal("100"), 2),
        (night(2), night(3), Decimal("120"), 2),
        (night(4), night(4), Decimal("100"), 2),
    ]


def test_booking_com_messages_never_cross_a_month_end() -> None:
    batches = split_into_batches(
        [AriUpdate("DLX", date(2025, 1, 20), date(2025, 3, 5), availability=1)], ARI_LIMITS[OtaCode.BOOKING_COM]
    )
    assert [(b[0].start, b[0].end) for b in batches] == [
        (date(2025, 1, 20), date(2025, 1, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 3, 5)),
    ]


def test_expedia_messages_hold_at_most_3000_updates_splitting_a_range_that_does_not_fit() -> None:
    updates = [AriUpdate(f"R{i}", night(0), night(699), availability=2) for i in range(5)]  # 3500 nights
    batches = split_into_batches(updates, ARI_LIMITS[OtaCode.EXPEDIA])
    assert [batch_cells(b) for b in batches] == [3000, 500]
    assert sum(batch_cells(b) for b in batches) == 3500


def test_agoda_ranges_are_cut_at_730_nights() -> None:
    batches = split_into_batches([AriUpdate("DLX", night(0), night(1000), availability=1)], ARI_LIMITS[OtaCode.AGODA])
    pieces = [u for b in batches for u in b]
    assert [u.nights for u in pieces] == [730, 271]


def test_booking_limit_above_254_is_sent_as_254_with_a_warning() -> None:
    fitted, warnings = fit_to_limits(
        [AriUpdate("DLX", night(0), night(3), availability=300)],
        ARI_LIMITS[OtaCode.BOOKING_COM],
        OtaCode.BOOKING_COM,
        today=night(0),
    )
    assert fitted[0].availability == 254
    assert warnings[0].kind is WarningKind.VALUE_LIMITED
    assert "254" in warnings[0].message and "Booking.com" in warnings[0].message


def test_expedia_min_stay_above_28_is_not_sent_and_says_so_while_max_stay_is_tightened() -> None:
    fitted, warnings = fit_to_limits(
        [AriUpdate("DLX", night(0), night(3), "BAR", min_los=30, max_los=40, rate=Decimal("1"), currency="USD")],
        ARI_LIMITS[OtaCode.EXPEDIA],
        OtaCode.EXPEDIA,
        today=night(0),
    )
    assert fitted[0].min_los is None and fitted[0].max_los == 28
    messages = " ".join(w.message for w in warnings)
    assert "min LOS 30" in messages and "not sent" in messages and "max LOS 40" in messages


def test_nights_beyond_the_horizon_are_trimmed_with_a_warning() -> None:
    fitted, warnings = fit_to_limits(
        [AriUpdate("DLX", night(-5), night(800), availability=1)],
        ARI_LIMITS[OtaCode.AGODA],
        OtaCode.AGODA,
        today=night(0),
    )
    assert (fitted[0].start, fitted[0].end) == (night(0), night(730))
    assert [w.kind for w in warnings] == [WarningKind.OUT_OF_HORIZON]


def test_an_unsupported_restriction_becomes_a_warning_naming_restriction_and_ota_never_a_silent_drop() -> None:
    update = AriUpdate("DLX", night(0), night(6), "BAR", closed_to_departure=True, max_los=5, min_los=2)
    kept, warnings = drop_unsupported(
        [update], {Restriction.CLOSED_TO_DEPARTURE, Restriction.MAX_LOS}, OtaCode.TRAVELOKA
    )
    assert kept == [dataclasses.replace(update, closed_to_departure=None, max_los=None)]
    assert sorted(w.message.split(" is")[0] for w in warnings) == [
        "restriction closed_to_departure",
        "restriction max_los",
    ]
    assert all("Traveloka" in w.message and w.kind is WarningKind.UNSUPPORTED_RESTRICTION for w in warnings)


def test_an_update_left_with_nothing_supported_is_not_sent() -> None:
    kept, warnings = drop_unsupported(
        [AriUpdate("DLX", night(0), night(1), "BAR", max_los=5)], {Restriction.MAX_LOS}, OtaCode.TRAVELOKA
    )
    assert kept == [] and len(warnings) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": night(-1)}, "before start"),
        ({"availability": -1}, "negative"),
        ({"min_los": 5, "max_los": 3}, "min_los cannot exceed"),
        ({"rate": Decimal("10")}, "currency"),
        ({"rate": Decimal("-1"), "currency": "USD"}, "negative"),
    ],
)
def test_an_impossible_update_is_refused_at_construction(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"ota_room_id": "DLX", "start": night(0), "end": night(1)}
    with pytest.raises(ValueError, match=message):
        AriUpdate(**{**base, **kwargs})  # type: ignore[arg-type]


def test_a_float_rate_is_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        AriUpdate("DLX", night(0), night(1), rate=99.5, currency="USD")  # type: ignore[arg-type]
