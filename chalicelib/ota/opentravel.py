"""OpenTravel hotel reservations (``HotelReservation`` / ``HotelResModify``, namespace
``http://www.opentravel.org/OTA/2003/05``) read into OTA-neutral revisions.

Shared by Booking.com's pull (``OTA_HotelResNotifRQ``, ``OTA_HotelResModifyNotifRQ``, and
``OTA_ResRetrieveRS`` carrying ``ReservationsList/HotelReservation``) and Expedia's Booking
Notification push (``OTA_HotelResNotifRQ``, ``OTA_HotelResModifyNotifRQ``).

The protocol allows more than one shape of each fact; we take every shape it allows and refuse,
naming the field, only what it does not (the README's "OTA message variants" table):

- **Amounts**: ``AmountAfterTax``; else ``AmountBeforeTax`` plus the taxes the element gives
  (``Taxes/@Amount``, or the sum of ``Taxes/Tax/@Amount``); else, when the room's ``Total`` gives
  the after-tax amount and its ``Taxes`` and the nights add up to it (Expedia's shape), each night
  takes its share of those taxes; else the before-tax amount is stored as sent and the revision
  flagged ``amounts_before_tax``. A rate may carry ``Base`` or ``Total``.
- **Timestamps**: ``LastModifyDateTime``, else ``CreateDateTime``, else the time we received the
  message (the revision then orders by arrival).
- **Reservation id**: chosen by ``ResID_Type`` in the OTA's order of preference (OpenTravel UIT
  14 "Reservation" first), then ``UniqueID[@Type=14]/@ID``, then a lone ``HotelReservationID``
  with no type. Never a marketing source (UIT 13 "Internet broker", AlpineBits' click/source
  ids) or the hotel's own number (UIT 10): several ids and none of the wanted type is refused.
- **Hotel**: ``BasicPropertyInfo/@HotelCode`` of a ``RoomStay`` or of ``ResGlobalInfo``. The
  reservation carries the hotel the message names (the sync engine refuses a reservation naming
  another hotel than the one polled); one reservation naming two hotels is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import (
    NightlyRate,
    OtaGuest,
    OtaReservation,
    OtaRoomStay,
    ReservationAction,
    ReservationStatus,
    timestamp_revision,
)
from chalicelib.ota.errors import InvalidField, MissingField
from chalicelib.ota.xml_support import Element, XmlReader

OTA_NS = "http://www.opentravel.org/OTA/2003/05"

UIT_HOTEL = "10"
UIT_INTERNET_BROKER = "13"
UIT_RESERVATION = "14"
UIT_CANCELLATION = "15"
NOT_RESERVATION_IDS = frozenset({UIT_HOTEL, UIT_INTERNET_BROKER})
AQC_CHILD = "8"
AQC_INFANT = "7"
CANCELLED_STATUSES = frozenset({"Cancel", "Cancelled"})

KIND_NEW = "new"
KIND_MODIFY = "modify"


@dataclass(frozen=True)
class ReadOptions:
    """What the reader needs besides the element: who sent it, when it arrived, the hotel that was
    polled (used when the message names none), the OTA's reservation-id preference."""

    ota: OtaCode
    received_at: datetime
    default_hotel_id: str
    source: str
    id_types: tuple[str, ...] = (UIT_RESERVATION,)
    # When set, the time of the message (Expedia's push: its TimeStamp) dates a revision that has
    # no LastModifyDateTime, ahead of CreateDateTime (which a modification keeps from the booking).
    revision_time: datetime | None = None


@dataclass
class _Money:
    amount: Decimal
    before_tax: bool
    currency: str | None
    taxes: Decimal | None = None  # the taxes the element states it includes (after-tax amounts)


