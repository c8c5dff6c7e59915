"""Which stays the restrictions of the calendar allow.

For a stay of ``L`` nights of one room type, arriving on ``A`` and departing on ``D`` (``D`` is
the check-out date, the night after the last one), the rules are — the Channex model, which maps
onto each OTA's own names:

================== ============================================================================
rule               the stay is refused when
================== ============================================================================
stop_sell          any night ``A <= n < D`` is closed (reported once per closed night)
closed_to_arrival  the cell of the arrival night ``A`` is closed to arrival
closed_to_departure the cell of the departure date ``D`` is closed to departure (that cell's
                   night is not part of the stay; a guest may stay *through* a CTD night)
min_los            ``L`` < the arrival night's ``min_los`` (Channex ``min_stay_arrival``)
max_los            ``L`` > the arrival night's ``max_los`` (Channex ``max_stay``)
min_stay_through   ``L`` < the ``min_stay_through`` of any night of the stay (each such night
                   is reported)
================== ============================================================================

Minimum and maximum length of stay are evaluated on the **arrival night** (arrival-based,
``min_stay_arrival``), the convention of Booking.com's and Channex's main minimum-stay field and
what a hotel means by "3-night minimum on Saturdays". ``min_stay_through`` is supported as well
because it costs one field: it protects a busy night inside a stay ("anyone staying over
New Year's Eve stays 3 nights").

A stay night that has no cell is not judged here (the availability check reports it short), nor
is a missing departure cell (beyond the horizon: nothing can be closed there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.inventory import InventoryCell
from chalicelib.domain.nights import NightRange


class Rule(StrEnum):
    STOP_SELL = "stop_sell"
    CLOSED_TO_ARRIVAL = "closed_to_arrival"
    CLOSED_TO_DEPARTURE = "closed_to_departure"
    MIN_LOS = "min_los"
    MAX_LOS = "max_los"
    MIN_STAY_THROUGH = "min_stay_through"


@dataclass(frozen=True, slots=True, order=True)
class Violation:
    """A restriction the stay breaks: ``rule`` set on the cell of ``night`` (with its ``limit`` for LOS rules)."""

    night: date
    rule: Rule
    limit: int | None = None

    def message(self, length_of_stay: int) -> str:
        if self.rule is Rule.STOP_SELL:
            return f"{self.night} is closed (stop-sell)"
        if self.rule is Rule.CLOSED_TO_ARRIVAL:
            return f"arrival on {self.night} is not allowed (closed to arrival)"
        if self.rule is Rule.CLOSED_TO_DEPARTURE:
            return f"departure on {self.night} is not allowed (closed to departure)"
        if self.rule is Rule.MIN_LOS:
            return f"stays arriving on {self.night} must be at least {self.limit} nights (got {length_of_stay})"
        if self.rule is Rule.MAX_LOS:
            return f"stays arriving on {self.night} must be at most {self.limit} nights (got {length_of_stay})"
        return f"stays including the night of {self.night} must be at least {self.limit} nights (got {length_of_stay})"


class StayNotAllowed(Conflict):
    """The calendar's restrictions refuse the stay (→ 409); ``violations`` lists them all."""

    code = "stay_restricted"

    def __init__(self, room_type_id: int, stay: NightRange, violations: Iterable[Violation]) -> None:
        self.room_type_id = room_type_id
        self.stay = stay
        self.violations = tuple(sorted(violations))
        messages = [violation.message(len(stay)) for violation in self.violations]
        details: list[dict[str, Any]] = [
            {
                "field": "nights",
                "room_type_id": room_type_id,
                "night": violation.night.isoformat(),
                "rule": violation.rule.value,
                "limit": violation.limit,
                "message": message,
            }
            for violation, message in zip(self.violations, messages, strict=True)
        ]
        super().__init__(f"Stay {stay} is not allowed: " + "; ".join(messages), details=details)


def check_stay(cells: Mapping[date, InventoryCell], stay: NightRange) -> tuple[Violation, ...]:
    """Every restriction that refuses ``stay``, in night order; empty when the stay is allowed.

    ``cells`` are one room type's cells keyed by night; include the departure date's cell so
    closed-to-departure can be judged.
    """
    length = len(stay)
    violations: list[Violation] = []
    arrival = cells.get(stay.check_in)
    if arrival is not None:
        if arrival.closed_to_arrival:
            violations.append(Violation(stay.check_in, Rule.CLOSED_TO_ARRIVAL))
        if length < arrival.min_los:
            violations.append(Violation(stay.check_in, Rule.MIN_LOS, arrival.min_los))
        if arrival.max_los is not None and length > arrival.max_los:
            violations.append(Violation(stay.check_in, Rule.MAX_LOS, arrival.max_los))
    for night in stay:
        cell = cells.get(night)
        if cell is None:
            continue
        if cell.stop_sell:
            violations.append(Violation(night, Rule.STOP_SELL))
        if length < cell.min_stay_through:
            violations.append(Violation(night, Rule.MIN_STAY_THROUGH, cell.min_stay_through))
    departure = cells.get(stay.check_out)
    if departure is not None and departure.closed_to_departure:
        violations.append(Violation(stay.check_out, Rule.CLOSED_TO_DEPARTURE))
    return tuple(sorted(violations))


def require_stay_allowed(room_type_id: int, cells: Mapping[date, InventoryCell], stay: NightRange) -> None:
    """Raise :class:`StayNotAllowed` listing every violated rule, or return quietly."""
    violations = check_stay(cells, stay)
    if violations:
        raise StayNotAllowed(room_type_id, stay, violations)
