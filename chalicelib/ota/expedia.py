"""Expedia QuickConnect (EQC): XML over HTTPS with the credentials in the message body.

Real protocol (``../shared/OTA_PROTOCOLS.md``, schemas in ``../shared/ota-ref/expedia-eqc``):

- ``POST /eqc/ar``: ``AvailRateUpdateRQ`` (namespace ``.../EQC/AR/2011/06``; the answer
  ``AvailRateUpdateRS`` is in ``.../EQC/AR/2007/02``). ``Authentication`` first, then ``Hotel``,
  then ``AvailRateUpdate`` elements, each a ``DateRange`` and a ``RoomType`` (``Inventory``,
  ``RatePlan`` with ``Rate/PerDay`` and ``Restrictions``). At most 3000 updates per message (we
  count every night of every room/rate plan entry), nights up to two years ahead, LOS 1-28,
  inventory ≤ 4999. One connection per hotel at a time, in order (request budget).
- ``POST /eqc/br``: ``BookingRetrievalRQ`` (``.../EQC/BR/2014/01`` both ways). Without a
  ``ParamSet`` Expedia returns the bookings not yet confirmed (status pending or retrieved), up to
  125, each a ``Booking[@id,@type=Book|Modify|Cancel,@createDateTime,@source,@status]`` with one
  ``RoomStay``. Unconfirmed bookings come back on every retrieval.
- ``POST /eqc/bc``: ``BookingConfirmRQ`` (``.../EQC/BC/2007/09``; answer ``.../EQC/BC/2007/08``),
  ≤ 10 ``BookingConfirmNumber[@bookingID,@bookingType,@confirmNumber,@confirmTime]`` per message.
  This is the acknowledgement; ``confirmNumber`` is our booking reference.
- ``POST /eqc/parr``: ``ProductAvailRateRetrievalRQ`` (``.../EQC/PAR/2013/07``) with
  ``ProductRetrieval``: room types and rate plans of a hotel (discovery, test connection).
- Error classes: 1xxx authentication and 2xxx parsing → stop and alert; 3xxx business → drop that
  message and alarm, go on with the rest; 4000-4099 → retry with backoff; ≥ 4100 → do not retry;
  7xxx are warnings inside a success (7013: below base allocation).

Closing a room: ``RoomType[@closed="true"]`` (a room-level stop-sell); a rate plan:
``RatePlan[@closed="true"]``. Restrictions and rates exist only per rate plan in EQC, so those
values sent without a rate plan become warnings. Expedia decrements its own availability for its
own bookings; the sync engine must not push an Expedia booking's decrement back to Expedia.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from decimal import Decimal
from functools import partial

from chalicelib.domain.ari import AriUpdate, Restriction
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import PASSWORD, USERNAME, OtaCredentials
from chalicelib.domain.ota_reservation import (
    Acknowledgement,
    NightlyRate,
    OtaGuest,
    OtaReservation,
    OtaRoomStay,
    ReservationAction,
    ReservationStatus,
    timestamp_revision,
)
from chalicelib.domain.ota_results import (
    AckResult,
    DiscoveredHotel,
    Discovery,
    PullResult,
    PushWarning,
    SyncError,
    WarningKind,
)
from chalicelib.ota.base import AdapterOptions, BaseAdapter, BatchOutcome, CredentialsProvider, require_rate_plan
from chalicelib.ota.budget import ACK, POLL, PUSH, READ
from chalicelib.ota.errors import (
    InvalidField,
    OtaAuthenticationFailed,
    OtaConfigurationError,
    OtaError,
    OtaMalformedResponse,
    OtaProtocolError,
    OtaRejected,
    OtaRetryRequested,
)
from chalicelib.ota.transport import HttpReply
from chalicelib.ota.xml_support import Element, XmlReader, element, local_name, namespace_of, parse_untrusted, to_bytes

NS_AR_REQUEST = "http://www.expediaconnect.com/EQC/AR/2011/06"
NS_AR_RESPONSE = "http://www.expediaconnect.com/EQC/AR/2007/02"
NS_BR = "http://www.expediaconnect.com/EQC/BR/2014/01"
NS_BC_REQUEST = "http://www.expediaconnect.com/EQC/BC/2007/09"
NS_BC_RESPONSE = "http://www.expediaconnect.com/EQC/BC/2007/08"
NS_PAR = "http://www.expediaconnect.com/EQC/PAR/2013/07"

PATH_AR = "/eqc/ar"
PATH_BR = "/eqc/br"
PATH_BC = "/eqc/bc"
PATH_PARR = "/eqc/parr"

MAX_CONFIRMATIONS_PER_MESSAGE = 10

_ACTIONS = {"Book": ReservationAction.NEW, "Modify": ReservationAction.MODIFY, "Cancel": ReservationAction.CANCEL}


def classify_error(ota: OtaCode, code: int, text: str) -> OtaError:
    """Expedia's error classes, as its documentation states them."""
    described = f"Expedia error {code}: {text}".strip().rstrip(":")
    if 1000 <= code < 2000:
        return OtaAuthenticationFailed(ota, f"{text} (code {code})".strip(), code=str(code))
    if 2000 <= code < 3000:
        return OtaProtocolError(ota, f"Expedia could not read our message: {described}", code=str(code))
    if 3000 <= code < 4000:
        return OtaRejected(ota, f"Expedia refused the update: {described}", code=str(code))
    if 4000 <= code < 4100:
        return OtaRetryRequested(ota, f"Expedia asked us to retry: {described}", code=str(code))
    return OtaRejected(ota, f"Expedia failed and says not to retry: {described}", code=str(code))


