"""IANA timezones of properties, and "today" as the property sees it.

A property's calendar turns over at its local midnight, so "today" (the first night that can be
sold or edited, and the base of the 24-month horizon) is computed in its timezone from a UTC
instant the caller supplies: no function here reads the clock.

Validation uses the system's tz database through :mod:`zoneinfo`. The names ``localtime``,
``posixrules`` and ``Factory`` exist in some databases but name no place; they are refused.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime

from chalicelib.domain.errors import InvalidInput

_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_PLACES


def validate_timezone(name: str, *, field: str = "timezone") -> str:
    """Return ``name`` if it is an IANA timezone such as ``Asia/Ho_Chi_Minh``, else refuse naming ``field``."""
    if name not in _known_timezones():
        raise InvalidInput(
            f"{field}: unknown IANA timezone {name!r}",
            details=[{"field": field, "message": f"unknown IANA timezone {name!r}, e.g. Asia/Jakarta"}],
        )
    return name


def today_in_timezone(now: datetime, timezone: str) -> date:
    """The local date in ``timezone`` at the instant ``now`` (which must carry a UTC offset)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zoneinfo.ZoneInfo(validate_timezone(timezone))).date()
