"""The ARI outbox relay: right after the commit, by the sweeper after a crash, once per row."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

from sqlalchemy import select

from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import ARI_PUSH_QUEUE
from chalicelib.db.engine import session_factory
from chalicelib.db.models import AriChangeRecord
from chalicelib.db.repositories import ari_push as ari_push_repository
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ari_changes import ari_changes
from chalicelib.domain.inventory import pair_changes
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.services import ari_relay, booking_service, housekeeping_service
from tests.booking_factories import ota_request
from tests.integration.sync_push.conftest import OTAS, PushWorld, queue_depth


def write_without_relay(world: PushWorld, first: int, nights: int, total: int) -> list[int]:
    """A committed calendar write whose invocation died before relaying (no unit of work, no hook)."""
    session = session_factory()()
    with session, session.begin():
        start = world.hotel.night(first)
        cells = calendar_repository.load_cells(session, [world.room_type_id], start, start + timedelta(days=nights))
        after = [dataclasses.replace(cell, total=total, version=cell.version + 1) for cell in cells]
        changes = pair_changes(cells, after)
        calendar_repository.write_inventory_changes(session, changes)
        calendar_repository.add_ari_changes(session, world.hotel.property_id, ari_changes(changes))
    return unrelayed_ids()


def unrelayed_ids() -> list[int]:
    with unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(AriChangeRecord.id).where(AriChangeRecord.relayed_at.is_(None)).order_by(AriChangeRecord.id)
            )
        )


def test_a_booking_is_relayed_right_after_its_commit_one_message_per_connection(push_world: PushWorld) -> None:
    # When a booking commits
    booking_service.ingest_ota_reservation(ota_request(push_world.hotel, "BK-1", "1", first=1, nights=2))
    # Then its outbox rows are already relayed: one message per connection is waiting, nothing left over
    assert unrelayed_ids() == []
    assert queue_depth(queue_url(ARI_PUSH_QUEUE)) == len(OTAS)
    outcomes = push_world.drain()
    assert sum(len(outcome.message_ids) for outcome in outcomes) == len(OTAS)
    for ota in OTAS:
        assert push_world.shown(ota) == {push_world.hotel.night(1): 4, push_world.hotel.night(2): 4}, ota


def test_rows_left_by_a_crash_are_relayed_by_the_housekeeping_sweeper(push_world: PushWorld) -> None:
    push_world.full_push_all()
    # Given a committed write whose relay never ran (the invocation died after the commit)
    left = write_without_relay(push_world, first=3, nights=4, total=2)
    assert len(left) == 4
    assert queue_depth(queue_url(ARI_PUSH_QUEUE)) == 0
    # When the minutely housekeeping runs
    results = housekeeping_service.run_tasks(housekeeping_service.MINUTELY_TASKS)
    # Then the sweeper relayed those rows, once
    assert results["relay_ari_changes"] == {"ari_rows_relayed": 4, "ari_messages_sent": len(OTAS)}
    assert unrelayed_ids() == []
    assert ari_relay.sweep() == {"ari_rows_relayed": 0, "ari_messages_sent": 0}
    # ...and the simulators now show the new numbers, equal to our calendar
    push_world.drain()
    for ota in OTAS:
        assert push_world.shown(ota) == push_world.calendar(), ota
        assert push_world.shown(ota)[push_world.hotel.night(3)] == 2


def test_concurrent_relayers_relay_every_row_exactly_once(push_world: PushWorld) -> None:
    # Given 12 committed, unrelayed writes
    for offset in range(12):
        write_without_relay(push_world, first=offset, nights=1, total=3)
    rows = unrelayed_ids()
    assert len(rows) == 12
    # When four relayers run at the same moment
    barrier = threading.Barrier(4)
    reports: list[ari_relay.RelayReport] = []

    def relayer() -> None:
        barrier.wait()
        reports.append(ari_relay.relay(limit=5))
        while (report := ari_relay.relay(limit=5)).rows:
            reports.append(report)

    threads = [threading.Thread(target=relayer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Then every row was claimed by exactly one of them
    assert sum(report.rows for report in reports) == 12
    assert unrelayed_ids() == []


def test_a_row_held_by_one_relayer_is_skipped_by_another_not_sent_twice(push_world: PushWorld) -> None:
    write_without_relay(push_world, first=0, nights=3, total=4)
    # Given a relayer that claimed the rows and has not committed yet
    with unit_of_work() as uow:
        claimed = ari_push_repository.claim_unrelayed(uow.session)
        assert len(claimed) == 3
        # When a second relayer runs meanwhile, it finds nothing to relay (SKIP LOCKED)
        report: list[ari_relay.RelayReport] = []
        thread = threading.Thread(target=lambda: report.append(ari_relay.relay()))
        thread.start()
        thread.join(10)
        assert report == [ari_relay.RelayReport(0, 0)]
    # Negative control: once the first relayer let go without marking them, the rows are relayed
    assert ari_relay.relay().rows == 3


def test_a_refused_send_puts_the_rows_back_and_the_live_row_relayed_with_them_stays_published(
    push_world: PushWorld,
) -> None:
    from chalicelib.aws import clients
    from chalicelib.aws.queues import reset_queue_urls
    from chalicelib.db.models import OutboxMessage
    from local.aws_bootstrap import ensure_queue

    # Given the ARI push queue gone: SQS refuses every send
    clients.sqs().delete_queue(QueueUrl=queue_url(ARI_PUSH_QUEUE))
    # When a booking commits (its ARI rows and its live row are relayed in one transaction after the commit)
    booking_service.ingest_ota_reservation(ota_request(push_world.hotel, "BK-F", "1", first=1, nights=2))
    # Then its ARI rows were put back for the sweeper, and its live row was published all the same
    assert len(unrelayed_ids()) == 2
    with unit_of_work() as uow:
        live = uow.session.execute(select(OutboxMessage.published_at, OutboxMessage.attempts)).all()
    assert len(live) == 1 and live[0][0] is not None and live[0][1] == 1
    # ...and once the queue is back, the sweeper relays them, once
    ensure_queue(ARI_PUSH_QUEUE)
    reset_queue_urls()
    assert ari_relay.sweep() == {"ari_rows_relayed": 2, "ari_messages_sent": len(OTAS)}
    assert unrelayed_ids() == []


def test_a_property_without_connections_marks_rows_relayed_and_sends_nothing(push_world: PushWorld) -> None:
    from tests.booking_factories import make_hotel

    lonely = make_hotel("VN", rooms=(2,), nights=5)
    booking_service.ingest_ota_reservation(ota_request(lonely, "LN-1", "1", ota=OtaCode.AGODA))
    assert unrelayed_ids() == []
    assert queue_depth(queue_url(ARI_PUSH_QUEUE)) == 0


def test_relayed_rows_are_purged_after_a_week_unrelayed_and_recent_ones_are_kept(push_world: PushWorld) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import update

    booking_service.ingest_ota_reservation(ota_request(push_world.hotel, "BK-P", "1", first=1, nights=2))
    with unit_of_work() as uow:
        relayed = list(
            uow.session.scalars(
                select(AriChangeRecord.id).where(AriChangeRecord.relayed_at.is_not(None)).order_by(AriChangeRecord.id)
            )
        )
    assert len(relayed) >= 2
    unrelayed = write_without_relay(push_world, 5, 2, total=9)
    assert unrelayed
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        uow.session.execute(
            update(AriChangeRecord)
            .where(AriChangeRecord.id.in_(relayed[:-1]))
            .values(relayed_at=now - timedelta(days=8))
        )
        uow.session.execute(
            update(AriChangeRecord).where(AriChangeRecord.id == relayed[-1]).values(relayed_at=now - timedelta(days=6))
        )
        # an unrelayed row, however old, is never purged
        uow.session.execute(
            update(AriChangeRecord).where(AriChangeRecord.id.in_(unrelayed)).values(created_at=now - timedelta(days=30))
        )

    assert ari_relay.purge_relayed(now=now) == {"ari_rows_purged": len(relayed) - 1}

    with unit_of_work() as uow:
        left = set(uow.session.scalars(select(AriChangeRecord.id)))
    assert left == {relayed[-1], *unrelayed}
    assert ("purge_relayed_ari_changes", ari_relay.purge_relayed) in housekeeping_service.HOURLY_TASKS
