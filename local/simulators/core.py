"""What every OTA simulator shares: hotels, reservations with revisions and acknowledgement, the
ARI each OTA "now shows", faults, rate limits, a request log, the JSON control API and the HTTP
server (stdlib ``ThreadingHTTPServer`` in a background thread).

A simulator subclass implements one OTA's wire protocol in :meth:`Simulator.handle_protocol`;
everything under ``/_control/`` is answered here, the same way for every OTA:

=========================================  =====================================================
``GET  /_control/health``                  ``{"ota": ..., "ok": true}``
``POST /_control/reset``                   forget reservations, ARI, faults, log (keep hotels)
``POST /_control/hotels``                  ``{"hotel_id", "name", "rooms": [{"room_id", "name",
                                           "rate_plans": [{"rate_plan_id", "name"}]}]}``
``GET  /_control/hotels``                  the hotels
``PUT  /_control/credentials``             the credentials the OTA accepts (object of strings)
``POST /_control/config``                  ``{"min_poll_interval_seconds", "requests_per_second"}``
``POST /_control/reservations``            create: ``{"hotel_id", "room_id", "rate_plan_id",
                                           "check_in", "check_out", "adults", "children",
                                           "guest": {...}, "nightly_rate", "currency"}``
``POST /_control/reservations/{id}/modify`` a new revision with the given fields changed
``POST /_control/reservations/{id}/cancel`` a cancellation revision
``GET  /_control/reservations``            reservations, revisions, acknowledged, deliveries
``POST /_control/faults``                  ``{"kind", "count", "operation", "status",
                                           "retry_after", "delay_seconds", "code"}``
``GET/DELETE /_control/faults``            list / clear faults
``GET  /_control/ari``                     what the OTA shows: ``?hotel_id=&room_id=&rate_plan_id=``
``GET  /_control/ari/messages``            every ARI message received (raw body included)
``GET  /_control/requests``                the request log (method, path, operation, status, fault)
``POST/DELETE /_control/generator``        ``{"interval_seconds", "hotel_id"}``: reservations on a timer
=========================================  =====================================================

Fault kinds: ``latency`` (delay, then answer), ``http_error`` (``status``, default 500),
``rate_limit`` (429 + ``Retry-After``), ``timeout`` (hold the request ``delay_seconds``, then drop
the connection), ``malformed``, ``truncated``, ``billion_laughs``, ``external_entity``,
``duplicate`` (each pending reservation delivered twice), ``out_of_order`` (originals held back
one poll, so modifications and cancellations arrive first), ``partial_success``,
``missing_field`` (the first reservation of the next delivery lacks a required field),
``ota_error`` (the OTA's own error ``code``) and ``foreign_hotel`` (the next delivery for a hotel
also carries the unacknowledged reservations of the simulator's other hotels, each naming its own
hotel, as a misrouting OTA would). ``operation`` limits a fault to ``reservations``,
``ack``, ``ari``, ``discovery``, ``token`` or ``any``; ``count`` is how many requests it hits.

Every simulator refuses a request body over ``max_request_bytes`` (1 MiB) with 413, unread, and
either applies each field of an ARI message exactly (day-of-week patterns, per-occupancy and
length-of-stay rates included) or refuses the whole message with its protocol's error: a field
it does not know is an error, never silently ignored.

Simulators are dev-only code: they may use anything in requirements-dev.txt and are never
imported by ``chalicelib``.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx

from chalicelib.tls import verifying_context

OPERATIONS = ("reservations", "ack", "ari", "discovery", "token", "any")
FAULT_KINDS = (
    "latency",
    "http_error",
    "rate_limit",
    "timeout",
    "malformed",
    "truncated",
    "billion_laughs",
    "external_entity",
    "duplicate",
    "out_of_order",
    "partial_success",
    "missing_field",
    "ota_error",
    "foreign_hotel",
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<{root}>&lol9;</{root}>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<{root}>&xxe;</{root}>
"""


