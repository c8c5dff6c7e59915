"""Traveloka: OUR OWN JSON contract, not Traveloka's.

Traveloka publishes no supply-side (channel manager) specification. Until it does, this adapter
speaks a REST/JSON shape we designed and documented here and in the README, with the features
every real OTA interface has; the simulator in ``local/simulators/traveloka.py`` implements the
same contract. Everything Traveloka-specific is in this module, behind the common adapter
protocol, so a real specification replaces this file (and the simulator) and nothing else.

The contract (all JSON, UTF-8; amounts are decimal *strings*; dates ``YYYY-MM-DD``):

- Auth: header ``X-Api-Key: <key>``. Wrong key → 401 ``{"error": {"code": "unauthorized", ...}}``.
- ``GET /v1/hotels`` → ``{"hotels": [{"hotel_id", "name"}], "next_page_token"}`` (discovery
  without ids; paginated by ``?page_token=``).
- ``GET /v1/hotels/{hotel_id}/rooms`` → ``{"hotel_id", "name", "rooms": [{"room_id", "name",
  "rate_plans": [{"rate_plan_id", "name"}]}]}``.
- ``GET /v1/hotels/{hotel_id}/booking-revisions?limit=100&page_token=…`` → ``{"revisions": [...],
  "next_page_token": str|null}``: only revisions not yet acknowledged, oldest first. A revision is
  ``{"revision_id": int (increasing per hotel), "booking_id", "type": "new|modify|cancel",
  "status": "confirmed|cancelled", "created_at", "updated_at", "channel", "guest": {"first_name",
  "last_name", "email", "phone"}, "rooms": [{"room_id", "rate_plan_id", "check_in", "check_out",
  "adults", "children", "guest_name", "nightly_rates": [{"date", "amount"}]}], "total":
  {"amount", "currency"}, "confirmation_code"}``.
- ``POST /v1/hotels/{hotel_id}/booking-revisions/ack`` ``{"revision_ids": [...]}`` →
  ``{"acknowledged": [...], "unknown": [...]}``. Unacknowledged revisions stay in the feed.
- ``POST /v1/hotels/{hotel_id}/ari`` ``{"updates": [{"room_id", "rate_plan_id"|null, "from",
  "to", "availability"?, "stop_sell"?, "closed_to_arrival"?, "min_stay"?, "rate"?: {"amount",
  "currency"}}]}`` → 200 ``{"accepted": n}``, 207 ``{"accepted": n, "errors": [{"index", "code",
  "message"}]}`` (partial), 4xx ``{"error": {"code", "message"}}``.
- Limits (assumed): ≤ 500 ranges per request, ranges ≤ 366 nights, 730 days ahead, 5 requests/s;
  429 with ``Retry-After`` beyond. Closed-to-departure and maximum stay are not in the contract
  (declared unsupported, so pushing them yields warnings).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from urllib.parse import quote

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
    sequence_revision,
)
from chalicelib.domain.ota_results import (
    AckResult,
    DiscoveredHotel,
    DiscoveredRatePlan,
    DiscoveredRoom,
    Discovery,
    ErrorKind,
    PullResult,
    PushWarning,
    SyncError,
)
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

API_KEY_HEADER = "X-Api-Key"
PAGE_LIMIT = 100
MAX_PAGES = 50  # a feed longer than 5000 revisions is finished on the next poll

_ACTIONS = {"new": ReservationAction.NEW, "modify": ReservationAction.MODIFY, "cancel": ReservationAction.CANCEL}


class TravelokaAdapter(BaseAdapter):
    """Traveloka over OUR documented JSON contract (module docstring) until a real spec exists."""

    ota = OtaCode.TRAVELOKA
    unsupported_restrictions = frozenset({Restriction.CLOSED_TO_DEPARTURE, Restriction.MAX_LOS})

    def __init__(
        self, base_url: str, credentials: CredentialsProvider, *, options: AdapterOptions | None = None
    ) -> None:
        super().__init__(base_url, credentials, options=options)

    # -- HTTP -----------------------------------------------------------------------------------------------

    def _json(self, reply: HttpReply, *, allow_partial: bool = False) -> Any:
        if reply.content_type not in ("application/json", ""):
            raise OtaMalformedResponse(self.ota, f"Traveloka answered {reply.content_type!r} where JSON was expected")
        try:
            payload = json.loads(reply.content, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise OtaMalformedResponse(self.ota, "Traveloka sent malformed or truncated JSON") from None
        if reply.status >= 400 or (reply.status == 207 and not allow_partial):
            error = payload.get("error", {}) if isinstance(payload, dict) else {}
            code = str(error.get("code", reply.status)) if isinstance(error, dict) else str(reply.status)
            message = str(error.get("message", "")) if isinstance(error, dict) else ""
            if code == "unauthorized":
                raise OtaAuthenticationFailed(self.ota, message, code=code)
            raise OtaRejected(
                self.ota, f"Traveloka refused the request: {message or 'HTTP ' + str(reply.status)}", code=code
            )
        if not isinstance(payload, dict):
            raise OtaMalformedResponse(self.ota, "Traveloka sent JSON that is not an object")
        return payload

    def _call(
        self,
        method: str,
        path: str,
        credentials: OtaCredentials,
        *,
        operation: str,
        key: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        allow_partial: bool = False,
    ) -> Any:
        content = json.dumps(body, default=_json_default).encode() if body is not None else None
        headers = {API_KEY_HEADER: credentials.require(API_KEY), "Accept": "application/json"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        return self.http.exchange(
            method,
            path,
            operation=operation,
            budget_key=key,
            parse=partial(self._json, allow_partial=allow_partial),
            content=content,
            params=params,
            headers=headers,
        )

    # -- test connection and discovery ------------------------------------------------------------------------

    def _rooms(self, hotel_id: str, credentials: OtaCredentials) -> DiscoveredHotel:
        payload = self._call(
            "GET", f"/v1/hotels/{quote(hotel_id, safe='')}/rooms", credentials, operation=READ, key="account"
        )
        try:
            rooms = tuple(
                DiscoveredRoom(
                    ota_room_id=str(room["room_id"]),
                    name=str(room.get("name", "")),
                    rate_plans=tuple(
                        DiscoveredRatePlan(ota_rate_plan_id=str(plan["rate_plan_id"]), name=str(plan.get("name", "")))
                        for plan in room.get("rate_plans", [])
                    ),
                )
                for room in payload.get("rooms", [])
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MissingField(self.ota, f"Traveloka sent a room list without {exc}", field=f"rooms/{exc}") from None
        return DiscoveredHotel(
            ota_hotel_id=str(payload.get("hotel_id", hotel_id)), name=str(payload.get("name", "")), rooms=rooms
        )

    def _test_connection(self, ota_hotel_id: str | None) -> str:
        credentials = self._credentials()
        if ota_hotel_id:
            hotel = self._rooms(ota_hotel_id, credentials)
            return f"connected to Traveloka: hotel {hotel.ota_hotel_id} ({hotel.name}) with {len(hotel.rooms)} room(s)"
        payload = self._call("GET", "/v1/hotels", credentials, operation=READ, key="account")
        return f"connected to Traveloka: API key accepted ({len(payload.get('hotels', []))} hotel(s))"

    def _discover(self, ota_hotel_ids: tuple[str, ...]) -> Discovery:
        credentials = self._credentials()
        ids = list(ota_hotel_ids)
        if not ids:
            token: str | None = None
            for _ in range(MAX_PAGES):
                params = {"page_token": token} if token else None
                payload = self._call("GET", "/v1/hotels", credentials, operation=READ, key="account", params=params)
                ids.extend(str(hotel["hotel_id"]) for hotel in payload.get("hotels", []) if "hotel_id" in hotel)
                token = payload.get("next_page_token")
                if not token:
                    break
        return self._discover_each(ids, lambda hotel_id: self._rooms(hotel_id, credentials))

    # -- reservations --------------------------------------------------------------------------------------------

    def _pull(self, ota_hotel_id: str) -> PullResult:
        credentials = self._credentials()
        path = f"/v1/hotels/{quote(ota_hotel_id, safe='')}/booking-revisions"
        reservations: list[OtaReservation] = []
        errors: list[SyncError] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            params = {"limit": str(PAGE_LIMIT)}
            if token:
                params["page_token"] = token
            payload = self._call("GET", path, credentials, operation=POLL, key=ota_hotel_id, params=params)
            revisions = payload.get("revisions")
            if not isinstance(revisions, list):
                raise MissingField(self.ota, "Traveloka sent a booking feed without revisions", field="revisions")
            self._map_each(
                revisions,
                lambda revision, index: self._map_revision(revision, ota_hotel_id, index),
                reservations,
                errors,
            )
            token = payload.get("next_page_token")
            if not token:
                break
        del credentials
        return self._pulled(ota_hotel_id, reservations, errors)

    def _map_revision(self, revision: Any, ota_hotel_id: str, index: int) -> OtaReservation:
        at = f"revisions[{index}]"
        if not isinstance(revision, dict):
            raise InvalidField(self.ota, f"Traveloka sent {at} that is not an object", field=at)
        fields = _Fields(self.ota, revision, at, item_id=str(revision.get("booking_id") or "") or None)
        booking_id = fields.text("booking_id")
        fields.item_id = booking_id
        revision_id = fields.integer("revision_id")
        action = _ACTIONS.get(fields.text("type"))
        if action is None:
            raise InvalidField(
                self.ota, f"Traveloka sent {at}.type {revision.get('type')!r}", field=f"{at}.type", item_id=booking_id
            )
        guest_data = fields.mapping("guest")
        guest_fields = _Fields(self.ota, guest_data, f"{at}.guest", item_id=booking_id)
        guest = OtaGuest(
            first_name=str(guest_data.get("first_name") or ""),
            last_name=guest_fields.text("last_name"),
            email=guest_data.get("email") or None,
            phone=guest_data.get("phone") or None,
        )
        rooms_data = revision.get("rooms")
        if not isinstance(rooms_data, list) or (not rooms_data and action is not ReservationAction.CANCEL):
            raise MissingField(
                self.ota, f"Traveloka sent booking {booking_id} without rooms", field=f"{at}.rooms", item_id=booking_id
            )
        rooms = [self._room(room, f"{at}.rooms[{position}]", booking_id) for position, room in enumerate(rooms_data)]
        total = revision.get("total") or {}
        total_fields = _Fields(self.ota, total, f"{at}.total", item_id=booking_id)
        total_amount = total_fields.amount("amount") if total.get("amount") is not None else None
        currency = str(total["currency"]) if total.get("currency") else None
        confirmation = {"traveloka": booking_id}
        if revision.get("confirmation_code"):
            confirmation["traveloka_confirmation"] = str(revision["confirmation_code"])
        return OtaReservation(
            ota=self.ota,
            # The hotel the revision names, when it names one (refused by the sync engine if not ours).
            ota_hotel_id=str(revision.get("hotel_id") or ota_hotel_id),
            reservation_id=booking_id,
            revision=sequence_revision(revision_id),
            action=action,
            status=ReservationStatus.CANCELLED
            if action is ReservationAction.CANCEL or revision.get("status") == "cancelled"
            else ReservationStatus.CONFIRMED,
            booked_at=fields.moment("created_at") if revision.get("created_at") else None,
            modified_at=fields.moment("updated_at") if revision.get("updated_at") else None,
            source=str(revision.get("channel") or "Traveloka"),
            guest=guest,
            rooms=tuple(rooms),
            total_amount=total_amount,
            currency=currency,
            confirmation_numbers=confirmation,
            ota_status=str(revision.get("status") or ""),
            ack_token=str(revision_id),
        )

    def _room(self, room: Any, at: str, booking_id: str) -> OtaRoomStay:
        """One entry of a revision's ``rooms``."""
        room_fields = _Fields(self.ota, room, at, item_id=booking_id)
        check_in = room_fields.day("check_in")
        check_out = room_fields.day("check_out")
        if check_out <= check_in:
            raise InvalidField(
                self.ota,
                f"Traveloka sent booking {booking_id} checking out {check_out} before checking in {check_in}",
                field=f"{at}.check_out",
                item_id=booking_id,
            )
        rates = []
        for rate_index, rate in enumerate(room.get("nightly_rates") or []):
            rate_fields = _Fields(self.ota, rate, f"{at}.nightly_rates[{rate_index}]", booking_id)
            rates.append(NightlyRate(night=rate_fields.day("date"), amount=rate_fields.amount("amount")))
        return OtaRoomStay(
            ota_room_id=room_fields.text("room_id"),
            ota_rate_plan_id=str(room["rate_plan_id"]) if room.get("rate_plan_id") else None,
            check_in=check_in,
            check_out=check_out,
            adults=room_fields.integer("adults"),
            children=int(room.get("children") or 0),
            nightly_rates=tuple(rates),
            guest_name=room.get("guest_name") or None,
        )

    def _acknowledge(self, ota_hotel_id: str, acknowledgements: tuple[Acknowledgement, ...]) -> AckResult:
        revision_ids = []
        errors: list[SyncError] = []
        by_revision: dict[int, str] = {}
        for ack in acknowledgements:
            if not ack.ack_token.isdigit():
                errors.append(self._unknown_ack_token(ack, "acknowledge Traveloka booking"))
                continue
            revision_ids.append(int(ack.ack_token))
            by_revision[int(ack.ack_token)] = ack.reservation_id
        credentials = self._credentials()
        payload = self._call(
            "POST",
            f"/v1/hotels/{quote(ota_hotel_id, safe='')}/booking-revisions/ack",
            credentials,
            operation=ACK,
            key=ota_hotel_id,
            body={"revision_ids": revision_ids},
        )
        del credentials
        acknowledged = [by_revision[int(r)] for r in payload.get("acknowledged", []) if int(r) in by_revision]
        for unknown in payload.get("unknown", []):
            errors.append(
                SyncError(
                    ota=self.ota,
                    kind=ErrorKind.REJECTED,
                    message=f"Traveloka does not know revision {unknown}",
                    item_id=by_revision.get(int(unknown)),
                )
            )
        return AckResult(
            ota=self.ota, ota_hotel_id=ota_hotel_id, acknowledged=tuple(acknowledged), errors=tuple(errors)
        )

    # -- ARI ---------------------------------------------------------------------------------------------------

    def _adapt_updates(self, updates: list[AriUpdate]) -> tuple[list[AriUpdate], list[PushWarning]]:
        return require_rate_plan(self.ota, updates, (Restriction.RATE, Restriction.MIN_LOS))

    def _push_batch(self, ota_hotel_id: str, batch: tuple[AriUpdate, ...], credentials: OtaCredentials) -> BatchOutcome:
        payload = self._call(
            "POST",
            f"/v1/hotels/{quote(ota_hotel_id, safe='')}/ari",
            credentials,
            operation=PUSH,
            key=ota_hotel_id,
            body={"updates": [ari_entry(update) for update in batch]},
            allow_partial=True,
        )
        errors = []
        for problem in payload.get("errors", []) or []:
            index = problem.get("index")
            target = batch[index].describe_target() if isinstance(index, int) and 0 <= index < len(batch) else None
            errors.append(
                SyncError(
                    ota=self.ota,
                    kind=ErrorKind.REJECTED,
                    message=f"Traveloka refused an update: {problem.get('message', '')} (code {problem.get('code')})",
                    code=str(problem.get("code")),
                    item_id=target,
                )
            )
        return BatchOutcome(sent=1, accepted=1, errors=errors)


