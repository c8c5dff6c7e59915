"""The connection's push lease: no transaction or lock is held while the OTA is called, a busy
connection fails the message (SQS retries it), an expired lease is taken over, and a failed push
frees its lease."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from chalicelib.db.engine import get_engine
from chalicelib.db.models import AriChangeRecord, Lease
from chalicelib.db.repositories import leases as lease_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ari_push import id_ranges
from chalicelib.domain.leases import ari_push_lease
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.ota.base import AdapterOptions, OtaAdapter
from chalicelib.services import ari_push_service, booking_service, ota_access
from chalicelib.services.ari_relay import AriPushMessage
from tests.booking_factories import ota_request
from tests.integration.sync_push.conftest import FAST, PushWorld


def open_transactions_and_locks() -> tuple[int, int]:
    """(other sessions of this database idle in a transaction, advisory locks held), seen from a
    fresh connection of the app's engine."""
    with get_engine().connect() as connection:
        idle = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
            )
        ).scalar_one()
        advisory = connection.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar_one()
        return int(idle), int(advisory)


def spy_on_push_ari(monkeypatch: pytest.MonkeyPatch, before_call: Any) -> None:
    """Every adapter the worker builds runs ``before_call()`` right before each ``push_ari``."""
    real_build = ota_access.build_account_adapter

    def build(
        endpoint: ota_access.AccountEndpoint, *, options: AdapterOptions | None = None, vault: Any = None
    ) -> OtaAdapter:
        adapter = real_build(endpoint, options=options, vault=vault)
        real_push = adapter.push_ari

        def push_ari(hotel_id: str, updates: Sequence[Any]) -> Any:
            before_call()
            return real_push(hotel_id, updates)

        adapter.push_ari = push_ari  # type: ignore[method-assign]
        return adapter

    monkeypatch.setattr(ota_access, "build_account_adapter", build)


def pending_message(world: PushWorld, ota: str, reservation: str, first: int) -> AriPushMessage:
    booking_service.ingest_ota_reservation(
        ota_request(world.hotel, reservation, "1", first=first, nights=2, ota=OtaCode.AGODA)
    )
    with unit_of_work() as uow:
        rows = list(uow.session.scalars(select(AriChangeRecord.id).order_by(AriChangeRecord.id)))
    return AriPushMessage(
        connection_id=world.connections[ota], property_id=world.hotel.property_id, ranges=id_ranges(rows)
    )


def lease_of(connection_id: int) -> tuple[str | None, object]:
    """(holder, expiry) of the connection's push lease; (None, None) when nobody holds it."""
    with unit_of_work() as uow:
        row = uow.session.execute(
            select(Lease.holder, Lease.expires_at).where(Lease.resource == ari_push_lease(connection_id))
        ).first()
        return (row[0], row[1]) if row is not None else (None, None)


def test_no_transaction_or_lock_is_open_while_the_ota_is_called(
    push_world: PushWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Negative control: the probe does see a transaction left open by this process
    with unit_of_work() as uow:
        uow.session.execute(text("SELECT 1"))
        assert open_transactions_and_locks()[0] == 1
        uow.session.execute(select(func.pg_advisory_xact_lock(99, 1)))
        assert open_transactions_and_locks() == (1, 1)
    assert open_transactions_and_locks() == (0, 0)

    seen: list[tuple[int, int]] = []
    spy_on_push_ari(monkeypatch, lambda: seen.append(open_transactions_and_locks()))
    # Given a full push and a change push of one connection
    connection_id = push_world.connections["agoda"]
    ari_push_service.enqueue_full_push(connection_id, push_world.hotel.property_id)
    push_world.drain()
    report = ari_push_service.push(pending_message(push_world, "agoda", "T-1", 5), options=FAST)
    # Then the OTA was called twice, each time with no transaction nor lock open anywhere
    assert report.status == "ok" and report.updates == 1
    assert seen == [(0, 0), (0, 0)]
    # ...and the lease was held during the call but is free now
    assert lease_of(connection_id)[0] is None


def test_a_connection_leased_by_another_worker_fails_the_message_until_the_lease_is_free(
    push_world: PushWorld,
) -> None:
    push_world.full_push_all()
    connection_id = push_world.connections["expedia"]
    message = pending_message(push_world, "expedia", "B-1", 7)
    before = len(push_world.ari_messages("expedia"))
    # Given another worker holding the connection's lease
    with unit_of_work() as uow:
        assert lease_repository.take_lease(uow.session, ari_push_lease(connection_id), "other-worker", 120)
    with unit_of_work() as uow:  # a second owner cannot take it, the holder can renew it
        assert not lease_repository.take_lease(uow.session, ari_push_lease(connection_id), "me", 120)
        assert lease_repository.take_lease(uow.session, ari_push_lease(connection_id), "other-worker", 120)
    # When the worker gets the message, it waits, then fails it (SQS redelivers) without sending
    with pytest.raises(ari_push_service.ConnectionBusy):
        ari_push_service.push(message, options=FAST, lease_wait_seconds=0.5)
    assert issubclass(ari_push_service.ConnectionBusy, ari_push_service.AriPushFailed)
    assert len(push_world.ari_messages("expedia")) == before
    assert lease_of(connection_id)[0] == "other-worker"
    # When the holder died and its lease expired, the next delivery takes it over and pushes
    with unit_of_work() as uow:
        uow.session.execute(
            update(Lease)
            .where(Lease.resource == ari_push_lease(connection_id))
            .values(expires_at=func.now() - timedelta(seconds=1))
        )
    report = ari_push_service.push(message, options=FAST, lease_wait_seconds=0)
    assert report.status == "ok" and report.updates == 1
    assert len(push_world.ari_messages("expedia")) > before
    assert lease_of(connection_id) == (None, None)


def test_a_failed_push_releases_the_lease(push_world: PushWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    push_world.full_push_all()
    connection_id = push_world.connections["traveloka"]
    message = pending_message(push_world, "traveloka", "R-1", 11)
    # Given the OTA refusing (the push is recorded as failed) ...
    push_world.controls["traveloka"].add_fault("http_error", count=2, operation="ari", status=503)
    report = ari_push_service.push(message, options=FAST, lease_wait_seconds=0)
    assert report.status == "failed"
    assert lease_of(connection_id) == (None, None)

    # ... or the call blowing up inside the worker
    def explode() -> None:
        assert lease_of(connection_id)[0] is not None  # held during the call
        raise RuntimeError("adapter bug")

    spy_on_push_ari(monkeypatch, explode)
    with pytest.raises(RuntimeError, match="adapter bug"):
        ari_push_service.push(message, options=FAST, lease_wait_seconds=0)
    # Then the lease is free at once: the next delivery does not wait for it to expire
    assert lease_of(connection_id) == (None, None)
    monkeypatch.undo()
    report = ari_push_service.push(message, options=FAST, lease_wait_seconds=0)
    assert report.status == "ok" and report.updates == 1
