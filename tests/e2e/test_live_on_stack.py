"""Live updates on `make run`'s stack: the ready line names the WebSocket, a demo user's socket
hears a booking made over HTTP in its country, and a user of another country does not."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

from websockets.sync.client import ClientConnection, connect

from local.demo_seed import DEMO_PASSWORD
from tests.e2e.conftest import RunningStack
from tests.support import http


def _headers(base: str, email: str) -> dict[str, str]:
    login = http.post(f"{base}/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=30)
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _socket(base: str, headers: dict[str, str], ready_url: str) -> ClientConnection:
    ticket = http.post(f"{base}/live/ticket", headers=headers, timeout=10)
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["url"] == ready_url
    return connect(f"{ticket.json()['url']}?ticket={ticket.json()['ticket']}", open_timeout=10)


def _book(base: str, headers: dict[str, str], nights_ahead: int) -> int:
    properties = http.get(f"{base}/properties", headers=headers, timeout=10).json()["items"]
    hotel = properties[0]["id"]
    room_type = http.get(f"{base}/properties/{hotel}/room-types", headers=headers, timeout=10).json()[0]["id"]
    check_in = date.today() + timedelta(days=nights_ahead)
    body = {
        "property_id": hotel,
        "guest_name": "Live Guest",
        "lines": [
            {"room_type_id": room_type, "check_in": check_in.isoformat(), "check_out": str(check_in + timedelta(1))}
        ],
    }
    created = http.post(f"{base}/bookings", headers=headers, json=body, timeout=30)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _next(socket: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(socket.recv(timeout=10)))


def test_a_booking_over_http_reaches_the_sockets_of_its_country(local_stack: RunningStack) -> None:
    base = local_stack.base_url
    ready = local_stack.wait_for_line("stack        ready in")
    found = re.search(r"live (ws://\S+)", ready)
    assert found, ready
    vn = _headers(base, "reservations.vn@demo.ptx-cm.local")
    indonesia = _headers(base, "reservations.id@demo.ptx-cm.local")
    with _socket(base, vn, found.group(1)) as vn_socket, _socket(base, indonesia, found.group(1)) as id_socket:
        vn_booking = _book(base, vn, 40)
        message = _next(vn_socket)
        while message["id"] != vn_booking:  # the VN hotels' OTA pulls may add bookings of their own
            message = _next(vn_socket)
        assert (message["type"], message["country_code"]) == ("booking.created", "VN")
        # The API answered after its fan-out: had the ID socket heard the VN booking, it would come
        # before the ID booking (OTA pulls may add ID bookings of their own, never VN ones).
        id_booking = _book(base, indonesia, 41)
        heard = [_next(id_socket)]
        while heard[-1]["id"] != id_booking:
            heard.append(_next(id_socket))
        assert {message["country_code"] for message in heard} == {"ID"}
        assert heard[-1]["type"] == "booking.created"
