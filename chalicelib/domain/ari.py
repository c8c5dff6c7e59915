"""ARI (availability, rates, restrictions) updates in OTA-neutral form, and the pure rules that
shape them for an OTA: merge consecutive equal days into ranges, keep values and dates within
what the OTA accepts (saying so, never silently), and split into messages within its limits.

An ``AriUpdate`` says "for this OTA room (and rate plan), on every night from ``start`` to ``end``
inclusive, these values hold". A field left ``None`` is not part of the update (deltas only).
``version`` is the version of the inventory cell the value came from; when two updates touch the
same night the higher version wins field by field, and a merged range carries the highest
version of its nights, so the sync engine can refuse to send an older value after a newer one.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import PushWarning, WarningKind


class Restriction(StrEnum):
    """Every value an ARI update can carry; adapters declare the ones their OTA cannot express."""

    AVAILABILITY = "availability"
    STOP_SELL = "stop_sell"
    CLOSED_TO_ARRIVAL = "closed_to_arrival"
    CLOSED_TO_DEPARTURE = "closed_to_departure"
    MIN_LOS = "min_los"
    MAX_LOS = "max_los"
    RATE = "rate"


# Restriction → the AriUpdate fields it owns (a rate travels with its currency).
_FIELDS: dict[Restriction, tuple[str, ...]] = {
    Restriction.AVAILABILITY: ("availability",),
    Restriction.STOP_SELL: ("stop_sell",),
    Restriction.CLOSED_TO_ARRIVAL: ("closed_to_arrival",),
    Restriction.CLOSED_TO_DEPARTURE: ("closed_to_departure",),
    Restriction.MIN_LOS: ("min_los",),
    Restriction.MAX_LOS: ("max_los",),
    Restriction.RATE: ("rate", "currency"),
}
_VALUE_FIELDS: tuple[str, ...] = tuple(name for names in _FIELDS.values() for name in names)


@dataclass(frozen=True, slots=True)
class AriUpdate:
    ota_room_id: str
    start: date
    end: date  # inclusive: the last night the values apply to
    ota_rate_plan_id: str | None = None
    availability: int | None = None  # rooms to sell
    stop_sell: bool | None = None  # closed for sale
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None
    min_los: int | None = None
    max_los: int | None = None
    rate: Decimal | None = None
    currency: str | None = None
    version: int = 0

    def __post_init__(self) -> None:
        if not self.ota_room_id:
            raise ValueError("ota_room_id is required")
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.availability is not None and self.availability < 0:
            raise ValueError("availability cannot be negative")
        for name in ("min_los", "max_los"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.min_los is not None and self.max_los is not None and self.min_los > self.max_los:
            raise ValueError("min_los cannot exceed max_los")
        if self.rate is not None:
            if not isinstance(self.rate, Decimal):
                raise TypeError("rate must be a Decimal")
            if self.rate < 0:
                raise ValueError("rate cannot be negative")
            if not self.currency or len(self.currency) != 3 or not self.currency.isalpha():
                raise ValueError("a rate needs a three-letter currency code")

    @property
    def nights(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def target(self) -> tuple[str, str | None]:
        return (self.ota_room_id, self.ota_rate_plan_id)

    @property
    def restrictions(self) -> frozenset[Restriction]:
        """The values this update carries."""
        return frozenset(
            restriction
            for restriction, names in _FIELDS.items()
            if getattr(self, names[0]) is not None  # currency alone is not a value
        )

    @property
    def is_empty(self) -> bool:
        return not self.restrictions

    def values_key(self) -> tuple[Any, ...]:
        """What two nights must share to be merged into one range (version aside)."""
        return tuple(getattr(self, name) for name in _VALUE_FIELDS)

    def with_dates(self, start: date, end: date) -> AriUpdate:
        return dataclasses.replace(self, start=start, end=end)

    def without(self, restrictions: Iterable[Restriction]) -> AriUpdate:
        cleared: dict[str, Any] = {}
        for restriction in restrictions:
            for name in _FIELDS[restriction]:
                cleared[name] = None
        return dataclasses.replace(self, **cleared) if cleared else self

    def describe_target(self) -> str:
        rate_plan = f" / rate plan {self.ota_rate_plan_id}" if self.ota_rate_plan_id else ""
        return f"room {self.ota_room_id}{rate_plan} {self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class AriLimits:
    """What one message to an OTA may carry. ``None`` means the OTA states no such limit."""

    max_cells_per_message: int | None = None  # nights x (room, rate plan) entries
    max_entries_per_message: int | None = None  # date ranges (one per room/rate plan/range)
    max_range_nights: int | None = None
    max_days_ahead: int | None = None  # last accepted night = today + this
    one_calendar_month_per_message: bool = False
    max_availability: int | None = None
    max_length_of_stay: int | None = None


ARI_LIMITS: Mapping[OtaCode, AriLimits] = {
    # One hotel (the push call's hotel) and one month per request; BookingLimit ≤ 254. Booking.com
    # asks for 12+ months of availability; it states no upper horizon, we stop at three years.
    OtaCode.BOOKING_COM: AriLimits(
        one_calendar_month_per_message=True, max_availability=254, max_days_ahead=3 * 365, max_entries_per_message=1000
    ),
    # ≤ 3000 updates per message (error 3107): we count every night of every room/rate plan entry
    # as one update, the conservative reading. Two years ahead; EQC LOS and inventory bounds.
    OtaCode.EXPEDIA: AriLimits(
        max_cells_per_message=3000, max_days_ahead=730, max_availability=4999, max_length_of_stay=28
    ),
    # Date ranges ≤ 730 days and nothing beyond 730 days ahead (error 2219); allotment has 3 digits.
    OtaCode.AGODA: AriLimits(
        max_range_nights=730, max_days_ahead=730, max_availability=999, max_entries_per_message=500
    ),
    # Our own contract (see chalicelib/ota/traveloka.py): ≤ 500 ranges per request, ranges ≤ 366
    # nights, two years ahead.
    OtaCode.TRAVELOKA: AriLimits(max_entries_per_message=500, max_range_nights=366, max_days_ahead=730),
}


# --- nights and ranges ----------------------------------------------------------------------------


def expand_to_nights(updates: Iterable[AriUpdate]) -> dict[tuple[str, str | None, date], AriUpdate]:
    """One single-night update per (room, rate plan, night). Where updates overlap, values are laid
    over each other in version order (input order breaks ties): a newer value wins, and a field the
    newer update does not carry keeps the older value."""
    ordered = sorted(enumerate(updates), key=lambda pair: (pair[1].version, pair[0]))
    nights: dict[tuple[str, str | None, date], AriUpdate] = {}
    for _, update in ordered:
        night = update.start
        while night <= update.end:
            key = (update.ota_room_id, update.ota_rate_plan_id, night)
            previous = nights.get(key)
            single = update.with_dates(night, night)
            if previous is not None:
                overlay = {name: getattr(single, name) for name in _VALUE_FIELDS if getattr(single, name) is not None}
                single = dataclasses.replace(previous, version=max(previous.version, single.version), **overlay)
            nights[key] = single
            night += timedelta(days=1)
    return nights


def merge_into_ranges(updates: Iterable[AriUpdate]) -> list[AriUpdate]:
    """Consecutive nights with equal values become one range (carrying the highest version).

    The result is canonical: merging it again, or merging any split of it, gives it back.
    """
    nights = expand_to_nights(updates)
    merged: list[AriUpdate] = []
    current: AriUpdate | None = None
    for key in sorted(nights, key=lambda k: (k[0], k[1] or "", k[1] is not None, k[2])):
        night = nights[key]
        if (
            current is not None
            and current.target == night.target
            and current.end + timedelta(days=1) == night.start
            and current.values_key() == night.values_key()
        ):
            current = dataclasses.replace(current, end=night.end, version=max(current.version, night.version))
            continue
        if current is not None:
            merged.append(current)
        current = night
    if current is not None:
        merged.append(current)
    return merged


# --- fitting values and dates to an OTA -------------------------------------------------------------


def drop_unsupported(
    updates: Sequence[AriUpdate], unsupported: Iterable[Restriction], ota: OtaCode
) -> tuple[list[AriUpdate], list[PushWarning]]:
    """Remove values the OTA cannot express, with one warning per restriction and target."""
    unsupported_set = frozenset(unsupported)
    kept: list[AriUpdate] = []
    spans: dict[tuple[Restriction, str, str | None], tuple[date, date]] = {}
    for update in updates:
        present = update.restrictions & unsupported_set
        for restriction in present:
            key = (restriction, update.ota_room_id, update.ota_rate_plan_id)
            start, end = spans.get(key, (update.start, update.end))
            spans[key] = (min(start, update.start), max(end, update.end))
        stripped = update.without(present)
        if not stripped.is_empty:
            kept.append(stripped)
    warnings = [
        PushWarning(
            kind=WarningKind.UNSUPPORTED_RESTRICTION,
            message=(
                f"restriction {restriction.value} is not supported by {ota.display_name}; "
                f"not sent for {_describe(room, rate_plan, start, end)}"
            ),
            ota_room_id=room,
            ota_rate_plan_id=rate_plan,
            start=start,
            end=end,
        )
        for (restriction, room, rate_plan), (start, end) in sorted(spans.items(), key=lambda item: str(item[0]))
    ]
    return kept, warnings


def fit_to_limits(
    updates: Sequence[AriUpdate], limits: AriLimits, ota: OtaCode, *, today: date
) -> tuple[list[AriUpdate], list[PushWarning]]:
    """Trim dates to the OTA's horizon and bring values within its bounds, saying what changed.

    Nights before ``today`` or after ``today + max_days_ahead`` are not sent. Availability above
    the OTA's maximum is sent as the maximum (selling fewer rooms is safe). A maximum stay above
    the OTA's bound is tightened to the bound; a minimum stay above it cannot be expressed and is
    not sent. Every adjustment is a warning.
    """
    last_night = today + timedelta(days=limits.max_days_ahead) if limits.max_days_ahead is not None else None
    fitted: list[AriUpdate] = []
    warnings: list[PushWarning] = []
    for update in updates:
        start, end = max(update.start, today), update.end if last_night is None else min(update.end, last_night)
        if (start, end) != (update.start, update.end):
            warnings.append(_horizon_warning(update, today, last_night, ota))
        if end < start:
            continue
        current = update.with_dates(start, end)
        changes, limited = _bounded_values(current, limits, ota)
        warnings.extend(limited)
        if changes:
            current = dataclasses.replace(current, **changes)
        if not current.is_empty:
            fitted.append(current)
    return fitted, warnings


def _horizon_warning(update: AriUpdate, today: date, last_night: date | None, ota: OtaCode) -> PushWarning:
    accepted = f"from {today.isoformat()}" + (f" to {last_night.isoformat()}" if last_night else "")
    return PushWarning(
        kind=WarningKind.OUT_OF_HORIZON,
        message=(
            f"{ota.display_name} accepts nights {accepted}; nights outside that were not sent for "
            f"{update.describe_target()}"
        ),
        ota_room_id=update.ota_room_id,
        ota_rate_plan_id=update.ota_rate_plan_id,
        start=update.start,
        end=update.end,
    )


# A value above the OTA's bound: (field, its name in warnings, the AriLimits bound, whether the
# bound is sent instead -- selling fewer rooms or a tighter maximum stay is safe -- or nothing).
_BOUNDED_VALUES = (
    ("availability", "availability", "max_availability", True),
    ("max_los", "max LOS", "max_length_of_stay", True),
    ("min_los", "min LOS", "max_length_of_stay", False),
)


def _bounded_values(update: AriUpdate, limits: AriLimits, ota: OtaCode) -> tuple[dict[str, Any], list[PushWarning]]:
    """The values of ``update`` above the OTA's bounds, as changes to make, with a warning each."""
    changes: dict[str, Any] = {}
    warnings: list[PushWarning] = []
    for field, label, limit, send_bound in _BOUNDED_VALUES:
        bound: int | None = getattr(limits, limit)
        value: int | None = getattr(update, field)
        if bound is None or value is None or value <= bound:
            continue
        changes[field] = bound if send_bound else None
        outcome = f"sent {bound}" if send_bound else "not sent"
        warnings.append(
            _value_warning(update, f"{label} {value} is above {ota.display_name}'s maximum {bound}; {outcome}")
        )
    return changes, warnings


