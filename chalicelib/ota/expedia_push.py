"""Expedia's Booking Notification (BN) push: the messages Expedia POSTs to us, and our answers.

Expedia delivers each booking message over HTTPS as a SOAP 1.1 envelope whose header is Expedia's
``Interface`` (namespace ``http://www.newtrade.com/expedia/R14/header``:
``PayloadInfo[@RequestId]/CommDescriptor/Authentication[@Username,@Password]`` and
``PayloadDescriptor[@Name]/PayloadReference[@SupplierHotelCode]``) and whose body is one of
(schemas in ``../shared/ota-ref/expedia-eqc``, namespace ``http://www.opentravel.org/OTA/2003/05``):

- ``OTA_HotelResNotifRQ`` — a new booking (``HotelReservations/HotelReservation``);
- ``OTA_HotelResModifyNotifRQ`` — a modification (``HotelResModifies/HotelResModify``);
- ``OTA_CancelRQ`` — a cancellation (``UniqueID[@Type=14]``, ``Verification``).

We answer with the matching RS in the same kind of envelope: ``<Success/>`` and the two
``HotelReservationID``s (Expedia's id, ``ResID_Type`` 8, and our confirmation number, 3; for a
cancellation ``UniqueID`` 14 and 10 and ``CancelInfoRS``), or
``<Errors><Error>`` when we could not store it (Expedia retries, then falls back to email).
A body that is not one of these is refused before anything is read (:class:`MalformedNotification`).

How the booking is read: the OpenTravel reader (``chalicelib.ota.opentravel``), with Expedia's
conventions: the booking id is ``UniqueID[@Type=14]/@ID`` (its ``HotelReservationID`` is another
reference); ``Rate/Base`` carries ``AmountBeforeTax`` only while ``RoomStay/Total`` carries the
after-tax total and its taxes, so nightly amounts are stored before tax and flagged unless the
taxes are given per rate; the revision is the message's ``TimeStamp`` (a modification keeps the
booking's ``CreateDateTime``), so a retried message is the same revision and a later one orders after.

Credentials: the header's ``Authentication`` or, when absent, HTTP Basic. Checked by the service
against the account's ``webhook_username`` / ``webhook_secret``; never logged or echoed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import OtaGuest, OtaReservation, ReservationAction, ReservationStatus
from chalicelib.domain.ota_reservation import timestamp_revision as _revision
from chalicelib.ota.errors import InvalidField, MissingField, OtaError
from chalicelib.ota.opentravel import (
    KIND_MODIFY,
    KIND_NEW,
    OTA_NS,
    UIT_HOTEL,
    UIT_RESERVATION,
    ReadOptions,
    read_hotel_reservation,
)
from chalicelib.ota.webhooks import MalformedNotification
from chalicelib.ota.xml_support import Element, XmlReader, element, local_name, namespace_of, parse_untrusted, to_bytes

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
HEADER_NS = "http://www.newtrade.com/expedia/R14/header"
NEW = "OTA_HotelResNotifRQ"
MODIFY = "OTA_HotelResModifyNotifRQ"
CANCEL = "OTA_CancelRQ"
MESSAGES = (NEW, MODIFY, CANCEL)
ANSWERS = {NEW: "OTA_HotelResNotifRS", MODIFY: "OTA_HotelResModifyNotifRS", CANCEL: "OTA_CancelRS"}
EXPEDIA_SOURCE = "Expedia"
# Expedia's RS schemas allow two ResID_Types: 8 (Expedia's booking id) and 3 (the hotel's
# confirmation number); OTA_CancelRS names them as UniqueID Type 14 (Expedia) and 10 (hotel).
RS_EXPEDIA_ID = "8"
RS_HOTEL_CONFIRMATION = "3"
OUR_SOURCE = "PTX"

_OTA = OtaCode.EXPEDIA


@dataclass(frozen=True)
class BookingNotification:
    """One BN message, read. ``reservation`` is the OTA-neutral revision it carries."""

    message: str  # NEW, MODIFY or CANCEL
    request_id: str | None  # PayloadInfo/@RequestId: Expedia's id of this delivery
    echo_token: str | None
    hotel_id: str  # PayloadReference/@SupplierHotelCode, else the hotel the booking names
    username: str | None
    password: str | None
    reservation: OtaReservation

    @property
    def receipt_key(self) -> str:
        """The dedupe key of the delivery (≤ 128 characters)."""
        reservation = self.reservation
        return f"bn:{self.message}:{reservation.reservation_id}:{reservation.revision}"[:128]


def read_notification(raw: bytes, *, authorization: str | None, received_at: datetime) -> BookingNotification:
    """Parse a BN delivery (SOAP envelope, or the bare RQ). :class:`MalformedNotification` names
    the field; untrusted XML goes through defusedxml with DTDs refused."""
    try:
        root = parse_untrusted(_OTA, raw, expected_roots={"Envelope", *MESSAGES})
    except OtaError as exc:
        raise MalformedNotification("body", exc.message) from None
    header: Element | None = None
    body = root
    if local_name(root.tag) == "Envelope":
        if namespace_of(root.tag) != SOAP_NS:
            raise MalformedNotification("Envelope", f"expected the SOAP 1.1 namespace {SOAP_NS}")
        header = root.find(f"{{{SOAP_NS}}}Header/{{{HEADER_NS}}}Interface")
        soap_body = root.find(f"{{{SOAP_NS}}}Body")
        children = list(soap_body) if soap_body is not None else []
        if len(children) != 1:
            raise MalformedNotification("Envelope/Body", f"must hold exactly one of {', '.join(MESSAGES)}")
        body = children[0]
    message = local_name(body.tag)
    if message not in MESSAGES or namespace_of(body.tag) != OTA_NS:
        raise MalformedNotification("Envelope/Body", f"expected one of {', '.join(MESSAGES)} in {OTA_NS}")
    username, password, header_hotel, request_id = _header(header)
    if username is None:
        username, password = _basic(authorization)
    stamp_raw = body.get("TimeStamp")
    try:
        stamp = datetime.fromisoformat(stamp_raw.replace("Z", "+00:00")) if stamp_raw else received_at
    except ValueError:
        raise MalformedNotification(f"{message}@TimeStamp", "not a date-time") from None
    reader = XmlReader(_OTA, OTA_NS)
    try:
        reservation = (
            _cancellation(reader, body, header_hotel, stamp)
            if message == CANCEL
            else _booking(reader, body, message, header_hotel, stamp)
        )
    except (MissingField, InvalidField) as exc:
        raise MalformedNotification(exc.field or message, exc.message) from None
    return BookingNotification(
        message=message,
        request_id=request_id,
        echo_token=body.get("EchoToken"),
        hotel_id=header_hotel or reservation.ota_hotel_id,
        username=username,
        password=password,
        reservation=reservation,
    )


def _header(interface: Element | None) -> tuple[str | None, str | None, str | None, str | None]:
    if interface is None:
        return None, None, None, None
    info = interface.find(f"{{{HEADER_NS}}}PayloadInfo")
    if info is None:
        return None, None, None, None
    auth = info.find(f"{{{HEADER_NS}}}CommDescriptor/{{{HEADER_NS}}}Authentication")
    reference = info.find(f"{{{HEADER_NS}}}PayloadDescriptor/{{{HEADER_NS}}}PayloadReference")
    return (
        auth.get("Username") if auth is not None else None,
        auth.get("Password") if auth is not None else None,
        (reference.get("SupplierHotelCode") or "").strip() or None if reference is not None else None,
        info.get("RequestId"),
    )


def _basic(authorization: str | None) -> tuple[str | None, str | None]:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        user, separator, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return (user, password) if separator else (None, None)


def _booking(
    reader: XmlReader, body: Element, message: str, header_hotel: str | None, stamp: datetime
) -> OtaReservation:
    path = "HotelReservations/HotelReservation" if message == NEW else "HotelResModifies/HotelResModify"
    items = reader.findall(body, path)
    if len(items) != 1:
        raise MissingField(_OTA, f"Expedia sent {message} without exactly one {path}", field=f"{message}/{path}")
    options = ReadOptions(
        ota=_OTA,
        received_at=stamp,
        default_hotel_id=header_hotel or "",
        source=EXPEDIA_SOURCE,
        id_types=(),  # Expedia's booking id is UniqueID[@Type=14]
        revision_time=stamp,
    )
    reservation = read_hotel_reservation(
        reader,
        items[0],
        at=f"{message}/{path}",
        kind=KIND_NEW if message == NEW else KIND_MODIFY,
        root_status=body.get("ResStatus"),
        options=options,
    )
    if not reservation.ota_hotel_id:
        raise MissingField(
            _OTA,
            f"Expedia sent booking {reservation.reservation_id} naming no hotel",
            field=f"{message}/{path}/RoomStays/RoomStay/BasicPropertyInfo/@HotelCode",
        )
    return reservation


def _cancellation(reader: XmlReader, body: Element, header_hotel: str | None, stamp: datetime) -> OtaReservation:
    booking_id = next(
        (
            (unique.get("ID") or "").strip()
            for unique in reader.findall(body, "UniqueID")
            if unique.get("Type") == UIT_RESERVATION and (unique.get("ID") or "").strip()
        ),
        "",
    )
    if not booking_id:
        raise MissingField(_OTA, "Expedia sent OTA_CancelRQ without UniqueID[@Type=14]", field="OTA_CancelRQ/UniqueID")
    vendor = reader.find(body, "Verification/Vendor")
    hotel = header_hotel or ((vendor.get("Code") or "").strip() if vendor is not None else "")
    if not hotel:
        raise MissingField(
            _OTA,
            f"Expedia cancelled booking {booking_id} naming no hotel",
            field="Header/Interface/PayloadInfo/PayloadDescriptor/PayloadReference/@SupplierHotelCode",
        )
    given = reader.find(body, "Verification/PersonName/GivenName")
    surname = reader.find(body, "Verification/PersonName/Surname")
    guest = OtaGuest(
        first_name=(given.text or "").strip() if given is not None else "",
        last_name=(surname.text or "").strip() if surname is not None else "",
    )
    return OtaReservation(
        ota=_OTA,
        ota_hotel_id=hotel,
        reservation_id=booking_id,
        revision=_revision(stamp, ReservationAction.CANCEL),
        action=ReservationAction.CANCEL,
        status=ReservationStatus.CANCELLED,
        booked_at=None,
        modified_at=stamp,
        source=EXPEDIA_SOURCE,
        guest=guest if guest.full_name else None,
        rooms=(),
        total_amount=None,
        currency=None,
        confirmation_numbers={_OTA.value: booking_id},
        ota_status=body.get("CancelType") or "Cancel",
        ack_token=f"push|{booking_id}|{stamp.isoformat()}",
    )


# --- answers -----------------------------------------------------------------------------------------------


def _envelope(answer: Element) -> bytes:
    envelope = element("soap-env:Envelope", {"xmlns:soap-env": SOAP_NS})
    element("soap-env:Header", parent=envelope)
    body = element("soap-env:Body", parent=envelope)
    answer.set("xmlns", OTA_NS)
    body.append(answer)
    return to_bytes(envelope, namespace=None)


def _rs_root(message: str, echo_token: str | None, now: datetime) -> Element:
    return element(
        ANSWERS[message],
        {"EchoToken": echo_token, "TimeStamp": now.replace(microsecond=0).isoformat(), "Version": "1.000"},
    )


def success_answer(
    notification: BookingNotification, confirmation_number: str, *, now: datetime, soap: bool = True
) -> bytes:
    """The RS that acknowledges a stored message: Expedia's booking id and our confirmation number."""
    root = _rs_root(notification.message, notification.echo_token, now)
    element("Success", parent=root)
    booking_id = notification.reservation.reservation_id
    ours = confirmation_number[:64]
    if notification.message == CANCEL:
        for uit, value in ((UIT_RESERVATION, booking_id), (UIT_HOTEL, ours)):
            unique = element("UniqueID", {"Type": uit, "ID": value}, parent=root)
            element("CompanyName", parent=unique).text = EXPEDIA_SOURCE if uit == UIT_RESERVATION else OUR_SOURCE
        info = element("CancelInfoRS", parent=root)
        unique = element("UniqueID", {"Type": UIT_HOTEL, "ID": f"CXL-{ours}"[:64]}, parent=info)
        element("CompanyName", parent=unique).text = OUR_SOURCE
        return _envelope(root) if soap else to_bytes(root, namespace=OTA_NS)
    outer, inner = (
        ("HotelReservations", "HotelReservation")
        if notification.message == NEW
        else ("HotelResModifies", "HotelResModify")
    )
    ids = element(
        "HotelReservationIDs",
        parent=element("ResGlobalInfo", parent=element(inner, parent=element(outer, parent=root))),
    )
    element(
        "HotelReservationID",
        {"ResID_Type": RS_EXPEDIA_ID, "ResID_Value": booking_id, "ResID_Source": EXPEDIA_SOURCE},
        parent=ids,
    )
    element(
        "HotelReservationID",
        {"ResID_Type": RS_HOTEL_CONFIRMATION, "ResID_Value": ours, "ResID_Source": OUR_SOURCE},
        parent=ids,
    )
    return _envelope(root) if soap else to_bytes(root, namespace=OTA_NS)


def error_answer(message: str, echo_token: str | None, code: str, text: str, *, now: datetime) -> bytes:
    """The RS that refuses a message: ``Errors/Error[@Type,@Code,@ShortText]`` (OpenTravel EWT 3
    business rule, 12 processing exception)."""
    root = _rs_root(message if message in ANSWERS else NEW, echo_token, now)
    errors = element("Errors", parent=root)
    error_type = "12" if code.startswith("4") else "3"
    element("Error", {"Type": error_type, "Code": code, "ShortText": text[:64]}, parent=errors).text = text[:500]
    return _envelope(root)


def soap_fault(code: str, text: str) -> bytes:
    """A SOAP fault, for a delivery that is not a readable BN message or is not authenticated."""
    envelope = element("soap-env:Envelope", {"xmlns:soap-env": SOAP_NS})
    body = element("soap-env:Body", parent=envelope)
    fault = element("soap-env:Fault", parent=body)
    element("faultcode", parent=fault).text = f"soap-env:{code}"
    element("faultstring", parent=fault).text = text
    return to_bytes(envelope, namespace=None)
