"""Connections over the API, and what the sync engine gets from them: due connections claimed
once, poll results turned into health and backoff, adapters built from the stored account, and
OTA ids resolved to our room types and rate plans and back."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from chalicelib.db.models import RoomTypeMapping
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.errors import Conflict
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import Acknowledgement
from chalicelib.domain.ota_results import ErrorKind, SyncError
from chalicelib.services import ota_access, ota_connection_service, ota_mapping_service
from tests.integration.ota.api_support import OtaApi, row_count
from tests.integration.ota.conftest import OtaHarness
from tests.ota_factories import make_account, make_connection, make_property, map_rate, map_room

DEFAULT_INTERVAL = 120


def test_a_connection_is_created_due_at_once_and_validated(ota_api: OtaApi) -> None:
    hotel = make_property("VN")
    abroad = make_property("ID")
    account = ota_api.create_account("agoda")
    foreign_account = make_account("ID", ota="expedia", credentials={"username": "u1", "password": "p1"})

    def refused(body: dict[str, object], status: int = 422) -> set[str]:
        answer = ota_api.post("/ota-connections", body)
        assert answer.status == status, answer.body
        return answer.field_errors()

    base = {"property_id": hotel.id, "ota_account_id": account["id"], "ota_hotel_id": "10730279"}
    assert refused({**base, "property_id": abroad.id}) == {"body.property_id"}
    assert refused({**base, "ota_account_id": foreign_account}) == {"body.ota_account_id"}
    assert refused({**base, "poll_interval_seconds": 5}) == {"body.poll_interval_seconds"}
    assert refused({**base, "ota_hotel_id": ""}) == {"body.ota_hotel_id"}
    assert row_count("ota_connections") == 0

    before = datetime.now(UTC)
    created = ota_api.post("/ota-connections", {**base, "poll_interval_seconds": 60})
    assert created.status == 201, created.body
    body = created.body
    assert (body["health"], body["consecutive_failures"], body["is_active"]) == ("ok", 0, True)
    assert before - timedelta(seconds=5) <= datetime.fromisoformat(body["next_poll_at"]) <= datetime.now(UTC)
    assert (body["property_code"], body["ota"], body["country_code"]) == (body["property_code"], "agoda", "VN")

    other_hotel = make_property("VN")
    assert refused({**base, "property_id": other_hotel.id}, 409) == {"body.ota_hotel_id"}
    second_account = ota_api.create_account("agoda", name="second agoda")
    twice = refused({**base, "ota_account_id": second_account["id"], "ota_hotel_id": "555"}, 409)
    assert twice == {"body.property_id"}, "a property is listed once per OTA"


def test_deactivating_takes_a_connection_off_the_schedule(ota_api: OtaApi) -> None:
    account = ota_api.create_account("agoda")
    connection = make_connection(make_property("VN"), account["id"], "10730279")
    off = ota_api.patch(f"/ota-connections/{connection}", {"is_active": False})
    assert off.status == 200 and off.body["next_poll_at"] is None and off.body["is_active"] is False
    assert ota_api.patch(f"/ota-connections/{connection}", {"verify_with_ota": True}).status == 422
    on = ota_api.patch(f"/ota-connections/{connection}", {"is_active": True, "poll_interval_seconds": 45})
    assert on.body["next_poll_at"] is not None and on.body["poll_interval_seconds"] == 45
    cleared = ota_api.patch(f"/ota-connections/{connection}", {"poll_interval_seconds": None})
    assert cleared.body["poll_interval_seconds"] is None
    listed = ota_api.get("/ota-connections", ota="agoda", is_active="true")
    assert [c["id"] for c in listed.body["items"]] == [connection]
    assert ota_api.get("/ota-connections", ota="expedia").body["total"] == 0


def test_a_connection_can_be_verified_with_the_ota(ota_api: OtaApi, expedia: OtaHarness) -> None:
    account = ota_api.create_account(expedia)
    hotel = make_property("VN")
    body = {"property_id": hotel.id, "ota_account_id": account["id"], "verify_with_ota": True}
    unknown = ota_api.post("/ota-connections", {**body, "ota_hotel_id": "999999"})
    assert unknown.status == 422 and unknown.field_errors() == {"body.ota_hotel_id"}
    assert ota_api.post("/ota-connections", {**body, "ota_hotel_id": expedia.hotel_id}).status == 201


def test_staff_see_only_connections_of_their_countrys_properties(ota_api: OtaApi) -> None:
    account = make_account("VN", ota="agoda", credentials={"api_key": "agoda-key-0123456789"})
    home = make_connection(make_property("VN"), account)
    # A regional account may connect a property abroad; that connection belongs to the property's country.
    abroad = make_connection(make_property("ID"), account)
    assert [c["id"] for c in ota_api.get("/ota-connections").body["items"]] == [home]
    assert ota_api.get(f"/ota-connections/{abroad}").status == 404
    manager = ota_api.identity.headers(role="Property Manager", country="ID")
    indonesia = ota_api.as_user({**manager, "X-Country": "ID"})
    assert [c["id"] for c in indonesia.get("/ota-connections").body["items"]] == [abroad]
    assert indonesia.get(f"/ota-accounts/{account}").status == 404  # the account itself stays VN's


# --- the sync engine's side -----------------------------------------------------------------------------


def _set(connection_id: int, **values: object) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    with unit_of_work() as uow:
        uow.session.execute(
            text(f"UPDATE ota_connections SET {assignments} WHERE id = :id"), {**values, "id": connection_id}
        )


def test_due_connections_are_claimed_once_and_pushed_one_interval_ahead(database_url: str, aws: object) -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    account = make_account("VN", ota="agoda", credentials={"api_key": "agoda-key-0123456789"})
    disabled = make_account("VN", ota="expedia", credentials={"username": "u1", "password": "p1"})
    due = make_connection(make_property("VN"), account, "A1", next_poll_at=now - timedelta(seconds=5))
    override = make_connection(make_property("ID"), account, "A2", next_poll_at=now, poll_interval_seconds=30)
    make_connection(make_property("VN"), account, "A3", next_poll_at=now + timedelta(seconds=1))
    make_connection(make_property("VN"), account, "A4", is_active=False, next_poll_at=now)
    make_connection(make_property("VN"), disabled, "E1", next_poll_at=now)
    archived = make_property("VN")
    make_connection(archived, account, "A5", next_poll_at=now)
    with unit_of_work() as uow:
        uow.session.execute(text("UPDATE ota_accounts SET status = 'disabled' WHERE id = :id"), {"id": disabled})
        uow.session.execute(text("UPDATE properties SET status = 'archived' WHERE id = :id"), {"id": archived.id})

    claimed = ota_connection_service.claim_due_connections(default_interval_seconds=DEFAULT_INTERVAL, now=now)

    assert [(t.connection_id, t.ota_hotel_id, t.ota) for t in claimed] == [
        (due, "A1", OtaCode.AGODA),
        (override, "A2", OtaCode.AGODA),
    ]
    assert claimed[1].country_code == "ID" and claimed[0].endpoint.account_id == account
    assert ota_connection_service.claim_due_connections(default_interval_seconds=DEFAULT_INTERVAL, now=now) == []
    with unit_of_work() as uow:
        scheduled = dict(uow.session.execute(text("SELECT id, next_poll_at FROM ota_connections")).all())
    assert scheduled[due] == now + timedelta(seconds=DEFAULT_INTERVAL)
    assert scheduled[override] == now + timedelta(seconds=30)


def test_concurrent_dispatchers_never_claim_the_same_connection(database_url: str, aws: object) -> None:
    now = datetime.now(UTC)
    account = make_account("VN", ota="agoda", credentials={"api_key": "agoda-key-0123456789"})
    hotels = [make_property("VN") for _ in range(30)]
    for number, hotel in enumerate(hotels):
        make_connection(hotel, account, f"H{number}", next_poll_at=now - timedelta(seconds=1))
    claims: list[list[int]] = []
    start = threading.Barrier(4)

    def dispatch() -> None:
        start.wait()
        found = ota_connection_service.claim_due_connections(default_interval_seconds=60, now=now, limit=10)
        claims.append([t.connection_id for t in found])

    workers = [threading.Thread(target=dispatch) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    everything = [connection for claim in claims for connection in claim]
    assert len(everything) == len(set(everything)) == 30


def test_poll_results_drive_health_and_backoff(database_url: str, aws: object) -> None:
    account = make_account("VN", ota="expedia")  # the global interval (Booking.com has its own 20 s)
    connection = make_connection(make_property("VN"), account, "1234567")
    at = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    timeout = SyncError(ota=OtaCode.EXPEDIA, kind=ErrorKind.TIMEOUT, message="Expedia did not answer in 30 s")

    def poll(error: SyncError | None, minutes: int) -> ota_connection_service.ConnectionRecord:
        record = ota_connection_service.record_poll_result(
            connection, polled_at=at + timedelta(minutes=minutes), error=error, default_interval_seconds=60
        )
        assert record is not None
        return record

    first = poll(timeout, 0)
    assert (first.health, first.consecutive_failures, first.last_error) == ("degraded", 1, timeout.message)
    assert first.next_poll_at == at + timedelta(seconds=120) and first.last_success_at is None
    poll(timeout, 1)
    third = poll(timeout, 2)
    assert (third.health, third.consecutive_failures) == ("failing", 3)
    assert third.next_poll_at == at + timedelta(minutes=2, seconds=480)
    recovered = poll(None, 10)
    assert (recovered.health, recovered.consecutive_failures) == ("ok", 0)
    assert recovered.last_success_at == at + timedelta(minutes=10)
    assert recovered.next_poll_at == at + timedelta(minutes=11)
    assert recovered.last_error == timeout.message, "the last error stays visible after recovery"
    refused = SyncError(ota=OtaCode.EXPEDIA, kind=ErrorKind.AUTHENTICATION, message="authentication failed at Expedia")
    assert poll(refused, 11).health == "failing", "credentials refused need a person at once"
    assert (
        ota_connection_service.record_poll_result(999_999, polled_at=at, error=None, default_interval_seconds=60)
        is None
    )


def test_the_engine_pulls_through_a_connection_and_resolves_ota_ids(
    database_url: str, aws: object, ota: OtaHarness
) -> None:
    hotel = make_property("VN", rooms={"DLX": "Deluxe"}, plans={"DLX": {"BAR": "Best Available Rate"}})
    account = make_account("VN", ota=ota.case.code, credentials=dict(ota.case.credentials), base_url=ota.simulator.url)
    connection = make_connection(hotel, account, ota.hotel_id)
    map_room(connection, hotel.room_types["DLX"], "DLX")
    map_rate(connection, hotel.room_types["DLX"], hotel.rate_plans[("DLX", "BAR")], "DLX", "BAR")
    reservation_id = ota.book()

    with ota_access.connection_adapter(connection) as (target, adapter):
        pulled = adapter.pull_reservations(target.ota_hotel_id)
        assert pulled.ok, pulled.errors
        (reservation,) = pulled.reservations
        acked = adapter.acknowledge(target.ota_hotel_id, [Acknowledgement.for_reservation(reservation, "PTX-1")])
        assert acked.ok, acked.errors
        index = ota_mapping_service.mapping_index(target.connection_id)
        room = reservation.rooms[0]
        assert index.room_type_for(room.ota_room_id) == hotel.room_types["DLX"]
        assert index.rate_plan_for(room.ota_room_id, room.ota_rate_plan_id or "") == hotel.rate_plans[("DLX", "BAR")]
        # And back: an ARI change of our rate plan goes to the OTA's room and rate plan.
        ota_room, ota_plan = index.ota_rate_for(hotel.rate_plans[("DLX", "BAR")]) or ("", "")
        tomorrow = date.today() + timedelta(days=1)
        pushed = adapter.push_ari(target.ota_hotel_id, [AriUpdate(ota_room, tomorrow, tomorrow, ota_plan, min_los=2)])
        assert pushed.messages_accepted >= 1, pushed.errors
    assert reservation.reservation_id == reservation_id
    assert ota.simulator.latest(reservation_id).acknowledged
    targets = ota_connection_service.active_connections_for_property(hotel.id)
    assert [t.connection_id for t in targets] == [connection]


def test_a_uniqueness_race_lost_at_insert_is_a_conflict_not_a_server_error(database_url: str, aws: object) -> None:
    hotel = make_property("VN", rooms={"DLX": "Deluxe", "STD": "Standard"})
    connection = make_connection(hotel, make_account("VN"), "1234567")
    map_room(connection, hotel.room_types["DLX"], "DLX")
    # What a concurrent request does after both passed the service's "is it free?" check.
    with pytest.raises(Conflict) as lost, unit_of_work() as uow:
        uow.session.add(
            RoomTypeMapping(connection_id=connection, room_type_id=hotel.room_types["STD"], ota_room_id="DLX")
        )
        ota_repository.flush_or_conflict(uow.session, "mapped meanwhile", field="body.ota_room_id")
    assert lost.value.details == [{"field": "body.ota_room_id", "message": "already used"}]
    assert row_count("room_type_mappings") == 1
