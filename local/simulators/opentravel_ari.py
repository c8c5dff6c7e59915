"""Reading Booking.com's OpenTravel ARI messages strictly, for its simulator
(``OTA_HotelAvailNotifRQ``, ``OTA_HotelRateAmountNotifRQ``): what is applied is applied exactly,
anything else refuses the message with an OpenTravel error (never a crash, never ignored).

Applied exactly:
- ``StatusApplicationControl[@Start]`` and ``[@End]`` (absent: the one day ``Start``); the room as
  ``@InvTypeCode`` or ``@InvCode``; ``@RatePlanCode``; the day-of-week pattern
  ``@Mon @Tue @Weds @Thur @Fri @Sat @Sun`` (with any flag, only the days flagged true).
- ``AvailStatusMessage[@BookingLimit]`` (0..254), ``LengthsOfStay/LengthOfStay[@Time,
  @TimeUnit=Day, @MinMaxMessageType=SetMinLOS|SetMaxLOS]`` (whole days 1..28),
  ``RestrictionStatus[@Restriction=Master|Arrival|Departure, @Status=Open|Close]``.
- ``BaseByGuestAmt[@AmountAfterTax, @CurrencyCode]``; with ``@NumberOfGuests`` it is the price
  for that occupancy (``rates_by_guests``), without it the room's price (``rate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from local.simulators.xml_tools import BadMessage, Element, local

DAYS = ("Mon", "Tue", "Weds", "Thur", "Fri", "Sat", "Sun")  # date.weekday() order
MAX_BOOKING_LIMIT = 254
RESTRICTIONS = {"Master": "stop_sell", "Arrival": "closed_to_arrival", "Departure": "closed_to_departure"}
STATUSES = {"Open": False, "Close": True}
LOS_KINDS = {"SetMinLOS": "min_los", "SetMaxLOS": "max_los"}
_ALLOWED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "AvailStatusMessage": (
        frozenset({"BookingLimit", "LocatorID"}),
        frozenset({"StatusApplicationControl", "LengthsOfStay", "RestrictionStatus"}),
    ),
    "RateAmountMessage": (frozenset({"LocatorID"}), frozenset({"StatusApplicationControl", "Rates"})),
    "StatusApplicationControl": (
        frozenset({"Start", "End", "InvTypeCode", "InvCode", "RatePlanCode", *DAYS}),
        frozenset(),
    ),
    "LengthsOfStay": (frozenset(), frozenset({"LengthOfStay"})),
    "LengthOfStay": (frozenset({"Time", "TimeUnit", "MinMaxMessageType"}), frozenset()),
    "RestrictionStatus": (frozenset({"Restriction", "Status"}), frozenset()),
    "Rates": (frozenset(), frozenset({"Rate"})),
    "Rate": (frozenset(), frozenset({"BaseByGuestAmts"})),
    "BaseByGuestAmts": (frozenset(), frozenset({"BaseByGuestAmt"})),
    "BaseByGuestAmt": (frozenset({"AmountAfterTax", "CurrencyCode", "NumberOfGuests"}), frozenset()),
}


@dataclass
class Target:
    room_id: str
    rate_plan_id: str | None
    start: date
    end: date
    weekdays: frozenset[int] | None


def check_known(node: Element, path: str) -> None:
    name = local(node.tag)
    allowed = _ALLOWED.get(name)
    if allowed is None:
        raise BadMessage(f"{path}: element {name} is not supported")
    attributes, children = allowed
    for attribute in node.attrib:
        if attribute not in attributes:
            raise BadMessage(f"{path}/{name}: attribute {attribute} is not supported")
    for child in node:
        if local(child.tag) not in children:
            raise BadMessage(f"{path}/{name}: element {local(child.tag)} is not allowed here")
        check_known(child, f"{path}/{name}")


def _date(control: Element, name: str) -> date:
    raw = control.get(name) or ""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadMessage(f"StatusApplicationControl/@{name} = {raw!r} is not a date") from None


def _flag(node: Element, name: str) -> bool | None:
    raw = node.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false", "1", "0"):
        raise BadMessage(f"{local(node.tag)}/@{name} = {raw!r} is not a boolean")
    return raw in ("true", "1")


def target_of(control: Element) -> Target:
    if control.get("Start") is None:
        raise BadMessage("StatusApplicationControl lacks the attribute Start")
    start = _date(control, "Start")
    end = _date(control, "End") if control.get("End") is not None else start
    if end < start:
        raise BadMessage(f"StatusApplicationControl End {end} is before Start {start}")
    rooms = {control.get("InvTypeCode"), control.get("InvCode")} - {None, ""}
    if len(rooms) != 1:
        raise BadMessage("StatusApplicationControl needs one room: InvTypeCode or InvCode (the same if both)")
    flags = {day: _flag(control, day) for day in DAYS}
    weekdays = (
        None
        if all(flag is None for flag in flags.values())
        else frozenset(index for index, day in enumerate(DAYS) if flags[day])
    )
    return Target(rooms.pop() or "", control.get("RatePlanCode") or None, start, end, weekdays)


def months_of(target: Target) -> set[tuple[int, int]]:
    return {(target.start.year, target.start.month), (target.end.year, target.end.month)}


def nights(target: Target) -> list[date]:
    days = [target.start + timedelta(days=offset) for offset in range((target.end - target.start).days + 1)]
    return [day for day in days if target.weekdays is None or day.weekday() in target.weekdays]


def _whole(node: Element, name: str, low: int, high: int) -> int:
    raw = node.get(name)
    if raw is None or not raw.strip().isdigit():
        raise BadMessage(f"{local(node.tag)}/@{name} = {raw!r} is not a whole number")
    value = int(raw)
    if not low <= value <= high:
        raise BadMessage(f"{local(node.tag)}/@{name} = {value} is outside {low}..{high}")
    return value


def avail_values(message: Element, target: Target, q: Any) -> list[tuple[str | None, dict[str, Any]]]:
    """(rate plan or None for the room, values) of one AvailStatusMessage."""
    found: list[tuple[str | None, dict[str, Any]]] = []
    if message.get("BookingLimit") is not None:
        found.append((None, {"availability": _whole(message, "BookingLimit", 0, MAX_BOOKING_LIMIT)}))
    for los in message.findall(q("LengthsOfStay/LengthOfStay")):
        kind = los.get("MinMaxMessageType") or ""
        if kind not in LOS_KINDS:
            raise BadMessage(f"LengthOfStay/@MinMaxMessageType {kind!r} is not one of {', '.join(LOS_KINDS)}")
        if (los.get("TimeUnit") or "Day") != "Day":
            raise BadMessage(f"LengthOfStay/@TimeUnit {los.get('TimeUnit')!r}: only Day is supported")
        found.append((target.rate_plan_id, {LOS_KINDS[kind]: _whole(los, "Time", 1, 28)}))
    for status in message.findall(q("RestrictionStatus")):
        restriction = status.get("Restriction", "Master")
        state = status.get("Status") or ""
        if restriction not in RESTRICTIONS:
            raise BadMessage(f"RestrictionStatus/@Restriction {restriction!r} is not one of {', '.join(RESTRICTIONS)}")
        if state not in STATUSES:
            raise BadMessage(f"RestrictionStatus/@Status {state!r} is not Open or Close")
        found.append((target.rate_plan_id, {RESTRICTIONS[restriction]: STATUSES[state]}))
    return found


def rate_values(message: Element, q: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for amount in message.findall(q("Rates/Rate/BaseByGuestAmts/BaseByGuestAmt")):
        raw = amount.get("AmountAfterTax")
        try:
            value = Decimal(raw or "")
        except InvalidOperation:
            raise BadMessage(f"BaseByGuestAmt/@AmountAfterTax = {raw!r} is not an amount") from None
        if not value.is_finite() or value < 0:
            raise BadMessage(f"BaseByGuestAmt/@AmountAfterTax = {raw!r} is not an amount")
        currency = amount.get("CurrencyCode")
        if amount.get("NumberOfGuests") is None:
            found.append({"rate": value, "currency": currency})
        else:
            guests = _whole(amount, "NumberOfGuests", 1, 99)
            found.append({"rates_by_guests": {str(guests): format(value, "f")}, "currency": currency})
    return found