@dataclass
class WebhookTarget:
    """Where a simulator that notifies (Agoda, Booking.com) sends its notifications, and the
    secret it authenticates them with (never shown back by the control API)."""

    url: str
    secret: str
    username: str | None = None  # Expedia's Booking Notification presents a user name too
    attempts: int = 3  # Agoda: the hint, then 3 retries 15 s apart; here configurable
    retry_delay_seconds: float = 15.0
    timeout_seconds: float = 15.0  # a webhook receiver on a busy machine may take seconds; OTAs wait ~10-30 s


@dataclass(frozen=True)
class WebhookCall:
    """One notification as sent: the URL (with any query), the body and the headers. Built per
    attempt, so time-bound signatures are fresh on a retry."""

    url: str
    body: bytes
    headers: dict[str, str]


class ControlError(Exception):
    """A bad control API request (→ 400 with the message)."""


@dataclass
class RatePlan:
    rate_plan_id: str
    name: str = ""


@dataclass
class Room:
    room_id: str
    name: str = ""
    rate_plans: list[RatePlan] = field(default_factory=list)


@dataclass
class Hotel:
    hotel_id: str
    name: str = ""
    city: str = "Ho Chi Minh City"
    rooms: list[Room] = field(default_factory=list)

    def room(self, room_id: str) -> Room | None:
        return next((room for room in self.rooms if room.room_id == room_id), None)


@dataclass
class Guest:
    first_name: str = "Minh"
    last_name: str = "Nguyen"
    email: str | None = "guest@example.com"
    phone: str | None = "+84 28 1234 5678"


@dataclass
class Stay:
    room_id: str
    rate_plan_id: str
    check_in: date
    check_out: date
    adults: int = 2
    children: int = 0
    guest: Guest = field(default_factory=Guest)
    nightly_rate: Decimal = Decimal("100.00")
    currency: str = "USD"

    @property
    def nights(self) -> list[date]:
        return [self.check_in + timedelta(days=n) for n in range((self.check_out - self.check_in).days)]

    @property
    def total(self) -> Decimal:
        return self.nightly_rate * len(self.nights)


@dataclass
class Revision:
    seq: int  # increasing over the whole simulator
    reservation_id: str
    hotel_id: str
    action: str  # new / modify / cancel
    at: datetime  # when this revision happened (UTC, whole seconds)
    booked_at: datetime
    stay: Stay
    acknowledged: bool = False
    deliveries: int = 0


@dataclass
class Fault:
    kind: str
    count: int = 1
    operation: str = "any"
    status: int | None = None
    retry_after: float | None = None
    delay_seconds: float = 0.0
    code: str | None = None

    def matches(self, operation: str) -> bool:
        return self.count > 0 and (self.operation in ("any", operation))


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes


