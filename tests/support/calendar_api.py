"""Helpers for the calendar tests: a JSON client for one logged-in caller, records made through the API."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.permissions import Permission
from chalicelib.domain.timezones import today_in_timezone
from tests.factories import Identity, body_of

# Everything the calendar needs, fixed to one country (no COUNTRY_SWITCH: the scope is exactly it).
CALENDAR_STAFF = (
    Permission.PROPERTIES_READ
    | Permission.PROPERTIES_WRITE
    | Permission.INVENTORY_READ
    | Permission.INVENTORY_WRITE
    | Permission.RATES_WRITE
    | Permission.SUPPLIERS_READ
    | Permission.SUPPLIERS_WRITE
)


class Api:
    """HTTP calls of one caller through the real app; each returns (status, JSON body)."""

    def __init__(self, identity: Identity, headers: dict[str, str]) -> None:
        self.identity = identity
        self.headers = headers

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = b"" if body is None else json.dumps(body, default=str).encode()
        response = self.identity.client.http.request(method, path, headers=self.headers, body=payload)
        if response.headers.get("Content-Type", "").startswith("text/csv"):
            return response.status_code, response.body.decode()
        return response.status_code, body_of(response)

    def get(self, path: str) -> tuple[int, Any]:
        return self.call("GET", path)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return self.call("POST", path, body)

    def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return self.call("PATCH", path, body)

    def delete(self, path: str) -> tuple[int, Any]:
        return self.call("DELETE", path)

    def ok(self, method: str, path: str, body: Any = None, status: int | None = None) -> Any:
        code, answer = self.call(method, path, body)
        creates = method == "POST" and "/calendar/" not in path  # previews and bulk updates answer 200
        expected = status or (201 if creates else 204 if method == "DELETE" else 200)
        assert code == expected, f"{method} {path}: {code} {answer}"
        return answer


def staff_api(identity: Identity, country: str = "VN", permissions: Permission = CALENDAR_STAFF) -> Api:
    return Api(identity, identity.headers(permissions=permissions, country=country))


def new_property(api: Api, code: str = "HAN-1", **overrides: Any) -> dict[str, Any]:
    body = {
        "code": code,
        "name": "Hanoi Lakeside",
        "country_code": "VN",
        "timezone": "Asia/Ho_Chi_Minh",
        "currency": "VND",
        "city": "Hanoi",
        **overrides,
    }
    return api.ok("POST", "/properties", body)  # type: ignore[no-any-return]


def new_room_type(api: Api, property_id: int, code: str = "DLX", **overrides: Any) -> dict[str, Any]:
    body = {"code": code, "name": f"Room {code}", "total_rooms": 10, "base_rate": "1000000", **overrides}
    return api.ok("POST", f"/properties/{property_id}/room-types", body)  # type: ignore[no-any-return]


def property_today(timezone: str = "Asia/Ho_Chi_Minh") -> date:
    return today_in_timezone(datetime.now().astimezone(), timezone)


def nights_from(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]


def book_rooms(room_type_id: int, nights: Iterable[date], sold: int) -> None:
    """Stand-in for the booking service (issue 5): rooms sold on some nights, version bumped."""
    with unit_of_work() as uow:
        for night in nights:
            uow.session.execute(
                text(
                    "UPDATE inventory_days SET sold = :sold, version = version + 1 "
                    "WHERE room_type_id = :room_type_id AND night = :night"
                ),
                {"sold": sold, "room_type_id": room_type_id, "night": night},
            )


def table_count(table: str, where: str = "TRUE", **params: Any) -> int:
    with unit_of_work() as uow:
        return int(uow.session.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"), params).scalar_one())


def cells(room_type_id: int, first: date, last: date) -> list[dict[str, Any]]:
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text(
                "SELECT * FROM inventory_days WHERE room_type_id = :rt AND night BETWEEN :first AND :last ORDER BY night"
            ),
            {"rt": room_type_id, "first": first, "last": last},
        ).mappings()
        return [dict(row) for row in rows]
