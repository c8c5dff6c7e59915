"""Traveloka simulator for OUR JSON contract (documented in ``chalicelib/ota/traveloka.py``).

Traveloka publishes no supply-side specification; this simulator and that adapter implement the
same assumed contract and are replaced together when a real one exists.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from local.simulators.core import Reply, Request, Revision, Simulator

MAX_UPDATES = 500
MAX_RANGE_DAYS = 366
MAX_DAYS_AHEAD = 730
PAGE_MAX = 100
_KNOWN_KEYS = {
    "room_id",
    "rate_plan_id",
    "from",
    "to",
    "availability",
    "stop_sell",
    "closed_to_arrival",
    "min_stay",
    "rate",
}


def _json(status: int, payload: Any) -> Reply:
    return Reply(status=status, body=json.dumps(payload).encode(), content_type="application/json")


def _error(status: int, code: str, message: str) -> Reply:
    return _json(status, {"error": {"code": code, "message": message}})


class TravelokaSimulator(Simulator):
    ota: ClassVar[str] = "traveloka"
    default_credentials: ClassVar[dict[str, str]] = {"api_key": "tvlk-key-0123456789"}
    reservation_id_start: ClassVar[int] = 900_000

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requests_per_second = 5.0

    def reset(self) -> None:
        super().reset()
        self._snapshot: list[Revision] = []

    def new_reservation_id(self) -> str:
        return "TVL-" + super().new_reservation_id()

    def _parts(self, request: Request) -> list[str]:
        return [part for part in request.path.split("/") if part]

    def operation_of(self, request: Request) -> str:
        parts = self._parts(request)
        if parts[:2] != ["v1", "hotels"]:
            return "other"
        if len(parts) >= 4 and parts[3] == "booking-revisions":
            return "ack" if parts[-1] == "ack" else "reservations"
        if len(parts) == 4 and parts[3] == "ari":
            return "ari"
        return "discovery"

    def payload_fault(self, kind: str, request: Request, operation: str) -> Reply:
        if kind in ("billion_laughs", "external_entity"):
            # Not JSON at all: an XML bomb where JSON was promised.
            return super().payload_fault(kind, request, operation)
        good = self.handle_protocol(request, operation).body
        if kind == "truncated":
            return Reply(body=good[: max(len(good) // 2, 5)], content_type="application/json")
        return Reply(body=b'{"revisions": [{"booking_id": "TVL-1",', content_type="application/json")

    def handle_protocol(self, request: Request, operation: str) -> Reply:
        if operation == "other":
            return _error(404, "not_found", "no such endpoint")
        key = request.headers.get("x-api-key", "")
        if not secrets.compare_digest(key, self.credentials.get("api_key", "\0")):
            return _error(401, "unauthorized", "invalid API key")
        parts = self._parts(request)
        try:
            if len(parts) == 2 and request.method == "GET":
                return self._hotels(request)
            hotel = self.hotels.get(parts[2])
            if hotel is None:
                return _error(404, "hotel_not_found", f"hotel {parts[2]} is not accessible with this key")
            if len(parts) == 4 and parts[3] == "rooms" and request.method == "GET":
                return _json(
                    200,
                    {
                        "hotel_id": hotel.hotel_id,
                        "name": hotel.name,
                        "rooms": [
                            {
                                "room_id": room.room_id,
                                "name": room.name,
                                "rate_plans": [
                                    {"rate_plan_id": p.rate_plan_id, "name": p.name} for p in room.rate_plans
                                ],
                            }
                            for room in hotel.rooms
                        ],
                    },
                )
            if operation == "reservations" and request.method == "GET":
                return self._feed(request, hotel.hotel_id)
            if operation == "ack" and request.method == "POST":
                return self._ack(request, hotel.hotel_id)
            if operation == "ari" and request.method == "POST":
                return self._ari(request, hotel.hotel_id)
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            return _error(422, "invalid_request", f"{type(exc).__name__}: {exc}")
        return _error(405, "method_not_allowed", f"{request.method} {request.path}")

    def _hotels(self, request: Request) -> Reply:
        hotels = sorted(self.hotels.values(), key=lambda h: h.hotel_id)
        offset = int(request.query.get("page_token") or 0)
        page = hotels[offset : offset + 20]
        next_token = str(offset + 20) if offset + 20 < len(hotels) else None
        return _json(
            200, {"hotels": [{"hotel_id": h.hotel_id, "name": h.name} for h in page], "next_page_token": next_token}
        )

    def _feed(self, request: Request, hotel_id: str) -> Reply:
        wait = self.poll_too_soon(hotel_id)
        if wait is not None:
            return Reply(status=429, headers={"Retry-After": str(max(1, round(wait)))}, content_type="application/json")
        limit = min(int(request.query.get("limit") or PAGE_MAX), PAGE_MAX)
        offset = int(request.query.get("page_token") or 0)
        if offset == 0:
            self._snapshot = self.pending(hotel_id)
        pending = self._snapshot
        page = pending[offset : offset + limit]
        drop_field = self.take_fault("missing_field", "reservations") is not None
        revisions = [self._revision_json(revision, drop_field and index == 0) for index, revision in enumerate(page)]
        next_token = str(offset + limit) if offset + limit < len(pending) else None
        return _json(200, {"revisions": revisions, "next_page_token": next_token})

    def _revision_json(self, revision: Revision, drop_check_in: bool) -> dict[str, Any]:
        stay = revision.stay
        room: dict[str, Any] = {
            "room_id": stay.room_id,
            "rate_plan_id": stay.rate_plan_id,
            "check_in": stay.check_in.isoformat(),
            "check_out": stay.check_out.isoformat(),
            "adults": stay.adults,
            "children": stay.children,
            "guest_name": f"{stay.guest.first_name} {stay.guest.last_name}",
            "nightly_rates": [{"date": n.isoformat(), "amount": format(stay.nightly_rate, "f")} for n in stay.nights],
        }
        if drop_check_in:
            del room["check_in"]
        return {
            "revision_id": revision.seq,
            "booking_id": revision.reservation_id,
            "hotel_id": revision.hotel_id,
            "type": revision.action,
            "status": "cancelled" if revision.action == "cancel" else "confirmed",
            "created_at": revision.booked_at.isoformat(),
            "updated_at": revision.at.isoformat(),
            "channel": "traveloka_app",
            "guest": {
                "first_name": stay.guest.first_name,
                "last_name": stay.guest.last_name,
                "email": stay.guest.email,
                "phone": stay.guest.phone,
            },
            "rooms": [room],
            "total": {"amount": format(stay.total, "f"), "currency": stay.currency},
            "confirmation_code": f"TV{revision.seq:06d}",
        }

    def _ack(self, request: Request, hotel_id: str) -> Reply:
        payload = json.loads(request.body or b"{}")
        wanted = {int(r) for r in payload["revision_ids"]}
        with self.lock:
            known = {r.seq for r in self.revisions if r.hotel_id == hotel_id}
        done = self.acknowledge(lambda r: r.seq in wanted and r.hotel_id == hotel_id)
        done_ids = sorted({r.seq for r in done} | (wanted & known))
        return _json(200, {"acknowledged": done_ids, "unknown": sorted(wanted - known)})

    def _ari(self, request: Request, hotel_id: str) -> Reply:
        payload = json.loads(request.body or b"{}", parse_float=Decimal)
        updates = payload["updates"]
        if not isinstance(updates, list) or not updates:
            return _error(422, "invalid_request", "updates must be a non-empty list")
        if len(updates) > MAX_UPDATES:
            return _error(422, "too_many_updates", f"at most {MAX_UPDATES} updates per request")
        error = self.take_fault("ota_error", "ari")
        if error is not None:
            self.note_ari_message("ari", request.body, "error")
            return _error(422, error.code or "rejected", "simulated Traveloka rejection")
        hotel = self.hotels[hotel_id]
        today = datetime.now(UTC).date()
        partial = self.take_fault("partial_success", "ari") is not None
        problems: list[dict[str, Any]] = []
        accepted = 0
        for index, update in enumerate(updates):
            if not isinstance(update, dict):
                problems.append({"index": index, "code": "invalid_field", "message": "an update must be an object"})
                continue
            unknown = set(update) - _KNOWN_KEYS
            if unknown:
                problems.append({"index": index, "code": "unsupported_field", "message": f"unknown {sorted(unknown)}"})
                continue
            try:
                start, end, values = _update_values(update)
            except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
                # A field it cannot apply refuses that update with a protocol error, never a crash.
                problems.append({"index": index, "code": "invalid_field", "message": f"{type(exc).__name__}: {exc}"})
                continue
            if end > today + timedelta(days=MAX_DAYS_AHEAD) or (end - start).days + 1 > MAX_RANGE_DAYS or end < start:
                problems.append({"index": index, "code": "bad_dates", "message": f"{start}..{end} is not accepted"})
                continue
            room = hotel.room(str(update.get("room_id")))
            plan_id = update.get("rate_plan_id")
            if room is None or (plan_id and plan_id not in {p.rate_plan_id for p in room.rate_plans}):
                problems.append(
                    {"index": index, "code": "unknown_room", "message": f"room {update.get('room_id')}/{plan_id}"}
                )
                continue
            if partial and index == 0:
                problems.append({"index": index, "code": "simulated", "message": "simulated partial failure"})
                continue
            self.record_ari(hotel_id, room.room_id, plan_id, start, end, values)
            accepted += 1
        self.note_ari_message("ari", request.body, "partial" if problems else "accepted")
        if problems and not accepted:
            return _json(422, {"error": {"code": "rejected", "message": "no update accepted"}, "errors": problems})
        return _json(207 if problems else 200, {"accepted": accepted, "errors": problems})


def _whole(value: Any, name: str, low: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number ≥ {low}")
    return value


def _flag(value: Any, name: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def _update_values(update: dict[str, Any]) -> tuple[date, date, dict[str, Any]]:
    """The dates and values of one ARI update, each checked (our JSON contract)."""
    start, end = date.fromisoformat(str(update["from"])), date.fromisoformat(str(update["to"]))
    values: dict[str, Any] = {
        "availability": _whole(update.get("availability"), "availability", 0),
        "stop_sell": _flag(update.get("stop_sell"), "stop_sell"),
        "closed_to_arrival": _flag(update.get("closed_to_arrival"), "closed_to_arrival"),
        "min_los": _whole(update.get("min_stay"), "min_stay", 1),
    }
    if update.get("rate") is not None:
        amount = Decimal(str(update["rate"]["amount"]))
        if not amount.is_finite() or amount < 0:
            raise ValueError("rate.amount must be an amount")
        values["rate"] = amount
        values["currency"] = str(update["rate"]["currency"])
    return start, end, values