class ExpediaAdapter(BaseAdapter):
    """Expedia over EQC (see the module docstring for the exact messages and error classes)."""

    ota = OtaCode.EXPEDIA
    unsupported_restrictions = frozenset[Restriction]()

    def __init__(
        self, base_url: str, credentials: CredentialsProvider, *, options: AdapterOptions | None = None
    ) -> None:
        super().__init__(base_url, credentials, options=options)

    # -- helpers ------------------------------------------------------------------------------------------

    def _hotel_id(self, ota_hotel_id: str) -> str:
        if not ota_hotel_id.isdigit():
            raise OtaConfigurationError(
                self.ota, f"Expedia hotel ids are numbers; {ota_hotel_id!r} is not one", field="ota_hotel_id"
            )
        return ota_hotel_id

    def _request(self, namespace: str, root_tag: str, credentials: OtaCredentials, hotel_id: str | None) -> Element:
        root = element(root_tag)
        element(
            "Authentication",
            {"username": credentials.require(USERNAME), "password": credentials.require(PASSWORD)},
            parent=root,
        )
        if hotel_id is not None:
            element("Hotel", {"id": hotel_id}, parent=root)
        return root

    def _document(self, reply: HttpReply, *, root_name: str, namespace: str) -> Element:
        root = parse_untrusted(self.ota, reply.content, expected_roots={root_name})
        if namespace_of(root.tag) != namespace:
            raise OtaMalformedResponse(
                self.ota,
                f"Expedia sent <{local_name(root.tag)}> in namespace {namespace_of(root.tag)!r}, "
                f"expected {namespace!r}",
            )
        reader = XmlReader(self.ota, namespace)
        errors = reader.findall(root, "Error")
        if errors:
            first = errors[0]
            code_raw = (first.get("code") or "").strip()
            code = int(code_raw) if code_raw.isdigit() else 0
            raise classify_error(self.ota, code, (first.text or "").strip())
        if reply.status >= 400:
            raise OtaRejected(self.ota, f"Expedia answered HTTP {reply.status}", code=str(reply.status))
        return root

    def _post(
        self,
        path: str,
        body: Element,
        *,
        namespace_out: str,
        root_name: str,
        namespace_in: str,
        operation: str,
        key: str,
    ) -> Element:
        return self.http.exchange(
            "POST",
            path,
            operation=operation,
            budget_key=key,
            parse=partial(self._document, root_name=root_name, namespace=namespace_in),
            content=to_bytes(body, namespace=namespace_out),
            headers={"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml"},
        )

    # -- test connection and discovery --------------------------------------------------------------------

    def _product_list(self, hotel_id: str) -> DiscoveredHotel:
        credentials = self._credentials()
        request = self._request(NS_PAR, "ProductAvailRateRetrievalRQ", credentials, self._hotel_id(hotel_id))
        del credentials
        params = element("ParamSet", parent=request)
        element("ProductRetrieval", {"productStatus": "Active"}, parent=params)
        root = self._post(
            PATH_PARR,
            request,
            namespace_out=NS_PAR,
            root_name="ProductAvailRateRetrievalRS",
            namespace_in=NS_PAR,
            operation=READ,
            key=hotel_id,
        )
        del request
        reader = XmlReader(self.ota, NS_PAR)
        product_list = reader.require(root, "ProductList", at="ProductAvailRateRetrievalRS")
        hotel = reader.require(product_list, "Hotel", at="ProductList")
        rooms = reader.discovered_rooms(product_list, "RoomType", "RatePlan", at="ProductList")
        return DiscoveredHotel(ota_hotel_id=hotel.get("id", hotel_id), name=hotel.get("name", ""), rooms=rooms)

    def _test_connection(self, ota_hotel_id: str | None) -> str:
        if ota_hotel_id:
            hotel = self._product_list(ota_hotel_id)
            return (
                f"connected to Expedia: hotel {hotel.ota_hotel_id} ({hotel.name}) with {len(hotel.rooms)} room type(s)"
            )
        # Account-level check: a booking retrieval without a hotel is the lightest authenticated call.
        root = self._booking_retrieval(None, operation=READ, key="account", status="pending")
        waiting = len(XmlReader(self.ota, NS_BR).findall(root, "Bookings/Booking"))
        return f"connected to Expedia: credentials accepted ({waiting} pending booking(s))"

    def _discover(self, ota_hotel_ids: tuple[str, ...]) -> Discovery:
        if not ota_hotel_ids:
            return self._ids_required("Expedia lists products per hotel: give the hotel id(s) to discover")
        return self._discover_each(ota_hotel_ids, self._product_list)

    # -- reservations ----------------------------------------------------------------------------------------

    def _pull(self, ota_hotel_id: str) -> PullResult:
        hotel_id = self._hotel_id(ota_hotel_id)
        root = self._booking_retrieval(hotel_id, operation=POLL, key=hotel_id)
        reader = XmlReader(self.ota, NS_BR)
        reservations: list[OtaReservation] = []
        errors: list[SyncError] = []
        bookings = reader.findall(root, "Bookings/Booking")
        self._map_each(
            bookings,
            lambda booking, index: self._map_booking(reader, booking, ota_hotel_id, index),
            reservations,
            errors,
        )
        return self._pulled(ota_hotel_id, reservations, errors)

    def _booking_retrieval(
        self, hotel_id: str | None, *, operation: str, key: str, status: str | None = None
    ) -> Element:
        """Expedia's answer to a BookingRetrievalRQ for one hotel (or the account), optionally only of
        bookings in ``status``."""
        credentials = self._credentials()
        request = self._request(NS_BR, "BookingRetrievalRQ", credentials, hotel_id)
        del credentials
        if status is not None:
            element("Status", {"value": status}, parent=element("ParamSet", parent=request))
        return self._post(
            PATH_BR,
            request,
            namespace_out=NS_BR,
            root_name="BookingRetrievalRS",
            namespace_in=NS_BR,
            operation=operation,
            key=key,
        )

    def _map_booking(self, reader: XmlReader, booking: Element, ota_hotel_id: str, index: int) -> OtaReservation:
        at = f"Bookings/Booking[{index + 1}]"
        booking_id = reader.attr(booking, "id", at=at)
        booking_type = reader.attr(booking, "type", at=at, item_id=booking_id)
        action = _ACTIONS.get(booking_type)
        if action is None:
            raise InvalidField(
                self.ota,
                f"Expedia sent booking {booking_id} with type {booking_type!r} (expected Book, Modify or Cancel)",
                field=f"{at}/@type",
                item_id=booking_id,
            )
        created = reader.datetime_attr(booking, "createDateTime", at=at, item_id=booking_id)
        source = reader.attr(booking, "source", at=at, item_id=booking_id)
        stay = reader.require(booking, "RoomStay", at=at, item_id=booking_id)
        room, total_amount, currency = self._room_stay(reader, stay, f"{at}/RoomStay", booking_id)
        guest = self._primary_guest(reader, booking, at, booking_id)
        confirmation_numbers = {"expedia": booking_id}
        if booking.get("confirmNumber"):
            confirmation_numbers["hotel"] = booking.get("confirmNumber", "")
        # The hotel the booking names (``Booking/Hotel/@id``), not the one we asked for: the sync
        # engine refuses a booking of another hotel rather than store it under ours.
        hotel = reader.find(booking, "Hotel")
        named_hotel = (hotel.get("id") or "").strip() if hotel is not None else ""
        return OtaReservation(
            ota=self.ota,
            ota_hotel_id=named_hotel or ota_hotel_id,
            reservation_id=booking_id,
            revision=timestamp_revision(created, action),
            action=action,
            status=ReservationStatus.CANCELLED if action is ReservationAction.CANCEL else ReservationStatus.CONFIRMED,
            booked_at=created if action is ReservationAction.NEW else None,
            modified_at=created,
            source=source,
            guest=guest,
            rooms=(replace(room, guest_name=guest.full_name),),
            total_amount=total_amount,
            currency=currency,
            confirmation_numbers=confirmation_numbers,
            ota_status=booking.get("status", ""),
            ack_token=f"{booking_id}|{booking_type}",
        )

    def _room_stay(
        self, reader: XmlReader, stay: Element, stay_at: str, booking_id: str
    ) -> tuple[OtaRoomStay, Decimal, str | None]:
        """The booking's ``RoomStay`` (without the guest's name), its total and currency."""
        room_id = reader.attr(stay, "roomTypeID", at=stay_at, item_id=booking_id)
        rate_plan_id = reader.attr(stay, "ratePlanID", at=stay_at, item_id=booking_id)
        dates = reader.require(stay, "StayDate", at=stay_at, item_id=booking_id)
        arrival = reader.date_attr(dates, "arrival", at=f"{stay_at}/StayDate", item_id=booking_id)
        departure = reader.date_attr(dates, "departure", at=f"{stay_at}/StayDate", item_id=booking_id)
        self._check_stay(booking_id, arrival, departure, f"{stay_at}/StayDate/@departure")
        guests = reader.require(stay, "GuestCount", at=stay_at, item_id=booking_id)
        adults = reader.int_attr(guests, "adult", at=f"{stay_at}/GuestCount", item_id=booking_id)
        children = reader.int_attr(guests, "child", at=f"{stay_at}/GuestCount", item_id=booking_id, default=0)
        children = max(children, len(reader.findall(guests, "Child")))
        per_day = reader.require(stay, "PerDayRates", at=stay_at, item_id=booking_id)
        rate_at = f"{stay_at}/PerDayRates/PerDayRate"
        nightly = tuple(
            NightlyRate(
                night=reader.date_attr(rate, "stayDate", at=rate_at, item_id=booking_id),
                amount=reader.decimal_attr(rate, "baseRate", at=rate_at, item_id=booking_id),
            )
            for rate in reader.findall(per_day, "PerDayRate")
        )
        total = reader.require(stay, "Total", at=stay_at, item_id=booking_id)
        total_amount = reader.decimal_attr(total, "amountAfterTaxes", at=f"{stay_at}/Total", item_id=booking_id)
        room = OtaRoomStay(
            ota_room_id=room_id,
            ota_rate_plan_id=rate_plan_id,
            check_in=arrival,
            check_out=departure,
            adults=adults,
            children=children,
            nightly_rates=nightly,
        )
        return room, total_amount, total.get("currency") or per_day.get("currency")

    def _primary_guest(self, reader: XmlReader, booking: Element, at: str, booking_id: str) -> OtaGuest:
        primary = reader.require(booking, "PrimaryGuest", at=at, item_id=booking_id)
        name = reader.require(primary, "Name", at=f"{at}/PrimaryGuest", item_id=booking_id)
        email = reader.find(primary, "Email")
        return OtaGuest(
            first_name=reader.attr(name, "givenName", at=f"{at}/PrimaryGuest/Name", item_id=booking_id),
            last_name=reader.attr(name, "surname", at=f"{at}/PrimaryGuest/Name", item_id=booking_id),
            email=(email.text or "").strip() or None if email is not None else None,
            phone=_phone(reader.find(primary, "Phone")),
        )

    def _acknowledge(self, ota_hotel_id: str, acknowledgements: tuple[Acknowledgement, ...]) -> AckResult:
        hotel_id = self._hotel_id(ota_hotel_id)
        acknowledged: list[str] = []
        errors: list[SyncError] = []
        valid: list[tuple[str, str, str]] = []
        for ack in acknowledgements:
            booking_id, _, booking_type = ack.ack_token.partition("|")
            if not booking_id.isdigit() or booking_type not in _ACTIONS:
                errors.append(self._unknown_ack_token(ack, "confirm Expedia booking"))
                continue
            valid.append((booking_id, booking_type, (ack.confirmation_number or f"PTX-{booking_id}")[:50]))
        confirm_time = self.options.now().astimezone(UTC).replace(microsecond=0).isoformat()
        for start in range(0, len(valid), MAX_CONFIRMATIONS_PER_MESSAGE):
            chunk = valid[start : start + MAX_CONFIRMATIONS_PER_MESSAGE]
            credentials = self._credentials()
            request = self._request(NS_BC_REQUEST, "BookingConfirmRQ", credentials, hotel_id)
            del credentials
            numbers = element("BookingConfirmNumbers", parent=request)
            for booking_id, booking_type, confirm_number in chunk:
                element(
                    "BookingConfirmNumber",
                    {
                        "bookingID": booking_id,
                        "bookingType": booking_type,
                        "confirmNumber": confirm_number,
                        "confirmTime": confirm_time,
                    },
                    parent=numbers,
                )
            try:
                self._post(
                    PATH_BC,
                    request,
                    namespace_out=NS_BC_REQUEST,
                    root_name="BookingConfirmRS",
                    namespace_in=NS_BC_RESPONSE,
                    operation=ACK,
                    key=hotel_id,
                )
            except OtaAuthenticationFailed:
                raise
            except OtaError as exc:
                errors.append(exc.to_sync_error())
                continue
            finally:
                del request
            acknowledged.extend(booking_id for booking_id, _, _ in chunk)
        return self._acknowledged(ota_hotel_id, acknowledged, errors)

    # -- ARI ---------------------------------------------------------------------------------------------------

    def _adapt_updates(self, updates: list[AriUpdate]) -> tuple[list[AriUpdate], list[PushWarning]]:
        return require_rate_plan(
            self.ota,
            updates,
            (
                Restriction.CLOSED_TO_ARRIVAL,
                Restriction.CLOSED_TO_DEPARTURE,
                Restriction.MIN_LOS,
                Restriction.MAX_LOS,
                Restriction.RATE,
            ),
        )

    def _push_batch(self, ota_hotel_id: str, batch: tuple[AriUpdate, ...], credentials: OtaCredentials) -> BatchOutcome:
        hotel_id = self._hotel_id(ota_hotel_id)
        request = build_avail_rate_update(credentials.require(USERNAME), credentials.require(PASSWORD), hotel_id, batch)
        try:
            root = self.http.exchange(
                "POST",
                PATH_AR,
                operation=PUSH,
                budget_key=hotel_id,
                parse=partial(self._document, root_name="AvailRateUpdateRS", namespace=NS_AR_RESPONSE),
                content=request,
                headers={"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml"},
            )
        finally:
            del request
        reader = XmlReader(self.ota, NS_AR_RESPONSE)
        warnings = [
            PushWarning(
                kind=WarningKind.OTA_WARNING,
                message=f"Expedia warning {warning.get('code', '')}: {(warning.text or '').strip()}",
                code=warning.get("code"),
            )
            for warning in reader.findall(root, "Success/Warning")
        ]
        if reader.find(root, "Success") is None:
            raise OtaMalformedResponse(self.ota, "Expedia answered AvailRateUpdateRS with neither Success nor Error")
        return BatchOutcome(sent=1, accepted=1, warnings=warnings)