def read_hotel_reservation(
    reader: XmlReader, item: Element, *, at: str, kind: str, root_status: str | None, options: ReadOptions
) -> OtaReservation:
    """One ``HotelReservation`` (or ``HotelResModify``) as an OTA-neutral revision.

    ``kind`` is the document it came in (``new``: a new-reservation feed; ``modify``: a
    modification feed); the action also follows ``ResStatus`` of the root or the item, and a
    cancellation mark on the item (``UniqueID[@Type=15]``, ``HotelReservationID/@CancellationDate``).
    """
    reservation_id, id_element = reservation_id_of(reader, item, at=at, preference=options.id_types)
    modified_at, modified_raw, booked_at = _timestamps(reader, item, at=at, item_id=reservation_id, options=options)
    action = _action(reader, item, id_element, kind=kind, root_status=root_status)
    guests_by_rph = {
        guest.get("ResGuestRPH", ""): _person(reader, guest, "Profiles/ProfileInfo/Profile/Customer")
        for guest in reader.findall(item, "ResGuests/ResGuest")
    }
    stays = reader.findall(item, "RoomStays/RoomStay")
    if not stays and action is not ReservationAction.CANCEL:
        raise MissingField(
            options.ota,
            f"{options.ota.display_name} sent reservation {reservation_id} without RoomStays/RoomStay",
            field=f"{at}/RoomStays/RoomStay",
            item_id=reservation_id,
        )
    rooms, totals, nightly_before_tax, currency = _room_stays(
        reader, stays, at=at, item_id=reservation_id, guests=guests_by_rph
    )
    global_total = _money(
        reader, reader.find(item, "ResGlobalInfo/Total"), at=f"{at}/ResGlobalInfo/Total", item_id=reservation_id
    )
    total = global_total or (_sum(totals) if stays else None)
    total_amount = total.amount if total else None
    total_before_tax = bool(total and total.before_tax)
    currency = (total.currency if total else None) or currency
    booker = reader.find(item, "ResGlobalInfo/Profiles/ProfileInfo/Profile/Customer")
    guest = _customer(reader, booker) if booker is not None else next(iter(guests_by_rph.values()), None)
    return OtaReservation(
        ota=options.ota,
        ota_hotel_id=hotel_named(reader, item, at=at, item_id=reservation_id, ota=options.ota)
        or options.default_hotel_id,
        reservation_id=reservation_id,
        revision=timestamp_revision(modified_at, action),
        action=action,
        status=ReservationStatus.CANCELLED if action is ReservationAction.CANCEL else ReservationStatus.CONFIRMED,
        booked_at=booked_at,
        modified_at=modified_at,
        source=(id_element.get("ResID_Source") if id_element is not None else None) or options.source,
        guest=guest,
        rooms=tuple(rooms),
        total_amount=total_amount,
        currency=currency,
        confirmation_numbers={options.ota.value: reservation_id},
        ota_status=root_status or item.get("ResStatus") or ("Cancel" if action is ReservationAction.CANCEL else ""),
        amounts_before_tax=nightly_before_tax or total_before_tax,
        ack_token=f"{kind}|{reservation_id}|{modified_raw}",
    )


def _room_stays(
    reader: XmlReader, stays: list[Element], *, at: str, item_id: str, guests: dict[str, OtaGuest | None]
) -> tuple[list[OtaRoomStay], list[_Money | None], bool, str | None]:
    """Each ``RoomStay`` with its total; whether any nightly amount is before tax; the first currency named."""
    rooms: list[OtaRoomStay] = []
    totals: list[_Money | None] = []
    nightly_before_tax = False
    currency: str | None = None
    for index, stay in enumerate(stays):
        room, total, before_tax, stay_currency = _room_stay(
            reader, stay, at=f"{at}/RoomStays/RoomStay[{index + 1}]", item_id=item_id, guests=guests
        )
        rooms.append(room)
        totals.append(total)
        nightly_before_tax |= before_tax
        currency = currency or stay_currency
    return rooms, totals, nightly_before_tax, currency