class Simulator:
    """One OTA's simulator. Subclasses set ``ota``/``default_credentials`` and implement
    ``operation_of`` and ``handle_protocol``."""

    ota: ClassVar[str] = "ota"
    default_credentials: ClassVar[dict[str, str]] = {}
    reservation_id_start: ClassVar[int] = 1_000_000
    # Expedia takes its own bookings off the availability it shows (and puts cancellations back),
    # which is why the channel manager must not send it that decrement again.
    applies_own_bookings: ClassVar[bool] = False
    # Request bodies larger than this are refused unread with 413 (every OTA caps its messages;
    # Expedia's 3000 updates fit in well under 1 MiB). Settable per instance for tests.
    max_request_bytes: int = 1024 * 1024

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, credentials: dict[str, str] | None = None) -> None:
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self.credentials: dict[str, str] = dict(credentials or self.default_credentials)
        self.hotels: dict[str, Hotel] = {}
        self.min_poll_interval_seconds = 0.0
        self.requests_per_second: float | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._generator: threading.Thread | None = None
        self._generator_stop = threading.Event()
        # Configuration, like the credentials: kept across reset().
        self.webhook: WebhookTarget | None = None
        self.reset()

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> Simulator:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes; without this, Nagle + delayed ACK
                # add ~40 ms to every keep-alive exchange.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:
                return  # the simulator keeps its own request log

            def _serve(self) -> None:
                simulator._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - stdlib naming

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        server = self._server
        self._thread = threading.Thread(
            # A short poll interval makes stop() (shutdown) return at once rather than in 0.5 s.
            target=lambda: server.serve_forever(poll_interval=0.05),
            name=f"{self.ota}-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_generator()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- state -----------------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.revisions: list[Revision] = []
            self.faults: list[Fault] = []
            self.ari: dict[tuple[str, str, str, str], dict[str, Any]] = {}
            self.ari_messages: list[dict[str, Any]] = []
            self.request_log: list[dict[str, Any]] = []
            self._seq = 0
            self._next_reservation = self.reservation_id_start
            self._last_moment = datetime(2000, 1, 1, tzinfo=UTC)
            self._last_poll: dict[str, float] = {}
            self._recent: list[float] = []
            self._held_originals: set[int] = set()
            self.webhook_log: list[dict[str, Any]] = []

    def add_hotel(self, hotel: Hotel) -> Hotel:
        with self.lock:
            self.hotels[hotel.hotel_id] = hotel
        return hotel

    def moment(self) -> datetime:
        """Now, in whole seconds, strictly after the previous revision (so revisions order)."""
        now = datetime.now(UTC).replace(microsecond=0)
        with self.lock:
            if now <= self._last_moment:
                now = self._last_moment + timedelta(seconds=1)
            self._last_moment = now
        return now

    def new_reservation_id(self) -> str:
        with self.lock:
            self._next_reservation += 1
            return str(self._next_reservation)

    def _revision(
        self, reservation_id: str, hotel_id: str, action: str, stay: Stay, booked_at: datetime | None
    ) -> Revision:
        with self.lock:
            self._seq += 1
            at = self.moment()
            revision = Revision(
                seq=self._seq,
                reservation_id=reservation_id,
                hotel_id=hotel_id,
                action=action,
                at=at,
                booked_at=booked_at or at,
                stay=stay,
            )
            self.revisions.append(revision)
            self._notify(revision)
            return revision

    def create_reservation(self, hotel_id: str, stay: Stay, reservation_id: str | None = None) -> Revision:
        with self.lock:
            hotel = self.hotels.get(hotel_id)
            if hotel is None:
                raise ControlError(f"unknown hotel {hotel_id}")
            if hotel.room(stay.room_id) is None:
                raise ControlError(f"hotel {hotel_id} has no room {stay.room_id}")
            if stay.check_out <= stay.check_in:
                raise ControlError("check_out must be after check_in")
            self._apply_own_booking(hotel_id, stay, -1)
            return self._revision(reservation_id or self.new_reservation_id(), hotel_id, "new", stay, None)

    def latest(self, reservation_id: str) -> Revision:
        with self.lock:
            found = [r for r in self.revisions if r.reservation_id == reservation_id]
        if not found:
            raise ControlError(f"unknown reservation {reservation_id}")
        return found[-1]

    def modify_reservation(self, reservation_id: str, changes: dict[str, Any]) -> Revision:
        with self.lock:
            current = self.latest(reservation_id)
            if current.action == "cancel":
                raise ControlError(f"reservation {reservation_id} is cancelled")
            stay = _stay_from_json({**_stay_to_json(current.stay), **changes})
            self._apply_own_booking(current.hotel_id, current.stay, +1)
            self._apply_own_booking(current.hotel_id, stay, -1)
            return self._revision(reservation_id, current.hotel_id, "modify", stay, current.booked_at)

    def cancel_reservation(self, reservation_id: str) -> Revision:
        with self.lock:
            current = self.latest(reservation_id)
            if current.action != "cancel":
                self._apply_own_booking(current.hotel_id, current.stay, +1)
            return self._revision(reservation_id, current.hotel_id, "cancel", current.stay, current.booked_at)

    def _apply_own_booking(self, hotel_id: str, stay: Stay, delta: int) -> None:
        """The OTA's own count moves with its own bookings (only where it already shows availability)."""
        if not self.applies_own_bookings:
            return
        with self.lock:
            for night in stay.nights:
                values = self.ari.get((hotel_id, stay.room_id, "", night.isoformat()))
                if values is not None and values.get("availability") is not None:
                    values["availability"] = max(0, int(values["availability"]) + delta)

    def pending(self, hotel_id: str | None, actions: Iterable[str] | None = None) -> list[Revision]:
        """Unacknowledged revisions in delivery order, after the ``duplicate`` and
        ``out_of_order`` faults had their say. Marks them delivered."""
        wanted = set(actions) if actions else None
        with self.lock:
            misrouted = self.take_fault("foreign_hotel", "reservations") is not None
            selected = [
                r
                for r in self.revisions
                if not r.acknowledged
                and (hotel_id is None or misrouted or r.hotel_id == hotel_id)
                and (wanted is None or r.action in wanted)
            ]
            if self.take_fault("out_of_order", "reservations") is not None:
                held = {r.seq for r in selected if r.action == "new"}
                self._held_originals |= held
            if self._held_originals:
                # Held back for exactly one delivery, then released.
                shown = [r for r in selected if r.seq not in self._held_originals]
                self._held_originals.clear()
                selected = shown
            if self.take_fault("duplicate", "reservations") is not None:
                selected = [r for r in selected for _ in range(2)]
            for revision in selected:
                revision.deliveries += 1
            return selected

    def acknowledge(self, predicate: Callable[[Revision], bool]) -> list[Revision]:
        with self.lock:
            done = [r for r in self.revisions if not r.acknowledged and predicate(r)]
            for revision in done:
                revision.acknowledged = True
            return done

    def record_ari(
        self,
        hotel_id: str,
        room_id: str,
        rate_plan_id: str | None,
        start: date,
        end: date,
        values: dict[str, Any],
        *,
        weekdays: frozenset[int] | None = None,
    ) -> int:
        """Apply values to every night of the range (only those whose ``date.weekday()`` is in
        ``weekdays``, when given); returns the nights touched."""
        clean = {key: value for key, value in values.items() if value is not None}
        nights = 0
        with self.lock:
            night = start
            while night <= end:
                if weekdays is None or night.weekday() in weekdays:
                    key = (hotel_id, room_id, rate_plan_id or "", night.isoformat())
                    cell = self.ari.setdefault(key, {})
                    for name, value in clean.items():
                        if isinstance(value, dict) and isinstance(cell.get(name), dict):
                            cell[name] = {**cell[name], **value}  # per-occupancy / per-LOS rates merge
                        else:
                            cell[name] = value
                    nights += 1
                night += timedelta(days=1)
        return nights

    def ari_view(self, hotel_id: str, room_id: str | None, rate_plan_id: str | None) -> list[dict[str, Any]]:
        plan = None if rate_plan_id is None else (rate_plan_id if rate_plan_id != "-" else "")
        with self.lock:  # only the matching cells are copied, then sorted (the lock blocks the OTA side)
            matching = [
                (key, dict(values))
                for key, values in self.ari.items()
                if key[0] == hotel_id and (room_id is None or key[1] == room_id) and (plan is None or key[2] == plan)
            ]
        return [
            {"hotel_id": h, "room_id": r, "rate_plan_id": p or None, "date": d, **_jsonable(values)}
            for (h, r, p, d), values in sorted(matching, key=lambda item: item[0])
        ]

    # -- faults and limits ---------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ControlError(f"unknown fault kind {fault.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if fault.operation not in OPERATIONS:
            raise ControlError(f"unknown operation {fault.operation!r}; one of {', '.join(OPERATIONS)}")
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, kind: str, operation: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.kind == kind and fault.matches(operation):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _transport_fault(self, operation: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.kind in ("latency", "http_error", "rate_limit", "timeout") and fault.matches(operation):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def poll_too_soon(self, key: str) -> float | None:
        """Seconds to wait when a reservation poll for ``key`` comes too early, else None."""
        if self.min_poll_interval_seconds <= 0:
            return None
        now = time.monotonic()
        with self.lock:
            last = self._last_poll.get(key)
            if last is not None and now - last < self.min_poll_interval_seconds:
                return self.min_poll_interval_seconds - (now - last)
            self._last_poll[key] = now
        return None

    def over_rate(self) -> bool:
        if not self.requests_per_second:
            return False
        now = time.monotonic()
        with self.lock:
            self._recent = [t for t in self._recent if now - t < 1.0]
            if len(self._recent) >= self.requests_per_second:
                return True
            self._recent.append(now)
        return False

    # -- generator --------------------------------------------------------------------------------------------

    def start_generator(self, interval_seconds: float, hotel_id: str | None = None) -> None:
        self.stop_generator()
        self._generator_stop.clear()

        def run() -> None:
            rng = random.Random()
            while not self._generator_stop.wait(interval_seconds):
                try:
                    self.generate_one(rng, hotel_id)
                except ControlError:
                    continue

        self._generator = threading.Thread(target=run, name=f"{self.ota}-generator", daemon=True)
        self._generator.start()

    def stop_generator(self) -> None:
        self._generator_stop.set()
        if self._generator is not None:
            self._generator.join(timeout=5)
            self._generator = None

    def generate_one(self, rng: random.Random, hotel_id: str | None = None) -> Revision:
        """A random new booking, modification or cancellation (used by the timer and the demo)."""
        with self.lock:
            hotels = [h for h in self.hotels.values() if (hotel_id is None or h.hotel_id == hotel_id) and h.rooms]
            if not hotels:
                raise ControlError("no hotel with rooms to book")
            live = [
                self.latest(r.reservation_id)
                for r in self.revisions
                if r.action == "new" and (hotel_id is None or r.hotel_id == hotel_id)
            ]
            live = [r for r in live if r.action != "cancel"]
        roll = rng.random()
        if live and roll < 0.2:
            return self.cancel_reservation(rng.choice(live).reservation_id)
        if live and roll < 0.4:
            target = rng.choice(live)
            return self.modify_reservation(target.reservation_id, {"adults": max(1, target.stay.adults % 3 + 1)})
        hotel = rng.choice(hotels)
        room = rng.choice(hotel.rooms)
        check_in = date.today() + timedelta(days=rng.randint(1, 60))
        stay = Stay(
            room_id=room.room_id,
            rate_plan_id=room.rate_plans[0].rate_plan_id if room.rate_plans else "STD",
            check_in=check_in,
            check_out=check_in + timedelta(days=rng.randint(1, 4)),
            adults=rng.randint(1, 3),
            guest=Guest(first_name=rng.choice(["An", "Binh", "Chi", "Dung"]), last_name=rng.choice(["Tran", "Le"])),
            nightly_rate=Decimal(rng.randint(60, 240)),
        )
        return self.create_reservation(hotel.hotel_id, stay)

    # -- webhooks ------------------------------------------------------------------------------------------

    def webhook_call(self, revision: Revision, target: WebhookTarget) -> WebhookCall | None:
        """The notification announcing ``revision`` (None: this OTA does not notify)."""
        return None

    def webhook_accepted(self, revision: Revision, body: bytes, entry: dict[str, Any]) -> bool:
        """Whether a 2xx answer means delivered (Expedia's push reads the RS; the hints need no more)."""
        return True

    def _notify(self, revision: Revision) -> None:
        target = self.webhook
        if target is None or self.webhook_call(revision, target) is None:
            return
        thread = threading.Thread(
            target=self._deliver, args=(revision, target), name=f"{self.ota}-webhook", daemon=True
        )
        thread.start()

    def _deliver(self, revision: Revision, target: WebhookTarget) -> None:
        """POST the notification; retry on a network error or a non-2xx answer (background thread)."""
        for attempt in range(1, max(1, target.attempts) + 1):
            call = self.webhook_call(revision, target)
            if call is None:
                return
            entry: dict[str, Any] = {
                "reservation_id": revision.reservation_id,
                "action": revision.action,
                "seq": revision.seq,
                "attempt": attempt,
                "at": datetime.now(UTC).isoformat(),
            }
            try:
                response = httpx.post(
                    call.url,
                    content=call.body,
                    headers=call.headers,
                    timeout=target.timeout_seconds,
                    trust_env=False,
                    verify=verifying_context(),
                )
                entry["status"] = response.status_code
                entry["delivered"] = 200 <= response.status_code < 300 and self.webhook_accepted(
                    revision, response.content, entry
                )
            except httpx.HTTPError as exc:
                entry["status"] = None
                entry["error"] = type(exc).__name__
            with self.lock:
                self.webhook_log.append(entry)
            if entry.get("delivered"):
                return
            if attempt < target.attempts:
                time.sleep(target.retry_delay_seconds)

    # -- HTTP ----------------------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        raw_length = (handler.headers.get("Content-Length") or "0").strip()
        length = int(raw_length) if raw_length.isdigit() else -1
        if length < 0 or length > self.max_request_bytes:
            # Refused unread (a real OTA's front end does the same): 413, and the connection closes.
            self._send(handler, self.oversized_reply(length), close=True)
            return
        body = handler.rfile.read(length) if length else b""
        request = Request(
            method=handler.command,
            path=split.path,
            query={key: values[-1] for key, values in parse_qs(split.query).items()},
            headers={key.lower(): value for key, value in handler.headers.items()},
            body=body,
        )
        if request.path.startswith("/_control"):
            reply = self._control(request)
            operation, applied = "control", None
        else:
            operation = self.operation_of(request)
            reply, applied = self._protocol(request, operation)
            with self.lock:
                self.request_log.append(
                    {
                        "method": request.method,
                        "path": request.path,
                        "operation": operation,
                        "status": reply.status if not reply.drop_connection else None,
                        "fault": applied,
                        "at": datetime.now(UTC).isoformat(),
                    }
                )
        if reply.drop_connection:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(2)
            return
        self._send(handler, reply)

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply, *, close: bool = False) -> None:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if close:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(reply.body)

    def oversized_reply(self, length: int) -> Reply:
        """The answer to a body over ``max_request_bytes`` (or an unreadable Content-Length)."""
        text = (
            f"request body of {length} bytes exceeds the limit of {self.max_request_bytes} bytes"
            if length >= 0
            else "Content-Length is missing a number"
        )
        return Reply(status=413 if length >= 0 else 400, body=text.encode(), content_type="text/plain")

    def _protocol(self, request: Request, operation: str) -> tuple[Reply, str | None]:
        fault = self._transport_fault(operation)
        if fault is not None:
            if fault.kind == "latency":
                time.sleep(fault.delay_seconds)
            elif fault.kind == "timeout":
                time.sleep(fault.delay_seconds or 5.0)
                return Reply(drop_connection=True), "timeout"
            elif fault.kind == "rate_limit":
                retry_after = fault.retry_after if fault.retry_after is not None else 1
                return (
                    Reply(status=429, body=b"", headers={"Retry-After": _seconds(retry_after)}),
                    "rate_limit",
                )
            elif fault.kind == "http_error":
                status = fault.status or 500
                headers = {"Retry-After": _seconds(fault.retry_after)} if fault.retry_after is not None else {}
                return Reply(status=status, body=b"simulated failure", content_type="text/plain", headers=headers), (
                    f"http_error {status}"
                )
        if self.over_rate():
            return Reply(status=429, headers={"Retry-After": "1"}, content_type="text/plain", body=b"slow down"), (
                "rate limited"
            )
        for kind in ("malformed", "truncated", "billion_laughs", "external_entity"):
            payload_fault = self.take_fault(kind, operation)
            if payload_fault is not None:
                return self.payload_fault(kind, request, operation), kind
        return self.handle_protocol(request, operation), "latency" if fault is not None else None

    def payload_fault(self, kind: str, request: Request, operation: str) -> Reply:
        """A hostile or broken body in place of the real answer (XML OTAs; Traveloka overrides)."""
        root = self.expected_root(request, operation)
        if kind == "billion_laughs":
            return Reply(body=BILLION_LAUGHS.replace(b"{root}", root.encode()))
        if kind == "external_entity":
            return Reply(body=EXTERNAL_ENTITY.replace(b"{root}", root.encode()))
        good = self.handle_protocol(request, operation).body
        if kind == "truncated":
            return Reply(body=good[: max(len(good) // 2, 10)])
        return Reply(body=b"<?xml version='1.0'?><" + root.encode() + b"><unclosed></" + root.encode() + b">")

    # -- what each OTA implements ------------------------------------------------------------------------------

    def operation_of(self, request: Request) -> str:
        raise NotImplementedError

    def handle_protocol(self, request: Request, operation: str) -> Reply:
        raise NotImplementedError

    def expected_root(self, request: Request, operation: str) -> str:
        return "result"

    # -- control API ----------------------------------------------------------------------------------------------

    def _control(self, request: Request) -> Reply:
        try:
            payload = json.loads(request.body) if request.body else {}
            result = self.control(
                request.method, request.path.removeprefix("/_control").strip("/"), request.query, payload
            )
        except ControlError as exc:
            return _json_reply(400, {"error": str(exc)})
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            return _json_reply(400, {"error": f"bad control request: {type(exc).__name__}: {exc}"})
        return _json_reply(200, result)

    def control(self, method: str, path: str, query: dict[str, str], payload: Any) -> Any:
        parts = path.split("/") if path else []
        match (method, parts):
            case ("GET", ["health"]):
                return {"ota": self.ota, "ok": True}
            case ("POST", ["reset"]):
                self.reset()
                return {"reset": True}
            case ("POST", ["hotels"]):
                hotel = self.add_hotel(_hotel_from_json(payload))
                return asdict(hotel)
            case ("GET", ["hotels"]):
                with self.lock:
                    return [asdict(hotel) for hotel in self.hotels.values()]
            case ("PUT", ["credentials"]):
                if not isinstance(payload, dict) or not all(isinstance(v, str) for v in payload.values()):
                    raise ControlError("credentials must be an object of strings")
                with self.lock:
                    self.credentials = dict(payload)
                return {"fields": sorted(payload)}
            case ("POST", ["config"]):
                with self.lock:
                    if "min_poll_interval_seconds" in payload:
                        self.min_poll_interval_seconds = float(payload["min_poll_interval_seconds"])
                    if "requests_per_second" in payload:
                        rate = payload["requests_per_second"]
                        self.requests_per_second = float(rate) if rate else None
                return {
                    "min_poll_interval_seconds": self.min_poll_interval_seconds,
                    "requests_per_second": self.requests_per_second,
                }
            case ("POST", ["reservations"]):
                stay = _stay_from_json(payload)
                revision = self.create_reservation(str(payload["hotel_id"]), stay, payload.get("reservation_id"))
                return _revision_json(revision)
            case ("POST", ["reservations", reservation_id, "modify"]):
                return _revision_json(self.modify_reservation(reservation_id, payload or {}))
            case ("POST", ["reservations", reservation_id, "cancel"]):
                return _revision_json(self.cancel_reservation(reservation_id))
            case ("GET", ["reservations"]):
                with self.lock:
                    return [_revision_json(revision) for revision in self.revisions]
            case ("POST", ["faults"]):
                fault = Fault(
                    kind=str(payload["kind"]),
                    count=int(payload.get("count", 1)),
                    operation=str(payload.get("operation", "any")),
                    status=int(payload["status"]) if payload.get("status") is not None else None,
                    retry_after=float(payload["retry_after"]) if payload.get("retry_after") is not None else None,
                    delay_seconds=float(payload.get("delay_seconds", 0.0)),
                    code=str(payload["code"]) if payload.get("code") is not None else None,
                )
                self.add_fault(fault)
                return asdict(fault)
            case ("GET", ["faults"]):
                with self.lock:
                    return [asdict(fault) for fault in self.faults]
            case ("DELETE", ["faults"]):
                with self.lock:
                    self.faults.clear()
                return {"cleared": True}
            case ("GET", ["ari"]):
                return self.ari_view(query["hotel_id"], query.get("room_id"), query.get("rate_plan_id"))
            case ("GET", ["ari", "messages"]):
                with self.lock:
                    return list(self.ari_messages)
            case ("GET", ["requests"]):
                with self.lock:
                    return list(self.request_log)
            case ("POST", ["generator"]):
                self.start_generator(float(payload.get("interval_seconds", 5)), payload.get("hotel_id"))
                return {"running": True}
            case ("DELETE", ["generator"]):
                self.stop_generator()
                return {"running": False}
            case ("PUT", ["webhook"]):
                if not isinstance(payload, dict) or not payload.get("url") or not payload.get("secret"):
                    raise ControlError("webhook needs url and secret")
                with self.lock:
                    self.webhook = WebhookTarget(
                        url=str(payload["url"]),
                        secret=str(payload["secret"]),
                        username=str(payload["username"]) if payload.get("username") else None,
                        attempts=int(payload.get("attempts", 3)),
                        retry_delay_seconds=float(payload.get("retry_delay_seconds", 15.0)),
                    )
                return {"url": self.webhook.url, "attempts": self.webhook.attempts}
            case ("DELETE", ["webhook"]):
                with self.lock:
                    self.webhook = None
                return {"configured": False}
            case ("GET", ["webhook"]):
                with self.lock:
                    target = self.webhook
                    return {
                        "configured": target is not None,
                        "url": target.url if target else None,
                        "deliveries": list(self.webhook_log),
                    }
            case ("POST", ["generate"]):
                return _revision_json(self.generate_one(random.Random(payload.get("seed")), payload.get("hotel_id")))
        raise ControlError(f"no control route {method} /_control/{path}")

    def note_ari_message(self, operation: str, body: bytes, outcome: str) -> None:
        with self.lock:
            self.ari_messages.append(
                {
                    "operation": operation,
                    "received_at": datetime.now(UTC).isoformat(),
                    "outcome": outcome,
                    "body": body.decode("utf-8", "replace"),
                }
            )


# --- JSON helpers ---------------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return str(max(0, round(value or 0)))


def _json_reply(status: int, payload: Any) -> Reply:
    return Reply(
        status=status, body=json.dumps(payload, default=_json_default).encode(), content_type="application/json"
    )


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {key: (format(v, "f") if isinstance(v, Decimal) else v) for key, v in values.items()}


def _hotel_from_json(payload: Any) -> Hotel:
    if not isinstance(payload, dict) or not payload.get("hotel_id"):
        raise ControlError("a hotel needs a hotel_id")
    rooms = [
        Room(
            room_id=str(room["room_id"]),
            name=str(room.get("name", "")),
            rate_plans=[
                RatePlan(rate_plan_id=str(plan["rate_plan_id"]), name=str(plan.get("name", "")))
                for plan in room.get("rate_plans", [])
            ],
        )
        for room in payload.get("rooms", [])
    ]
    return Hotel(
        hotel_id=str(payload["hotel_id"]),
        name=str(payload.get("name", "")),
        city=str(payload.get("city", "Ho Chi Minh City")),
        rooms=rooms,
    )


def _stay_to_json(stay: Stay) -> dict[str, Any]:
    data = asdict(stay)
    data["check_in"] = stay.check_in.isoformat()
    data["check_out"] = stay.check_out.isoformat()
    data["nightly_rate"] = format(stay.nightly_rate, "f")
    return data


def _stay_from_json(payload: dict[str, Any]) -> Stay:
    guest = payload.get("guest") or {}
    if isinstance(guest, Guest):
        guest = asdict(guest)
    return Stay(
        room_id=str(payload["room_id"]),
        rate_plan_id=str(payload.get("rate_plan_id") or "STD"),
        check_in=date.fromisoformat(str(payload["check_in"])),
        check_out=date.fromisoformat(str(payload["check_out"])),
        adults=int(payload.get("adults", 2)),
        children=int(payload.get("children", 0)),
        guest=Guest(
            first_name=str(guest.get("first_name", "Minh")),
            last_name=str(guest.get("last_name", "Nguyen")),
            email=guest.get("email", "guest@example.com"),
            phone=guest.get("phone", "+84 28 1234 5678"),
        ),
        nightly_rate=Decimal(str(payload.get("nightly_rate", "100.00"))),
        currency=str(payload.get("currency", "USD")),
    )


def _revision_json(revision: Revision) -> dict[str, Any]:
    return {
        "seq": revision.seq,
        "reservation_id": revision.reservation_id,
        "hotel_id": revision.hotel_id,
        "action": revision.action,
        "at": revision.at.isoformat(),
        "acknowledged": revision.acknowledged,
        "deliveries": revision.deliveries,
        "stay": _stay_to_json(revision.stay),
    }


def parse_decimal(raw: str | None) -> Decimal | None:
    if raw is None or raw == "":
        return None
    return Decimal(raw)
