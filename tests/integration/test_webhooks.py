"""POST /webhooks/{ota}: authenticated, idempotent, answers fast, enqueues a sync on the real
(moto) sync-jobs queue; and the simulators notify our receiver over real HTTP."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from chalicelib.aws import clients
from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import SYNC_JOBS_QUEUE
from chalicelib.db.models import WebhookReceipt
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.ota import webhooks
from chalicelib.services import webhook_service
from tests.factories import Identity, body_of
from tests.ota_factories import make_account, make_connection, make_property
from tests.support.app_logs import captured_app_logs
from tests.support.live_api import live_api

AGODA_SECRET = "agoda-hint-secret-9f8e7d"
BDC_SECRET = "bdc-hmac-secret-1a2b3c4d"


def drain_sync_jobs() -> list[dict[str, Any]]:
    """Every message on sync-jobs now (received and deleted)."""
    sqs = clients.sqs()
    url = queue_url(SYNC_JOBS_QUEUE)
    bodies: list[dict[str, Any]] = []
    while True:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not found:
            return bodies
        for message in found:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def hotels(aws: object, identity: Identity) -> dict[str, int]:
    """An Agoda and a Booking.com connection (each account with its webhook secret), one property each."""
    agoda_hotel = make_property("VN")
    agoda_account = make_account(
        "VN", ota="agoda", credentials={"api_key": "agoda-api-key-1", "webhook_secret": AGODA_SECRET}
    )
    make_connection(agoda_hotel, agoda_account, "226110")
    bdc_hotel = make_property("VN")
    bdc_account = make_account(
        "VN",
        ota="booking_com",
        credentials={"username": "u", "password": "p", "webhook_secret": BDC_SECRET},
    )
    make_connection(bdc_hotel, bdc_account, "1234567")
    return {"agoda": agoda_hotel.id, "booking_com": bdc_hotel.id}


def agoda_hint(booking_id: str = "6593078", status: str = "ConfirmBooking", property_id: str = "226110") -> bytes:
    return (
        f'<request timestamp="{int(time.time() * 1000)}"><property id="{property_id}"><bookings>'
        f'<booking booking_id="{booking_id}" booking_date="2026-11-21T10:00:00+07:00" '
        f'last_action="2026-11-21T10:00:05+07:00" arrival="2026-12-01" departure="2026-12-03" status="{status}"/>'
        "</bookings></property></request>"
    ).encode()


def post_agoda(identity: Identity, body: bytes, secret: str | None = AGODA_SECRET) -> Any:
    headers = {"Content-Type": "application/xml"}
    if secret is not None:
        headers[webhooks.SHARED_SECRET_HEADER] = secret
    return identity.client.http.post("/webhooks/agoda", headers=headers, body=body)


def bdc_notification(notification_id: str = "ntf-1", hotel_id: str = "1234567", **extra: Any) -> bytes:
    body = {
        "id": notification_id,
        "event": "reservation.created",
        "hotel_id": hotel_id,
        "reservation_id": "4000000001",
        **extra,
    }
    return json.dumps(body).encode()


def post_bdc(
    identity: Identity,
    body: bytes,
    *,
    secret: str = BDC_SECRET,
    timestamp: int | None = None,
    signature: str | None = None,
    omit: tuple[str, ...] = (),
) -> Any:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/json",
        webhooks.TIMESTAMP_HEADER: stamp,
        webhooks.SIGNATURE_HEADER: signature or webhooks.signature_for(secret, stamp, body),
    }
    for name in omit:
        headers.pop(name)
    return identity.client.http.post("/webhooks/booking_com", headers=headers, body=body)


def receipts() -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(WebhookReceipt)) or 0)


# --- Agoda BookingHint ----------------------------------------------------------------------------------


def test_agoda_hint_with_the_right_secret_enqueues_one_webhook_sync_of_the_property(
    hotels: dict[str, int], identity: Identity
) -> None:
    response = post_agoda(identity, agoda_hint())
    assert response.status_code == 202, response.body
    assert b"<success>enqueued</success>" in response.body
    jobs = drain_sync_jobs()
    assert [(j["property_id"], j["trigger"], j["kind"]) for j in jobs] == [
        (hotels["agoda"], "webhook", "property_sync")
    ]
    assert "6593078" in jobs[0]["hint"]


def test_the_same_hint_twice_enqueues_once_and_a_later_change_enqueues_again(
    hotels: dict[str, int], identity: Identity
) -> None:
    assert post_agoda(identity, agoda_hint()).status_code == 202
    repeat = post_agoda(identity, agoda_hint())  # Agoda's retry: a new timestamp, the same facts
    assert repeat.status_code == 202 and b"<success>duplicate</success>" in repeat.body
    assert len(drain_sync_jobs()) == 1
    # Control: a genuinely new notification (the booking was amended) is not swallowed.
    assert post_agoda(identity, agoda_hint(status="AmendBooking")).status_code == 202
    assert len(drain_sync_jobs()) == 1
    assert receipts() == 2


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", AGODA_SECRET + "x"])
def test_agoda_hint_without_the_right_secret_is_401_and_enqueues_nothing(
    hotels: dict[str, int], identity: Identity, secret: str | None
) -> None:
    with captured_app_logs() as logs:
        response = post_agoda(identity, agoda_hint(), secret=secret)
    assert response.status_code == 401, response.body
    assert body_of(response)["error"]["code"] == "webhook_unauthenticated"
    assert drain_sync_jobs() == []
    assert receipts() == 0
    assert AGODA_SECRET not in logs() and AGODA_SECRET not in response.body.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"<request", "body"),
        (
            b'<request timestamp="1"><property id="226110"><bookings/></property></request>',
            "request/property/bookings/booking",
        ),
        (agoda_hint(status="Maybe"), "request/property/bookings/booking[0]@status"),
    ],
    # Ids without the bodies: one holds a timestamp, and every xdist worker must collect the same ids.
    ids=["truncated", "no-booking", "unknown-status"],
)
def test_malformed_hint_is_400_naming_the_field_and_enqueues_nothing(
    hotels: dict[str, int], identity: Identity, body: bytes, field: str
) -> None:
    response = post_agoda(identity, body)
    assert response.status_code == 400, response.body
    error = body_of(response)["error"]
    assert error["code"] == "malformed_notification"
    assert error["details"][0]["field"] == field
    assert drain_sync_jobs() == []


def test_a_hint_naming_two_hotels_enqueues_both_and_a_foreign_secret_refuses_all(
    aws: object, identity: Identity
) -> None:
    account = make_account("VN", ota="agoda", credentials={"api_key": "k1", "webhook_secret": AGODA_SECRET})
    first, second = make_property("VN"), make_property("VN")
    make_connection(first, account, "111")
    make_connection(second, account, "222")
    other = make_account("VN", ota="agoda", credentials={"api_key": "k2", "webhook_secret": "another-secret-00"})
    make_connection(make_property("VN"), other, "333")

    def two(hotel_b: str) -> bytes:
        return agoda_hint(property_id="111").replace(
            b"</property></request>",
            b'</property><property id="' + hotel_b.encode() + b'"><bookings><booking booking_id="77" '
            b'last_action="x" status="CancelBooking"/></bookings></property></request>',
        )

    response = post_agoda(identity, two("222"))
    assert response.status_code == 202 and b"enqueued" in response.body
    assert sorted(j["property_id"] for j in drain_sync_jobs()) == sorted([first.id, second.id])
    # A hotel of another account (whose secret this is not) makes the whole hint 401: nothing queued.
    refused = post_agoda(identity, two("333").replace(b'booking_id="6593078"', b'booking_id="6593079"'))
    assert refused.status_code == 401
    assert drain_sync_jobs() == []


def test_an_oversized_body_is_400_and_enqueues_nothing(hotels: dict[str, int], identity: Identity) -> None:
    padding = b"<!--" + b"x" * webhooks.MAX_WEBHOOK_BODY_BYTES + b"-->"
    response = post_agoda(identity, agoda_hint().replace(b"<bookings>", b"<bookings>" + padding))
    assert response.status_code == 400
    assert body_of(response)["error"]["details"][0]["field"] == "body"
    assert drain_sync_jobs() == []


def test_unknown_hotel_is_accepted_and_ignored(hotels: dict[str, int], identity: Identity) -> None:
    response = post_agoda(identity, agoda_hint(property_id="999999"))
    assert response.status_code == 202 and b"<success>ignored</success>" in response.body
    assert drain_sync_jobs() == []


def test_an_inactive_connection_is_ignored(aws: object, identity: Identity) -> None:
    hotel = make_property("VN")
    account = make_account("VN", ota="agoda", credentials={"api_key": "k1", "webhook_secret": AGODA_SECRET})
    make_connection(hotel, account, "226110", is_active=False)
    response = post_agoda(identity, agoda_hint())
    assert response.status_code == 202 and b"ignored" in response.body
    assert drain_sync_jobs() == []


def test_unknown_ota_is_404(hotels: dict[str, int], identity: Identity) -> None:
    for ota in ("traveloka", "nowhere"):  # Expedia pushes bookings: tests/integration/test_expedia_push.py
        response = identity.client.http.post(
            f"/webhooks/{ota}", headers={"Content-Type": "application/json"}, body=b"{}"
        )
        assert response.status_code == 404, (ota, response.body)
    assert drain_sync_jobs() == []


# --- Booking.com-style signed JSON ---------------------------------------------------------------------------


def test_signed_notification_enqueues_a_webhook_sync(hotels: dict[str, int], identity: Identity) -> None:
    response = post_bdc(identity, bdc_notification())
    assert response.status_code == 202, response.body
    assert body_of(response) == {"status": "enqueued", "reason": None}
    assert [(j["property_id"], j["trigger"]) for j in drain_sync_jobs()] == [(hotels["booking_com"], "webhook")]


def test_same_notification_id_twice_enqueues_once(hotels: dict[str, int], identity: Identity) -> None:
    assert body_of(post_bdc(identity, bdc_notification("ntf-7")))["status"] == "enqueued"
    assert body_of(post_bdc(identity, bdc_notification("ntf-7")))["status"] == "duplicate"
    assert len(drain_sync_jobs()) == 1
    assert body_of(post_bdc(identity, bdc_notification("ntf-8")))["status"] == "enqueued"  # control
    assert len(drain_sync_jobs()) == 1


@pytest.mark.parametrize(
    "case",
    ["wrong_secret", "bad_signature", "missing_signature", "missing_timestamp", "too_old", "from_the_future"],
)
def test_signed_notification_refused_with_401(hotels: dict[str, int], identity: Identity, case: str) -> None:
    body = bdc_notification()
    now = int(time.time())
    window = webhooks.SIGNATURE_TOLERANCE_SECONDS
    with captured_app_logs() as logs:
        response = {
            "wrong_secret": lambda: post_bdc(identity, body, secret="not-the-secret"),
            "bad_signature": lambda: post_bdc(identity, body, signature="sha256=" + "0" * 64),
            "missing_signature": lambda: post_bdc(identity, body, omit=(webhooks.SIGNATURE_HEADER,)),
            "missing_timestamp": lambda: post_bdc(identity, body, omit=(webhooks.TIMESTAMP_HEADER,)),
            # A captured request replayed after the window: correctly signed, but stale.
            "too_old": lambda: post_bdc(identity, body, timestamp=now - window - 60),
            "from_the_future": lambda: post_bdc(identity, body, timestamp=now + window + 60),
        }[case]()
    assert response.status_code == 401, response.body
    assert body_of(response)["error"]["code"] == "webhook_unauthenticated"
    assert drain_sync_jobs() == [] and receipts() == 0
    assert BDC_SECRET not in logs() and "sha256=" not in logs()


def test_malformed_signed_notification_is_400_naming_the_field(hotels: dict[str, int], identity: Identity) -> None:
    body = json.dumps({"id": "ntf-9", "event": "reservation.created"}).encode()
    response = post_bdc(identity, body)
    assert response.status_code == 400
    assert body_of(response)["error"]["details"][0]["field"] == "body.hotel_id"
    assert drain_sync_jobs() == []


def test_a_queue_failure_answers_503_and_the_retry_gets_through(
    hotels: dict[str, int], identity: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.aws.queues import SendResult

    with monkeypatch.context() as patched:
        patched.setattr(
            webhook_service.sync_jobs, "enqueue_property_syncs", lambda *a, **k: SendResult(0, ["x: refused"])
        )
        assert post_bdc(identity, bdc_notification("ntf-r")).status_code == 503
        assert receipts() == 0  # rolled back with the failed send
    assert body_of(post_bdc(identity, bdc_notification("ntf-r")))["status"] == "enqueued"
    assert len(drain_sync_jobs()) == 1


def test_receipts_older_than_the_retention_are_purged(hotels: dict[str, int], identity: Identity) -> None:
    from datetime import UTC, datetime

    post_bdc(identity, bdc_notification("ntf-old"))
    assert webhook_service.purge_receipts(now=datetime.now(UTC)) == {"purged": 0}
    later = datetime.now(UTC) + webhook_service.RECEIPT_RETENTION + webhook_service.RECEIPT_RETENTION / 10
    assert webhook_service.purge_receipts(now=later) == {"purged": 1}
    assert receipts() == 0


# --- the simulators notify our receiver over real HTTP -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api_url(identity: Identity) -> Iterator[str]:
    """The app served over real HTTP by the local API server, as `make run` serves it; one per
    test (tests/support/live_api.py), so no server outlives the settings it was started with."""
    with live_api() as url:
        yield url


def _wait_for(predicate: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


@pytest.mark.parametrize(
    ("ota", "hotel_id", "secret"), [("agoda", "226110", AGODA_SECRET), ("booking_com", "1234567", BDC_SECRET)]
)
def test_a_reservation_on_the_simulator_notifies_our_receiver_which_enqueues_a_sync(
    hotels: dict[str, int], api_url: str, ota: str, hotel_id: str, secret: str
) -> None:
    from local.simulators import SIMULATORS
    from local.simulators.client import SimulatorClient
    from local.simulators.core import Hotel, RatePlan, Room

    simulator = SIMULATORS[ota](port=0).start()
    control = SimulatorClient(simulator.url)
    try:
        simulator.add_hotel(Hotel(hotel_id, rooms=[Room("DLX", rate_plans=[RatePlan("BAR")])]))
        control.set_webhook(f"{api_url}/webhooks/{ota}", secret, attempts=3, retry_delay_seconds=0.2)
        revision = control.create_reservation(
            hotel_id=hotel_id, room_id="DLX", rate_plan_id="BAR", check_in="2026-12-01", check_out="2026-12-03"
        )
        deliveries = _wait_for(lambda: control.webhook()["deliveries"])
        assert [(d["reservation_id"], d["status"]) for d in deliveries] == [(revision["reservation_id"], 202)]
        jobs = _wait_for(drain_sync_jobs)
        assert [(j["property_id"], j["trigger"]) for j in jobs] == [(hotels[ota], "webhook")]
        assert "secret" not in json.dumps(control.webhook())
    finally:
        control.close()
        simulator.stop()


def test_the_simulator_retries_a_failed_delivery(hotels: dict[str, int], api_url: str) -> None:
    from local.simulators import SIMULATORS
    from local.simulators.client import SimulatorClient
    from local.simulators.core import Hotel, RatePlan, Room

    simulator = SIMULATORS["booking_com"](port=0).start()
    control = SimulatorClient(simulator.url)
    try:
        simulator.add_hotel(Hotel("1234567", rooms=[Room("DLX", rate_plans=[RatePlan("BAR")])]))
        # First a receiver that is down, then ours: the retry reaches it.
        dead = f"http://127.0.0.1:{_free_port()}/webhooks/booking_com"
        control.set_webhook(dead, BDC_SECRET, attempts=2, retry_delay_seconds=0.1)
        control.create_reservation(
            hotel_id="1234567", room_id="DLX", rate_plan_id="BAR", check_in="2026-12-01", check_out="2026-12-02"
        )
        failed = _wait_for(lambda: len(control.webhook()["deliveries"]) == 2 and control.webhook()["deliveries"])
        assert [d["attempt"] for d in failed] == [1, 2] and all(d["status"] is None for d in failed)
        assert drain_sync_jobs() == []
        control.set_webhook(f"{api_url}/webhooks/booking_com", "wrong-secret", attempts=2, retry_delay_seconds=0.1)
        control.create_reservation(
            hotel_id="1234567", room_id="DLX", rate_plan_id="BAR", check_in="2026-12-05", check_out="2026-12-06"
        )
        deliveries = _wait_for(lambda: len(control.webhook()["deliveries"]) == 4 and control.webhook()["deliveries"])
        assert [d["status"] for d in deliveries[2:]] == [401, 401]  # refused, retried, refused again
        assert drain_sync_jobs() == []
    finally:
        control.close()
        simulator.stop()


# --- concurrency ------------------------------------------------------------------------------------------------


def _race(body: bytes, headers: dict[str, str], senders: int) -> list[str]:
    """``senders`` threads deliver the same notification at the same moment, straight to the service."""
    import threading

    barrier = threading.Barrier(senders)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait(10)
            outcomes.append(webhook_service.receive("booking_com", body, headers=headers).status)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return outcomes


def _signed_headers(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        webhooks.TIMESTAMP_HEADER: stamp,
        webhooks.SIGNATURE_HEADER: webhooks.signature_for(BDC_SECRET, stamp, body),
    }


def test_the_same_notification_delivered_concurrently_enqueues_once(
    hotels: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = bdc_notification("ntf-race")
    outcomes = _race(body, _signed_headers(body), senders=8)
    assert sorted(outcomes) == ["duplicate"] * 7 + ["enqueued"]
    assert len(drain_sync_jobs()) == 1

    # Negative control: without the receipt the same race enqueues many jobs (so the test can see it).
    from chalicelib.db.repositories import webhooks as webhook_repository

    monkeypatch.setattr(webhook_repository, "claim_receipt", lambda *args, **kwargs: True)
    body = bdc_notification("ntf-race-2")
    outcomes = _race(body, _signed_headers(body), senders=8)
    assert outcomes.count("enqueued") == 8
    assert len(drain_sync_jobs()) == 8


def test_staff_set_the_webhook_secret_with_the_account_credentials(aws: object, identity: Identity) -> None:
    from tests.integration.ota.api_support import OtaApi

    api = OtaApi(identity, identity.headers(role="OTA Operator", country="VN"))
    account = api.create_account(
        "agoda", credentials={"api_key": "agoda-key-1", "webhook_secret": AGODA_SECRET}, base_url="http://127.0.0.1:9"
    )
    assert account["credentials_mask"] == {"api_key": "***", "webhook_secret": "***"}
    hotel = make_property("VN")
    connection = api.post(
        "/ota-connections", {"property_id": hotel.id, "ota_account_id": account["id"], "ota_hotel_id": "226110"}
    )
    assert connection.status == 201, connection.body
    assert post_agoda(identity, agoda_hint()).status_code == 202
    assert [j["property_id"] for j in drain_sync_jobs()] == [hotel.id]
    # Credentials are replaced as a whole: leaving the webhook secret out removes it.
    replaced = api.patch(f"/ota-accounts/{account['id']}", {"credentials": {"api_key": "agoda-key-2"}})
    assert replaced.status == 200, replaced.body
    refused = post_agoda(identity, agoda_hint(status="AmendBooking"))
    assert refused.status_code == 401
    assert "No webhook secret is configured" in body_of(refused)["error"]["message"]
