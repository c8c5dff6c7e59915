"""The live fan-out's rules, with the connections and the sender passed in (no sockets, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.aws.live_sockets import ConnectionGone, SocketSendFailed
from chalicelib.aws.notifications import NotificationFailed
from chalicelib.domain.access import CountryScope
from chalicelib.domain.live import LiveEvent, LiveEventType, scope_countries, scope_of
from chalicelib.services.live_service import fan_out

EVENT = LiveEvent(LiveEventType.BOOKING_CREATED, 42, 7, "VN", datetime(2026, 12, 4, 23, 0, tzinfo=UTC)).message()


class Sockets:
    """Connections that answer as told: ``gone`` ones 410, ``failing`` ones another error."""

    def __init__(self, *, gone: frozenset[str] = frozenset(), failing: frozenset[str] = frozenset()) -> None:
        self.gone, self.failing = gone, failing
        self.sent: dict[str, bytes] = {}
        self.forgotten: list[str] = []

    def send(self, connection_id: str, data: bytes) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        if connection_id in self.failing:
            raise SocketSendFailed("post_to_connection failed: ClientError LimitExceededException")
        self.sent[connection_id] = data

    def forget(self, connection_ids: list[str]) -> None:
        self.forgotten.extend(connection_ids)


def test_the_message_carries_ids_only() -> None:
    assert EVENT == {
        "type": "booking.created",
        "id": 42,
        "property_id": 7,
        "country_code": "VN",
        "at": "2026-12-04T23:00:00+00:00",
    }


def test_every_recipient_gets_the_message_and_gone_connections_are_forgotten() -> None:
    sockets = Sockets(gone=frozenset({"b"}), failing=frozenset({"c"}))
    asked: list[str | None] = []

    def recipients(country: str | None) -> list[str]:
        asked.append(country)
        return ["a", "b", "c", "d"]

    outcome = fan_out(EVENT, recipients=recipients, send=sockets.send, forget=sockets.forget)

    assert asked == ["VN"]
    assert outcome == "sent 2, gone 1, failed 1"
    assert (
        set(sockets.sent) == {"a", "d"}
        and sockets.sent["a"]
        == b'{"type":"booking.created","id":42,"property_id":7,"country_code":"VN","at":"2026-12-04T23:00:00+00:00"}'
    )
    assert sockets.forgotten == ["b"]  # the failing one is kept: it may be back


def test_a_message_no_socket_took_is_retried_by_the_outbox() -> None:
    sockets = Sockets(failing=frozenset({"a", "b"}))
    with pytest.raises(NotificationFailed):
        fan_out(EVENT, recipients=lambda _country: ["a", "b"], send=sockets.send, forget=sockets.forget)
    all_gone = Sockets(gone=frozenset({"a"}))  # every recipient gone is no failure: there is nobody to tell
    assert fan_out(EVENT, recipients=lambda _c: ["a"], send=all_gone.send, forget=all_gone.forget) == (
        "sent 0, gone 1, failed 0"
    )


def test_without_recipients_nothing_is_sent() -> None:
    sockets = Sockets()
    assert fan_out(EVENT, recipients=lambda _c: [], send=sockets.send, forget=sockets.forget) == "no connections"
    assert sockets.sent == {}


def test_a_scope_is_stored_as_sorted_codes_or_none_for_everywhere() -> None:
    assert scope_countries(CountryScope.only("VN", "ID")) == ["ID", "VN"]
    assert scope_countries(CountryScope.everywhere()) is None
    assert scope_of(["VN"]).includes("VN") and not scope_of(["VN"]).includes("ID")
    assert scope_of(None).is_everywhere