def _timestamps(
    reader: XmlReader, item: Element, *, at: str, item_id: str, options: ReadOptions
) -> tuple[datetime, str, datetime | None]:
    """(revision time, its raw text for the ack token, booking time) — see the module docstring."""
    modified_raw = item.get("LastModifyDateTime") or (None if options.revision_time else item.get("CreateDateTime"))
    if not modified_raw and options.revision_time is not None:
        modified_at, modified_raw = options.revision_time, options.revision_time.isoformat()
    elif modified_raw:
        modified_at = reader.parse_datetime(modified_raw, at=at, name="LastModifyDateTime", item_id=item_id)
    else:
        modified_at, modified_raw = options.received_at, options.received_at.isoformat()
    created_raw = item.get("CreateDateTime")
    booked_at = (
        reader.parse_datetime(created_raw, at=at, name="CreateDateTime", item_id=item_id) if created_raw else None
    )
    return modified_at, modified_raw, booked_at


def _sum(totals: list[_Money | None]) -> _Money | None:
    """The reservation's total from its room stays' totals, when every stay gives one."""
    if not all(total is not None for total in totals):
        return None
    known = [total for total in totals if total is not None]
    return _Money(
        amount=sum((total.amount for total in known), Decimal("0")),
        before_tax=any(total.before_tax for total in known),
        currency=next((total.currency for total in known if total.currency), None),
    )


def reservation_id_of(
    reader: XmlReader, item: Element, *, at: str, preference: Sequence[str] = (UIT_RESERVATION,)
) -> tuple[str, Element | None]:
    """The OTA's reservation id (see the module docstring for the order), and the element it came from."""
    ids_at = f"{at}/ResGlobalInfo/HotelReservationIDs/HotelReservationID"
    candidates = reader.findall(item, "ResGlobalInfo/HotelReservationIDs/HotelReservationID")
    for wanted in preference:
        for candidate in candidates:
            if (candidate.get("ResID_Type") or "").strip() == wanted and (candidate.get("ResID_Value") or "").strip():
                return reader.attr(candidate, "ResID_Value", at=ids_at), candidate
    for unique in reader.findall(item, "UniqueID"):
        if (unique.get("Type") or "").strip() == UIT_RESERVATION and (unique.get("ID") or "").strip():
            return reader.attr(unique, "ID", at=f"{at}/UniqueID"), None
    untyped = [c for c in candidates if not (c.get("ResID_Type") or "").strip()]
    if len(candidates) == 1 and untyped:
        return reader.attr(untyped[0], "ResID_Value", at=ids_at), untyped[0]
    ota = reader.ota
    if candidates:
        types = ", ".join(sorted({(c.get("ResID_Type") or "-").strip() for c in candidates}))
        raise InvalidField(
            ota,
            f"{ota.display_name} sent a reservation whose HotelReservationIDs are of type(s) {types}; "
            f"none is the reservation's own id (ResID_Type {' or '.join(preference)})",
            field=f"{ids_at}/@ResID_Type",
        )
    raise MissingField(
        ota,
        f"{ota.display_name} sent a reservation without HotelReservationID or UniqueID[@Type={UIT_RESERVATION}]",
        field=ids_at,
    )


def hotel_named(reader: XmlReader, item: Element, *, at: str, item_id: str, ota: OtaCode) -> str | None:
    """The one hotel the reservation names (``BasicPropertyInfo/@HotelCode``), if it names one."""
    codes = {
        (info.get("HotelCode") or "").strip()
        for info in (
            *reader.findall(item, "RoomStays/RoomStay/BasicPropertyInfo"),
            *reader.findall(item, "ResGlobalInfo/BasicPropertyInfo"),
        )
    } - {""}
    if len(codes) > 1:
        raise InvalidField(
            ota,
            f"{ota.display_name} sent reservation {item_id} naming several hotels ({', '.join(sorted(codes))})",
            field=f"{at}/RoomStays/RoomStay/BasicPropertyInfo/@HotelCode",
            item_id=item_id,
        )
    return next(iter(codes), None)


