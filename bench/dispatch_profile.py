"""Where an empty poll's CPU goes: N properties x 4 connections pulled through the real worker code.

``python bench/dispatch_profile.py [--properties 50] [--top 30] [--jobs per-property|per-connection]``

The same environment as ``bench/sync_latency.py dispatch`` (a throwaway PostgreSQL, moto for SQS
and KMS, the four simulators over real HTTP, nothing waiting at any OTA), but one worker, in this
thread: a warm-up pass pulls every connection once (data keys unwrapped, clients built, as in a
warm Lambda container), then the measured pass enqueues one ``schedule`` job per property naming
its four connections (``--jobs per-connection``: one job per connection, as when the dispatcher
plans them at different seconds), receives them from the (moto) queue five at a time, hands each
batch to ``property_sync_service.handle_sync_jobs_batch`` and deletes what succeeded: what the
``property_sync_worker`` Lambda does. Printed: thread CPU and SQL statements per connection pull
and per property-cycle (4 pulls), then cProfile's top items (thread CPU time) by own and by
cumulative time. Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from bench.push_path_trace import load_average
from bench.sync_latency import OTAS, SqlCounter, handle_sync_jobs, seed, start_environment


def connections_of(property_ids: list[int]) -> dict[int, list[int]]:
    from chalicelib.db.models import OtaConnection
    from chalicelib.db.unit_of_work import unit_of_work

    found: dict[int, list[int]] = {pid: [] for pid in property_ids}
    with unit_of_work() as uow:
        for connection_id, property_id in uow.session.execute(
            select(OtaConnection.id, OtaConnection.property_id).order_by(OtaConnection.id)
        ):
            found[property_id].append(connection_id)
    return found


def enqueue(connections: dict[int, list[int]], per_connection: bool) -> int:
    from chalicelib.services import sync_jobs

    pulls = [
        sync_jobs.ScheduledPull(property_id, 0, (connection_id,) if per_connection else tuple(ids))
        for property_id, ids in connections.items()
        for connection_id in (ids if per_connection else ids[:1])
    ]
    result = sync_jobs.enqueue_scheduled_pulls(pulls)
    assert not result.failed, result.failed
    return result.sent


def drain(expected: int, profile: cProfile.Profile | None) -> tuple[int, float]:
    """Receive, handle and delete jobs until ``expected`` were done; (jobs, thread CPU seconds)."""
    from chalicelib.aws import clients
    from chalicelib.aws.queues import queue_url
    from chalicelib.aws.resources import SYNC_JOBS_QUEUE

    sqs = clients.sqs()
    url = queue_url(SYNC_JOBS_QUEUE)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    done = 0
    cpu_start = time.thread_time()
    if profile is not None:
        profile.enable()
    try:
        while done < expected:
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=5, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                continue
            handle_sync_jobs(sqs, url, arn, messages)
            done += len(messages)
    finally:
        if profile is not None:
            profile.disable()
    return done, time.thread_time() - cpu_start


def pulls_counted() -> tuple[int, int]:
    """(empty polls counted on the connections, sync_runs rows)."""
    from sqlalchemy import func

    from chalicelib.db.models import OtaConnection, SyncRun
    from chalicelib.db.unit_of_work import unit_of_work

    with unit_of_work() as uow:
        empty = int(uow.session.scalar(select(func.sum(OtaConnection.empty_polls))) or 0)
        runs = int(uow.session.scalar(select(func.count()).select_from(SyncRun)) or 0)
    return empty, runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--properties", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--jobs", choices=("per-property", "per-connection"), default="per-property")
    parser.add_argument("--no-profile", action="store_true", help="measure CPU without cProfile's overhead")
    args = parser.parse_args(argv)
    logging.getLogger("ptx-cm").setLevel(logging.WARNING)
    per_connection = args.jobs == "per-connection"
    env = start_environment()
    try:
        property_ids = seed(env, args.properties, 0)
        connections = connections_of(property_ids)
        print(f"seeded {len(property_ids)} properties x {len(OTAS)} connections; {load_average()}")
        drain(enqueue(connections, per_connection=False), None)  # warm-up: a warm container
        empty_before, runs_before = pulls_counted()
        time.sleep(1)  # Booking.com's 20 s between a hotel's polls is per adapter; nothing else waits
        counter = SqlCounter()
        event.listen(Engine, "before_cursor_execute", counter)
        profile = None if args.no_profile else cProfile.Profile(time.thread_time)
        jobs, cpu = drain(enqueue(connections, per_connection), profile)
        event.remove(Engine, "before_cursor_execute", counter)
        empty_after, runs_after = pulls_counted()
        pulls = (empty_after - empty_before) + (runs_after - runs_before)
        n = max(pulls, 1)
        print(f"measured: {jobs} jobs, {pulls} connection pulls ({runs_after - runs_before} with a run row)")
        note = "" if args.no_profile else " (under cProfile: inflated)"
        print(f"thread CPU / connection pull   {cpu / n * 1000:8.2f} ms{note}")
        print(f"SQL statements / pull          {counter.count / n:8.2f} ({counter.count} total)")
        print(f"per property-cycle (4 pulls)   {cpu / n * 4000:8.1f} ms CPU, {counter.count / n * 4:5.2f} statements")
        print(f"threads alive: {threading.active_count()}; {load_average()}")
        if profile is not None:
            stats = pstats.Stats(profile)
            stats.sort_stats("tottime").print_stats(args.top)
            stats.sort_stats("cumulative").print_stats(args.top)
    finally:
        env.stop()


if __name__ == "__main__":
    main()
