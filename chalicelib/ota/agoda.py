"""Agoda YCS: XML over HTTPS, one endpoint, the API key in the query string.

Real protocol (``../shared/OTA_PROTOCOLS.md``; Agoda publishes no schema):

- ``POST /api?apiKey=...`` with ``<request timestamp="…" type="N">``: 4 GetBookingDetail,
  5 GetProduct, 9 GetBookingListV2, 10 SetARI v2. Answers are ``<result …>``.
- SetARI v2: ``criteria[@property_id]`` with ``inventory/update[@room_id]`` (``date_range``,
  ``allotment``, ``restrictions/closed|cta|ctd``) and ``rate/update[@room_id,@rateplan_id]``
  (``date_range``, ``prices[@currency]/normal[@default]``, ``restrictions/closed|cta|ctd|los/min|max``).
  HTTP 200 ``<result TUID>`` = accepted; 207 = partial success with per-update errors; 400/401
  = failure. Date ranges ≤ 730 days and nothing beyond 730 days ahead (error 2219). 10 requests
  per second (request budget).
- Bookings: GetBookingListV2 (``criteria[@from,@to]`` ≤ 90 days, optional ``property``) lists
  ``booking[@booking_id,@status=ConfirmBooking|AmendBooking|CancelBooking,@last_action,@acknowledge]``;
  GetBookingDetail (one property, ≤ 50 bookings) gives room, rate plan, guests, customer and
  ``prices/price[@date,@sell_inclusive_amt]``.

Our assumptions (to replace when Agoda confirms them):
- Acknowledgement: YCS shows ``booking/@acknowledge`` but documents no call that sets it. We
  acknowledge with a GetBookingDetail request whose ``criteria`` carries ``acknowledge="1"`` and
  whose ``booking`` elements carry the ``last_action`` we stored (so an amendment that arrived
  since is not acknowledged). Pull fetches the details of bookings listed with ``acknowledge="0"``
  in a look-back window, so an unacknowledged booking comes back on every poll. Isolated in
  :meth:`AgodaAdapter._acknowledge`.
- GetProduct's answer (``property/rooms/room/rateplans/rateplan``) and customer ``email``/``phone``
  attributes follow the public examples' naming; their exact shape is not published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

from chalicelib.domain.ari import AriUpdate, Restriction
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import API_KEY, OtaCredentials
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
    ErrorKind,
    PullResult,
    PushWarning,
    SyncError,
)
from chalicelib.ota.agoda_errors import agoda_errors
from chalicelib.ota.base import AdapterOptions, BaseAdapter, BatchOutcome, CredentialsProvider, require_rate_plan
from chalicelib.ota.budget import ACK, POLL, PUSH, READ
from chalicelib.ota.errors import (
    InvalidField,
    MissingField,
    OtaAuthenticationFailed,
    OtaMalformedResponse,
    OtaRejected,
)
from chalicelib.ota.transport import HttpReply
from chalicelib.ota.xml_support import Element, XmlReader, element, parse_untrusted, to_bytes

PATH_API = "/api"

TYPE_BOOKING_DETAIL = 4
TYPE_PRODUCT = 5
TYPE_BOOKING_LIST_V2 = 9
TYPE_SET_ARI_V2 = 10

MAX_DETAILS_PER_REQUEST = 50
MAX_LIST_WINDOW = timedelta(days=90)
BOOKING_LOOKBACK = timedelta(days=7)
# The window reaches a little into the future: Agoda's clock may run ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)
# Agoda stamps bookings in ICT; our windows use the same offset so they read like Agoda's own.
ICT_OFFSET = timedelta(hours=7)

_ACTIONS = {
    "ConfirmBooking": ReservationAction.NEW,
    "AmendBooking": ReservationAction.MODIFY,
    "CancelBooking": ReservationAction.CANCEL,
}
_AUTH_CODES = frozenset({"1001", "1002", "401"})


class AgodaAdapter(BaseAdapter):
    """Agoda over YCS (see the module docstring for the messages and our assumptions)."""

    ota = OtaCode.AGODA
    unsupported_restrictions = frozenset[Restriction]()

    def __init__(
        self,
        base_url: str,
        credentials: CredentialsProvider,
        *,
        options: AdapterOptions | None = None,
        lookback: timedelta = BOOKING_LOOKBACK,
    ) -> None:
        super().__init__(base_url, credentials, options=options)
        self.lookback = min(lookback, MAX_LIST_WINDOW)
        self.reader = XmlReader(self.ota, None)

    # -- envelope ---------------------------------------------------------------------------------------

    def _envelope(self, request_type: int) -> Element:
        return element("request", {"timestamp": int(self.options.now().timestamp()), "type": request_type})

    def _call(self, body: Element, *, operation: str, credentials: OtaCredentials) -> tuple[int, Element]:
        api_key = credentials.require(API_KEY)
        return self.http.exchange(
            "POST",
            PATH_API,
            operation=operation,
            budget_key="account",  # Agoda's 10 req/s is per API key
            parse=self._result,
            content=to_bytes(body, namespace=None),
            params={"apiKey": api_key},
            headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        )

    def _result(self, reply: HttpReply) -> tuple[int, Element]:
        root = parse_untrusted(self.ota, reply.content, expected_roots={"result"})
        errors = self._errors(root)
        if errors and reply.status != 207:
            code, description, _ = errors[0]
            if code in _AUTH_CODES:
                raise OtaAuthenticationFailed(self.ota, description, code=code)
            described = "; ".join(f"{text} (code {number})" for number, text, _ in errors)
            raise OtaRejected(self.ota, f"Agoda refused the request: {described}", code=code)
        if reply.status >= 400:
            raise OtaRejected(self.ota, f"Agoda answered HTTP {reply.status}", code=str(reply.status))
        return reply.status, root

    def _errors(self, root: Element) -> list[tuple[str, str, str | None]]:
        """(code, description, where) for every ``error`` anywhere in the answer (see :func:`agoda_errors`)."""
        return [(error.code, error.description, error.where) for error in agoda_errors(root)]

    # -- test connection and discovery --------------------------------------------------------------------

    def _product(self, hotel_id: str, credentials: OtaCredentials) -> DiscoveredHotel:
        body = self._envelope(TYPE_PRODUCT)
        element("criteria", {"property_id": hotel_id}, parent=body)
        _, root = self._call(body, operation=READ, credentials=credentials)
        reader = self.reader
        prop = reader.require(root, "property", at="result")
        rooms = reader.discovered_rooms(prop, "rooms/room", "rateplans/rateplan", at="result/property")
        return DiscoveredHotel(ota_hotel_id=prop.get("id", hotel_id), name=prop.get("name", ""), rooms=rooms)

    def _test_connection(self, ota_hotel_id: str | None) -> str:
        credentials = self._credentials()
        if ota_hotel_id:
            hotel = self._product(ota_hotel_id, credentials)
            return f"connected to Agoda: property {hotel.ota_hotel_id} ({hotel.name}) with {len(hotel.rooms)} room(s)"
        now = self.options.now()
        listed = self._booking_list(None, now - timedelta(hours=1), now + CLOCK_SKEW, credentials)
        return f"connected to Agoda: API key accepted ({len(listed)} booking(s) changed in the last hour)"

    def _discover(self, ota_hotel_ids: tuple[str, ...]) -> Discovery:
        if not ota_hotel_ids:
            return self._ids_required("Agoda lists products per property: give the property id(s) to discover")
        credentials = self._credentials()
        return self._discover_each(ota_hotel_ids, lambda hotel_id: self._product(hotel_id, credentials))

    # -- reservations ----------------------------------------------------------------------------------------

    def _booking_list(
        self, hotel_id: str | None, start: datetime, end: datetime, credentials: OtaCredentials
    ) -> list[Element]:
        body = self._envelope(TYPE_BOOKING_LIST_V2)
        criteria = element("criteria", {"from": _ict(start), "to": _ict(end)}, parent=body)
        if hotel_id is not None:
            element("property", {"id": hotel_id}, parent=criteria)
        _, root = self._call(body, operation=POLL, credentials=credentials)
        bookings: list[Element] = []
        for prop in self.reader.findall(root, "properties/property"):
            if hotel_id is not None and prop.get("id") != hotel_id:
                continue
            bookings.extend(self.reader.findall(prop, "bookings/booking"))
        return bookings

    def _pull(self, ota_hotel_id: str) -> PullResult:
        credentials = self._credentials()
        now = self.options.now()
        listed = self._booking_list(ota_hotel_id, now - self.lookback, now + CLOCK_SKEW, credentials)
        pending: list[str] = []
        errors: list[SyncError] = []
        for index, booking in enumerate(listed):
            booking_id = booking.get("booking_id")
            if not booking_id:
                errors.append(
                    MissingField(
                        self.ota,
                        "Agoda listed a booking without booking_id",
                        field=f"properties/property/bookings/booking[{index + 1}]/@booking_id",
                    ).to_sync_error()
                )
                continue
            if booking.get("acknowledge", "0") != "1" and booking_id not in pending:
                pending.append(booking_id)
        reservations: list[OtaReservation] = []
        for start in range(0, len(pending), MAX_DETAILS_PER_REQUEST):
            chunk = pending[start : start + MAX_DETAILS_PER_REQUEST]
            body = self._envelope(TYPE_BOOKING_DETAIL)
            criteria = element("criteria", {"language": "EN"}, parent=body)
            prop = element("property", {"id": ota_hotel_id}, parent=criteria)
            for booking_id in chunk:
                element("booking", {"id": booking_id}, parent=prop)
            _, root = self._call(body, operation=READ, credentials=credentials)
            details = self.reader.findall(root, "bookings/booking")
            self._map_each(
                details, lambda detail, index: self._map_detail(detail, ota_hotel_id, index), reservations, errors
            )
        del credentials
        return self._pulled(ota_hotel_id, reservations, errors)

    def _map_detail(self, detail: Element, ota_hotel_id: str, index: int) -> OtaReservation:
        reader = self.reader
        at = f"bookings/booking[{index + 1}]"
        booking_id = reader.attr(detail, "booking_id", at=at)
        status = reader.attr(detail, "status", at=at, item_id=booking_id)
        action = _ACTIONS.get(status)
        if action is None:
            raise InvalidField(
                self.ota,
                f"Agoda sent booking {booking_id} with status {status!r}",
                field=f"{at}/@status",
                item_id=booking_id,
            )
        last_action_raw = reader.attr(detail, "last_action", at=at, item_id=booking_id)
        last_action = reader.parse_datetime(last_action_raw, at=at, name="last_action", item_id=booking_id)
        booked_raw = detail.get("booking_date")
        booked_at = (
            reader.parse_datetime(booked_raw, at=at, name="booking_date", item_id=booking_id) if booked_raw else None
        )
        arrival = reader.date_attr(detail, "arrival", at=at, item_id=booking_id)
        departure = reader.date_attr(detail, "departure", at=at, item_id=booking_id)
        self._check_stay(booking_id, arrival, departure, f"{at}/@departure")
        room_id = reader.attr(detail, "room_id", at=at, item_id=booking_id)
        rate_plan_id = detail.get("rateplan_id") or None
        adults = reader.int_attr(detail, "adults", at=at, item_id=booking_id)
        children = reader.int_attr(detail, "children", at=at, item_id=booking_id, default=0)
        room_count = reader.int_attr(detail, "room_count", at=at, item_id=booking_id, default=1)
        guest = self._customer(detail, at, booking_id)
        nightly, total, currency = self._prices(detail, at, booking_id)
        return OtaReservation(
            ota=self.ota,
            ota_hotel_id=detail.get("property_id", ota_hotel_id),
            reservation_id=booking_id,
            revision=timestamp_revision(last_action, action),
            action=action,
            status=ReservationStatus.CANCELLED if action is ReservationAction.CANCEL else ReservationStatus.CONFIRMED,
            booked_at=booked_at,
            modified_at=last_action,
            source=detail.get("channel_name") or "Agoda",
            guest=guest,
            rooms=(
                OtaRoomStay(
                    ota_room_id=room_id,
                    ota_rate_plan_id=rate_plan_id,
                    check_in=arrival,
                    check_out=departure,
                    adults=adults,
                    children=children,
                    nightly_rates=nightly,
                    guest_name=guest.full_name,
                    quantity=max(room_count, 1),
                ),
            ),
            total_amount=total,
            currency=currency,
            confirmation_numbers={"agoda": booking_id},
            ota_status=status,
            ack_token=f"{booking_id}|{last_action_raw}",
        )

    def _customer(self, detail: Element, at: str, booking_id: str) -> OtaGuest:
        customer = self.reader.require(detail, "customer", at=at, item_id=booking_id)
        return OtaGuest(
            first_name=customer.get("first_name", "").strip(),
            last_name=self.reader.attr(customer, "last_name", at=f"{at}/customer", item_id=booking_id),
            email=customer.get("email") or None,
            phone=customer.get("phone") or None,
        )

    def _prices(self, detail: Element, at: str, booking_id: str) -> tuple[tuple[NightlyRate, ...], Decimal | None, str]:
        """The booking's nightly room rates, its total (the sum of the nights when Agoda gives none) and currency."""
        reader = self.reader
        prices = reader.require(detail, "prices", at=at, item_id=booking_id)
        currency = reader.attr(prices, "currency", at=f"{at}/prices", item_id=booking_id)
        nightly = tuple(
            NightlyRate(
                night=reader.date_attr(price, "date", at=f"{at}/prices/price", item_id=booking_id),
                amount=reader.decimal_attr(price, "sell_inclusive_amt", at=f"{at}/prices/price", item_id=booking_id),
            )
            for price in reader.findall(prices, "price")
            if price.get("type", "Room") == "Room"
        )
        total_raw = prices.get("sell_inclusive_amt")
        if total_raw:
            total = reader.parse_decimal(total_raw, at=f"{at}/prices", name="sell_inclusive_amt", item_id=booking_id)
            return nightly, total, currency
        return nightly, sum((rate.amount for rate in nightly), Decimal("0")) if nightly else None, currency

    def _acknowledge(self, ota_hotel_id: str, acknowledgements: tuple[Acknowledgement, ...]) -> AckResult:
        # Our assumption (module docstring): a GetBookingDetail carrying acknowledge="1".
        credentials = self._credentials()
        acknowledged: list[str] = []
        errors: list[SyncError] = []
        items: list[tuple[str, str]] = []
        for ack in acknowledgements:
            booking_id, _, last_action = ack.ack_token.partition("|")
            if not booking_id or not last_action:
                errors.append(self._unknown_ack_token(ack, "acknowledge Agoda booking"))
                continue
            items.append((booking_id, last_action))
        for start in range(0, len(items), MAX_DETAILS_PER_REQUEST):
            chunk = items[start : start + MAX_DETAILS_PER_REQUEST]
            body = self._envelope(TYPE_BOOKING_DETAIL)
            criteria = element("criteria", {"language": "EN", "acknowledge": "1"}, parent=body)
            prop = element("property", {"id": ota_hotel_id}, parent=criteria)
            for booking_id, last_action in chunk:
                element("booking", {"id": booking_id, "last_action": last_action}, parent=prop)
            if not self._sent(partial(self._call, body, operation=ACK, credentials=credentials), errors):
                continue
            acknowledged.extend(booking_id for booking_id, _ in chunk)
        del credentials
        return self._acknowledged(ota_hotel_id, acknowledged, errors)

    # -- ARI ------------------------------------------------------------------------------------------------

    def _adapt_updates(self, updates: list[AriUpdate]) -> tuple[list[AriUpdate], list[PushWarning]]:
        # Stay limits and prices exist per rate plan only; closed/CTA/CTD exist at both levels.
        return require_rate_plan(self.ota, updates, (Restriction.MIN_LOS, Restriction.MAX_LOS, Restriction.RATE))

    def _push_batch(self, ota_hotel_id: str, batch: tuple[AriUpdate, ...], credentials: OtaCredentials) -> BatchOutcome:
        body = build_set_ari(ota_hotel_id, batch, timestamp=int(self.options.now().timestamp()))
        status, root = self.http.exchange(
            "POST",
            PATH_API,
            operation=PUSH,
            budget_key="account",
            parse=partial(self._result),
            content=body,
            params={"apiKey": credentials.require(API_KEY)},
            headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        )
        if root.get("TUID") is None and status == 200:
            raise OtaMalformedResponse(self.ota, "Agoda answered SetARI without a TUID")
        # Every error of a 207 (or of a 200 that carries some) is a failed cell: the push worker
        # does not acknowledge the batch, so it is retried, then dead-lettered and alerted.
        errors = [
            SyncError(
                ota=self.ota,
                kind=ErrorKind.REJECTED,
                message=f"Agoda refused part of the update: {error.description} (code {error.code})"
                + (f" for {error.where}" if error.where else ""),
                code=error.code,
                field=error.field,
                item_id=error.where,
            )
            for error in agoda_errors(root)
        ]
        return BatchOutcome(sent=1, accepted=1, errors=errors)


