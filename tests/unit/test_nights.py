"""Night ranges: check-in inclusive, check-out exclusive, the 24-month horizon, weekday filters."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.nights import (
    ALL_WEEKDAYS,
    NightRange,
    Weekday,
    add_months,
    calendar_window,
    contiguous_runs,
    horizon_end,
    parse_weekdays,
    validate_night_range,
)
from tests.unit.calendar_strategies import PROPERTY, TODAY, night_ranges, weekday_sets


def test_a_stay_uses_the_nights_before_check_out() -> None:
    stay = NightRange(date(2026, 3, 10), date(2026, 3, 12))
    assert list(stay) == [date(2026, 3, 10), date(2026, 3, 11)]
    assert len(stay) == 2
    assert date(2026, 3, 12) not in stay
    assert stay.first_night == date(2026, 3, 10) and stay.last_night == date(2026, 3, 11)


def test_check_out_on_or_before_check_in_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        NightRange(date(2026, 3, 12), date(2026, 3, 12))
    assert caught.value.details[0]["field"] == "check_out"


def test_range_errors_name_the_request_fields() -> None:
    with pytest.raises(InvalidInput) as caught:
        NightRange.of(date(2026, 3, 12), date(2026, 3, 11), start_field="arrival", end_field="departure")
    assert caught.value.details == [{"field": "departure", "message": "must be after arrival (2026-03-12)"}]


def test_inclusive_calendar_range_includes_its_last_night() -> None:
    january = NightRange.through(date(2026, 1, 1), date(2026, 1, 31))
    assert len(january) == 31
    assert NightRange.through(date(2026, 1, 5), date(2026, 1, 5)) == NightRange.single(date(2026, 1, 5))
    with pytest.raises(InvalidInput) as caught:
        NightRange.through(date(2026, 1, 5), date(2026, 1, 4))
    assert caught.value.details[0]["field"] == "date_to"


def test_weekday_filter_keeps_only_those_nights() -> None:
    march = NightRange.through(date(2026, 3, 1), date(2026, 3, 31))  # 1 March 2026 is a Sunday
    weekends = march.nights(frozenset({Weekday.SAT, Weekday.SUN}))
    assert weekends[:3] == (date(2026, 3, 1), date(2026, 3, 7), date(2026, 3, 8))
    assert all(night.weekday() >= 5 for night in weekends)
    assert len(weekends) == 9


def test_weekday_names_parse_and_unknown_names_are_refused() -> None:
    assert parse_weekdays(["mon", "Saturday", " sun "]) == {Weekday.MON, Weekday.SAT, Weekday.SUN}
    with pytest.raises(InvalidInput) as caught:
        parse_weekdays(["mon", "funday"], field="body.weekdays")
    assert caught.value.details[0]["field"] == "body.weekdays"
    assert "funday" in caught.value.message
    with pytest.raises(InvalidInput):
        parse_weekdays([])


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 2, 29), 24) == date(2030, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_the_horizon_is_24_months_and_a_stay_may_check_out_on_it() -> None:
    end = horizon_end(TODAY)
    assert end == date(2028, 3, 1)
    last_stay = NightRange(end - timedelta(days=1), end)
    assert validate_night_range(last_stay, today=TODAY) == last_stay
    assert len(calendar_window(TODAY)) == (end - TODAY).days


def test_a_night_beyond_the_horizon_is_refused_naming_the_end_field() -> None:
    end = horizon_end(TODAY)
    with pytest.raises(InvalidInput) as caught:
        validate_night_range(NightRange(end - timedelta(days=1), end + timedelta(days=1)), today=TODAY)
    assert caught.value.details[0]["field"] == "check_out"
    assert "24 months" in caught.value.details[0]["message"]


def test_past_nights_are_refused_unless_allowed() -> None:
    yesterday_stay = NightRange(TODAY - timedelta(days=1), TODAY + timedelta(days=1))
    with pytest.raises(InvalidInput) as caught:
        validate_night_range(yesterday_stay, today=TODAY, start_field="date_from", end_field="date_to")
    assert caught.value.details[0]["field"] == "date_from"
    assert validate_night_range(yesterday_stay, today=TODAY, allow_past=True) == yesterday_stay


def test_contiguous_runs_group_consecutive_nights() -> None:
    nights = [date(2026, 3, 3), date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 5)]
    assert contiguous_runs(nights) == [
        NightRange(date(2026, 3, 1), date(2026, 3, 4)),
        NightRange(date(2026, 3, 5), date(2026, 3, 6)),
    ]
    assert contiguous_runs([]) == []


@PROPERTY
@given(night_ranges(max_nights=60), weekday_sets)
def test_weekday_filtered_nights_are_exactly_the_matching_nights_of_the_range(
    stay: NightRange, weekdays: frozenset[Weekday]
) -> None:
    expected = [stay.check_in + timedelta(days=i) for i in range(len(stay))]
    assert list(stay) == expected
    assert stay.nights(weekdays) == tuple(n for n in expected if Weekday(n.weekday()) in weekdays)
    assert stay.nights(ALL_WEEKDAYS) == tuple(expected)


@PROPERTY
@given(st.sets(st.integers(0, 90)))
def test_contiguous_runs_cover_exactly_the_nights(offsets: set[int]) -> None:
    nights = {TODAY + timedelta(days=o) for o in offsets}
    runs = contiguous_runs(nights)
    assert {night for run in runs for night in run} == nights
    assert all(a.check_out < b.check_in for a, b in itertools.pairwise(runs))  # gaps between runs
