"""A lean empty poll: a job reads the property's connections, credentials and settings in the
statement that takes the lease, writes its connections' empty-poll counters (no run row) in the
statement that gives the lease up, and makes no KMS call once the data key is cached."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update

from chalicelib.aws import clients
from chalicelib.db.engine import get_engine
from chalicelib.db.models import OtaConnection, SyncRun
from chalicelib.db.repositories import leases as lease_repository
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.leases import property_sync_lease
from chalicelib.services import property_sync_service
from tests.integration.sync.conftest import Sims, connect_property, fast_options, job, stored_reservations

OTAS = ("booking_com", "agoda")


class Statements:
    """Every SQL statement the engine sends (a cursor execute; BEGIN and COMMIT are not ones)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.sql.append(statement)


@contextmanager
def counted() -> Iterator[Statements]:
    statements = Statements()
    engine = get_engine()
    event.listen(engine, "before_cursor_execute", statements)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", statements)


@contextmanager
def kms_decrypts() -> Iterator[list[str]]:
    calls: list[str] = []
    kms = clients.kms()

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(params.get("KeyId", ""))

    kms.meta.events.register("provide-client-params.kms.Decrypt", record)
    try:
        yield calls
    finally:
        kms.meta.events.unregister("provide-client-params.kms.Decrypt", record)


def empty_polls(property_id: int) -> dict[int, int]:
    with unit_of_work() as uow:
        rows = uow.session.execute(
            select(OtaConnection.id, OtaConnection.empty_polls).where(OtaConnection.property_id == property_id)
        )
        return {row[0]: row[1] for row in rows}


def run_rows(property_id: int) -> int:
    with unit_of_work() as uow:
        return len(uow.session.scalars(select(SyncRun).where(SyncRun.property_id == property_id)).all())


def test_an_empty_poll_reads_once_and_writes_one_row_per_connection(database_url: str, aws: object, sims: Sims) -> None:
    hotel = connect_property(sims, OTAS)
    source = property_sync_service.default_adapter_source(fast_options())  # the worker's, with its key cache
    # Given a first poll (nothing waiting at either OTA), which unwraps each account's data key once
    property_sync_service.sync_property(job(hotel.id), adapter_source=source)
    assert set(empty_polls(hotel.id).values()) == {1}
    assert run_rows(hotel.id) == 0  # nothing happened: no run row

    # When the property is polled again with nothing new
    with counted() as statements, kms_decrypts() as decrypts:
        outcome = property_sync_service.sync_property(job(hotel.id), adapter_source=source)

    # Then two statements: the lease taken with the read of connections + credentials + settings,
    # and the one ending the pass: every connection's empty poll (its counter and next poll)
    # written with the lease's release; no run row, no KMS call
    assert [c.status for c in outcome.connections] == ["ok", "ok"]
    assert len(statements.sql) == 2, statements.sql
    start, end = statements.sql
    assert "INSERT INTO leases" in start and "FROM ota_connections" in start and "UPDATE ota_connections" not in start
    assert "UPDATE ota_connections" in end and "DELETE FROM leases" in end and "INSERT" not in end
    assert decrypts == []
    assert set(empty_polls(hotel.id).values()) == {2}
    assert run_rows(hotel.id) == 0

    # Negative control: a poll that brings a reservation costs more, and writes its run row
    reservation_id = sims.book("agoda", offset=12)
    with counted() as busy:
        property_sync_service.sync_property(job(hotel.id), adapter_source=source)
    assert stored_reservations(hotel.id) == {("agoda", reservation_id): 1}
    assert len(busy.sql) > len(statements.sql) + 5
    assert run_rows(hotel.id) == 1
    assert empty_polls(hotel.id)[hotel.connections["agoda"]] == 2  # not counted as empty