def _action(
    reader: XmlReader, item: Element, id_element: Element | None, *, kind: str, root_status: str | None
) -> ReservationAction:
    item_status = item.get("ResStatus")
    cancelled = (
        root_status in CANCELLED_STATUSES
        or item_status in CANCELLED_STATUSES
        or any(unique.get("Type") == UIT_CANCELLATION for unique in reader.findall(item, "UniqueID"))
        or (id_element is not None and bool(id_element.get("CancellationDate")))
    )
    if cancelled:
        return ReservationAction.CANCEL
    if kind == KIND_NEW and root_status != "Modify" and item_status != "Modify":
        return ReservationAction.NEW
    return ReservationAction.MODIFY


def _room_stay(
    reader: XmlReader, stay: Element, *, at: str, item_id: str, guests: dict[str, OtaGuest | None]
) -> tuple[OtaRoomStay, _Money | None, bool, str | None]:
    ota = reader.ota
    room_type = reader.require(stay, "RoomTypes/RoomType", at=at, item_id=item_id)
    room_id = reader.attr(room_type, "RoomTypeCode", at=f"{at}/RoomTypes/RoomType", item_id=item_id)
    rate_plan = reader.find(stay, "RatePlans/RatePlan")
    span = reader.require(stay, "TimeSpan", at=at, item_id=item_id)
    check_in = reader.date_attr(span, "Start", at=f"{at}/TimeSpan", item_id=item_id)
    check_out = reader.date_attr(span, "End", at=f"{at}/TimeSpan", item_id=item_id)
    if check_out <= check_in:
        raise InvalidField(
            ota,
            f"{ota.display_name} sent reservation {item_id} with TimeSpan End {check_out} not after Start {check_in}",
            field=f"{at}/TimeSpan/@End",
            item_id=item_id,
        )
    adults, children = _guest_counts(reader, stay, at=at, item_id=item_id)
    nightly: list[NightlyRate] = []
    before_tax = False
    currency: str | None = None
    rate_at = f"{at}/RoomRates/RoomRate/Rates/Rate"
    for rate in reader.findall(stay, "RoomRates/RoomRate/Rates/Rate"):
        amount_element = reader.find(rate, "Base")
        if amount_element is None:
            amount_element = reader.require(rate, "Total", at=rate_at, item_id=item_id)
        money = _money(reader, amount_element, at=f"{rate_at}/Base", item_id=item_id, required=True)
        assert money is not None
        before_tax |= money.before_tax
        currency = money.currency or currency
        first = reader.date_attr(rate, "EffectiveDate", at=rate_at, item_id=item_id)
        last = reader.date_attr(rate, "ExpireDate", at=rate_at, item_id=item_id) if rate.get("ExpireDate") else None
        night = first
        while night < max(last or first, first + timedelta(days=1)):
            nightly.append(NightlyRate(night=night, amount=money.amount))
            night += timedelta(days=1)
    total = _money(reader, reader.find(stay, "Total"), at=f"{at}/Total", item_id=item_id)
    if before_tax and total is not None:
        spread = _spread_taxes(nightly, total)
        if spread is not None:
            nightly, before_tax = spread, False
    guest_rph = reader.find(stay, "ResGuestRPHs/ResGuestRPH")
    room_guest = guests.get(guest_rph.get("RPH", "")) if guest_rph is not None else None
    room = OtaRoomStay(
        ota_room_id=room_id,
        ota_rate_plan_id=rate_plan.get("RatePlanCode") if rate_plan is not None else None,
        check_in=check_in,
        check_out=check_out,
        adults=adults,
        children=children,
        nightly_rates=tuple(nightly),
        guest_name=room_guest.full_name if room_guest else None,
        quantity=reader.int_attr(room_type, "NumberOfUnits", at=f"{at}/RoomTypes/RoomType", item_id=item_id, default=1),
    )
    return room, total, before_tax, (total.currency if total and total.currency else currency)


