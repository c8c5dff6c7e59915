"""Agoda YCS simulator: ``POST /api?apiKey=...`` with ``<request timestamp type>``.

Types: 4 GetBookingDetail (≤ 50 bookings of one property; with ``criteria[@acknowledge="1"]`` it
acknowledges instead, our documented assumption), 5 GetProduct, 9 GetBookingListV2 (window ≤ 90
days), 10 SetARI v2. Answers are ``<result>``; a wrong API key is HTTP 401; more than 10 requests
per second is 429 + Retry-After; SetARI answers 200 ``<result TUID>``, 207 with per-update errors
when only part could be applied (unknown room, or the ``partial_success`` fault), 400 when
nothing could (error 2219: nights beyond 730 days; 2218: a range longer than 730 days).

SetARI v2 fields are applied exactly or refused (400, error 1101 naming the field), never ignored:
``date_range[@from,@to]/dow`` (1 = Monday … 7 = Sunday; only those days), ``allotment``,
``prices[@currency]/normal[@default]`` and ``/extrabed[@amount]`` (the extra bed's price),
``restrictions/closed|cta|ctd``, ``los/min|max``, ``advance_purchase/min|max`` (days before
arrival) and ``min_stay_through``.

Like Agoda, the list and the details show each booking's *current* state (ConfirmBooking,
AmendBooking, CancelBooking) and ``acknowledge="0|1"``; a booking created and amended between two
polls is first seen as an amendment.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
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

            def seen(r: Revision, booking_id: str = booking_id, until: datetime = until) -> bool:
                return r.reservation_id == booking_id and r.hotel_id == property_id and r.at <= until

            count += len(self.acknowledge(seen))
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
        applied: list[tuple[str, str | None, date, date, dict[str, Any], frozenset[int] | None]] = []
        updates = criteria.findall("inventory/update") + criteria.findall("rate/update")
        partial = self.take_fault("partial_success", "ari") is not None
        for index, update in enumerate(updates):
            room_id = required(update, "room_id", "update")
            plan_id = update.get("rateplan_id")
            date_range = update.find("date_range")
            if date_range is None:
                raise BadMessage("update needs a date_range")
            try:
                start = date.fromisoformat(required(date_range, "from", "date_range"))
                end = date.fromisoformat(required(date_range, "to", "date_range"))
            except ValueError:
                raise BadMessage("date_range from/to must be dates (YYYY-MM-DD)") from None
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
            applied.append((room_id, plan_id, start, end, _update_values(update), _weekdays(date_range)))
        if updates and len(problems) == len(updates):
            self.note_ari_message("ari", body, "rejected")
            return Reply(status=400, body=_property_errors(property_id, [(c, d) for c, d, _ in problems]))
        for room_id, plan_id, start, end, values, weekdays in applied:
            self.record_ari(property_id, room_id, plan_id, start, end, values, weekdays=weekdays)
        self.note_ari_message("ari", body, "partial" if problems else "accepted")
        if problems:
            return Reply(status=207, body=_cell_errors(property_id, problems))
        return Reply(body=serialise(el("result", {"TUID": str(uuid.uuid4()), "timestamp": _stamp()})))


# SetARI v2 elements the simulator applies (see the module docstring); anything else under an
# ``update`` refuses the message (400, error 1101) rather than being ignored.
_ALLOWED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "update": (frozenset({"room_id", "rateplan_id"}), frozenset({"date_range", "allotment", "prices", "restrictions"})),
    "date_range": (frozenset({"from", "to"}), frozenset({"dow"})),
    "dow": (frozenset(), frozenset()),
    "allotment": (frozenset(), frozenset()),
    "prices": (frozenset({"currency"}), frozenset({"normal", "extrabed"})),
    "normal": (frozenset({"default"}), frozenset()),
    "extrabed": (frozenset({"amount"}), frozenset()),
    "restrictions": (
        frozenset(),
        frozenset({"closed", "cta", "ctd", "los", "advance_purchase", "min_stay_through"}),
    ),
    "closed": (frozenset(), frozenset()),
    "cta": (frozenset(), frozenset()),
    "ctd": (frozenset(), frozenset()),
    "los": (frozenset(), frozenset({"min", "max"})),
    "advance_purchase": (frozenset(), frozenset({"min", "max"})),
    "min": (frozenset(), frozenset()),
    "max": (frozenset(), frozenset()),
    "min_stay_through": (frozenset(), frozenset()),
}


def _check_known(node: Element, path: str) -> None:
    allowed = _ALLOWED.get(node.tag)
    if allowed is None:
        raise BadMessage(f"{path}: element {node.tag} is not supported")
    attributes, children = allowed
    for attribute in node.attrib:
        if attribute not in attributes:
            raise BadMessage(f"{path}/{node.tag}: attribute {attribute} is not supported")
    for child in node:
        if child.tag not in children:
            raise BadMessage(f"{path}/{node.tag}: element {child.tag} is not allowed here")
        _check_known(child, f"{path}/{node.tag}")


def _whole(node: Element | None, where: str, *, low: int = 0, high: int = 9999) -> int | None:
    if node is None:
        return None
    raw = (node.text or "").strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadMessage(f"{where} = {raw!r} is not a whole number in {low}..{high}")
    return int(raw)


def _amount(raw: str | None, where: str) -> Decimal:
    try:
        value = Decimal(raw or "")
    except InvalidOperation:
        raise BadMessage(f"{where} = {raw!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise BadMessage(f"{where} = {raw!r} is not an amount")
    return value


def _weekdays(date_range: Element) -> frozenset[int] | None:
    """``date_range/dow`` (1 = Monday … 7 = Sunday, ISO 8601): only those days; none: every day."""
    days = [_whole(dow, "date_range/dow", low=1, high=7) for dow in date_range.findall("dow")]
    return frozenset(day - 1 for day in days if day is not None) if days else None


def _flag(node: Element, where: str) -> bool:
    raw = (node.text or "").strip().lower()
    if raw not in ("true", "false", "1", "0"):
        raise BadMessage(f"{where} = {raw!r} is not true or false")
    return raw in ("true", "1")


def _update_values(update: Element) -> dict[str, Any]:
    _check_known(update, "criteria")
    values: dict[str, Any] = {}
    allotment = _whole(update.find("allotment"), "allotment")
    if allotment is not None:
        values["availability"] = allotment
    prices = update.find("prices")
    if prices is not None:
        normal = prices.find("normal")
        if normal is not None:
            values["rate"] = _amount(normal.get("default"), "prices/normal/@default")
        extrabed = prices.find("extrabed")
        if extrabed is not None:
            values["extra_bed"] = _amount(extrabed.get("amount"), "prices/extrabed/@amount")
        if normal is not None or extrabed is not None:
            values["currency"] = prices.get("currency")
    restrictions = update.find("restrictions")
    if restrictions is not None:
        for tag, key in (("closed", "stop_sell"), ("cta", "closed_to_arrival"), ("ctd", "closed_to_departure")):
            node = restrictions.find(tag)
            if node is not None:
                values[key] = _flag(node, f"restrictions/{tag}")
        for tag, key, high in (
            ("los/min", "min_los", 28),
            ("los/max", "max_los", 28),
            ("advance_purchase/min", "advance_purchase_min", 730),
            ("advance_purchase/max", "advance_purchase_max", 730),
            ("min_stay_through", "min_stay_through", 28),
        ):
            found = _whole(restrictions.find(tag), f"restrictions/{tag}", low=0 if "advance" in key else 1, high=high)
            if found is not None:
                values[key] = found
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
