"""Currencies and amounts: which ISO 4217 codes we accept, how many decimals each allows, rounding.

Amounts are :class:`decimal.Decimal`, never floats. A rate may carry at most as many decimals as
its currency's minor unit (``VND 1500000`` yes, ``VND 1500000.5`` no; ``KWD 12.125`` yes).
Trailing zeros do not count: ``JPY 1200.00`` is the integer 1200 and is accepted.

Minor units follow ISO 4217 with one deliberate exception, **IDR**: ISO lists 2 decimals, but
the rupiah has had no circulating subunit for decades, Indonesian hotels price in whole rupiah
and the OTAs we sync with show whole rupiah, so we allow 0. (VND is 0 in ISO 4217 itself.)

Rounding of computed amounts (derived rates, percentage adjustments) is **half-up** (away from
zero at exactly half) to the currency's minor unit, the rule hotel staff expect from a
calculator, applied once per derivation step.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from chalicelib.domain.errors import InvalidInput

# ISO 4217 minor units. South-East Asia first, then the currencies of the group's guests and
# partners (majors, Asia-Pacific, Middle East, Europe, Americas, Africa).
CURRENCY_MINOR_UNITS: MappingProxyType[str, int] = MappingProxyType(
    {
        # South-East Asia
        "VND": 0,
        "IDR": 0,  # ISO says 2; whole rupiah in practice (see the module docstring)
        "MYR": 2,
        "THB": 2,
        "SGD": 2,
        "PHP": 2,
        "KHR": 2,
        "LAK": 2,
        "MMK": 2,
        "BND": 2,
        # majors and Asia-Pacific
        "USD": 2,
        "EUR": 2,
        "GBP": 2,
        "JPY": 0,
        "CNY": 2,
        "HKD": 2,
        "MOP": 2,
        "TWD": 2,
        "KRW": 0,
        "AUD": 2,
        "NZD": 2,
        "FJD": 2,
        "XPF": 0,
        "INR": 2,
        "LKR": 2,
        "BDT": 2,
        "NPR": 2,
        "PKR": 2,
        "MVR": 2,
        "MNT": 2,
        "KZT": 2,
        # Middle East
        "AED": 2,
        "SAR": 2,
        "QAR": 2,
        "ILS": 2,
        "KWD": 3,
        "BHD": 3,
        "OMR": 3,
        "JOD": 3,
        "IQD": 3,
        # Europe
        "CHF": 2,
        "SEK": 2,
        "NOK": 2,
        "DKK": 2,
        "PLN": 2,
        "CZK": 2,
        "HUF": 2,
        "RON": 2,
        "TRY": 2,
        "RUB": 2,
        "ISK": 0,
        # Americas
        "CAD": 2,
        "MXN": 2,
        "BRL": 2,
        "ARS": 2,
        "CLP": 0,
        "COP": 2,
        "PEN": 2,
        # Africa
        "ZAR": 2,
        "EGP": 2,
        "MAD": 2,
        "KES": 2,
        "TND": 3,
        "LYD": 3,
        "UGX": 0,
        "RWF": 0,
        "XOF": 0,
        "XAF": 0,
    }
)

MAX_AMOUNT = Decimal("99999999999")
"""Largest amount we store (fits NUMERIC(14, 3)); larger is refused rather than truncated."""


def validate_currency(code: str, *, field: str = "currency") -> str:
    """Return ``code`` if it is an accepted ISO 4217 code (upper case, e.g. ``VND``), else refuse."""
    if code not in CURRENCY_MINOR_UNITS:
        hint = " (codes are upper case)" if code.upper() in CURRENCY_MINOR_UNITS else ""
        raise InvalidInput(
            f"{field}: unknown or unsupported currency {code!r}{hint}",
            details=[{"field": field, "message": f"unknown or unsupported ISO 4217 currency {code!r}{hint}"}],
        )
    return code


def minor_units(currency: str) -> int:
    """Decimals the currency allows: 0 for VND, IDR, JPY; 3 for KWD, BHD; 2 for most."""
    return CURRENCY_MINOR_UNITS[validate_currency(currency)]


def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: ``1`` for VND, ``0.01`` for USD, ``0.001`` for KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_to_currency(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit (``USD 10.005`` → ``10.01``)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def check_amount(
    amount: Decimal,
    currency: str,
    *,
    field: str,
    allow_negative: bool = False,
    **where: Any,
) -> Decimal:
    """Validate a money amount entered for ``currency``; return it at the currency's scale.

    Refuses, naming ``field`` (and any ``where`` keys such as ``night`` in the error detail):
    non-finite values, negatives (unless ``allow_negative``, for signed adjustments), amounts
    above :data:`MAX_AMOUNT`, and amounts with more decimals than the currency allows.
    """
    detail: dict[str, Any] = {"field": field, **{k: _jsonable(v) for k, v in where.items()}}
    if not amount.is_finite():
        raise _amount_error(detail, "must be a finite number")
    if amount < 0 and not allow_negative:
        raise _amount_error(detail, f"must not be negative (got {amount})")
    if abs(amount) > MAX_AMOUNT:
        raise _amount_error(detail, f"must not exceed {MAX_AMOUNT}")
    scale = quantum(currency)
    rounded = amount.quantize(scale, rounding=ROUND_HALF_UP)
    if rounded != amount:
        decimals = minor_units(currency)
        raise _amount_error(
            detail,
            f"{amount} has more decimals than {currency} allows ({decimals})",
        )
    return rounded


def _amount_error(detail: dict[str, Any], message: str) -> InvalidInput:
    where = f" on {detail['night']}" if "night" in detail else ""
    return InvalidInput(f"{detail['field']}{where}: {message}", details=[{**detail, "message": message}])


def _jsonable(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else value
