"""Agoda YCS simulator: ``POST /api?apiKey=...`` with ``<request timestamp type>``.

Types: 4 GetBookingDetail (≤ 50 bookings of one property; with ``criteria[@acknowledge="1"]`` it
acknowledges instead, our documented assumption), 5 GetProduct, 9 GetBookingListV2 (window ≤ 90
days), 10 SetARI v2. Answers are ``<result>``; a wrong API key is HTTP 401; more than 10 requests
per second is 429 + Retry-After; SetARI answers 200 ``<result TUID>``, 207 with per-update errors
when only part could be applied (unknown room, or the ``partial_success`` fault), 400 when
nothing could (error 2219: nights beyond 730 days; 2218: a range longer than 730 days).

Like Agoda, the list and the details show each booking's *current* state (ConfirmBooking,
AmendBooking, CancelBooking) and ``acknowledge="0|1"``; a booking created and amended between two
polls is first seen as an amendment.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from local.simulators.core import Reply, Request, Revision, Simulator, WebhookCall, WebhookTarget
from local.simulators.xml_tools import BadMessage, Element, el, parse, required, serialise

ICT = timedelta(hours=7)
MAX_DAYS_AHEAD = 730
MAX_RANGE_DAYS = 730
MAX_DETAILS = 50
_STATUS = {"new": "ConfirmBooking", "modify": "AmendBooking", "cancel": "CancelBooking"}


def _ict(moment: datetime) -> str:
    local = moment.astimezone(UTC) + ICT
    return local.replace(tzinfo=None).isoformat() + "+07:00"


def _stamp() -> str:
    return str(int(datetime.now(UTC).timestamp() * 1000))


class AgodaSimulator(Simulator):
    ota: ClassVar[str] = "agoda"
    default_credentials: ClassVar[dict[str, str]] = {"api_key": "agoda-key-0123456789"}
    reservation_id_start: ClassVar[int] = 470_000_000

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requests_per_second = 10.0

    def reset(self) -> None:
        super().reset()

    def webhook_call(self, revision: Revision, target: WebhookTarget) -> WebhookCall | None:
        """A YCS5 BookingHint for the revision, the shared secret in the ``X-Webhook-Key`` header."""
        request = el("request", {"timestamp": _stamp()})
        bookings = el("bookings", parent=el("property", {"id": revision.hotel_id}, parent=request))
        el(
            "booking",
            {
                "booking_id": revision.reservation_id,
                "booking_date": _ict(revision.booked_at),
                "last_action": _ict(revision.at),
                "arrival": revision.stay.check_in.isoformat(),
                "departure": revision.stay.check_out.isoformat(),
                "status": _STATUS[revision.action],
            },
            parent=bookings,
        )
        return WebhookCall(
            url=target.url,
            body=serialise(request),
            headers={"Content-Type": "application/xml", "X-Webhook-Key": target.secret},
        )

    def _type(self, request: Request) -> tuple[int, Element | None]:
        try:
            root = parse(request.body)
        except BadMessage:
            return 0, None
        try:
            return int(root.get("type", "0")), root
        except ValueError:
            return 0, root

    def operation_of(self, request: Request) -> str:
        if request.path != "/api" or request.method != "POST":
            return "other"
        request_type, root = self._type(request)
        if request_type == 4 and root is not None:
            criteria = root.find("criteria")
            if criteria is not None and criteria.get("acknowledge") == "1":
                return "ack"
        return {4: "reservations", 5: "discovery", 9: "reservations", 10: "ari"}.get(request_type, "other")

    def handle_protocol(self, request: Request, operation: str) -> Reply:
        if request.path != "/api" or request.method != "POST":
            return Reply(status=404, body=b"not found", content_type="text/plain")
        key = request.query.get("apiKey", "")
        if not secrets.compare_digest(key, self.credentials.get("api_key", "\0")):
            return Reply(status=401, body=_errors("1001", "Invalid API key"))
        request_type, root = self._type(request)
        if root is None:
            return Reply(status=400, body=_errors("1100", "request body is not XML"))
        try:
            if request_type == 9:
                return self._booking_list(root)
            if request_type == 4:
                return self._acknowledge(root) if operation == "ack" else self._booking_detail(root)
            if request_type == 5:
                return self._product(root)
            if request_type == 10:
                return self._set_ari(root, request.body)
        except BadMessage as exc:
            return Reply(status=400, body=_errors("1101", str(exc)))
        return Reply(status=400, body=_errors("1102", f"unsupported request type {request_type}"))

    # -- bookings ---------------------------------------------------------------------------------------

    def _current(self) -> dict[str, Revision]:
        """Each booking's latest revision (its current state)."""
        with self.lock:
            current: dict[str, Revision] = {}
            for revision in self.revisions:
                current[revision.reservation_id] = revision
            return current

    def _booking_list(self, root: Element) -> Reply:
        criteria = root.find("criteria")
        if criteria is None:
            raise BadMessage("GetBookingList needs criteria")
        start = datetime.fromisoformat(required(criteria, "from", "criteria"))
        end = datetime.fromisoformat(required(criteria, "to", "criteria"))
        if end - start > timedelta(days=90):
            raise BadMessage("the booking list window may not exceed 90 days")
        wanted = {prop.get("id") for prop in criteria.findall("property")} - {None}
        by_property: dict[str, list[Revision]] = {}
        for revision in self._current().values():
            if wanted and revision.hotel_id not in wanted:
                continue
            if start <= revision.at <= end:
                by_property.setdefault(revision.hotel_id, []).append(revision)
        result = el("result", {"timestamp": _stamp()})
        properties = el("properties", {"count": len(by_property)}, parent=result)
        for property_id, revisions in sorted(by_property.items()):
            prop = el("property", {"id": property_id}, parent=properties)
            bookings = el("bookings", parent=prop)
            for revision in revisions:
                el(
                    "booking",
                    {
                        "booking_id": revision.reservation_id,
                        "booking_date": _ict(revision.booked_at),
                        "last_action": _ict(revision.at),
                        "arrival": revision.stay.check_in,
                        "departure": revision.stay.check_out,
                        "status": _STATUS[revision.action],
                        "acknowledge": "1" if revision.acknowledged else "0",
                    },
                    parent=bookings,
                )
        return Reply(body=serialise(result))

    def _requested(self, root: Element) -> tuple[str, list[Element]]:
        criteria = root.find("criteria")
        props = criteria.findall("property") if criteria is not None else []
        if len(props) != 1:
            raise BadMessage("GetBookingDetail takes exactly one property")
        bookings = props[0].findall("booking")
        if not bookings or len(bookings) > MAX_DETAILS:
            raise BadMessage(f"GetBookingDetail takes 1 to {MAX_DETAILS} bookings")
        return required(props[0], "id", "property"), bookings

    def _booking_detail(self, root: Element) -> Reply:
        property_id, requested = self._requested(root)
        current = self._current()
        found = [
            current[b.get("id", "")]
            for b in requested
            if b.get("id") in current and current[b.get("id", "")].hotel_id == property_id
        ]
        with self.lock:
            for revision in found:
                revision.deliveries += 1
        if self.take_fault("duplicate", "reservations") is not None:
            found = [revision for revision in found for _ in range(2)]
        drop_field = self.take_fault("missing_field", "reservations") is not None
        hotel = self.hotels.get(property_id)
        result = el("result", {"timestamp": _stamp()})
        bookings = el("bookings", {"count": len(found), "iataid": "96637800"}, parent=result)
        for index, revision in enumerate(found):
            stay = revision.stay
            room = hotel.room(stay.room_id) if hotel else None
            booking = el(
                "booking",
                {
                    "property_id": property_id,
                    "property_name": hotel.name if hotel else "",
                    "booking_id": revision.reservation_id,
                    "booking_date": _ict(revision.booked_at),
                    "last_action": _ict(revision.at),
                    "arrival": stay.check_in,
                    "departure": stay.check_out,
                    "status": _STATUS[revision.action],
                    "acknowledge": "1" if revision.acknowledged else "0",
                    "room_id": None if (drop_field and index == 0) else stay.room_id,
                    "room_type": room.name if room else "",
                    "channel_id": "1",
                    "channel_name": "Retail",
                    "rateplan_id": stay.rate_plan_id,
                    "room_count": "1",
                    "adults": stay.adults,
                    "children": stay.children,
                    "extrabeds": "0",
                },
                parent=bookings,
            )
            el(
                "customer",
                {
                    "first_name": stay.guest.first_name,
                    "last_name": stay.guest.last_name,
                    "email": stay.guest.email,
                    "phone": stay.guest.phone,
                    "nationality": "Vietnam",
                },
                parent=booking,
            )
            prices = el("prices", {"currency": stay.currency, "sell_inclusive_amt": stay.total}, parent=booking)
            for night in stay.nights:
                el("price", {"date": night, "sell_inclusive_amt": stay.nightly_rate, "type": "Room"}, parent=prices)
            el("paymentmodel", parent=booking).text = "2"
        return Reply(body=serialise(result))

    def _acknowledge(self, root: Element) -> Reply:
        property_id, requested = self._requested(root)
        count = 0
        for booking in requested:
            booking_id = required(booking, "id", "booking")
            until = datetime.fromisoformat(required(booking, "last_action", "booking"))
            count += len(
                self.acknowledge(
                    lambda r, booking_id=booking_id, until=until: (
                        r.reservation_id == booking_id and r.hotel_id == property_id and r.at <= until
                    )
                )
            )
        return Reply(body=serialise(el("result", {"timestamp": _stamp(), "acknowledged": count})))

    # -- products ---------------------------------------------------------------------------------------

    def _product(self, root: Element) -> Reply:
        criteria = root.find("criteria")
        property_id = criteria.get("property_id", "") if criteria is not None else ""
        hotel = self.hotels.get(property_id)
        if hotel is None:
            return Reply(status=400, body=_errors("1301", f"Invalid Property id: {property_id}", property_id))
        result = el("result", {"timestamp": _stamp()})
        prop = el("property", {"id": hotel.hotel_id, "name": hotel.name}, parent=result)
        rooms = el("rooms", parent=prop)
        for room in hotel.rooms:
            room_el = el("room", {"id": room.room_id, "name": room.name}, parent=rooms)
            plans = el("rateplans", parent=room_el)
            for plan in room.rate_plans:
                el("rateplan", {"id": plan.rate_plan_id, "name": plan.name}, parent=plans)
        return Reply(body=serialise(result))

    # -- ARI -------------------------------------------------------------------------------------------------

    def _set_ari(self, root: Element, body: bytes) -> Reply:
        criteria = root.find("criteria")
        if criteria is None:
            raise BadMessage("SetARI needs criteria")
        property_id = required(criteria, "property_id", "criteria")
        hotel = self.hotels.get(property_id)
        if hotel is None:
            self.note_ari_message("ari", body, "rejected")
            return Reply(status=400, body=_errors("1301", f"Invalid Property id: {property_id}", property_id))
        error = self.take_fault("ota_error", "ari")
        if error is not None:
            self.note_ari_message("ari", body, "error")
            return Reply(status=400, body=_errors(error.code or "2000", "simulated Agoda failure", property_id))
        today = datetime.now(UTC).date()
        problems: list[tuple[str, str, Element]] = []  # (code, description, the update it concerns)
        applied: list[tuple[str, str | None, date, date, dict[str, Any]]] = []
        updates = criteria.findall("inventory/update") + criteria.findall("rate/update")
        partial = self.take_fault("partial_success", "ari") is not None
        for index, update in enumerate(updates):
            room_id = required(update, "room_id", "update")
            plan_id = update.get("rateplan_id")
            date_range = update.find("date_range")
            if date_range is None:
                raise BadMessage("update needs a date_range")
            start = date.fromisoformat(required(date_range, "from", "date_range"))
            end = date.fromisoformat(required(date_range, "to", "date_range"))
            if end > today + timedelta(days=MAX_DAYS_AHEAD):
                self.note_ari_message("ari", body, "rejected")
                return Reply(status=400, body=_errors("2219", f"date {end} is beyond 730 days", property_id))
            if (end - start).days + 1 > MAX_RANGE_DAYS:
                self.note_ari_message("ari", body, "rejected")
                return Reply(status=400, body=_errors("2218", "a date range may not exceed 730 days", property_id))
            room = hotel.room(room_id)
            if room is None or (plan_id and plan_id not in {p.rate_plan_id for p in room.rate_plans}):
                problems.append(
                    ("2205", f"Room id {room_id} / rate plan {plan_id} does not belong to the property", update)
                )
                continue
            if partial and index == 0:
                problems.append(("2301", f"simulated partial failure for room {room_id}", update))
                continue
            applied.append((room_id, plan_id, start, end, _update_values(update)))
        if updates and len(problems) == len(updates):
            self.note_ari_message("ari", body, "rejected")
            return Reply(status=400, body=_property_errors(property_id, [(c, d) for c, d, _ in problems]))
        for room_id, plan_id, start, end, values in applied:
            self.record_ari(property_id, room_id, plan_id, start, end, values)
        self.note_ari_message("ari", body, "partial" if problems else "accepted")
        if problems:
            return Reply(status=207, body=_cell_errors(property_id, problems))
        return Reply(body=serialise(el("result", {"TUID": str(uuid.uuid4()), "timestamp": _stamp()})))


