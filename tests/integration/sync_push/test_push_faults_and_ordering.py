"""Faults during push, SQS redelivery and out-of-order messages: nothing lost, nothing regressed."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import select

from chalicelib.aws.queues import OutgoingMessage, send_messages
from chalicelib.aws.resources import ARI_PUSH_QUEUE
from chalicelib.db.models import AriChangeRecord
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ari_push import id_ranges
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.services import booking_service
from chalicelib.services.ari_relay import AriPushMessage
from tests.booking_factories import ota_request
from tests.integration.sync_push.conftest import OTAS, PushWorld

FAULTS = {
    "http_error": {"status": 503},
    "rate_limit": {"retry_after": 0},
    "timeout": {"delay_seconds": 1.5},
    "malformed": {},
}


@pytest.mark.parametrize("kind", list(FAULTS))
def test_a_push_fault_is_retried_by_sqs_until_every_simulator_equals_the_calendar(
    push_world: PushWorld, kind: str
) -> None:
    push_world.full_push_all()
    # Given every simulator failing its next 3 ARI requests (one delivery = 2 attempts)
    for ota in OTAS:
        push_world.controls[ota].add_fault(kind, count=3, operation="ari", **FAULTS[kind])
    # When a booking is stored and the worker runs until the queue is empty
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "F-1", "1", first=4, nights=2, ota=OtaCode.AGODA)
    )
    push_world.drain()
    # Then the first deliveries failed and were recorded, a redelivery succeeded (a transient
    # fault is retried once inside a delivery too, a malformed reply is not)
    for ota in OTAS:
        statuses = [run.status for run in push_world.sync_runs(ota) if run.kind == "push"]
        assert statuses[-1] == "ok" and set(statuses[:-1]) == {"failed"} and len(statuses) in (2, 3, 4), ota
        failed = [run for run in push_world.sync_runs(ota) if run.status == "failed"]
        assert all(run.error_kind and run.errors for run in failed)
    # ...and every simulator shows our calendar
    calendar = push_world.calendar()
    assert calendar[push_world.hotel.night(4)] == 4
    for ota in OTAS:
        assert push_world.shown(ota) == calendar, ota


def outbox_ids() -> list[int]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(AriChangeRecord.id).order_by(AriChangeRecord.id)))


def resend(world: PushWorld, ranges: list[tuple[int, int]]) -> None:
    """The same outbox rows delivered again (a new SQS message each: redelivery of any age)."""
    send_messages(
        ARI_PUSH_QUEUE,
        [
            OutgoingMessage(
                body=AriPushMessage(connection_id=cid, property_id=world.hotel.property_id, ranges=ranges).model_dump(
                    mode="json"
                ),
                group_id=f"conn-{cid}",
                deduplication_id=uuid.uuid4().hex,
            )
            for cid in world.connections.values()
        ],
    )


def test_redelivered_and_out_of_order_messages_never_regress_an_ota_to_an_older_value(push_world: PushWorld) -> None:
    push_world.full_push_all()
    before = {ota: len(push_world.ari_messages(ota)) for ota in OTAS}
    # Given two bookings of the same nights, each relayed (rows A then rows B, newer versions)
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "O-1", "1", first=6, nights=2, ota=OtaCode.AGODA)
    )
    rows_a = outbox_ids()
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "O-2", "1", first=6, nights=2, ota=OtaCode.TRAVELOKA)
    )
    rows_b = [row for row in outbox_ids() if row not in rows_a]
    rows_a = [row for row in rows_a if row < min(rows_b)]
    # ...and, behind them, the older rows delivered again 1-3 times, mixed with the newer ones again
    rng = random.Random(7)
    for _ in range(rng.randint(1, 3)):
        resend(push_world, id_ranges(rows_a))
    resend(push_world, id_ranges(rows_b))
    for _ in range(rng.randint(1, 3)):
        resend(push_world, id_ranges(rows_a))
    # When the worker drains the queue
    push_world.drain()
    # Then every simulator shows the newest value (5 - 2 = 3), equal to our calendar
    calendar = push_world.calendar()
    assert calendar[push_world.hotel.night(6)] == 3
    for ota in OTAS:
        assert push_world.shown(ota) == calendar, ota
        # ...reached with ONE update: the first delivery coalesced both bookings' versions into the
        # newest, and every later (older or repeated) delivery found nothing newer to send
        pushes = [run for run in push_world.sync_runs(ota) if run.kind == "push"]
        assert sum(run.counts["updates"] for run in pushes) == 1, ota
        assert all(run.status == "ok" for run in pushes), ota
        # (one OTA message, or two where the nights cross a month for Booking.com)
        sent = sum(run.counts["messages_sent"] for run in pushes)
        assert len(push_world.ari_messages(ota)) - before[ota] == sent <= 2, ota


def test_an_older_message_processed_after_a_newer_one_sends_nothing(push_world: PushWorld) -> None:
    push_world.full_push_all()
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "Q-1", "1", first=8, nights=1, ota=OtaCode.AGODA)
    )
    push_world.drain()  # version 1 of the night pushed: 4
    first_rows = outbox_ids()
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "Q-2", "1", first=8, nights=1, ota=OtaCode.BOOKING_COM)
    )
    push_world.drain()  # version 2 pushed: 3
    before = {ota: len(push_world.ari_messages(ota)) for ota in OTAS}
    # When the first booking's rows arrive again, long after
    resend(push_world, id_ranges(first_rows))
    push_world.drain()
    # Then nothing is sent: 4 must never overwrite 3
    for ota in OTAS:
        assert len(push_world.ari_messages(ota)) == before[ota], ota
        assert push_world.shown(ota)[push_world.hotel.night(8)] == 3, ota
    # Negative control: without the acknowledged versions, the old rows would be sent again
    with unit_of_work() as uow:
        from chalicelib.db.models import AriAcknowledgedVersion

        uow.session.execute(AriAcknowledgedVersion.__table__.delete())
    resend(push_world, id_ranges(first_rows))
    push_world.drain()
    for ota in OTAS:
        assert len(push_world.ari_messages(ota)) > before[ota], ota


@pytest.mark.parametrize("leased", [True, False], ids=["lease", "negative-control-no-lease"])
def test_two_workers_on_one_connection_take_turns_and_send_once(
    push_world: PushWorld, monkeypatch: pytest.MonkeyPatch, leased: bool
) -> None:
    """A message redelivered while its first delivery is still pushing (visibility timeout passed):
    the connection's lease makes the second wait, then find everything acknowledged. Without the
    lease (the negative control) both read the same pending change and both send it."""
    import threading

    from chalicelib.db.repositories import leases as lease_repository
    from chalicelib.services import ari_push_service
    from tests.integration.sync_push.conftest import FAST

    push_world.full_push_all()
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "W-1", "1", first=9, nights=2, ota=OtaCode.AGODA)
    )
    rows = outbox_ids()
    before = len(push_world.ari_messages("booking_com"))
    # each OTA call (at most one per worker) takes 0.6 s (FAST reads for 1 s): long enough for both
    # workers to have read the pending changes before either acknowledges, unless the lease keeps
    # them apart
    push_world.controls["booking_com"].add_fault("latency", count=2, operation="ari", delay_seconds=0.6)
    if not leased:
        monkeypatch.setattr(lease_repository, "take_lease", lambda *args, **kwargs: True)
    message = AriPushMessage(
        connection_id=push_world.connections["booking_com"],
        property_id=push_world.hotel.property_id,
        ranges=id_ranges(rows),
    )
    reports: list[ari_push_service.PushReport] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        reports.append(ari_push_service.push(message, options=FAST))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(reports) == 2
    # one update (two messages if the stay crosses a month, Booking.com's limit per request, or one)
    sent = max(report.messages_sent for report in reports)
    assert sent in (1, 2)
    if leased:
        # one sent it, the other waited for the lease and found nothing left to send
        assert sorted(report.updates for report in reports) == [0, 1]
        assert min(report.messages_sent for report in reports) == 0
        assert len(push_world.ari_messages("booking_com")) == before + sent
    else:
        assert [report.updates for report in reports] == [1, 1]
        assert len(push_world.ari_messages("booking_com")) == before + 2 * sent
    assert push_world.shown("booking_com")[push_world.hotel.night(9)] == 4


def test_an_agoda_207_with_cell_errors_is_retried_not_taken_as_accepted(push_world: PushWorld) -> None:
    # Issue 16.4: Agoda's 207 names the refused cell under property/.../update/date_range/error.
    push_world.full_push_all()
    push_world.controls["agoda"].add_fault("partial_success", count=1, operation="ari")
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "P-207", "1", first=6, nights=1, ota=OtaCode.BOOKING_COM)
    )
    push_world.drain()
    runs = [run for run in push_world.sync_runs("agoda") if run.kind == "push"]
    refused = [run for run in runs if run.status != "ok"]
    # The delivery with the 207 was not acknowledged: recorded with the failed cell, then redelivered
    assert refused and runs[-1].status == "ok"
    cell_errors = [error for run in refused for error in run.errors if error.get("code") == "2301"]
    assert cell_errors and "room" in (cell_errors[0]["item_id"] or "")
    assert push_world.shown("agoda") == push_world.calendar()
