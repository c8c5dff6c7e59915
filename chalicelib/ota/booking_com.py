"""Booking.com: the OpenTravel (OTA 2003B) XML interface over HTTPS.

Real protocol (``../shared/OTA_PROTOCOLS.md``, schemas in ``../shared/ota-ref/opentravel-2003B``):

- Auth: machine-account Basic auth, or a bearer JWT (renewed hourly) obtained by exchanging the
  machine account's client id and secret. Credentials with ``client_id``/``client_secret`` use the
  JWT; ``username``/``password`` use Basic.
- Reservations: ``GET /hotels/ota/OTA_HotelResNotif`` (new) and ``GET /hotels/ota/OTA_HotelResModifyNotif``
  (modifications and cancellations) return every reservation not yet acknowledged; we acknowledge
  by POSTing ``OTA_HotelResNotifRS`` / ``OTA_HotelResModifyNotifRS`` listing
  ``HotelReservationID[@ResID_Value]`` (with ``@ResID_Date`` = the revision's LastModifyDateTime,
  so a newer revision that arrived meanwhile is not acknowledged by accident). Polls for one
  hotel are at least 20 s apart (request budget).
- ARI: ``POST /hotels/ota/OTA_HotelAvailNotif`` (BookingLimit ≤ 254, RestrictionStatus
  Master/Arrival/Departure, LengthsOfStay SetMinLOS/SetMaxLOS) and ``POST /hotels/ota/OTA_HotelRateAmountNotif``
  (BaseByGuestAmt), one hotel and one calendar month per request. Success is ``<Success/>``
  (plus ``<Warnings>``); failure ``<Errors><Error Type Code>``.
- Discovery: Booking.com's B.XML ``POST /hotels/xml/roomrates`` (its recommended call for mapping
  rooms and rates; B.XML has no published schema, so this one message is not schema-validated).

Where we chose, and why:
- In 2003B ``ResStatus`` is an attribute of the message root, not of ``HotelReservation``. A
  modification message may carry cancellations too, so a cancelled reservation is recognised per
  item by ``UniqueID[@Type="15"]`` (OpenTravel UIT 15 = cancellation) or
  ``HotelReservationID[@CancellationDate]``, and by a root ``ResStatus="Cancel"``.
- Reading a reservation (``chalicelib.ota.opentravel``, shared with Expedia's push): amounts
  before tax only, absent timestamps, the id in ``UniqueID``, several ``HotelReservationID``s
  (chosen by ``ResID_Type`` 14) and the hotel named in ``BasicPropertyInfo`` are all taken as
  the protocol allows. A feed may also answer ``OTA_ResRetrieveRS`` with
  ``ReservationsList/HotelReservation`` (the 2015A shape, as AlpineBits does): read the same way.
- 2003B types ``BookingLimit`` as positiveInteger, yet zero rooms to sell is ``BookingLimit="0"``
  (valid from OpenTravel 2011B on, as in 2015A, and what Booking.com accepts). Messages are built
  to validate against 2015A always and against 2003B unless they carry a zero limit.
- Error ``Type`` follows the OpenTravel EWT list: 4 (authentication) and 6 (authorisation) mean
  wrong credentials; 12 (processing exception) is retried; anything else is a rejection.

(Over 500 lines: the adapter and the two OpenTravel ARI messages it sends stay together; the
conformance tests validate those builders against the XSDs as this adapter emits them.)
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from chalicelib.domain.ari import AriUpdate, Restriction
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, OtaCredentials
from chalicelib.domain.ota_reservation import Acknowledgement, OtaReservation
from chalicelib.domain.ota_results import (
    AckResult,
    DiscoveredHotel,
    Discovery,
    ErrorKind,
    PullResult,
    PushWarning,
    SyncError,
    WarningKind,
)
from chalicelib.ota.base import AdapterOptions, BaseAdapter, BatchOutcome, CredentialsProvider, require_rate_plan
from chalicelib.ota.budget import ACK, POLL, PUSH, READ
from chalicelib.ota.errors import (
    InvalidField,
    MissingField,
    OtaAuthenticationFailed,
    OtaError,
    OtaMalformedResponse,
    OtaRejected,
    OtaRetryRequested,
)
from chalicelib.ota.opentravel import OTA_NS, UIT_RESERVATION, ReadOptions, read_hotel_reservation
from chalicelib.ota.tokens import TokenCache, TokenKey
from chalicelib.ota.transport import HttpReply
from chalicelib.ota.xml_support import Element, XmlReader, element, local_name, namespace_of, parse_untrusted, to_bytes

OTA_VERSION = "1.0"

PATH_RESERVATIONS = "/hotels/ota/OTA_HotelResNotif"
PATH_MODIFICATIONS = "/hotels/ota/OTA_HotelResModifyNotif"
PATH_AVAILABILITY = "/hotels/ota/OTA_HotelAvailNotif"
PATH_RATES = "/hotels/ota/OTA_HotelRateAmountNotif"
PATH_ROOM_RATES = "/hotels/xml/roomrates"
PATH_TOKEN = "/token-based-authentication/exchange"  # noqa: S105 - a URL path

AUTH_ERROR_TYPES = frozenset({"4", "6"})
RETRYABLE_ERROR_TYPES = frozenset({"12"})
RES_RETRIEVE_RS = "OTA_ResRetrieveRS"
RES_RETRIEVE_ITEMS = "ReservationsList/HotelReservation"
# Booking.com puts its reservation number in HotelReservationID[@ResID_Type="14"] (OpenTravel UIT
# "Reservation"); chalicelib.ota.opentravel falls back to UniqueID[@Type="14"].
RESERVATION_ID_TYPES = (UIT_RESERVATION,)
JWT_LIFETIME_SECONDS = 3600.0
JWT_RENEW_MARGIN_SECONDS = 300.0

T = TypeVar("T")

_KIND_NEW = "new"
_KIND_MODIFY = "modify"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class BookingComAdapter(BaseAdapter):
    """Booking.com over its OTA XML interface (see the module docstring for the exact messages)."""

    ota = OtaCode.BOOKING_COM
    unsupported_restrictions = frozenset[Restriction]()

    def __init__(
        self, base_url: str, credentials: CredentialsProvider, *, options: AdapterOptions | None = None
    ) -> None:
        super().__init__(base_url, credentials, options=options)
        self.reader = XmlReader(self.ota, OTA_NS)
        # The JWT is a derived, hour-long token (not the stored secret), kept until shortly before
        # it expires: in the container's cache when ota_access built the adapter, else in this
        # adapter's own (chalicelib.ota.tokens).
        tokens = self.options.tokens
        self.tokens = tokens if tokens is not None else TokenCache(max_entries=4, clock=self.options.clock)
        self._exchanged: set[str] = set()  # tokens this adapter got from Booking.com itself

    # -- auth -------------------------------------------------------------------------------------------

    def _auth_headers(self, credentials: OtaCredentials) -> dict[str, str]:
        if credentials.get(CLIENT_ID):
            return {"Authorization": f"Bearer {self._bearer_token(credentials)}"}
        user = credentials.require(USERNAME)
        password = credentials.require(PASSWORD)
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}

    def _token_key(self, credentials: OtaCredentials) -> TokenKey:
        return TokenKey.of(self.base_url, credentials.require(CLIENT_ID), credentials.require(CLIENT_SECRET))

    def _bearer_token(self, credentials: OtaCredentials) -> str:
        key = self._token_key(credentials)
        kept = self.tokens.get(key)
        if kept is not None:
            return kept
        body = json.dumps(
            {"client_id": credentials.require(CLIENT_ID), "client_secret": credentials.require(CLIENT_SECRET)}
        ).encode()

        def parse(reply: HttpReply) -> tuple[str, float]:
            if reply.status in (400, 401, 403):
                raise OtaAuthenticationFailed(self.ota, "the machine account's client id or secret was refused")
            try:
                payload = json.loads(reply.content)
                token = payload["jwt"]
                lifetime = float(payload.get("expires_in", JWT_LIFETIME_SECONDS))
            except (ValueError, KeyError, TypeError):
                raise OtaMalformedResponse(self.ota, "Booking.com's token exchange answered without a jwt") from None
            if not isinstance(token, str) or not token:
                raise OtaMalformedResponse(self.ota, "Booking.com's token exchange answered without a jwt")
            return token, lifetime

        token, lifetime = self.http.exchange(
            "POST",
            PATH_TOKEN,
            operation=READ,
            budget_key="token",
            parse=parse,
            content=body,
            headers={"Content-Type": "application/json"},
        )
        self.tokens.put(key, token, max(lifetime - JWT_RENEW_MARGIN_SECONDS, 60.0))
        self._exchanged.add(token)
        return token

    def _renewed_headers(self, headers: dict[str, str]) -> bool:
        """After Booking.com refused a kept JWT (expired early, revoked): forget it and put a fresh
        one in ``headers`` (True). False when the refused token is not a kept one (Basic auth, or a
        JWT just exchanged): the refusal stands."""
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token in self._exchanged:
            return False
        credentials = self._credentials()
        self.tokens.drop(self._token_key(credentials), token)
        headers["Authorization"] = f"Bearer {self._bearer_token(credentials)}"
        del credentials
        return True

    def _authorized(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        budget_key: str,
        parse: Callable[[HttpReply], T],
        headers: dict[str, str],
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
    ) -> T:
        """``http.exchange`` with the operation's headers; a kept JWT that Booking.com refuses is
        renewed once (the operation's later requests use the new one)."""

        def send() -> T:
            return self.http.exchange(
                method,
                path,
                operation=operation,
                budget_key=budget_key,
                parse=parse,
                content=content,
                params=params,
                headers=headers,
            )

        try:
            return send()
        except OtaAuthenticationFailed:
            if not self._renewed_headers(headers):
                raise
        return send()

    def _xml_headers(self, credentials: OtaCredentials) -> dict[str, str]:
        return {**self._auth_headers(credentials), "Content-Type": "application/xml", "Accept": "application/xml"}

    # -- documents ------------------------------------------------------------------------------------------

    def _post_document(
        self, path: str, root_name: str, body: bytes, operation: str, ota_hotel_id: str, headers: dict[str, str]
    ) -> Element:
        """POST an OpenTravel message for the hotel; its answer (``root_name``) parsed and checked."""
        return self._authorized(
            "POST",
            path,
            operation=operation,
            budget_key=ota_hotel_id,
            parse=partial(self._document, roots={root_name}),
            content=body,
            headers=headers,
        )

    def _document(self, reply: HttpReply, roots: set[str]) -> Element:
        """Parse an OTA answer; raise the error it carries, if any."""
        accepted = roots | {name.replace("RQ", "RS") for name in roots}
        root = parse_untrusted(self.ota, reply.content, expected_roots=accepted)
        if namespace_of(root.tag) != OTA_NS:
            raise OtaMalformedResponse(
                self.ota, f"Booking.com sent <{local_name(root.tag)}> outside the OpenTravel namespace"
            )
        self._raise_for_errors(root, status=reply.status)
        if reply.status >= 400:
            raise OtaRejected(self.ota, f"Booking.com answered HTTP {reply.status}", code=str(reply.status))
        return root

    def _raise_for_errors(self, root: Element, *, status: int) -> None:
        errors = self.reader.findall(root, "Errors/Error")
        if not errors:
            return
        first = errors[0]
        error_type = (first.get("Type") or "").strip()
        code = first.get("Code")
        text = (first.text or first.get("ShortText") or "").strip()
        described = "; ".join(
            f"{(error.text or error.get('ShortText') or '').strip()} (code {error.get('Code') or '-'})"
            for error in errors
        )
        if error_type in AUTH_ERROR_TYPES:
            raise OtaAuthenticationFailed(self.ota, text or "credentials refused", code=code)
        if error_type in RETRYABLE_ERROR_TYPES:
            raise OtaRetryRequested(self.ota, f"Booking.com could not process the request now: {described}", code=code)
        raise OtaRejected(self.ota, f"Booking.com refused the request: {described}", code=code)

    def _warnings(self, root: Element) -> list[PushWarning]:
        return [
            PushWarning(
                kind=WarningKind.OTA_WARNING,
                message=f"Booking.com warning: {(warning.text or warning.get('ShortText') or '').strip()}",
                code=warning.get("Code"),
            )
            for warning in self.reader.findall(root, "Warnings/Warning")
        ]

    # -- test connection and discovery ----------------------------------------------------------------------

    def _test_connection(self, ota_hotel_id: str | None) -> str:
        credentials = self._credentials()
        headers = self._xml_headers(credentials)
        del credentials
        if ota_hotel_id:
            hotel = self._room_rates(ota_hotel_id, headers)
            return (
                f"connected to Booking.com: hotel {hotel.ota_hotel_id} ({hotel.name}) "
                f"with {len(hotel.rooms)} room type(s)"
            )
        root = self._authorized(
            "GET",
            PATH_RESERVATIONS,
            operation=READ,
            budget_key="test",
            parse=lambda reply: self._document(reply, {"OTA_HotelResNotifRQ"}),
            headers=headers,
        )
        waiting = len(self.reader.findall(root, "HotelReservations/HotelReservation"))
        return f"connected to Booking.com: machine account accepted ({waiting} new reservation(s) waiting)"

    def _discover(self, ota_hotel_ids: tuple[str, ...]) -> Discovery:
        if not ota_hotel_ids:
            return self._ids_required(
                "Booking.com cannot list the hotels of a machine account: give the hotel id(s) to discover"
            )
        credentials = self._credentials()
        headers = self._xml_headers(credentials)
        del credentials
        return self._discover_each(ota_hotel_ids, lambda hotel_id: self._room_rates(hotel_id, headers))

    def _room_rates(self, hotel_id: str, headers: dict[str, str]) -> DiscoveredHotel:
        request = element("request")
        element("hotel_id", parent=request).text = hotel_id

        def parse(reply: HttpReply) -> DiscoveredHotel:
            root = parse_untrusted(self.ota, reply.content, expected_roots={"roomrates", "errors"})
            plain = XmlReader(self.ota, None)
            if root.tag == "errors" or reply.status >= 400:
                error = plain.find(root, "error")
                text = (error.text or "").strip() if error is not None else f"HTTP {reply.status}"
                raise OtaRejected(self.ota, f"Booking.com refused roomrates for hotel {hotel_id}: {text}")
            rooms = plain.discovered_rooms(root, "room", "rates/rate", at="roomrates")
            return DiscoveredHotel(
                ota_hotel_id=root.get("hotel_id", hotel_id), name=root.get("hotel_name", ""), rooms=rooms
            )

        return self._authorized(
            "POST",
            PATH_ROOM_RATES,
            operation=READ,
            budget_key=hotel_id,
            parse=parse,
            content=to_bytes(request, namespace=None),
            headers=headers,
        )

    # -- reservations ---------------------------------------------------------------------------------------

    def _pull(self, ota_hotel_id: str) -> PullResult:
        credentials = self._credentials()
        headers = self._xml_headers(credentials)
        del credentials
        reservations: list[OtaReservation] = []
        item_errors: list[SyncError] = []
        failure: SyncError | None = None
        for kind, path, root_name, items_path in (
            (_KIND_NEW, PATH_RESERVATIONS, "OTA_HotelResNotifRQ", "HotelReservations/HotelReservation"),
            (_KIND_MODIFY, PATH_MODIFICATIONS, "OTA_HotelResModifyNotifRQ", "HotelResModifies/HotelResModify"),
        ):
            try:
                root = self._authorized(
                    "GET",
                    path,
                    operation=POLL,
                    budget_key=f"{ota_hotel_id}:{kind}",
                    parse=partial(self._document, roots={root_name, RES_RETRIEVE_RS}),
                    params={"hotel_ids": ota_hotel_id},
                    headers=headers,
                )
            except OtaAuthenticationFailed:
                raise
            except OtaError as exc:
                # Keep what the other document gave us; report this one as the pull's error.
                failure = failure or exc.to_sync_error()
                continue
            if local_name(root.tag) == RES_RETRIEVE_RS:
                items_path = RES_RETRIEVE_ITEMS
            mapped, errors = read_reservations(
                self.reader, root, items_path, kind=kind, options=self._read_options(ota_hotel_id)
            )
            reservations.extend(mapped)
            item_errors.extend(errors)
        return PullResult(
            ota=self.ota,
            ota_hotel_id=ota_hotel_id,
            reservations=tuple(reservations),
            item_errors=tuple(item_errors),
            error=failure,
        )

    def _read_options(self, ota_hotel_id: str) -> ReadOptions:
        return ReadOptions(
            ota=self.ota,
            received_at=self.options.now(),
            default_hotel_id=ota_hotel_id,
            source="Booking.com",
            id_types=RESERVATION_ID_TYPES,
        )

    def _acknowledge(self, ota_hotel_id: str, acknowledgements: tuple[Acknowledgement, ...]) -> AckResult:
        by_kind: dict[str, list[tuple[str, str]]] = {}
        errors: list[SyncError] = []
        for ack in acknowledgements:
            parts = ack.ack_token.split("|", 2)
            if len(parts) != 3 or parts[0] not in (_KIND_NEW, _KIND_MODIFY):
                errors.append(self._unknown_ack_token(ack, "acknowledge Booking.com reservation"))
                continue
            by_kind.setdefault(parts[0], []).append((parts[1], parts[2]))
        credentials = self._credentials()
        headers = self._xml_headers(credentials)
        del credentials
        acknowledged: list[str] = []
        for kind, items in by_kind.items():
            body = build_acknowledgement(kind == _KIND_NEW, items)
            path = PATH_RESERVATIONS if kind == _KIND_NEW else PATH_MODIFICATIONS
            root_name = "OTA_HotelResNotifRS" if kind == _KIND_NEW else "OTA_HotelResModifyNotifRS"
            send = partial(self._post_document, path, root_name, body, ACK, ota_hotel_id, headers)
            if not self._sent(send, errors):
                continue
            acknowledged.extend(reservation_id for reservation_id, _ in items)
        return self._acknowledged(ota_hotel_id, acknowledged, errors)

    # -- ARI ------------------------------------------------------------------------------------------------

    def _adapt_updates(self, updates: list[AriUpdate]) -> tuple[list[AriUpdate], list[PushWarning]]:
        # Booking.com sets rooms to sell per room type and everything else per room type + rate plan
        # (a room-level close is the exception: it closes the room type).
        needs_rate_plan = (
            Restriction.CLOSED_TO_ARRIVAL,
            Restriction.CLOSED_TO_DEPARTURE,
            Restriction.MIN_LOS,
            Restriction.MAX_LOS,
            Restriction.RATE,
        )
        return require_rate_plan(self.ota, updates, needs_rate_plan)

    def _push_batch(self, ota_hotel_id: str, batch: tuple[AriUpdate, ...], credentials: OtaCredentials) -> BatchOutcome:
        headers = self._xml_headers(credentials)
        outcome = BatchOutcome(sent=0)
        for path, body, root_name in (
            (PATH_AVAILABILITY, build_avail_notif(ota_hotel_id, batch), "OTA_HotelAvailNotifRS"),
            (PATH_RATES, build_rate_amount_notif(ota_hotel_id, batch), "OTA_HotelRateAmountNotifRS"),
        ):
            if body is None:
                continue
            outcome.sent += 1
            try:
                root = self._post_document(path, root_name, body, PUSH, ota_hotel_id, headers)
            except OtaError as exc:
                if outcome.accepted == 0:
                    raise
                # The availability message went through; report the rates message's failure.
                outcome.errors.append(exc.to_sync_error())
                outcome.stop = exc.kind in (ErrorKind.AUTHENTICATION, ErrorKind.PROTOCOL) or exc.retryable
                break
            outcome.accepted += 1
            outcome.warnings.extend(self._warnings(root))
        return outcome


def read_reservations(
    reader: XmlReader, root: Element, items_path: str, *, kind: str, options: ReadOptions
) -> tuple[list[OtaReservation], list[SyncError]]:
    """Every reservation of a document; one that cannot be read becomes an item error naming the field."""
    root_status = root.get("ResStatus")
    at = items_path.rsplit("/", 1)[-1]
    reservations: list[OtaReservation] = []
    errors: list[SyncError] = []
    for index, item in enumerate(reader.findall(root, items_path)):
        try:
            reservations.append(
                read_hotel_reservation(
                    reader, item, at=f"{at}[{index + 1}]", kind=kind, root_status=root_status, options=options
                )
            )
        except (MissingField, InvalidField) as exc:
            errors.append(exc.to_sync_error())
    return reservations, errors


# --- message builders (pure; the conformance tests validate their output against the XSDs) ----------


def _root(tag: str) -> Element:
    return element(tag, {"Version": OTA_VERSION, "TimeStamp": _now(), "EchoToken": None})


def build_avail_notif(hotel_code: str, batch: Sequence[AriUpdate]) -> bytes | None:
    """``OTA_HotelAvailNotifRQ`` for the availability and restriction values of ``batch``."""
    root = _root("OTA_HotelAvailNotifRQ")
    messages = element("AvailStatusMessages", {"HotelCode": hotel_code}, parent=root)
    count = 0

    def message(update: AriUpdate, *, room_level: bool, booking_limit: int | None = None) -> Element:
        nonlocal count
        count += 1
        node = element("AvailStatusMessage", {"BookingLimit": booking_limit}, parent=messages)
        element(
            "StatusApplicationControl",
            {
                "Start": update.start,
                "End": update.end,
                "InvTypeCode": update.ota_room_id,
                "RatePlanCode": None if room_level else update.ota_rate_plan_id,
            },
            parent=node,
        )
        return node

    for update in batch:
        if update.availability is not None:
            message(update, room_level=True, booking_limit=update.availability)
        if update.min_los is not None or update.max_los is not None:
            node = message(update, room_level=False)
            lengths = element("LengthsOfStay", parent=node)
            for value, kind in ((update.min_los, "SetMinLOS"), (update.max_los, "SetMaxLOS")):
                if value is not None:
                    element(
                        "LengthOfStay",
                        {"Time": value, "TimeUnit": "Day", "MinMaxMessageType": kind},
                        parent=lengths,
                    )
        for flag, restriction in (
            (update.stop_sell, "Master"),
            (update.closed_to_arrival, "Arrival"),
            (update.closed_to_departure, "Departure"),
        ):
            if flag is not None:
                node = message(update, room_level=update.ota_rate_plan_id is None)
                element(
                    "RestrictionStatus",
                    {"Restriction": restriction, "Status": "Close" if flag else "Open"},
                    parent=node,
                )
    return to_bytes(root, namespace=OTA_NS) if count else None


def build_rate_amount_notif(hotel_code: str, batch: Sequence[AriUpdate]) -> bytes | None:
    """``OTA_HotelRateAmountNotifRQ`` for the rates of ``batch`` (one BaseByGuestAmt per range)."""
    priced = [update for update in batch if update.rate is not None and update.ota_rate_plan_id]
    if not priced:
        return None
    root = _root("OTA_HotelRateAmountNotifRQ")
    messages = element("RateAmountMessages", {"HotelCode": hotel_code}, parent=root)
    for update in priced:
        node = element("RateAmountMessage", parent=messages)
        element(
            "StatusApplicationControl",
            {
                "Start": update.start,
                "End": update.end,
                "InvTypeCode": update.ota_room_id,
                "RatePlanCode": update.ota_rate_plan_id,
            },
            parent=node,
        )
        rates = element("Rates", parent=node)
        rate = element("Rate", parent=rates)
        amounts = element("BaseByGuestAmts", parent=rate)
        element(
            "BaseByGuestAmt",
            {"AmountAfterTax": update.rate, "CurrencyCode": update.currency},
            parent=amounts,
        )
    return to_bytes(root, namespace=OTA_NS)


def build_acknowledgement(new: bool, items: Sequence[tuple[str, str]]) -> bytes:
    """``OTA_HotelResNotifRS`` (new) or ``OTA_HotelResModifyNotifRS`` (modified/cancelled) listing
    ``HotelReservationID[@ResID_Value, @ResID_Date]`` for each processed revision."""
    root = _root("OTA_HotelResNotifRS" if new else "OTA_HotelResModifyNotifRS")
    element("Success", parent=root)
    container = element("HotelReservations" if new else "HotelResModifies", parent=root)
    for reservation_id, revision_time in items:
        item = element("HotelReservation" if new else "HotelResModify", parent=container)
        info = element("ResGlobalInfo", parent=item)
        ids = element("HotelReservationIDs", parent=info)
        element(
            "HotelReservationID",
            {"ResID_Type": "14", "ResID_Value": reservation_id, "ResID_Date": _as_datetime(revision_time)},
            parent=ids,
        )
    return to_bytes(root, namespace=OTA_NS)


def _as_datetime(raw: str) -> str:
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return raw


__all__ = [
    "OTA_NS",
    "BookingComAdapter",
    "build_acknowledgement",
    "build_avail_notif",
    "build_rate_amount_notif",
]