def _update_values(update: Element) -> dict[str, Any]:
    values: dict[str, Any] = {}
    allotment = update.find("allotment")
    if allotment is not None and (allotment.text or "").strip():
        values["availability"] = int((allotment.text or "0").strip())
    prices = update.find("prices")
    if prices is not None:
        normal = prices.find("normal")
        if normal is not None and normal.get("default"):
            values["rate"] = Decimal(normal.get("default", "0"))
            values["currency"] = prices.get("currency")
    restrictions = update.find("restrictions")
    if restrictions is not None:
        for tag, key in (("closed", "stop_sell"), ("cta", "closed_to_arrival"), ("ctd", "closed_to_departure")):
            node = restrictions.find(tag)
            if node is not None:
                values[key] = (node.text or "").strip().lower() in ("true", "1")
        for tag, key in (("los/min", "min_los"), ("los/max", "max_los")):
            node = restrictions.find(tag)
            if node is not None and (node.text or "").strip():
                values[key] = int((node.text or "0").strip())
    return values


def _errors(code: str, description: str, property_id: str | None = None) -> bytes:
    result = el("result", {"timestamp": _stamp()})
    errors = el("errors", parent=result)
    parent = el("property", {"id": property_id}, parent=errors) if property_id else errors
    el("error", {"code": code, "description": description}, parent=parent)
    return serialise(result)


