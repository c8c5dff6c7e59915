"""Live updates end to end: tickets over the API, real sockets on the local WebSocket emulator,
events written in the business transaction and fanned out by the outbox relay after commit.

Waits are bounded (10 s per message) and nothing is asserted on time.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from chalicelib.aws import clients
from chalicelib.config import reset_settings
from chalicelib.db.models import Alert, LiveConnection, LiveTicket, OtaConnection, OutboxMessage, User
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.live import LIVE_TOPIC
from chalicelib.domain.sync_runs import SyncRunKind, SyncRunRecord, SyncRunStatus, SyncRunTrigger
from chalicelib.services import alert_service, live_events, live_service
from local.live_server import LiveServer
from tests.booking_factories import direct_booking_record, make_caller, overbooking_alert_record
from tests.factories import Identity, body_of
from tests.ota_factories import ota_connection_record

WAIT = 10.0


@pytest.fixture
def live(identity: Identity, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    from app import app

    server = LiveServer(app).start()
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    reset_settings()
    clients.reset_clients()
    yield server
    server.stop()
    reset_settings()


def _ticket(identity: Identity, headers: dict[str, str]) -> dict[str, Any]:
    response = identity.client.http.post("/live/ticket", headers=headers)
    assert response.status_code == 201, response.body
    return dict(body_of(response))


def _open(identity: Identity, role: str, country: str | None) -> ClientConnection:
    ticket = _ticket(identity, identity.headers(role, country))
    return connect(f"{ticket['url']}?ticket={ticket['ticket']}", open_timeout=WAIT)


def _next(socket: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(socket.recv(timeout=WAIT)))


def _next_about_alert(socket: ClientConnection, alert_id: int) -> tuple[str, int, str | None]:
    """The next message about alert ``alert_id`` (messages about other records skipped)."""
    while True:
        message = _next(socket)
        if message["type"].startswith("alert.") and message["id"] == alert_id:
            return message["type"], message["id"], message["country_code"]


def _until(socket: ClientConnection, kind: str, record_id: int) -> dict[str, Any]:
    """Messages until the one of ``kind`` about ``record_id`` (earlier ones of the same commit skipped)."""
    while True:
        message = _next(socket)
        if (message["type"], message["id"]) == (kind, record_id):
            return message


def _wait_published() -> None:
    """Until every live outbox row is published: the relay has posted to every recipient by then."""
    deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
    while datetime.now(UTC) < deadline:
        with unit_of_work() as uow:
            pending = uow.session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.topic == LIVE_TOPIC, OutboxMessage.published_at.is_(None))
            ).all()
        if not pending:
            return
        time.sleep(0.05)
    raise AssertionError(f"live outbox rows still unpublished: {pending}")


def test_a_booking_reaches_the_sockets_of_its_country_only(identity: Identity, live: LiveServer) -> None:
    vn_socket = _open(identity, "Reservations Staff", "VN")
    id_socket = _open(identity, "Reservations Staff", "ID")
    with vn_socket, id_socket:
        vn_booking = direct_booking_record("VN")

        message = _until(vn_socket, "booking.created", vn_booking)
        assert message["country_code"] == "VN" and message["property_id"] > 0
        assert set(message) == {"type", "id", "property_id", "country_code", "at"}
        _wait_published()
        # The VN fan-out is over; had the ID socket been a recipient, its message would come first.
        id_booking = direct_booking_record("ID")
        first = _next(id_socket)
        assert (first["type"], first["id"], first["country_code"]) == ("booking.created", id_booking, "ID")


def test_without_the_scope_filter_the_other_country_would_hear_it(identity: Identity, live: LiveServer) -> None:
    """Negative control: the same fan-out with every connection as recipient reaches the ID socket,
    so the scope filter is what keeps it away in the test above."""
    id_socket = _open(identity, "Reservations Staff", "ID")
    with id_socket:
        event = {"type": "booking.created", "id": 1, "property_id": 1, "country_code": "VN", "at": "x"}
        assert live_service.fan_out(event) == "no connections"  # the real filter: nobody hears VN

        def everyone(_country: str | None) -> list[str]:
            with unit_of_work() as uow:
                return list(uow.session.scalars(select(LiveConnection.connection_id)))

        live_service.fan_out(event, recipients=everyone)
        assert _next(id_socket)["country_code"] == "VN"


def test_an_all_countries_user_hears_every_country(identity: Identity, live: LiveServer) -> None:
    manager_socket = _open(identity, "Property Manager", "VN")  # may switch: sees every country
    with manager_socket:
        id_booking = direct_booking_record("ID")
        assert _until(manager_socket, "booking.created", id_booking)["country_code"] == "ID"


def test_an_alert_raised_and_each_change_of_its_state_reach_the_socket(identity: Identity, live: LiveServer) -> None:
    headers = identity.headers("Reservations Staff", "VN")
    ticket = _ticket(identity, headers)
    with connect(f"{ticket['url']}?ticket={ticket['ticket']}", open_timeout=WAIT) as socket:
        alert_id = overbooking_alert_record("VN")
        assert _until(socket, "alert.raised", alert_id)["country_code"] == "VN"

        response = identity.client.http.post(f"/alerts/{alert_id}/acknowledge", headers=headers)
        assert response.status_code == 200, response.body
        assert _next_about_alert(socket, alert_id) == ("alert.changed", alert_id, "VN")

        until = datetime.now(UTC) + timedelta(hours=1)
        body = json.dumps({"until": until.isoformat()})
        response = identity.client.http.post(f"/alerts/{alert_id}/snooze", headers=headers, body=body)
        assert response.status_code == 200, response.body
        assert _next_about_alert(socket, alert_id) == ("alert.changed", alert_id, "VN")

        assert alert_service.wake_snoozed(until + timedelta(minutes=1)) == {"alerts_woken": 1}
        assert _next_about_alert(socket, alert_id) == ("alert.changed", alert_id, "VN")

        with unit_of_work() as uow:  # the system resolves it (as the sync alerts do when a condition ends)
            dedupe_key = uow.session.scalar(select(Alert.dedupe_key).where(Alert.id == alert_id))
            assert live_events.resolve_alerts(uow.session, [dedupe_key], datetime.now(UTC), "over") == 1
        assert _next_about_alert(socket, alert_id) == ("alert.changed", alert_id, "VN")


def test_a_failed_sync_run_reaches_the_socket(identity: Identity, live: LiveServer) -> None:
    connection_id = ota_connection_record(None, "VN")
    with unit_of_work() as uow:
        connection = uow.session.get(OtaConnection, connection_id)
        assert connection is not None
        property_id = connection.property_id
    socket = _open(identity, "Reservations Staff", "VN")
    with socket:
        moment = datetime.now(UTC)
        ok_run, failed_run = (
            SyncRunRecord(
                connection_id=connection_id,
                property_id=property_id,
                kind=SyncRunKind.PULL,
                trigger=SyncRunTrigger.SCHEDULE,
                status=status,
                started_at=moment,
                finished_at=moment,
                duration_ms=1,
                counts={},
            )
            for status in (SyncRunStatus.OK, SyncRunStatus.FAILED)
        )
        with unit_of_work() as uow:
            live_events.record_sync_run(uow.session, ok_run)  # a successful run is no live event
        with unit_of_work() as uow:
            run_id = live_events.record_sync_run(uow.session, failed_run)
        first = _next(socket)
        assert (first["type"], first["id"], first["property_id"]) == ("sync.failed", run_id, property_id)


def test_a_ticket_opens_one_socket_once_and_only_before_it_expires(identity: Identity, live: LiveServer) -> None:
    headers = identity.headers("Reservations Staff", "VN")
    ticket = _ticket(identity, headers)
    assert ticket["url"] == live.url
    with unit_of_work() as uow:
        stored = uow.session.scalars(select(LiveTicket.ticket_hash)).all()
    assert ticket["ticket"] not in stored and len(stored) == 1  # only its hash is kept

    with connect(f"{live.url}?ticket={ticket['ticket']}", open_timeout=WAIT):
        pass
    refused = []
    caller = make_caller("Reservations Staff", "VN")
    expired = live_service.issue_ticket(caller, now=datetime.now(UTC) - timedelta(seconds=61))
    for query in (
        f"?ticket={ticket['ticket']}",  # spent
        f"?ticket={expired.ticket}",  # expired
        f"?ticket={uuid.uuid4().hex}",  # forged
        "",  # none
    ):
        with pytest.raises(InvalidStatus) as refusal:
            connect(f"{live.url}{query}", open_timeout=WAIT)
        refused.append(refusal.value.response.status_code)
    assert refused == [401, 401, 401, 401]
    fresh = live_service.issue_ticket(caller)  # control: the same caller's unspent, unexpired ticket opens
    with connect(f"{live.url}?ticket={fresh.ticket}", open_timeout=WAIT):
        pass


def test_the_ticket_route_needs_a_signed_in_user(identity: Identity, live: LiveServer) -> None:
    assert identity.client.http.post("/live/ticket").status_code == 401


def test_a_gone_connection_is_forgotten_and_a_closed_one_removed(identity: Identity, live: LiveServer) -> None:
    socket = _open(identity, "Reservations Staff", "VN")
    with unit_of_work() as uow:
        (open_id,) = uow.session.scalars(select(LiveConnection.connection_id)).all()
        # A connection whose $disconnect never arrived: API Gateway answers 410 for it.
        user_id = uow.session.scalar(select(LiveConnection.user_id))
        uow.session.add(LiveConnection(connection_id="gone-connection=", user_id=user_id, countries=["VN"]))
    with socket:
        booking = direct_booking_record("VN")
        _until(socket, "booking.created", booking)
        _wait_published()
        with unit_of_work() as uow:
            assert uow.session.scalars(select(LiveConnection.connection_id)).all() == [open_id]
    # Closing the socket runs the $disconnect handler, which deletes the row.
    deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
    remaining = [open_id]
    while remaining and datetime.now(UTC) < deadline:
        with unit_of_work() as uow:
            remaining = list(uow.session.scalars(select(LiveConnection.connection_id)))
        time.sleep(0.05)
    assert remaining == []


def test_no_ticket_reaches_a_log(identity: Identity, live: LiveServer, capfd: pytest.CaptureFixture[str]) -> None:
    """The connect handler (as Lambda runs it) and the emulator log nothing of the query string."""
    from app import app
    from local.event_runner import LocalLambdaContext
    from local.live_server import websocket_event

    headers = identity.headers("Reservations Staff", "VN")
    accepted, refused, forged = (_ticket(identity, headers)["ticket"] for _ in range(3))
    capfd.readouterr()
    handler = app.handler_map["live_connect"]
    answers = [
        handler(websocket_event("$connect", f"conn-{n}=", query={"ticket": t}), LocalLambdaContext("live_connect"))
        for n, t in enumerate((accepted, accepted))
    ]
    assert [answer["statusCode"] for answer in answers] == [200, 401]  # the second use is refused
    with connect(f"{live.url}?ticket={refused}", open_timeout=WAIT):
        pass
    with pytest.raises(InvalidStatus):
        connect(f"{live.url}?ticket={forged}x", open_timeout=WAIT)
    captured = capfd.readouterr()
    logged = captured.out + captured.err
    for ticket in (accepted, refused, forged):
        assert ticket not in logged


def test_a_disabled_user_hears_nothing_more(identity: Identity, live: LiveServer) -> None:
    colleague = _open(identity, "Reservations Staff", "VN")
    user = identity.user("Reservations Staff", "VN")
    ticket = _ticket(identity, identity.login(user).headers)
    with colleague, connect(f"{ticket['url']}?ticket={ticket['ticket']}", open_timeout=WAIT) as socket:
        with unit_of_work() as uow:
            uow.session.execute(update(User).where(User.id == user.id).values(is_active=False))
        while_disabled = direct_booking_record("VN")
        _until(colleague, "booking.created", while_disabled)
        _wait_published()
        with unit_of_work() as uow:  # control: enabled again, the same socket hears the next one
            uow.session.execute(update(User).where(User.id == user.id).values(is_active=True))
        enabled_again = direct_booking_record("VN")
        assert _next(socket)["id"] == enabled_again
