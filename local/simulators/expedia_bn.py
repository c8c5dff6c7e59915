"""The Expedia simulator's Booking Notification (BN) push: each booking revision is POSTed to the
configured URL as Expedia does it, a SOAP 1.1 envelope with Expedia's ``Interface`` header
(credentials in ``CommDescriptor/Authentication``, the hotel in ``PayloadReference``) around
``OTA_HotelResNotifRQ`` (new), ``OTA_HotelResModifyNotifRQ`` (modified) or ``OTA_CancelRQ``
(cancelled), shaped by ``../shared/ota-ref/expedia-eqc``. The answer counts as delivered only if
it is the matching RS with ``<Success/>`` and a hotel confirmation number (``HotelReservationID``
of type 3, or ``UniqueID`` of type 10 in ``OTA_CancelRS``); then the revision is confirmed
(acknowledged) and the BookingRetrieval feed stops offering it. Anything else is retried like any webhook.

Prices: the simulator's nightly rate is the price after tax; BN carries ``Rate/Base`` before tax
(``nightly / 1.1``, to the cent) and ``RoomStay/Total`` after tax with its ``Taxes``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeElementTree

from local.simulators.core import Revision
from local.simulators.xml_tools import Element, el, local

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
HEADER_NS = "http://www.newtrade.com/expedia/R14/header"
OTA_NS = "http://www.opentravel.org/OTA/2003/05"
MESSAGES = {"new": "OTA_HotelResNotifRQ", "modify": "OTA_HotelResModifyNotifRQ", "cancel": "OTA_CancelRQ"}
ANSWERS = {"new": "OTA_HotelResNotifRS", "modify": "OTA_HotelResModifyNotifRS", "cancel": "OTA_CancelRS"}
TAX_RATE = Decimal("0.10")
CENT = Decimal("0.01")


def base_before_tax(nightly_after_tax: Decimal) -> Decimal:
    return (nightly_after_tax / (1 + TAX_RATE)).quantize(CENT, rounding=ROUND_HALF_UP)


def notification(revision: Revision, username: str, password: str, *, retry: bool = False) -> bytes:
    """The SOAP envelope announcing ``revision``."""
    message = MESSAGES[revision.action]
    envelope = el("soap-env:Envelope", {"xmlns:soap-env": SOAP_NS})
    header = el("soap-env:Header", parent=envelope)
    interface = el("Interface", {"xmlns": HEADER_NS, "Name": "ExpediaDirectConnect", "Version": "4.0"}, parent=header)
    info = el(
        "PayloadInfo",
        {
            "RequestId": uuid.uuid4().hex[:24],
            "RequestorId": "Expedia.com",
            "ResponderId": "EQCHotel",
            "Location": "Body",
        },
        parent=interface,
    )
    comm = el(
        "CommDescriptor", {"SourceId": "ExpediaDC", "DestinationId": "EQCHotel", "RetryIndicator": retry}, parent=info
    )
    el("Authentication", {"Username": username, "Password": password}, parent=comm)
    descriptor = el("PayloadDescriptor", {"Name": message, "Version": "2005B"}, parent=info)
    el(
        "PayloadReference",
        {"SupplierHotelCode": revision.hotel_id, "DistributorHotelId": revision.hotel_id},
        parent=descriptor,
    )
    body = el("soap-env:Body", parent=envelope)
    root = el(
        message,
        {
            "xmlns": OTA_NS,
            "EchoToken": f"bn-{revision.seq}",
            "TimeStamp": revision.at.isoformat(),
            "Target": "Production",
            "Version": "1.000",
            "PrimaryLangID": "en-us",
            "CancelType": "Cancel" if revision.action == "cancel" else None,
        },
        parent=body,
    )
    _pos(root)
    if revision.action == "cancel":
        _cancel(root, revision)
    else:
        _reservation(root, revision)
    data: bytes = ElementTree.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return data


def _pos(root: Element) -> None:
    source = el("Source", parent=el("POS", parent=root))
    el("RequestorID", {"Type": "18", "ID": "Expedia"}, parent=source)
    channel = el("BookingChannel", {"Type": "7"}, parent=source)
    el("CompanyName", parent=channel).text = "Expedia"


def _reservation(root: Element, revision: Revision) -> None:
    stay = revision.stay
    new = revision.action == "new"
    container = el("HotelReservations" if new else "HotelResModifies", parent=root)
    item = el(
        "HotelReservation" if new else "HotelResModify",
        {"RoomStayReservation": "true", "CreateDateTime": revision.booked_at.isoformat(), "CreatorID": "Expedia"},
        parent=container,
    )
    el("UniqueID", {"Type": "14", "ID": revision.reservation_id}, parent=item)
    room_stay = el("RoomStay", parent=el("RoomStays", parent=item))
    el("RoomType", {"RoomTypeCode": stay.room_id}, parent=el("RoomTypes", parent=room_stay))
    el("RatePlan", {"RatePlanCode": stay.rate_plan_id}, parent=el("RatePlans", parent=room_stay))
    room_rate = el(
        "RoomRate",
        {
            "EffectiveDate": stay.check_in,
            "ExpireDate": stay.check_out,
            "RoomTypeCode": stay.room_id,
            "NumberOfUnits": 1,
            "RatePlanCode": stay.rate_plan_id,
        },
        parent=el("RoomRates", parent=room_stay),
    )
    rates = el("Rates", parent=room_rate)
    base = base_before_tax(stay.nightly_rate)
    for night in stay.nights:
        rate = el(
            "Rate",
            {
                "EffectiveDate": night,
                "ExpireDate": night + timedelta(days=1),
                "RateTimeUnit": "Day",
                "UnitMultiplier": 1,
            },
            parent=rates,
        )
        el("Base", {"AmountBeforeTax": base, "CurrencyCode": stay.currency}, parent=rate)
    counts = el("GuestCounts", parent=room_stay)
    el("GuestCount", {"AgeQualifyingCode": "10", "Count": stay.adults}, parent=counts)
    if stay.children:
        el("GuestCount", {"AgeQualifyingCode": "8", "Count": stay.children}, parent=counts)
    el("TimeSpan", {"Start": stay.check_in, "End": stay.check_out}, parent=room_stay)
    total_after = (stay.nightly_rate * len(stay.nights)).quantize(CENT)
    taxes = total_after - base * len(stay.nights)
    total = el("Total", {"AmountAfterTax": total_after, "CurrencyCode": stay.currency}, parent=room_stay)
    tax_total = el("Taxes", {"Amount": taxes, "CurrencyCode": stay.currency}, parent=total)
    el("Tax", {"Type": "Inclusive", "Code": "19", "Amount": taxes, "CurrencyCode": stay.currency}, parent=tax_total)
    el("BasicPropertyInfo", {"HotelCode": revision.hotel_id}, parent=room_stay)
    el("ResGuestRPH", {"RPH": "1"}, parent=el("ResGuestRPHs", parent=room_stay))
    guest = el("ResGuest", {"ResGuestRPH": "1"}, parent=el("ResGuests", parent=item))
    profile = el("Profile", {"ProfileType": "1"}, parent=el("ProfileInfo", parent=el("Profiles", parent=guest)))
    customer = el("Customer", parent=profile)
    name = el("PersonName", parent=customer)
    el("GivenName", parent=name).text = stay.guest.first_name
    el("Surname", parent=name).text = stay.guest.last_name
    ids = el("HotelReservationIDs", parent=el("ResGlobalInfo", parent=item))
    el(
        "HotelReservationID",
        {
            "ResID_Type": "8",
            "ResID_Value": revision.reservation_id,
            "ResID_Source": "Expedia",
            "ResID_Date": revision.booked_at.isoformat(),
        },
        parent=ids,
    )


def _cancel(root: Element, revision: Revision) -> None:
    stay = revision.stay
    unique = el("UniqueID", {"Type": "14", "ID": revision.reservation_id}, parent=root)
    el("CompanyName", parent=unique).text = "Expedia"
    verification = el("Verification", parent=root)
    name = el("PersonName", parent=verification)
    el("GivenName", parent=name).text = stay.guest.first_name
    el("Surname", parent=name).text = stay.guest.last_name
    el("Vendor", {"Code": revision.hotel_id}, parent=verification).text = "Hotel"
    el("ReservationTimeSpan", {"Start": stay.check_in, "End": stay.check_out}, parent=verification)
    el("AssociatedQuantity", {"Code": "10", "Quantity": stay.adults}, parent=verification)
    el("AssociatedQuantity", {"Code": "8", "Quantity": stay.children or None}, parent=verification)


def accepted(revision: Revision, body: bytes) -> tuple[bool, str | None]:
    """Whether the answer is the matching RS with Success, and the hotel confirmation number in it."""
    try:
        root = SafeElementTree.fromstring(body, forbid_dtd=True)
    except Exception:  # noqa: BLE001 - any unreadable answer is "not delivered"
        return False, None
    wanted = ANSWERS[revision.action]
    answer = next((node for node in root.iter() if local(node.tag) == wanted), None)
    if answer is None or not any(local(child.tag) == "Success" for child in answer):
        return False, None
    for node in answer.iter():
        kind = local(node.tag)
        if kind == "HotelReservationID" and node.get("ResID_Type") == "3" and node.get("ResID_Value"):
            return True, node.get("ResID_Value")
        if kind == "UniqueID" and node.get("Type") == "10" and node.get("ID"):
            return True, node.get("ID")
    return False, None