def _cell_errors(property_id: str, problems: list[tuple[str, str, Element]]) -> bytes:
    """A SetARI v2 partial success (HTTP 207): each error nested where it applies,
    ``property/(inventory|rate)/update/date_range/error``, as Agoda answers."""
    result = el("result", {"TUID": str(uuid.uuid4()), "timestamp": _stamp()})
    prop = el("property", {"id": property_id}, parent=result)
    for code, description, update in problems:
        section = el("rate" if update.get("rateplan_id") else "inventory", parent=prop)
        target = {"room_id": update.get("room_id"), "rateplan_id": update.get("rateplan_id")}
        node = el("update", target, parent=section)
        date_range = update.find("date_range")
        bounds = {"from": date_range.get("from"), "to": date_range.get("to")} if date_range is not None else {}
        el("error", {"code": code, "description": description}, parent=el("date_range", bounds, parent=node))
    return serialise(result)


def _property_errors(property_id: str, problems: list[tuple[str, str]], *, tuid: bool = False) -> bytes:
    result = el("result", {"TUID": str(uuid.uuid4()) if tuid else None, "timestamp": _stamp()})
    prop = el("property", {"id": property_id}, parent=el("errors", parent=result))
    for code, description in problems:
        el("error", {"code": code, "description": description}, parent=prop)
    return serialise(result)