def _phone(phone: Element | None) -> str | None:
    if phone is None or not phone.get("number"):
        return None
    parts = [phone.get("countryCode"), phone.get("cityAreaCode"), phone.get("number")]
    text = " ".join(part for part in parts if part)
    return f"+{text}" if phone.get("countryCode") else text


def build_avail_rate_update(username: str, password: str, hotel_id: str, batch: Sequence[AriUpdate]) -> bytes:
    """``AvailRateUpdateRQ``: one ``AvailRateUpdate`` per range (DateRange + RoomType)."""
    root = element("AvailRateUpdateRQ")
    element("Authentication", {"username": username, "password": password}, parent=root)
    element("Hotel", {"id": hotel_id}, parent=root)
    for update in batch:
        container = element("AvailRateUpdate", parent=root)
        element("DateRange", {"from": update.start, "to": update.end}, parent=container)
        room_level = update.ota_rate_plan_id is None
        room = element(
            "RoomType",
            {"id": update.ota_room_id, "closed": update.stop_sell if room_level else None},
            parent=container,
        )
        if update.availability is not None:
            element("Inventory", {"totalInventoryAvailable": update.availability}, parent=room)
        rate_plan_values = (
            update.stop_sell,
            update.rate,
            update.min_los,
            update.max_los,
            update.closed_to_arrival,
            update.closed_to_departure,
        )
        if room_level or all(value is None for value in rate_plan_values):
            continue
        plan = element("RatePlan", {"id": update.ota_rate_plan_id, "closed": update.stop_sell}, parent=room)
        if update.rate is not None:
            rate = element("Rate", {"currency": update.currency}, parent=plan)
            element("PerDay", {"rate": _eqc_amount(update.rate)}, parent=rate)
        if any(
            value is not None
            for value in (update.min_los, update.max_los, update.closed_to_arrival, update.closed_to_departure)
        ):
            element(
                "Restrictions",
                {
                    "minLOS": update.min_los,
                    "maxLOS": update.max_los,
                    "closedToArrival": update.closed_to_arrival,
                    "closedToDeparture": update.closed_to_departure,
                },
                parent=plan,
            )
    return to_bytes(root, namespace=NS_AR_REQUEST)


def _eqc_amount(amount: Decimal) -> Decimal:
    # EQC rates take at most three decimals.
    exponent = amount.as_tuple().exponent
    return amount.quantize(Decimal("0.001")) if isinstance(exponent, int) and exponent < -3 else amount
