"""Nights, stays and date ranges of the inventory calendar.

A *night* is the date a guest goes to sleep: a stay from 10 March to 12 March uses the nights of
10 and 11 March, and the room is free again on the night of 12 March. :class:`NightRange` models
exactly that: check-in inclusive, check-out exclusive. The same type carries a calendar range
("every night from 1 to 31 January" is ``NightRange.through(jan_1, jan_31)``).

Nothing here reads the clock. Functions that need "today" take it as an argument, computed by the
caller in the property's timezone (:func:`chalicelib.domain.timezones.today_in_timezone`).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

from chalicelib.domain.errors import InvalidInput

MAX_MONTHS_AHEAD = 24
"""The calendar reaches this many months past today; no stay or update may go further."""

ONE_DAY = timedelta(days=1)


class Weekday(IntEnum):
    """Days of the week numbered as :meth:`datetime.date.weekday` numbers them."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @classmethod
    def of(cls, night: date) -> Weekday:
        return cls(night.weekday())


ALL_WEEKDAYS: frozenset[Weekday] = frozenset(Weekday)


_WEEKDAY_NAMES: dict[str, Weekday] = {
    **{day.name.lower(): day for day in Weekday},
    **dict(zip(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), Weekday, strict=True)),
}


def parse_weekdays(names: Iterable[str], *, field: str = "weekdays") -> frozenset[Weekday]:
    """``["mon", "Saturday"]`` → ``{Weekday.MON, Weekday.SAT}``; unknown names and empty lists are refused."""
    chosen: set[Weekday] = set()
    for name in names:
        day = _WEEKDAY_NAMES.get(name.strip().lower())
        if day is None:
            raise InvalidInput(
                f"{field}: unknown weekday {name!r}",
                details=[{"field": field, "message": f"unknown weekday {name!r}; use mon, tue, ... sun"}],
            )
        chosen.add(day)
    if not chosen:
        raise InvalidInput(
            f"{field}: choose at least one weekday",
            details=[{"field": field, "message": "choose at least one weekday"}],
        )
    return frozenset(chosen)


@dataclass(frozen=True, order=True, slots=True)
class NightRange:
    """The nights from ``check_in`` (inclusive) to ``check_out`` (exclusive); never empty.

    Iterating yields the nights in order; ``len()`` is the number of nights (the length of stay).
    Constructing a range whose check-out is not after its check-in raises :class:`InvalidInput`
    naming ``check_out``; use :meth:`of` to name the fields of your request instead.
    """

    check_in: date
    check_out: date

    def __post_init__(self) -> None:
        if self.check_out <= self.check_in:
            raise _order_error("check_in", "check_out", self.check_in, self.check_out)

    @classmethod
    def of(cls, start: date, end: date, *, start_field: str = "check_in", end_field: str = "check_out") -> NightRange:
        """A range from ``start`` to ``end`` (exclusive), naming the request's own fields on error."""
        if end <= start:
            raise _order_error(start_field, end_field, start, end)
        return cls(start, end)

    @classmethod
    def through(
        cls, first_night: date, last_night: date, *, start_field: str = "date_from", end_field: str = "date_to"
    ) -> NightRange:
        """A range given by its first and last night, both inclusive (how calendar UIs and OTAs say it)."""
        if last_night < first_night:
            raise InvalidInput(
                f"{end_field} ({last_night}) is before {start_field} ({first_night})",
                details=[{"field": end_field, "message": f"must be on or after {start_field} ({first_night})"}],
            )
        return cls(first_night, last_night + ONE_DAY)

    @classmethod
    def single(cls, night: date) -> NightRange:
        return cls(night, night + ONE_DAY)

    @property
    def first_night(self) -> date:
        return self.check_in

    @property
    def last_night(self) -> date:
        return self.check_out - ONE_DAY

    def __len__(self) -> int:
        return (self.check_out - self.check_in).days

    def __iter__(self) -> Iterator[date]:
        night = self.check_in
        while night < self.check_out:
            yield night
            night += ONE_DAY

    def __contains__(self, night: object) -> bool:
        return isinstance(night, date) and self.check_in <= night < self.check_out

    def nights(self, weekdays: frozenset[Weekday] = ALL_WEEKDAYS) -> tuple[date, ...]:
        """The nights of the range, optionally only those falling on ``weekdays``."""
        if weekdays == ALL_WEEKDAYS:
            return tuple(self)
        return tuple(night for night in self if Weekday.of(night) in weekdays)

    def overlaps(self, other: NightRange) -> bool:
        return self.check_in < other.check_out and other.check_in < self.check_out

    def __str__(self) -> str:
        return f"{self.check_in.isoformat()}..{self.check_out.isoformat()}"


def _order_error(start_field: str, end_field: str, start: date, end: date) -> InvalidInput:
    return InvalidInput(
        f"{end_field} ({end}) must be after {start_field} ({start})",
        details=[{"field": end_field, "message": f"must be after {start_field} ({start})"}],
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def horizon_end(today: date, months: int = MAX_MONTHS_AHEAD) -> date:
    """The first night *outside* the calendar: nights ``today <= n < horizon_end(today)`` exist."""
    return add_months(today, months)


def calendar_window(today: date, months: int = MAX_MONTHS_AHEAD) -> NightRange:
    """Every night the calendar must hold on ``today``: from today up to the horizon."""
    return NightRange(today, horizon_end(today, months))


def validate_night_range(
    nights: NightRange,
    *,
    today: date,
    allow_past: bool = False,
    months_ahead: int = MAX_MONTHS_AHEAD,
    start_field: str = "check_in",
    end_field: str = "check_out",
) -> NightRange:
    """Refuse ranges that start before ``today`` (unless ``allow_past``) or end past the horizon.

    ``today`` is today's date in the property's timezone. The last allowed night is the day
    before :func:`horizon_end`, so a stay may check out on the horizon day itself. OTA bookings
    that arrive late for a stay already begun pass ``allow_past=True``.
    """
    problems: list[dict[str, str]] = []
    if not allow_past and nights.check_in < today:
        problems.append({"field": start_field, "message": f"{nights.check_in} is in the past (today is {today})"})
    end = horizon_end(today, months_ahead)
    if nights.check_out > end:
        problems.append(
            {
                "field": end_field,
                "message": f"the last night {nights.last_night} is more than {months_ahead} months ahead "
                f"(the calendar ends on the night of {end - ONE_DAY})",
            }
        )
    if problems:
        raise InvalidInput("; ".join(f"{p['field']}: {p['message']}" for p in problems), details=problems)
    return nights


def contiguous_runs(nights: Iterable[date]) -> list[NightRange]:
    """Sorted, de-duplicated nights grouped into the fewest ranges of consecutive nights."""
    runs: list[NightRange] = []
    start: date | None = None
    previous: date | None = None
    for night in sorted(set(nights)):
        if previous is not None and start is not None and night != previous + ONE_DAY:
            runs.append(NightRange(start, previous + ONE_DAY))
            start = None
        if start is None:
            start = night
        previous = night
    if start is not None and previous is not None:
        runs.append(NightRange(start, previous + ONE_DAY))
    return runs
