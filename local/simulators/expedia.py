"""Expedia QuickConnect (EQC) simulator: XML with the credentials in the body.

Endpoints: ``POST /eqc/ar`` (AvailRateUpdateRQ, namespace AR/2011/06 → AvailRateUpdateRS in
AR/2007/02), ``POST /eqc/br`` (BookingRetrievalRQ/RS, BR/2014/01), ``POST /eqc/bc``
(BookingConfirmRQ in BC/2007/09 → BookingConfirmRS in BC/2007/08), ``POST /eqc/parr``
(ProductAvailRateRetrievalRQ/RS, PAR/2013/07).

Enforced, with EQC's error classes: 1001 wrong credentials; 2001 unreadable message (not XML,
wrong namespace or root, ``Authentication`` not first); 3107 more than 3000 updates in one
message; 3109 nights beyond two years; 3202 unknown room type or rate plan; 4001 another request
for the same hotel still running (one connection per hotel; retryable). Warnings 7013 come with
the ``partial_success`` fault. Bookings stay ``pending``/``retrieved`` (and are re-sent by every
retrieval) until a BookingConfirm names them, or until a Booking Notification push of them (when
a webhook is configured: ``PUT /_control/webhook {"url", "secret", "username"}``) is answered with
the matching RS carrying ``<Success/>`` and our confirmation number (``expedia_bn.py``).
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from local.simulators import eqc_ar, expedia_bn
from local.simulators.core import Reply, Request, Revision, Simulator, WebhookCall, WebhookTarget
from local.simulators.xml_tools import BadMessage, Element, el, local, ns_of, parse, q, required, serialise

NS_AR_REQUEST = "http://www.expediaconnect.com/EQC/AR/2011/06"
NS_AR_RESPONSE = "http://www.expediaconnect.com/EQC/AR/2007/02"
NS_BR = "http://www.expediaconnect.com/EQC/BR/2014/01"
NS_BC_REQUEST = "http://www.expediaconnect.com/EQC/BC/2007/09"
NS_BC_RESPONSE = "http://www.expediaconnect.com/EQC/BC/2007/08"
NS_PAR = "http://www.expediaconnect.com/EQC/PAR/2013/07"
MAX_UPDATES = 3000
MAX_DAYS_AHEAD = 730
MAX_BOOKINGS = 125

_ROUTES = {
    "/eqc/ar": ("ari", "AvailRateUpdateRQ", NS_AR_REQUEST, "AvailRateUpdateRS", NS_AR_RESPONSE),
    "/eqc/br": ("reservations", "BookingRetrievalRQ", NS_BR, "BookingRetrievalRS", NS_BR),
    "/eqc/bc": ("ack", "BookingConfirmRQ", NS_BC_REQUEST, "BookingConfirmRS", NS_BC_RESPONSE),
    "/eqc/parr": ("discovery", "ProductAvailRateRetrievalRQ", NS_PAR, "ProductAvailRateRetrievalRS", NS_PAR),
}
_TYPES = {"new": "Book", "modify": "Modify", "cancel": "Cancel"}


class EqcError(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class ExpediaSimulator(Simulator):
    ota: ClassVar[str] = "expedia"
    default_credentials: ClassVar[dict[str, str]] = {"username": "ptx-eqc", "password": "eqc-pass-1"}
    reservation_id_start: ClassVar[int] = 80_000_000
    applies_own_bookings: ClassVar[bool] = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._busy: set[str] = set()
        self._busy_lock = threading.Lock()

    # -- Booking Notification push (local/simulators/expedia_bn.py) ------------------------------------------

    def webhook_call(self, revision: Revision, target: WebhookTarget) -> WebhookCall | None:
        """The BN SOAP message for the revision, the credentials in its header."""
        return WebhookCall(
            url=target.url,
            body=expedia_bn.notification(revision, target.username or "expedia-bn", target.secret),
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"{expedia_bn.MESSAGES[revision.action]}"',
            },
        )

    def webhook_accepted(self, revision: Revision, body: bytes, entry: dict[str, Any]) -> bool:
        """Delivered only on the matching RS with Success and a hotel confirmation number: then the
        booking is confirmed, as a BookingConfirm would, and leaves the retrieval feed."""
        ok, confirmation = expedia_bn.accepted(revision, body)
        entry["confirm_number"] = confirmation
        if ok:
            self.acknowledge(lambda r: r.seq == revision.seq)
        return ok

    def operation_of(self, request: Request) -> str:
        route = _ROUTES.get(request.path)
        return route[0] if route and request.method == "POST" else "other"

    def expected_root(self, request: Request, operation: str) -> str:
        route = _ROUTES.get(request.path)
        return route[3] if route else "Error"

    def handle_protocol(self, request: Request, operation: str) -> Reply:
        route = _ROUTES.get(request.path)
        if route is None or request.method != "POST":
            return Reply(status=404, body=b"not found", content_type="text/plain")
        _, rq_tag, rq_ns, rs_tag, rs_ns = route
        try:
            root = self._read(request.body, rq_tag, rq_ns)
            hotel = root.find(q(rq_ns, "Hotel"))
            hotel_id = hotel.get("id") if hotel is not None else None
            if not self._claim(hotel_id):
                raise EqcError(4001, f"another request for hotel {hotel_id} is being processed")
            try:
                return self._dispatch(operation, root, rq_ns, rs_tag, rs_ns, hotel_id, request.body)
            finally:
                self._release(hotel_id)
        except BadMessage as exc:
            return Reply(body=_error(rs_tag, rs_ns, 2001, str(exc)))
        except EqcError as exc:
            return Reply(body=_error(rs_tag, rs_ns, exc.code, exc.text))

    def _claim(self, hotel_id: str | None) -> bool:
        if hotel_id is None:
            return True
        with self._busy_lock:
            if hotel_id in self._busy:
                return False
            self._busy.add(hotel_id)
            return True

    def _release(self, hotel_id: str | None) -> None:
        if hotel_id is not None:
            with self._busy_lock:
                self._busy.discard(hotel_id)

    def _read(self, body: bytes, tag: str, namespace: str) -> Element:
        root = parse(body)
        if local(root.tag) != tag or ns_of(root.tag) != namespace:
            raise BadMessage(f"expected {tag} in namespace {namespace}")
        children = list(root)
        if not children or local(children[0].tag) != "Authentication":
            raise BadMessage("Authentication must be the first element")
        auth = children[0]
        user = auth.get("username", "")
        password = auth.get("password", "")
        if not (
            secrets.compare_digest(user, self.credentials.get("username", "\0"))
            and secrets.compare_digest(password, self.credentials.get("password", "\0"))
        ):
            raise EqcError(1001, "Authentication failed: invalid username or password")
        return root

    def _dispatch(
        self, operation: str, root: Element, ns: str, rs_tag: str, rs_ns: str, hotel_id: str | None, body: bytes
    ) -> Reply:
        if hotel_id is not None and hotel_id not in self.hotels:
            raise EqcError(3201, f"hotel {hotel_id} is not accessible with these credentials")
        if operation == "reservations":
            return self._retrieve(root, hotel_id)
        if operation == "ack":
            return self._confirm(root, hotel_id)
        if operation == "discovery":
            return self._products(hotel_id)
        return self._avail_rate(root, hotel_id, body)

    # -- bookings ------------------------------------------------------------------------------------------

    def _retrieve(self, root: Element, hotel_id: str | None) -> Reply:
        statuses = {s.get("value") for s in root.findall(q(NS_BR, "ParamSet/Status"))}
        pending = self.pending(hotel_id)
        if statuses and "pending" in statuses and "retrieved" not in statuses:
            pending = [r for r in pending if r.deliveries <= 1]
        drop_field = self.take_fault("missing_field", "reservations") is not None
        rs = el("BookingRetrievalRS")
        bookings = el("Bookings", parent=rs)
        for index, revision in enumerate(pending[:MAX_BOOKINGS]):
            self._booking(bookings, revision, drop_stay_date=drop_field and index == 0)
        return Reply(body=serialise(rs, NS_BR))

    def _booking(self, parent: Element, revision: Revision, *, drop_stay_date: bool) -> None:
        stay = revision.stay
        booking = el(
            "Booking",
            {
                "id": revision.reservation_id,
                "type": _TYPES[revision.action],
                "createDateTime": revision.at.isoformat(),
                "source": "Expedia",
                "status": "pending" if revision.deliveries <= 1 else "retrieved",
            },
            parent=parent,
        )
        el("Hotel", {"id": revision.hotel_id}, parent=booking)
        room_stay = el("RoomStay", {"roomTypeID": stay.room_id, "ratePlanID": stay.rate_plan_id}, parent=booking)
        if not drop_stay_date:
            el("StayDate", {"arrival": stay.check_in, "departure": stay.check_out}, parent=room_stay)
        guests = el("GuestCount", {"adult": stay.adults, "child": stay.children or None}, parent=room_stay)
        for _ in range(stay.children):
            el("Child", {"age": 8}, parent=guests)
        rates = el("PerDayRates", {"currency": stay.currency}, parent=room_stay)
        for night in stay.nights:
            el("PerDayRate", {"stayDate": night, "baseRate": stay.nightly_rate.quantize(Decimal("0.01"))}, parent=rates)
        el(
            "Total",
            {"amountAfterTaxes": stay.total.quantize(Decimal("0.01")), "currency": stay.currency},
            parent=room_stay,
        )
        guest = el("PrimaryGuest", parent=booking)
        el("Name", {"givenName": stay.guest.first_name, "surname": stay.guest.last_name}, parent=guest)
        if stay.guest.phone:
            el("Phone", {"number": stay.guest.phone[:32]}, parent=guest)
        if stay.guest.email:
            el("Email", parent=guest).text = stay.guest.email

    def _confirm(self, root: Element, hotel_id: str | None) -> Reply:
        numbers = root.findall(q(NS_BC_REQUEST, "BookingConfirmNumbers/BookingConfirmNumber"))
        if not numbers:
            raise BadMessage("BookingConfirmNumbers has no BookingConfirmNumber")
        if len(numbers) > 10:
            raise EqcError(3110, "at most 10 BookingConfirmNumber per message")
        for number in numbers:
            booking_id = required(number, "bookingID", "BookingConfirmNumber")
            booking_type = required(number, "bookingType", "BookingConfirmNumber")
            required(number, "confirmNumber", "BookingConfirmNumber")
            actions = {action for action, name in _TYPES.items() if name == booking_type}

            def confirmed(r: Revision, booking_id: str = booking_id, actions: set[str] = actions) -> bool:
                return (
                    r.reservation_id == booking_id
                    and r.action in actions
                    and (hotel_id is None or r.hotel_id == hotel_id)
                )

            self.acknowledge(confirmed)
        rs = el("BookingConfirmRS")
        el("Success", parent=rs)
        return Reply(body=serialise(rs, NS_BC_RESPONSE))

    # -- products ----------------------------------------------------------------------------------------

    def _products(self, hotel_id: str | None) -> Reply:
        if hotel_id is None:
            raise BadMessage("ProductAvailRateRetrievalRQ needs a Hotel")
        hotel = self.hotels[hotel_id]
        rs = el("ProductAvailRateRetrievalRS")
        products = el("ProductList", parent=rs)
        el("Hotel", {"id": hotel.hotel_id, "name": hotel.name, "city": hotel.city}, parent=products)
        for room in hotel.rooms:
            room_el = el(
                "RoomType",
                {"id": room.room_id, "code": room.room_id, "name": room.name, "status": "Active"},
                parent=products,
            )
            for plan in room.rate_plans:
                el(
                    "RatePlan",
                    {
                        "id": plan.rate_plan_id,
                        "code": plan.rate_plan_id,
                        "name": plan.name,
                        "status": "Active",
                        "type": "Standalone",
                        "distributionModel": "HotelCollect",
                        "rateAcquisitionType": "SellRate",
                    },
                    parent=room_el,
                )
        return Reply(body=serialise(rs, NS_PAR))

    # -- availability and rates ----------------------------------------------------------------------------------

    def _read_room(
        self,
        hotel: Any,
        hotel_id: str,
        room: Element,
        start: date,
        end: date,
        weekdays: frozenset[int] | None,
        nights: int,
        read: eqc_ar.ReadUpdate,
    ) -> None:
        room_id = required(room, "id", "RoomType")
        known = hotel.room(room_id)
        if known is None:
            raise EqcError(3202, f"room type {room_id} not found for hotel {hotel_id}")
        values = eqc_ar.room_values(room)
        if values:
            # An update = one night of one room type or rate plan that carries values.
            read.updates += nights
            read.changes.append(eqc_ar.Change(room_id, None, start, end, values, weekdays))
        for plan in room.findall(q(NS_AR_REQUEST, "RatePlan")):
            plan_id = required(plan, "id", "RatePlan")
            if plan_id not in {p.rate_plan_id for p in known.rate_plans}:
                raise EqcError(3202, f"rate plan {plan_id} not found for room type {room_id}")
            read.updates += nights
            read.changes.append(eqc_ar.Change(room_id, plan_id, start, end, eqc_ar.plan_values(plan), weekdays))

    def _avail_rate(self, root: Element, hotel_id: str | None, body: bytes) -> Reply:
        if hotel_id is None:
            raise BadMessage("AvailRateUpdateRQ needs a Hotel")
        error = self.take_fault("ota_error", "ari")
        if error is not None:
            self.note_ari_message("ari", body, "error")
            raise EqcError(int(error.code or 4000), "simulated Expedia failure")
        hotel = self.hotels[hotel_id]
        today = datetime.now(UTC).date()
        read = eqc_ar.ReadUpdate()
        for update in root.findall(q(NS_AR_REQUEST, "AvailRateUpdate")):
            eqc_ar.check_known(update, "AvailRateUpdateRQ")
            ranges = update.findall(q(NS_AR_REQUEST, "DateRange"))
            rooms = update.findall(q(NS_AR_REQUEST, "RoomType"))
            if not ranges or not rooms:
                raise BadMessage("AvailRateUpdate needs DateRange and RoomType")
            for date_range in ranges:
                start, end = _dates(date_range)
                if end < start:
                    raise EqcError(3108, f"DateRange to {end} is before from {start}")
                if end > today + timedelta(days=MAX_DAYS_AHEAD):
                    raise EqcError(3109, f"{end} is more than two years ahead")
                weekdays = eqc_ar.weekdays_of(date_range)
                nights = sum(
                    1
                    for offset in range((end - start).days + 1)
                    if weekdays is None or (start + timedelta(days=offset)).weekday() in weekdays
                )
                for room in rooms:
                    self._read_room(hotel, hotel_id, room, start, end, weekdays, nights, read)
        changes, updates = read.changes, read.updates
        if updates > MAX_UPDATES:
            self.note_ari_message("ari", body, "rejected")
            raise EqcError(3107, f"{updates} updates in one message; the maximum is {MAX_UPDATES}")
        for change in changes:
            self.record_ari(
                hotel_id,
                change.room_id,
                change.rate_plan_id,
                change.start,
                change.end,
                change.values,
                weekdays=change.weekdays,
            )
        self.note_ari_message("ari", body, "accepted")
        rs = el("AvailRateUpdateRS")
        success = el("Success", parent=rs)
        if self.take_fault("partial_success", "ari") is not None:
            el(
                "Warning", {"code": 7013}, parent=success
            ).text = "Inventory below base allocation: the base allocation was kept for some dates"
        return Reply(body=serialise(rs, NS_AR_RESPONSE))


def _dates(date_range: Element) -> tuple[date, date]:
    try:
        return (
            date.fromisoformat(required(date_range, "from", "DateRange")),
            date.fromisoformat(required(date_range, "to", "DateRange")),
        )
    except ValueError:
        raise BadMessage("DateRange from/to must be dates (YYYY-MM-DD)") from None


def _error(tag: str, namespace: str, code: int, text: str) -> bytes:
    root = el(tag)
    el("Error", {"code": code}, parent=root).text = text
    return serialise(root, namespace)