def _ict(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(UTC) + ICT_OFFSET
    return local.replace(tzinfo=None, microsecond=0).isoformat() + "+07:00"


def build_set_ari(hotel_id: str, batch: Sequence[AriUpdate], *, timestamp: int) -> bytes:
    """SetARI v2 (type 10): room-level values under ``inventory``, rate-plan values under ``rate``."""
    root = element("request", {"timestamp": timestamp, "type": TYPE_SET_ARI_V2})
    criteria = element("criteria", {"property_id": hotel_id}, parent=root)
    inventory = element("inventory")
    rate = element("rate")
    for update in batch:
        room_level = update.ota_rate_plan_id is None
        room_values = update.availability is not None or (
            room_level
            and any(v is not None for v in (update.stop_sell, update.closed_to_arrival, update.closed_to_departure))
        )
        if room_values:
            node = element("update", {"room_id": update.ota_room_id}, parent=inventory)
            element("date_range", {"from": update.start, "to": update.end}, parent=node)
            if update.availability is not None:
                element("allotment", parent=node).text = str(update.availability)
            if room_level:
                _restrictions(node, update, with_los=False)
        if room_level:
            continue
        plan_values = (
            update.rate,
            update.stop_sell,
            update.closed_to_arrival,
            update.closed_to_departure,
            update.min_los,
            update.max_los,
        )
        if all(value is None for value in plan_values):
            continue
        node = element("update", {"room_id": update.ota_room_id, "rateplan_id": update.ota_rate_plan_id}, parent=rate)
        element("date_range", {"from": update.start, "to": update.end}, parent=node)
        if update.rate is not None:
            prices = element("prices", {"currency": update.currency}, parent=node)
            element("normal", {"default": update.rate}, parent=prices)
        _restrictions(node, update, with_los=True)
    if len(inventory):
        criteria.append(inventory)
    if len(rate):
        criteria.append(rate)
    return to_bytes(root, namespace=None)


def _restrictions(parent: Element, update: AriUpdate, *, with_los: bool) -> None:
    flags = (
        ("closed", update.stop_sell),
        ("cta", update.closed_to_arrival),
        ("ctd", update.closed_to_departure),
    )
    has_los = with_los and (update.min_los is not None or update.max_los is not None)
    if all(value is None for _, value in flags) and not has_los:
        return
    node = element("restrictions", parent=parent)
    for tag, value in flags:
        if value is not None:
            element(tag, parent=node).text = "true" if value else "false"
    if has_los:
        los = element("los", parent=node)
        if update.min_los is not None:
            element("min", parent=los).text = str(update.min_los)
        if update.max_los is not None:
            element("max", parent=los).text = str(update.max_los)
