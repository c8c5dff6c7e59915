"""Reading an EQC ``AvailRateUpdateRQ`` strictly, for the Expedia simulator: every element and
attribute of ``../shared/ota-ref/expedia-eqc/AvailRateUpdateRQ.xsd`` is applied exactly, and
anything else refuses the whole message with EQC's parse error (2001) rather than being ignored.

Applied exactly:
- ``DateRange[@sun..@sat]``: with no day flag every night of the range; with any, only the days
  flagged ``true`` (a flag ``false`` or absent skips that weekday).
- ``Inventory[@totalInventoryAvailable]`` → ``availability``; ``[@flexibleAllocation]`` →
  ``flexible_allocation`` (kept apart: it is Expedia's allocation, not the total).
- ``Rate[@currency,@lengthOfStay]`` with ``PerDay[@rate]`` → ``rate`` (no LOS) and, keyed by
  what priced it, ``rates``: ``{"per_day": …, "per_day/los=3": …, "occupancy=2": …,
  "occupancy=2/los=3": …, "per_person": …}``; up to 28 ``Rate`` elements, none collapsed.
- ``Restrictions[@minLOS,@maxLOS,@closedToArrival,@closedToDeparture]``, ``@closed`` of a room
  type or rate plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from local.simulators.xml_tools import BadMessage, Element, local

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
_ALLOWED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # element: (attributes, children)
    "AvailRateUpdate": (frozenset(), frozenset({"DateRange", "RoomType"})),
    "DateRange": (frozenset({"from", "to", *DAYS}), frozenset()),
    "RoomType": (frozenset({"id", "closed"}), frozenset({"Inventory", "RatePlan"})),
    "Inventory": (frozenset({"totalInventoryAvailable", "flexibleAllocation"}), frozenset()),
    "RatePlan": (frozenset({"id", "closed"}), frozenset({"Rate", "Restrictions"})),
    "Rate": (
        frozenset({"currency", "rateChangeIndicator", "lengthOfStay"}),
        frozenset({"PerDay", "PerOccupancy", "PerPerson"}),
    ),
    "PerDay": (frozenset({"rate"}), frozenset()),
    "PerOccupancy": (frozenset({"rate", "occupancy"}), frozenset()),
    "PerPerson": (frozenset({"rate"}), frozenset()),
    "Restrictions": (frozenset({"minLOS", "maxLOS", "closedToArrival", "closedToDeparture"}), frozenset()),
}


@dataclass
class Change:
    room_id: str
    rate_plan_id: str | None
    start: date
    end: date
    values: dict[str, Any]
    weekdays: frozenset[int] | None = None


@dataclass
class ReadUpdate:
    changes: list[Change] = field(default_factory=list)
    updates: int = 0  # nights x (room type or rate plan) that carry values: EQC's 3000 limit


def check_known(node: Element, path: str) -> None:
    """Refuse (2001) an element or attribute the schema does not define here, recursively."""
    name = local(node.tag)
    allowed = _ALLOWED.get(name)
    if allowed is None:
        raise BadMessage(f"{path}: element {name} is not part of AvailRateUpdateRQ")
    attributes, children = allowed
    for attribute in node.attrib:
        if attribute not in attributes:
            raise BadMessage(f"{path}/{name}: attribute {attribute} is not part of AvailRateUpdateRQ")
    for child in node:
        if local(child.tag) not in children:
            raise BadMessage(f"{path}/{name}: element {local(child.tag)} is not allowed here")
        check_known(child, f"{path}/{name}")


def boolean(node: Element, name: str, where: str) -> bool | None:
    raw = node.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false", "1", "0"):
        raise BadMessage(f"{where}/@{name} = {raw!r} is not a boolean")
    return raw in ("true", "1")


def whole(node: Element, name: str, where: str, *, low: int = 0, high: int | None = None) -> int | None:
    raw = node.get(name)
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise BadMessage(f"{where}/@{name} = {raw!r} is not a whole number")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise BadMessage(f"{where}/@{name} = {value} is outside {low}..{high if high is not None else ''}")
    return value


def amount(node: Element, name: str, where: str) -> Decimal:
    raw = node.get(name)
    try:
        value = Decimal(raw or "")
    except InvalidOperation:
        raise BadMessage(f"{where}/@{name} = {raw!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise BadMessage(f"{where}/@{name} = {raw!r} is not an amount")
    return value


def weekdays_of(date_range: Element) -> frozenset[int] | None:
    flags = {day: boolean(date_range, day, "DateRange") for day in DAYS}
    if all(flag is None for flag in flags.values()):
        return None
    return frozenset(index for index, day in enumerate(DAYS) if flags[day])


def room_values(room: Element) -> dict[str, Any]:
    values: dict[str, Any] = {}
    closed = boolean(room, "closed", "RoomType")
    if closed is not None:
        values["stop_sell"] = closed
    for inventory in (child for child in room if local(child.tag) == "Inventory"):
        total = whole(inventory, "totalInventoryAvailable", "Inventory", high=4999)
        flexible = whole(inventory, "flexibleAllocation", "Inventory", high=4999)
        if total is not None:
            values["availability"] = total
        if flexible is not None:
            values["flexible_allocation"] = flexible
    return values


def plan_values(plan: Element) -> dict[str, Any]:
    values: dict[str, Any] = {}
    closed = boolean(plan, "closed", "RatePlan")
    if closed is not None:
        values["stop_sell"] = closed
    rates: dict[str, str] = {}
    currencies: set[str] = set()
    for rate in (child for child in plan if local(child.tag) == "Rate"):
        los = whole(rate, "lengthOfStay", "Rate", low=1, high=28)
        suffix = f"/los={los}" if los is not None else ""
        if rate.get("currency"):
            currencies.add(rate.get("currency", ""))
        priced = list(rate)
        if not priced:
            raise BadMessage("Rate needs PerDay, PerOccupancy or PerPerson")
        for price in priced:
            kind = local(price.tag)
            value = amount(price, "rate", kind)
            if kind == "PerDay":
                key = f"per_day{suffix}"
                if los is None:
                    values["rate"] = value
            elif kind == "PerOccupancy":
                key = f"occupancy={whole(price, 'occupancy', 'PerOccupancy', low=1, high=20)}{suffix}"
            else:
                key = f"per_person{suffix}"
            if key in rates:
                raise BadMessage(f"RatePlan {plan.get('id')}: two rates for {key}")
            rates[key] = format(value, "f")
    if len(currencies) > 1:
        raise BadMessage(f"RatePlan {plan.get('id')}: rates in several currencies")
    if rates:
        values["rates"] = rates
        values["currency"] = next(iter(currencies), None)
    for restrictions in (child for child in plan if local(child.tag) == "Restrictions"):
        for attribute, key in (("minLOS", "min_los"), ("maxLOS", "max_los")):
            found = whole(restrictions, attribute, "Restrictions", low=1, high=28)
            if found is not None:
                values[key] = found
        for attribute, key in (("closedToArrival", "closed_to_arrival"), ("closedToDeparture", "closed_to_departure")):
            flag = boolean(restrictions, attribute, "Restrictions")
            if flag is not None:
                values[key] = flag
    return values