def _guest_counts(reader: XmlReader, stay: Element, *, at: str, item_id: str) -> tuple[int, int]:
    adults = children = 0
    for count in reader.findall(stay, "GuestCounts/GuestCount"):
        number = reader.int_attr(count, "Count", at=f"{at}/GuestCounts/GuestCount", item_id=item_id)
        if count.get("AgeQualifyingCode") in (AQC_CHILD, AQC_INFANT):
            children += number
        else:
            adults += number
    return adults, children


def _money(
    reader: XmlReader, element: Element | None, *, at: str, item_id: str, required: bool = False
) -> _Money | None:
    """An OpenTravel amount: after tax; else before tax plus the taxes given; else before tax, flagged."""
    if element is None:
        return None
    currency = element.get("CurrencyCode") or None
    taxes = reader.find(element, "Taxes")
    stated = (
        reader.decimal_attr(taxes, "Amount", at=f"{at}/Taxes", item_id=item_id)
        if taxes is not None and (taxes.get("Amount") or "").strip()
        else None
    )
    if (element.get("AmountAfterTax") or "").strip():
        after = reader.decimal_attr(element, "AmountAfterTax", at=at, item_id=item_id)
        return _Money(after, False, currency, stated)
    if not (element.get("AmountBeforeTax") or "").strip():
        if required:
            raise MissingField(
                reader.ota,
                f"{reader.ota.display_name} sent {at} with neither AmountAfterTax nor AmountBeforeTax",
                field=f"{at}/@AmountAfterTax",
                item_id=item_id,
            )
        return None
    before = reader.decimal_attr(element, "AmountBeforeTax", at=at, item_id=item_id)
    if stated is not None:
        return _Money(before + stated, False, currency)
    listed = [tax for tax in reader.findall(element, "Taxes/Tax") if (tax.get("Amount") or "").strip()]
    if listed:
        added = sum(
            (reader.decimal_attr(tax, "Amount", at=f"{at}/Taxes/Tax", item_id=item_id) for tax in listed), Decimal("0")
        )
        return _Money(before + added, False, currency)
    return _Money(before, True, currency)


def _spread_taxes(nightly: list[NightlyRate], total: _Money) -> list[NightlyRate] | None:
    """Before-tax nights whose stay total states its taxes (Expedia: ``Total[@AmountAfterTax]/Taxes``
    and ``Rate/Base[@AmountBeforeTax]``): each night takes its share of the taxes, pro rata, the
    last night the rounding remainder, so the nights add up to the after-tax total exactly. None
    when the amounts do not add up (fees, or taxes not stated): then before tax, flagged."""
    base = sum((rate.amount for rate in nightly), Decimal("0"))
    if total.before_tax or total.taxes is None or not nightly or base <= 0 or base + total.taxes != total.amount:
        return None
    cent = Decimal("0.01")
    shares = [(rate.amount * total.taxes / base).quantize(cent) for rate in nightly]
    shares[-1] += total.taxes - sum(shares, Decimal("0"))
    return [
        NightlyRate(night=rate.night, amount=rate.amount + share) for rate, share in zip(nightly, shares, strict=True)
    ]


def _person(reader: XmlReader, parent: Element, path: str) -> OtaGuest | None:
    customer = reader.find(parent, path)
    return _customer(reader, customer) if customer is not None else None


def _customer(reader: XmlReader, customer: Element) -> OtaGuest:
    given = reader.find(customer, "PersonName/GivenName")
    surname = reader.find(customer, "PersonName/Surname")
    phone = reader.find(customer, "Telephone")
    email = reader.find(customer, "Email")
    return OtaGuest(
        first_name=(given.text or "").strip() if given is not None else "",
        last_name=(surname.text or "").strip() if surname is not None else "",
        email=(email.text or "").strip() or None if email is not None else None,
        phone=phone.get("PhoneNumber") if phone is not None else None,
    )