def ari_entry(update: AriUpdate) -> dict[str, Any]:
    """One range of the ``/ari`` body (keys left out when the update does not carry the value)."""
    entry: dict[str, Any] = {
        "room_id": update.ota_room_id,
        "rate_plan_id": update.ota_rate_plan_id,
        "from": update.start.isoformat(),
        "to": update.end.isoformat(),
    }
    optional = {
        "availability": update.availability,
        "stop_sell": update.stop_sell,
        "closed_to_arrival": update.closed_to_arrival,
        "min_stay": update.min_los,
    }
    entry.update({key: value for key, value in optional.items() if value is not None})
    if update.rate is not None:
        entry["rate"] = {"amount": format(update.rate, "f"), "currency": update.currency}
    return entry


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


class _Fields:
    """Reads required JSON fields, naming the missing/invalid one by its path."""

    def __init__(self, ota: OtaCode, data: Any, at: str, item_id: str | None = None) -> None:
        self.ota = ota
        self.data = data if isinstance(data, dict) else {}
        self.at = at
        self.item_id = item_id

    def _raw(self, name: str) -> Any:
        value = self.data.get(name)
        if value is None or value == "":
            raise MissingField(
                self.ota,
                f"Traveloka sent {self.at} without {name}",
                field=f"{self.at}.{name}",
                item_id=self.item_id,
            )
        return value

    def _invalid(self, name: str, expected: str) -> InvalidField:
        return InvalidField(
            self.ota,
            f"Traveloka sent {self.at}.{name} that is not {expected}",
            field=f"{self.at}.{name}",
            item_id=self.item_id,
        )

    def text(self, name: str) -> str:
        return str(self._raw(name))

    def integer(self, name: str) -> int:
        value = self._raw(name)
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise self._invalid(name, "a whole number")
        return int(value)

    def mapping(self, name: str) -> dict[str, Any]:
        value = self._raw(name)
        if not isinstance(value, dict):
            raise self._invalid(name, "an object")
        return value

    def day(self, name: str) -> date:
        try:
            return date.fromisoformat(str(self._raw(name)))
        except ValueError:
            raise self._invalid(name, "a date") from None

    def moment(self, name: str) -> datetime:
        try:
            return datetime.fromisoformat(str(self._raw(name)).replace("Z", "+00:00"))
        except ValueError:
            raise self._invalid(name, "a date-time") from None

    def amount(self, name: str) -> Decimal:
        raw = self._raw(name)
        if isinstance(raw, float):  # never: parse_float=Decimal; kept as a guard
            raise self._invalid(name, "a decimal string")
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise self._invalid(name, "a decimal amount") from None
        if not value.is_finite():
            raise self._invalid(name, "a decimal amount")
        return value


__all__ = ["API_KEY_HEADER", "TravelokaAdapter", "ari_entry"]