def _value_warning(update: AriUpdate, message: str) -> PushWarning:
    return PushWarning(
        kind=WarningKind.VALUE_LIMITED,
        message=f"{message} ({update.describe_target()})",
        ota_room_id=update.ota_room_id,
        ota_rate_plan_id=update.ota_rate_plan_id,
        start=update.start,
        end=update.end,
    )


def _describe(room: str, rate_plan: str | None, start: date, end: date) -> str:
    rate_text = f" / rate plan {rate_plan}" if rate_plan else ""
    return f"room {room}{rate_text} {start.isoformat()}..{end.isoformat()}"


# --- splitting into messages -------------------------------------------------------------------------


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _pieces(update: AriUpdate, limits: AriLimits) -> list[AriUpdate]:
    """Cut one range at month ends (when required) and at the OTA's longest range."""
    pieces: list[AriUpdate] = []
    start = update.start
    while start <= update.end:
        end = update.end
        if limits.one_calendar_month_per_message:
            end = min(end, _month_end(start))
        if limits.max_range_nights is not None:
            end = min(end, start + timedelta(days=limits.max_range_nights - 1))
        pieces.append(update.with_dates(start, end))
        start = end + timedelta(days=1)
    return pieces


def split_into_batches(updates: Sequence[AriUpdate], limits: AriLimits) -> list[tuple[AriUpdate, ...]]:
    """Group updates into messages that each respect ``limits``; nothing is lost or duplicated.

    Ranges are cut where a limit needs it (month ends, longest range, room left in a message) and
    messages are ordered by date, so a horizon is sent front to back.
    """
    pieces = [piece for update in updates for piece in _pieces(update, limits)]
    pieces.sort(key=lambda u: (u.start, u.ota_room_id, u.ota_rate_plan_id or "", u.end))
    groups: dict[tuple[int, int] | None, list[AriUpdate]] = {}
    for piece in pieces:
        group_key = (piece.start.year, piece.start.month) if limits.one_calendar_month_per_message else None
        groups.setdefault(group_key, []).append(piece)

    batches: list[tuple[AriUpdate, ...]] = []
    for group_key in sorted(groups, key=lambda key: key or (0, 0)):
        batch: list[AriUpdate] = []
        cells = 0
        for piece in groups[group_key]:
            remaining: AriUpdate | None = piece
            while remaining is not None:
                entries_full = (
                    limits.max_entries_per_message is not None and len(batch) >= limits.max_entries_per_message
                )
                room = None if limits.max_cells_per_message is None else limits.max_cells_per_message - cells
                if batch and (entries_full or room == 0):
                    batches.append(tuple(batch))
                    batch, cells = [], 0
                    continue
                if room is not None and remaining.nights > room:
                    head_end = remaining.start + timedelta(days=room - 1)
                    batch.append(remaining.with_dates(remaining.start, head_end))
                    cells += room
                    remaining = remaining.with_dates(head_end + timedelta(days=1), remaining.end)
                    continue
                batch.append(remaining)
                cells += remaining.nights
                remaining = None
        if batch:
            batches.append(tuple(batch))
    return batches


def plan_push(
    updates: Sequence[AriUpdate],
    ota: OtaCode,
    *,
    today: date,
    unsupported: Iterable[Restriction] = (),
    limits: AriLimits | None = None,
) -> tuple[list[tuple[AriUpdate, ...]], list[PushWarning]]:
    """Everything an adapter does before it speaks: merge, drop what the OTA cannot express, fit
    to its bounds and horizon, split into messages. Returns (messages, warnings)."""
    effective = limits or ARI_LIMITS[ota]
    merged = merge_into_ranges(updates)
    supported, unsupported_warnings = drop_unsupported(merged, unsupported, ota)
    fitted, limit_warnings = fit_to_limits(supported, effective, ota, today=today)
    return split_into_batches(merge_into_ranges(fitted), effective), unsupported_warnings + limit_warnings


def batch_cells(batch: Sequence[AriUpdate]) -> int:
    return sum(update.nights for update in batch)
