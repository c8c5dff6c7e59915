"""Booking.com simulator: the OTA XML interface (OpenTravel 2003B), as our adapter expects it.

Endpoints: ``GET|POST /hotels/ota/OTA_HotelResNotif`` (new reservations / their acknowledgement),
``GET|POST /hotels/ota/OTA_HotelResModifyNotif`` (modifications and cancellations / their
acknowledgement), ``POST /hotels/ota/OTA_HotelAvailNotif``, ``POST /hotels/ota/OTA_HotelRateAmountNotif``,
B.XML ``POST /hotels/xml/roomrates`` and ``POST /token-based-authentication/exchange`` (JSON
``{"client_id", "client_secret"}`` → ``{"jwt", "expires_in"}``). Auth: Basic with the machine
account's username/password, or ``Bearer <jwt>`` issued by the exchange.

Enforced: one hotel and one calendar month per ARI request, BookingLimit ≤ 254, known rooms;
every ARI field applied exactly or the message refused with an OpenTravel error
(``opentravel_ari.py``: InvCode or InvTypeCode, a range without End, day-of-week patterns,
per-occupancy prices; an unknown restriction, a fractional stay length or an unknown attribute is
an error, never a crash or a silent drop);
polls for a hotel no closer than ``min_poll_interval_seconds`` (429 + Retry-After); every
unacknowledged reservation is re-sent on every poll.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import jwt

from local.simulators import opentravel_ari
from local.simulators.core import Reply, Request, Revision, Simulator, WebhookCall, WebhookTarget
from local.simulators.xml_tools import BadMessage, Element, el, local, ns_of, parse, q, required, serialise

OTA_NS = "http://www.opentravel.org/OTA/2003/05"
RES_PATH = "/hotels/ota/OTA_HotelResNotif"
MODIFY_PATH = "/hotels/ota/OTA_HotelResModifyNotif"
AVAIL_PATH = "/hotels/ota/OTA_HotelAvailNotif"
RATES_PATH = "/hotels/ota/OTA_HotelRateAmountNotif"
ROOMRATES_PATH = "/hotels/xml/roomrates"
TOKEN_PATH = "/token-based-authentication/exchange"  # noqa: S105 - a URL path
MAX_BOOKING_LIMIT = 254


def _stamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


_EVENTS = {"new": "reservation.created", "modify": "reservation.modified", "cancel": "reservation.cancelled"}


class BookingComSimulator(Simulator):
    ota: ClassVar[str] = "booking_com"
    default_credentials: ClassVar[dict[str, str]] = {
        "username": "ptx-machine",
        "password": "machine-pass-1",
        "client_id": "ptx-client",
        "client_secret": "client-secret-1",
    }
    reservation_id_start: ClassVar[int] = 4_000_000_000

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._jwt_key = secrets.token_bytes(32)
        self.jwt_lifetime_seconds = 3600

    def revoke_tokens(self) -> None:
        """Every JWT issued so far is refused from now on (a new signing key), as when Booking.com
        revokes a machine account's tokens before they expire."""
        self._jwt_key = secrets.token_bytes(32)

    # -- notifications --------------------------------------------------------------------------------

    def webhook_call(self, revision: Revision, target: WebhookTarget) -> WebhookCall | None:
        """A Channex-style signed JSON notification (our documented shape; Booking.com's own push
        is not public): HMAC-SHA256 over ``"<timestamp>.<body>"``, fresh on every attempt."""
        body = json.dumps(
            {
                "id": f"bdc-{revision.reservation_id}-{revision.seq}",
                "event": _EVENTS[revision.action],
                "hotel_id": revision.hotel_id,
                "reservation_id": revision.reservation_id,
                "revision_id": str(revision.seq),
            },
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(time.time()))
        mac = hmac.new(target.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return WebhookCall(
            url=target.url,
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Webhook-Timestamp": timestamp,
                "X-Webhook-Signature": f"sha256={mac}",
            },
        )

    # -- routing ------------------------------------------------------------------------------------

    def operation_of(self, request: Request) -> str:
        if request.path == TOKEN_PATH:
            return "token"
        if request.path in (RES_PATH, MODIFY_PATH):
            return "reservations" if request.method == "GET" else "ack"
        if request.path in (AVAIL_PATH, RATES_PATH):
            return "ari"
        if request.path == ROOMRATES_PATH:
            return "discovery"
        return "other"

    def expected_root(self, request: Request, operation: str) -> str:
        name = request.path.rsplit("/", 1)[-1]
        if operation == "reservations":
            return f"{name}RQ"
        if operation == "discovery":
            return "roomrates"
        return f"{name}RS"

    def handle_protocol(self, request: Request, operation: str) -> Reply:
        if operation == "token":
            return self._token(request)
        if operation == "other":
            return Reply(status=404, body=b"not found", content_type="text/plain")
        # Errors always travel in the RS form of the message (an RQ has no Errors element).
        error_root = self.expected_root(request, operation).replace("RQ", "RS")
        if not self._authorised(request):
            return Reply(status=401, body=self._errors(error_root, "4", "497", "Authorization failed"))
        try:
            if operation == "reservations":
                return self._reservations(request)
            if operation == "ack":
                return self._acknowledge(request)
            if operation == "discovery":
                return self._roomrates(request)
            return self._ari(request)
        except BadMessage as exc:
            return Reply(status=400, body=self._errors(error_root, "10", "321", str(exc)))

    # -- auth ------------------------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme == "Basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return secrets.compare_digest(user, self.credentials.get("username", "\0")) and secrets.compare_digest(
                password, self.credentials.get("password", "\0")
            )
        if scheme == "Bearer":
            try:
                claims = jwt.decode(value, self._jwt_key, algorithms=["HS256"], audience="supply-xml")
            except jwt.PyJWTError:
                return False
            return bool(claims.get("sub") == self.credentials.get("client_id"))
        return False

    def _token(self, request: Request) -> Reply:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return Reply(status=400, body=b'{"error":"bad json"}', content_type="application/json")
        ok = (
            isinstance(payload, dict)
            and "client_id" in self.credentials
            and secrets.compare_digest(str(payload.get("client_id", "")), self.credentials["client_id"])
            and secrets.compare_digest(str(payload.get("client_secret", "")), self.credentials.get("client_secret", ""))
        )
        if not ok:
            return Reply(status=401, body=b'{"error":"invalid client"}', content_type="application/json")
        now = int(time.time())
        token = jwt.encode(
            {"sub": payload["client_id"], "aud": "supply-xml", "iat": now, "exp": now + self.jwt_lifetime_seconds},
            self._jwt_key,
            algorithm="HS256",
        )
        body = json.dumps({"jwt": token, "expires_in": self.jwt_lifetime_seconds, "ruid": secrets.token_hex(8)})
        return Reply(body=body.encode(), content_type="application/json")

    # -- documents -------------------------------------------------------------------------------------------

    def _root(self, tag: str, **attributes: object) -> Element:
        return el(tag, {"Version": "1.0", "TimeStamp": _stamp(), **attributes})

    def _errors(self, root_tag: str, error_type: str, code: str, text: str) -> bytes:
        root = self._root(root_tag)
        errors = el("Errors", parent=root)
        el("Error", {"Type": error_type, "Code": code}, parent=errors).text = text
        return serialise(root, OTA_NS)

    def _success(self, root_tag: str, warnings: list[str] | None = None) -> bytes:
        root = self._root(root_tag)
        el("Success", parent=root)
        if warnings:
            container = el("Warnings", parent=root)
            for text in warnings:
                el("Warning", {"Type": "3", "Code": "450"}, parent=container).text = text
        return serialise(root, OTA_NS)

    # -- reservations ------------------------------------------------------------------------------------------

    def _reservations(self, request: Request) -> Reply:
        hotel_id = request.query.get("hotel_ids")
        new = request.path == RES_PATH
        wait = self.poll_too_soon(f"{hotel_id}:{request.path}")
        if wait is not None:
            return Reply(
                status=429, headers={"Retry-After": str(max(1, round(wait)))}, body=b"", content_type="text/plain"
            )
        pending = self.pending(hotel_id, ["new"] if new else ["modify", "cancel"])
        root = self._root("OTA_HotelResNotifRQ") if new else self._root("OTA_HotelResModifyNotifRQ", ResStatus="Modify")
        if pending:
            container = el("HotelReservations" if new else "HotelResModifies", parent=root)
            drop_field = self.take_fault("missing_field", "reservations") is not None
            for index, revision in enumerate(pending):
                self._reservation(
                    container, revision, "HotelReservation" if new else "HotelResModify", drop_field and index == 0
                )
        return Reply(body=serialise(root, OTA_NS))

    def _reservation(self, container: Element, revision: Revision, tag: str, drop_timespan: bool) -> None:
        stay = revision.stay
        item = el(
            tag,
            {"CreateDateTime": revision.booked_at.isoformat(), "LastModifyDateTime": revision.at.isoformat()},
            parent=container,
        )
        if revision.action == "cancel":
            el("UniqueID", {"Type": "15", "ID": f"C{revision.seq}"}, parent=item)
        stays = el("RoomStays", parent=item)
        room_stay = el("RoomStay", parent=stays)
        el("RoomType", {"RoomTypeCode": stay.room_id}, parent=el("RoomTypes", parent=room_stay))
        el("RatePlan", {"RatePlanCode": stay.rate_plan_id}, parent=el("RatePlans", parent=room_stay))
        room_rate = el(
            "RoomRate",
            {"RoomTypeCode": stay.room_id, "RatePlanCode": stay.rate_plan_id},
            parent=el("RoomRates", parent=room_stay),
        )
        rates = el("Rates", parent=room_rate)
        for night in stay.nights:
            rate = el("Rate", {"EffectiveDate": night, "ExpireDate": night + timedelta(days=1)}, parent=rates)
            el("Base", {"AmountAfterTax": stay.nightly_rate, "CurrencyCode": stay.currency}, parent=rate)
        counts = el("GuestCounts", parent=room_stay)
        el("GuestCount", {"AgeQualifyingCode": "10", "Count": stay.adults}, parent=counts)
        if stay.children:
            el("GuestCount", {"AgeQualifyingCode": "8", "Count": stay.children}, parent=counts)
        if not drop_timespan:
            el("TimeSpan", {"Start": stay.check_in, "End": stay.check_out}, parent=room_stay)
        el("Total", {"AmountAfterTax": stay.total, "CurrencyCode": stay.currency}, parent=room_stay)
        el("BasicPropertyInfo", {"HotelCode": revision.hotel_id}, parent=room_stay)
        el("ResGuestRPH", {"RPH": "1"}, parent=el("ResGuestRPHs", parent=room_stay))
        guests = el("ResGuests", parent=item)
        guest = el("ResGuest", {"ResGuestRPH": "1"}, parent=guests)
        self._profile(el("Profiles", parent=guest), revision)
        info = el("ResGlobalInfo", parent=item)
        el("Total", {"AmountAfterTax": stay.total, "CurrencyCode": stay.currency}, parent=info)
        ids = el("HotelReservationIDs", parent=info)
        el(
            "HotelReservationID",
            {
                "ResID_Type": "14",
                "ResID_Value": revision.reservation_id,
                "ResID_Source": "Booking.com",
                "CancellationDate": revision.at.isoformat() if revision.action == "cancel" else None,
            },
            parent=ids,
        )
        self._profile(el("Profiles", parent=info), revision)

    def _profile(self, profiles: Element, revision: Revision) -> None:
        guest = revision.stay.guest
        profile = el("Profile", {"ProfileType": "1"}, parent=el("ProfileInfo", parent=profiles))
        customer = el("Customer", parent=profile)
        name = el("PersonName", parent=customer)
        el("GivenName", parent=name).text = guest.first_name
        el("Surname", parent=name).text = guest.last_name
        if guest.phone:
            el("Telephone", {"PhoneNumber": guest.phone}, parent=customer)
        if guest.email:
            el("Email", parent=customer).text = guest.email

    def _acknowledge(self, request: Request) -> Reply:
        new = request.path == RES_PATH
        root_tag = "OTA_HotelResNotifRS" if new else "OTA_HotelResModifyNotifRS"
        root = parse(request.body)
        if local(root.tag) != root_tag or ns_of(root.tag) != OTA_NS:
            raise BadMessage(f"expected {root_tag} in the OpenTravel namespace, got {local(root.tag)}")
        items = root.findall(
            q(OTA_NS, "HotelReservations/HotelReservation" if new else "HotelResModifies/HotelResModify")
        )
        actions = {"new"} if new else {"modify", "cancel"}
        for item in items:
            for reservation_id_el in item.findall(q(OTA_NS, "ResGlobalInfo/HotelReservationIDs/HotelReservationID")):
                reservation_id = required(reservation_id_el, "ResID_Value", "HotelReservationID")
                until_raw = reservation_id_el.get("ResID_Date")
                until = datetime.fromisoformat(until_raw.replace("Z", "+00:00")) if until_raw else None

                def matches(
                    revision: Revision, reservation_id: str = reservation_id, until: datetime | None = until
                ) -> bool:
                    return (
                        revision.reservation_id == reservation_id
                        and revision.action in actions
                        and (until is None or revision.at <= until)
                    )

                self.acknowledge(matches)
        return Reply(body=self._success(root_tag))

    # -- discovery ---------------------------------------------------------------------------------------------

    def _roomrates(self, request: Request) -> Reply:
        root = parse(request.body)
        hotel_el = root.find("hotel_id")
        hotel_id = (hotel_el.text or "").strip() if hotel_el is not None else ""
        hotel = self.hotels.get(hotel_id)
        if hotel is None:
            errors = el("errors")
            el("error", {"code": "403"}, parent=errors).text = f"no access to hotel {hotel_id or '(none)'}"
            return Reply(status=400, body=serialise(errors))
        result = el("roomrates", {"hotel_id": hotel.hotel_id, "hotel_name": hotel.name})
        for room in hotel.rooms:
            room_el = el("room", {"id": room.room_id, "name": room.name}, parent=result)
            rates = el("rates", parent=room_el)
            for plan in room.rate_plans:
                el("rate", {"id": plan.rate_plan_id, "name": plan.name}, parent=rates)
        return Reply(body=serialise(result))

    # -- ARI ------------------------------------------------------------------------------------------------------

    def _ari(self, request: Request) -> Reply:
        avail = request.path == AVAIL_PATH
        rs_tag = "OTA_HotelAvailNotifRS" if avail else "OTA_HotelRateAmountNotifRS"
        root = parse(request.body)
        expected = "OTA_HotelAvailNotifRQ" if avail else "OTA_HotelRateAmountNotifRQ"
        if local(root.tag) != expected or ns_of(root.tag) != OTA_NS:
            raise BadMessage(f"expected {expected} in the OpenTravel namespace")
        if not root.get("Version"):
            raise BadMessage(f"{expected} lacks the required Version attribute")
        error = self.take_fault("ota_error", "ari")
        if error is not None:
            self.note_ari_message("ari", request.body, "error")
            return Reply(
                status=200, body=self._errors(rs_tag, error.code or "12", "450", "simulated processing failure")
            )
        container = root.find(q(OTA_NS, "AvailStatusMessages" if avail else "RateAmountMessages"))
        if container is None:
            raise BadMessage(f"{expected} has no {'AvailStatusMessages' if avail else 'RateAmountMessages'}")
        hotel_id = container.get("HotelCode") or root.get("HotelCode") or ""
        hotel = self.hotels.get(hotel_id)
        if hotel is None:
            self.note_ari_message("ari", request.body, "rejected")
            return Reply(body=self._errors(rs_tag, "6", "392", f"no access to hotel {hotel_id}"))
        changes: list[tuple[opentravel_ari.Target, str | None, dict[str, Any]]] = []
        months: set[tuple[int, int]] = set()
        tag = "AvailStatusMessage" if avail else "RateAmountMessage"
        for message in container.findall(q(OTA_NS, tag)):
            opentravel_ari.check_known(message, expected)
            control = message.find(q(OTA_NS, "StatusApplicationControl"))
            if control is None:
                raise BadMessage("a message lacks StatusApplicationControl")
            target = opentravel_ari.target_of(control)
            room = hotel.room(target.room_id)
            plan = target.rate_plan_id
            if room is None or (plan and plan not in {p.rate_plan_id for p in room.rate_plans}):
                self.note_ari_message("ari", request.body, "rejected")
                return Reply(body=self._errors(rs_tag, "3", "367", f"unknown room/rate {target.room_id}/{plan}"))
            months |= opentravel_ari.months_of(target)
            if avail:
                for rate_plan, values in opentravel_ari.avail_values(message, target, lambda path: q(OTA_NS, path)):
                    changes.append((target, rate_plan, values))
            else:
                changes.extend(
                    (target, plan, values)
                    for values in opentravel_ari.rate_values(message, lambda path: q(OTA_NS, path))
                )
        if len(months) > 1:
            self.note_ari_message("ari", request.body, "rejected")
            return Reply(body=self._errors(rs_tag, "3", "401", "one request may cover one month only"))
        for target, rate_plan, values in changes:
            self.record_ari(
                hotel_id, target.room_id, rate_plan, target.start, target.end, values, weekdays=target.weekdays
            )
        warnings = (
            ["simulated partial success: some dates were adjusted"]
            if self.take_fault("partial_success", "ari")
            else None
        )
        self.note_ari_message("ari", request.body, "accepted")
        return Reply(body=self._success(rs_tag, warnings))
