"""Currencies (ISO 4217 minor units, IDR in whole rupiah), amount validation, timezones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import (
    CURRENCY_MINOR_UNITS,
    check_amount,
    minor_units,
    quantum,
    round_to_currency,
    validate_currency,
)
from chalicelib.domain.timezones import today_in_timezone, validate_timezone
from tests.unit.calendar_strategies import PROPERTY


@pytest.mark.parametrize(
    ("currency", "decimals"),
    [("VND", 0), ("IDR", 0), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("USD", 2), ("MYR", 2), ("THB", 2)],
)
def test_minor_units_follow_iso_4217_with_whole_rupiah(currency: str, decimals: int) -> None:
    assert minor_units(currency) == decimals


def test_south_east_asian_and_major_currencies_are_accepted() -> None:
    for code in ("VND", "IDR", "MYR", "THB", "SGD", "PHP", "KHR", "LAK", "MMK", "BND", "USD", "EUR", "GBP", "JPY"):
        assert validate_currency(code) == code
    assert all(len(code) == 3 and code.isupper() for code in CURRENCY_MINOR_UNITS)


def test_unknown_currency_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_currency("XYZ", field="body.currency")
    assert caught.value.details[0]["field"] == "body.currency"
    with pytest.raises(InvalidInput, match="upper case"):
        validate_currency("vnd")


def test_rate_with_more_decimals_than_the_currency_allows_is_refused_naming_field_and_night() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_amount(Decimal("1500000.5"), "VND", field="rates.7", night=date(2026, 3, 2))
    detail = caught.value.details[0]
    assert detail["field"] == "rates.7"
    assert detail["night"] == "2026-03-02"
    assert "more decimals than VND allows (0)" in detail["message"]
    assert "rates.7 on 2026-03-02" in caught.value.message


def test_amounts_within_the_currency_precision_pass_at_its_scale() -> None:
    assert check_amount(Decimal("12.125"), "KWD", field="rate") == Decimal("12.125")
    assert str(check_amount(Decimal("99.9"), "USD", field="rate")) == "99.90"
    assert check_amount(Decimal("1200.00"), "JPY", field="rate") == Decimal(1200)  # trailing zeros are no decimals
    with pytest.raises(InvalidInput, match="more decimals than USD"):
        check_amount(Decimal("99.999"), "USD", field="rate")


@pytest.mark.parametrize("bad", [Decimal("-1"), Decimal("NaN"), Decimal("Infinity"), Decimal("1e12")])
def test_negative_non_finite_and_huge_amounts_are_refused(bad: Decimal) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_amount(bad, "USD", field="base_rate")
    assert caught.value.details[0]["field"] == "base_rate"


def test_signed_adjustments_may_be_negative() -> None:
    assert check_amount(Decimal("-50000"), "VND", field="derivation.value", allow_negative=True) == Decimal(-50000)


def test_rounding_is_half_up() -> None:
    assert round_to_currency(Decimal("10.005"), "USD") == Decimal("10.01")
    assert round_to_currency(Decimal("10.004999"), "USD") == Decimal("10.00")
    assert round_to_currency(Decimal("1500.5"), "VND") == Decimal(1501)
    assert round_to_currency(Decimal("2.5"), "JPY") == Decimal(3)  # not banker's rounding
    assert round_to_currency(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert quantum("KWD") == Decimal("0.001")


@PROPERTY
@given(st.sampled_from(sorted(CURRENCY_MINOR_UNITS)), st.integers(0, 10**9), st.integers(0, 4))
def test_an_amount_is_accepted_exactly_when_rounding_would_not_change_it(currency: str, units: int, scale: int) -> None:
    amount = Decimal(units).scaleb(-scale)
    fits = round_to_currency(amount, currency) == amount
    try:
        check_amount(amount, currency, field="rate")
    except InvalidInput:
        assert not fits
    else:
        assert fits


def test_iana_timezones_are_accepted_and_unknown_names_refused() -> None:
    for name in ("Asia/Ho_Chi_Minh", "Asia/Jakarta", "Asia/Makassar", "Asia/Kuala_Lumpur", "UTC"):
        assert validate_timezone(name) == name
    for bad in ("Asia/Atlantis", "asia/jakarta", "", "../etc/passwd", "localtime", "Factory", "Asia"):
        with pytest.raises(InvalidInput) as caught:
            validate_timezone(bad, field="body.timezone")
        assert caught.value.details[0]["field"] == "body.timezone"


def test_today_is_the_local_date_of_the_property() -> None:
    instant = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 00:30 on 2 March in Vietnam (UTC+7)
    assert today_in_timezone(instant, "Asia/Ho_Chi_Minh") == date(2026, 3, 2)
    assert today_in_timezone(instant, "UTC") == date(2026, 3, 1)
    assert today_in_timezone(instant.astimezone(timezone(timedelta(hours=-5))), "Asia/Jakarta") == date(2026, 3, 2)
    with pytest.raises(ValueError, match="timezone-aware"):
        today_in_timezone(datetime(2026, 3, 1, 17, 30), "UTC")  # a naive datetime is the point