def test_a_scheduled_job_pulls_only_the_connections_it_names(database_url: str, aws: object, sims: Sims) -> None:
    hotel = connect_property(sims, OTAS)
    source = property_sync_service.default_adapter_source(fast_options())
    scheduled = job(hotel.id).model_copy(update={"connection_ids": [hotel.connections["booking_com"]]})
    outcome = property_sync_service.sync_property(scheduled, adapter_source=source)
    assert [c.connection_id for c in outcome.connections] == [hotel.connections["booking_com"]]
    assert empty_polls(hotel.id) == {hotel.connections["booking_com"]: 1, hotel.connections["agoda"]: 0}
    # ...while a job naming none (a webhook, "sync now") pulls them all
    property_sync_service.sync_property(job(hotel.id, "webhook"), adapter_source=source)
    assert empty_polls(hotel.id) == {hotel.connections["booking_com"]: 2, hotel.connections["agoda"]: 1}


def test_a_scheduled_pull_after_a_failure_is_left_to_the_backoff(database_url: str, aws: object, sims: Sims) -> None:
    hotel = connect_property(sims, ("agoda",))
    connection_id = hotel.connections["agoda"]
    source = property_sync_service.default_adapter_source(fast_options())
    scheduled = job(hotel.id).model_copy(update={"connection_ids": [connection_id]})
    # Given the connection failed after this job was scheduled (its backoff now decides)
    with unit_of_work() as uow:
        connection = uow.session.get_one(OtaConnection, connection_id)
        connection.consecutive_failures, connection.last_error_at = 1, scheduled.enqueued_at + timedelta(seconds=1)
    # Then the scheduled pull is dropped...
    assert property_sync_service.sync_property(scheduled, adapter_source=source).connections == []
    # ...but not a pull someone asked for (negative control: same state, a webhook's job)
    asked = job(hotel.id, "webhook").model_copy(update={"connection_ids": [connection_id]})
    (pulled,) = property_sync_service.sync_property(asked, adapter_source=source).connections
    assert pulled.status == "ok"


def test_the_accounts_shared_budget_costs_one_statement_per_paced_request(
    database_url: str, aws: object, sims: Sims
) -> None:
    hotel = connect_property(sims, OTAS)
    # The worker's adapters with the default budget: Agoda's account is paced through PostgreSQL,
    # Booking.com's per-hotel interval stays in the process
    source = property_sync_service.default_adapter_source(replace(fast_options(), budget=None))
    property_sync_service.sync_property(job(hotel.id), adapter_source=source)
    with counted() as statements:
        outcome = property_sync_service.sync_property(job(hotel.id), adapter_source=source)
    assert [c.status for c in outcome.connections] == ["ok", "ok"]
    slots = [s for s in statements.sql if "ota_account_budgets" in s]
    assert len(slots) == 1  # Agoda's one request; Booking.com's pull takes none
    assert len(statements.sql) == 2 + len(slots), statements.sql


def test_the_read_that_comes_with_the_lease_happens_only_when_the_lease_is_taken(
    database_url: str, aws: object, sims: Sims
) -> None:
    hotel = connect_property(sims, OTAS)
    lease = property_sync_lease(hotel.id)
    read = ota_repository.property_sync_read()
    params = {ota_repository.SYNC_PROPERTY_ID: hotel.id}
    with unit_of_work() as uow:
        rows = lease_repository.take_lease_and_read(uow.session, lease, "first", 60, read, params)
    assert rows is not None
    assert sorted(row["connection_id"] for row in rows) == sorted(hotel.connections.values())
    # Another holder finds the lease taken: nothing read, nothing taken
    with unit_of_work() as uow:
        assert lease_repository.take_lease_and_read(uow.session, lease, "second", 60, read, params) is None
    # A property with no active connection: the lease is still taken (renewed here), nothing to read
    with unit_of_work() as uow:
        uow.session.execute(update(OtaConnection).where(OtaConnection.property_id == hotel.id).values(is_active=False))
    with unit_of_work() as uow:
        assert lease_repository.take_lease_and_read(uow.session, lease, "first", 60, read, params) == []
    with unit_of_work() as uow:
        assert not lease_repository.take_lease(uow.session, lease, "second", 60)
