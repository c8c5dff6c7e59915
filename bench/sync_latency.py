"""Sync engine benchmarks against the local simulators. Prints figures; never passes or fails on time.

``python bench/sync_latency.py dispatch [--properties 1000] [--reservations 100] [--workers 8]``
    (b) One dispatch cycle over N properties x 4 connections (Booking.com, Expedia, Agoda,
    Traveloka simulators over real HTTP; a throwaway PostgreSQL; moto for SQS): the dispatcher
    claims every due connection and enqueues one jittered job per property, then ``--workers``
    threads act as concurrent Lambda invocations of the property sync worker, fed by the real
    (moto) queue until every job is done. ``--reservations`` new reservations wait at each OTA,
    spread over random hotels. Reported: wall time (dispatch alone, and the whole cycle, which
    includes the jitter spread of up to 30 s at the default 150 s interval), CPU time per
    property-cycle (thread CPU time of the dispatcher and worker threads only: moto, the
    simulators and PostgreSQL run elsewhere or in other threads) and SQL statements per
    property-cycle (SQLAlchemy ``before_cursor_execute``; an executemany counts once).

``python bench/sync_latency.py latency [--bookings 200] [--rate 2] [--poll-interval 20] [--mode both]``
    (a) On the local stack (``python -m local.stack``, what ``make run`` runs, on free ports, demo
    booking stream off): one-night reservations, each on its own night, made on one simulator
    through its control API; for each, the time from the create call to the moment the LAST
    other simulator shows the night's availability one lower than before (read through the
    simulators' control API every 0.1 s). ``webhook``: on Agoda (BookingHint → receiver → sync
    job); ``polling``: on Traveloka (no webhooks: the minutely dispatcher and the demo
    connections' poll interval). p50/p95/max over ``--bookings`` reservations per mode, the load
    average before and after, and where the seconds went: each reservation followed through the
    stack's trace lines, hop by hop (``bench/push_path_trace.py``). A single reservation on a
    quiet stack: ``--mode webhook --bookings 5 --rate 0.2``.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select
from sqlalchemy.engine import Engine

from bench.push_path_trace import Trace, load_average, print_breakdown

OTAS = ("booking_com", "expedia", "agoda", "traveloka")
CREDENTIALS = {
    "booking_com": {"username": "ptx-machine", "password": "machine-pass-1"},
    "expedia": {"username": "ptx-eqc", "password": "eqc-pass-1"},
    "agoda": {"api_key": "agoda-key-0123456789"},
    "traveloka": {"api_key": "tvlk-key-0123456789"},
}


@dataclass
class SqlCounter:
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, *_: Any, **__: Any) -> None:
        with self.lock:
            self.count += 1


@dataclass
class Environment:
    postgres: Any
    moto: Any
    simulators: dict[str, Any]
    base: Path

    def stop(self) -> None:
        from chalicelib.db.engine import dispose_engines

        for simulator in self.simulators.values():
            simulator.stop()
        dispose_engines()
        self.moto.stop()
        self.postgres.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def start_environment() -> Environment:
    from chalicelib.aws.clients import reset_clients
    from chalicelib.aws.queues import reset_queue_urls
    from chalicelib.config import reset_settings
    from chalicelib.db.migrate import upgrade
    from local.aws_bootstrap import bootstrap
    from local.moto_server import MotoServer
    from local.postgres import EmbeddedPostgres, create_database
    from local.simulators import start_all

    base = Path(tempfile.mkdtemp(prefix="ptx-bench-sync-"))
    postgres = EmbeddedPostgres(base / "data", max_connections=100)
    postgres.start()
    create_database(postgres.url(), "bench")
    url = postgres.url("bench")
    os.environ.update({"DATABASE_URL": url, "DB_POOL_SIZE": "10", "DB_MAX_OVERFLOW": "20", "LOG_LEVEL": "WARNING"})
    upgrade(url)
    moto = MotoServer().start()
    os.environ.update(moto.environment())
    os.environ.setdefault("AWS_REGION", "ap-southeast-1")
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")
    reset_settings()
    reset_clients()
    reset_queue_urls()
    bootstrap()
    simulators = start_all(with_demo_hotels=False)
    return Environment(postgres, moto, simulators, base)


def seed(env: Environment, properties: int, reservations: int) -> list[int]:
    """Properties with 2 room types x 2 rate plans, connected to all four OTAs, mapped; all due now."""
    from chalicelib.db.models import OtaConnection, Property, RatePlan, RatePlanMapping, RoomType, RoomTypeMapping
    from chalicelib.db.unit_of_work import unit_of_work
    from local.simulators import demo_hotel
    from local.simulators.client import SimulatorClient
    from tests.ota_factories import make_account

    accounts = {
        ota: make_account(ota=ota, credentials=CREDENTIALS[ota], base_url=env.simulators[ota].url, name=f"bench {ota}")
        for ota in OTAS
    }
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        session = uow.session
        property_ids = list(
            session.scalars(
                insert(Property).returning(Property.id),
                [
                    {
                        "code": f"B-{n:05d}-{uuid.uuid4().hex[:4]}",
                        "name": f"Bench Hotel {n}",
                        "country_code": "VN",
                        "timezone": "Asia/Ho_Chi_Minh",
                        "currency": "VND",
                    }
                    for n in range(properties)
                ],
            )
        )
        room_rows = [
            {"property_id": pid, "code": code, "name": code, "total_rooms": 10, "base_rate": 100}
            for pid in property_ids
            for code in ("DLX", "STE")
        ]
        room_ids = list(
            session.scalars(insert(RoomType).returning(RoomType.id, sort_by_parameter_order=True), room_rows)
        )
        plan_rows = [
            {"room_type_id": rid, "code": plan, "name": plan, "currency": "VND", "base_rate": Decimal("100")}
            for rid in room_ids
            for plan in ("BAR", "NRF")
        ]
        plan_ids = list(
            session.scalars(insert(RatePlan).returning(RatePlan.id, sort_by_parameter_order=True), plan_rows)
        )
        connection_rows = [
            {
                "property_id": pid,
                "ota_account_id": accounts[ota],
                "ota_hotel_id": str(900000 + index),
                "is_active": True,
                "next_poll_at": now - timedelta(seconds=60),  # overdue: the dispatcher's jitter spreads them
            }
            for index, pid in enumerate(property_ids)
            for ota in OTAS
        ]
        connection_ids = list(
            session.scalars(
                insert(OtaConnection).returning(OtaConnection.id, sort_by_parameter_order=True), connection_rows
            )
        )
        room_maps, rate_maps = [], []
        for c_index, connection_id in enumerate(connection_ids):
            p_index = c_index // len(OTAS)
            for r_offset, code in enumerate(("DLX", "STE")):
                room_type_id = room_ids[p_index * 2 + r_offset]
                room_maps.append({"connection_id": connection_id, "room_type_id": room_type_id, "ota_room_id": code})
                for pl_offset, plan in enumerate(("BAR", "NRF")):
                    rate_maps.append(
                        {
                            "connection_id": connection_id,
                            "room_type_id": room_type_id,
                            "rate_plan_id": plan_ids[(p_index * 2 + r_offset) * 2 + pl_offset],
                            "ota_room_id": code,
                            "ota_rate_plan_id": plan,
                        }
                    )
        session.execute(insert(RoomTypeMapping), room_maps)
        session.execute(insert(RatePlanMapping), rate_maps)
    for simulator in env.simulators.values():
        for index in range(properties):
            simulator.add_hotel(demo_hotel(str(900000 + index), f"Bench Hotel {index}"))
    rng = random.Random(7)
    check_in = date.today() + timedelta(days=20)
    for ota in OTAS:
        control = SimulatorClient(env.simulators[ota].url)
        for _ in range(reservations):
            control.create_reservation(
                hotel_id=str(900000 + rng.randrange(properties)),
                room_id=rng.choice(["DLX", "STE"]),
                rate_plan_id="BAR",
                check_in=check_in.isoformat(),
                check_out=(check_in + timedelta(days=2)).isoformat(),
                adults=2,
                children=0,
                guest={"first_name": "Bench", "last_name": "Guest"},
                nightly_rate="1000000",
                currency="VND",
            )
        control.close()
    with unit_of_work() as uow:
        assert uow.session.scalar(select(OtaConnection.id).limit(1)) is not None
    return property_ids


@dataclass
class WorkerStats:
    jobs: int = 0
    failed: int = 0
    cpu: float = 0.0
    handler_cpu: float = 0.0  # inside handle_sync_jobs_batch: what the Lambda runs (no SQS polling)


def handle_sync_jobs(sqs: Any, url: str, arn: str, messages: list[dict[str, Any]]) -> tuple[list[Any], set[str], float]:
    """One batch through the property sync worker as Lambda's event source mapping would hand it
    over, the messages it did not report failed deleted: (done, failed ids, the handler's thread CPU)."""
    from chalicelib.services import property_sync_service
    from local.event_runner import LocalLambdaContext, sqs_event

    handler_start = time.thread_time()
    result = property_sync_service.handle_sync_jobs_batch(
        sqs_event(messages, arn), LocalLambdaContext(function_name="property_sync_worker")
    )
    handler_cpu = time.thread_time() - handler_start
    failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
    ok = [m for m in messages if m["MessageId"] not in failed]
    if ok:
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(ok)],
        )
    return ok, failed, handler_cpu


def run_workers(expected: int, workers: int, timeout: float) -> tuple[list[WorkerStats], float]:
    from chalicelib.aws import clients
    from chalicelib.aws.queues import queue_url
    from chalicelib.aws.resources import SYNC_JOBS_QUEUE

    url = queue_url(SYNC_JOBS_QUEUE)
    arn = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stats = [WorkerStats() for _ in range(workers)]
    done = threading.Event()
    lock = threading.Lock()
    finished = [0]
    started = time.perf_counter()
    ended = [started]

    def work(mine: WorkerStats) -> None:
        sqs = clients.sqs()
        cpu_start = time.thread_time()
        deadline = time.monotonic() + timeout
        while not done.is_set() and time.monotonic() < deadline:
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=5, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                continue
            ok, failed, handler_cpu = handle_sync_jobs(sqs, url, arn, messages)
            mine.handler_cpu += handler_cpu
            mine.jobs += len(ok)
            mine.failed += len(failed)
            with lock:
                finished[0] += len(ok)
                if finished[0] >= expected:
                    ended[0] = time.perf_counter()
                    done.set()
        mine.cpu = time.thread_time() - cpu_start

    threads = [threading.Thread(target=work, args=(s,)) for s in stats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not done.is_set():
        ended[0] = time.perf_counter()
    return stats, ended[0] - started


def empty_polls(session: Any) -> int:
    """Empty polls counted on the connections (0 before the counter existed: one run row each)."""
    from sqlalchemy import func

    from chalicelib.db.models import OtaConnection

    column = getattr(OtaConnection, "empty_polls", None)
    return int(session.scalar(select(func.sum(column))) or 0) if column is not None else 0


def pacing_report(env: Environment) -> None:
    """Failed runs by kind, the 429s each simulator answered, and each account's shared budget."""
    from sqlalchemy import func

    from chalicelib.db import models
    from chalicelib.db.unit_of_work import unit_of_work

    with unit_of_work() as uow:
        kinds = uow.session.execute(
            select(models.SyncRun.error_kind, func.count())
            .where(models.SyncRun.status == "failed")
            .group_by(models.SyncRun.error_kind)
        ).all()
        budget = getattr(models, "OtaAccountBudget", None)  # None before per-account pacing
        rows = (
            uow.session.execute(
                select(models.OtaAccount.ota_code, budget.granted, budget.refused, budget.rate_limited).join(
                    budget, budget.ota_account_id == models.OtaAccount.id
                )
            ).all()
            if budget is not None
            else []
        )
    print(f"failed runs by kind        {dict(kinds) or '{}'} (rate_limited = answered 429 after retries)")
    replies = {ota: sum(1 for e in sim.request_log if e["status"] == 429) for ota, sim in env.simulators.items()}
    print(f"429 replies by simulator   {replies} (each retried after Retry-After; a run fails after 3)")
    for ota, granted, refused, limited in rows:
        print(f"account budget {ota:10s}  {granted} slots granted, {refused} refused (pull deferred), {limited} x 429")


def set_account_rate(env: Environment, rate: int | None, *, paced: bool) -> None:
    """``rate``: Agoda's and Traveloka's per-account limit, on the simulators and in our pacing (a
    limit the workers' demand exceeds on a busy machine). ``paced`` False: the negative control,
    no shared budget (each adapter its own in-process budget, as before issue 17.3)."""
    from chalicelib.domain.ota_codes import OtaCode
    from chalicelib.domain.ota_pacing import ACCOUNT_PACES, AccountPace
    from chalicelib.services import account_pacing

    paces = dict(ACCOUNT_PACES)
    if rate is not None:
        for ota in (OtaCode.AGODA, OtaCode.TRAVELOKA):
            env.simulators[ota.value].requests_per_second = float(rate)
            paces[ota] = AccountPace(limit=rate)
    account_pacing.ACCOUNT_PACES = paces if paced else {}


def dispatch_bench(args: argparse.Namespace) -> None:
    logging.getLogger("ptx-cm").setLevel(logging.WARNING)
    env = start_environment()
    try:
        if args.account_rate is not None or args.unpaced:
            set_account_rate(env, args.account_rate, paced=not args.unpaced)
        t0 = time.perf_counter()
        property_ids = seed(env, args.properties, args.reservations)
        print(
            f"seeded {len(property_ids)} properties x {len(OTAS)} connections, "
            f"{args.reservations} reservations per OTA, in {time.perf_counter() - t0:.1f} s"
        )
        from chalicelib.services import sync_dispatch_service

        print(f"cycle start: {load_average()}")
        counter = SqlCounter()
        event.listen(Engine, "before_cursor_execute", counter)
        cycle_start = time.perf_counter()
        cpu_start = time.thread_time()
        counts = sync_dispatch_service.dispatch_due()
        dispatch_cpu = time.thread_time() - cpu_start
        dispatch_wall = time.perf_counter() - cycle_start
        dispatch_sql = counter.count
        stats, workers_wall = run_workers(counts.enqueued, args.workers, args.timeout)
        cycle_wall = time.perf_counter() - cycle_start
        worker_sql = counter.count - dispatch_sql
        event.remove(Engine, "before_cursor_execute", counter)
        n = max(counts.properties, 1)
        jobs = sum(s.jobs for s in stats)
        worker_cpu = sum(s.cpu for s in stats)
        from chalicelib.db.models import BookingGroup, SyncRun
        from chalicelib.db.unit_of_work import unit_of_work

        with unit_of_work() as uow:
            runs = uow.session.scalars(select(SyncRun.status)).all()
            groups = len(uow.session.scalars(select(BookingGroup.id)).all())
            empty = empty_polls(uow.session)
        pulls = max(len(runs) + empty, 1)  # connection pulls: a run row each, or an empty poll counted
        by_status = {status: runs.count(status) for status in set(runs)}
        print(
            f"dispatch: {counts.connections} connections claimed in {counts.batches} batch(es), "
            f"{counts.enqueued} jobs enqueued ({counts.failed} refused)"
        )
        print(
            f"dispatch wall time         {dispatch_wall * 1000:9.0f} ms "
            f"(claims {counts.claim_ms} ms, SQS sends {counts.enqueue_ms} ms)"
        )
        print(f"dispatch CPU / property    {dispatch_cpu / n * 1000:9.3f} ms")
        print(f"dispatch SQL / property    {dispatch_sql / n:9.3f} statements ({dispatch_sql} total)")
        print(
            f"workers ({args.workers} threads): {jobs} jobs done, {sum(s.failed for s in stats)} failed; "
            f"sync runs {by_status}; {groups} bookings stored"
        )
        print(f"workers wall time          {workers_wall:9.1f} s (includes the jitter spread)")
        print(f"cycle wall time            {cycle_wall:9.1f} s")
        print(f"worker CPU / property      {worker_cpu / n * 1000:9.1f} ms")
        print(f"worker SQL / property      {worker_sql / n:9.1f} statements ({worker_sql} total)")
        print(f"total CPU / property-cycle {(dispatch_cpu + worker_cpu) / n * 1000:9.1f} ms")
        print(f"total SQL / property-cycle {(dispatch_sql + worker_sql) / n:9.1f} statements")
        print(f"connection pulls           {pulls:9d} ({len(runs)} with a sync run row, {empty} empty polls counted)")
        print(f"total CPU / connection pull{(dispatch_cpu + worker_cpu) / pulls * 1000:9.1f} ms")
        print(f"total SQL / connection pull{(dispatch_sql + worker_sql) / pulls:9.2f} statements")
        handler_cpu = sum(s.handler_cpu for s in stats)
        print(
            f"  of the CPU: in the worker's handler {handler_cpu / pulls * 1000:.1f} ms per pull; this harness's "
            f"SQS receive/delete loop (Lambda's event source mapping in AWS) "
            f"{(worker_cpu - handler_cpu) / pulls * 1000:.1f} ms; dispatch {dispatch_cpu / pulls * 1000:.1f} ms"
        )
        print(
            f"per property-cycle (4 connection pulls): {(dispatch_cpu + worker_cpu) / pulls * 4000:.1f} ms CPU "
            f"({(dispatch_cpu + handler_cpu) / pulls * 4000:.1f} ms without the harness's SQS polling), "
            f"{(dispatch_sql + worker_sql) / pulls * 4:.2f} SQL statements"
        )
        pacing_report(env)
        print(f"cycle end:   {load_average()}")
    finally:
        env.stop()


# --- (a) reservation on one simulator → new availability on every other simulator ----------------

LOOP_PROPERTY = "SGN-RIV"
LOOP_MODES = (
    # mode, the OTA the reservations are made on, the room type they take, first night offset
    ("webhook", "agoda", "DLX", 20),
    ("polling", "traveloka", "FAM", 20),
)


@dataclass
class LocalStack:
    process: Any
    base_url: str
    local_dir: Path
    lines: list[str] = field(default_factory=list)

    def simulator_urls(self, timeout: float = 60) -> dict[str, str]:
        import re

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if "simulators:" in line and "http://" in line:
                    return dict(re.findall(r"(booking_com|expedia|agoda|traveloka) (http://\S+)", line))
            time.sleep(0.2)
        raise SystemExit("the stack never printed its simulators")

    def stop(self) -> None:
        import signal
        import subprocess

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.local_dir, ignore_errors=True)


def start_local_stack(poll_interval: int) -> LocalStack:
    """`python -m local.stack` (what `make run` runs) on free ports, demo booking stream off."""
    import subprocess

    import httpx

    from local.postgres import free_port

    local_dir = Path(tempfile.mkdtemp(prefix="ptx-bench-loop-"))
    api_port = free_port()
    env = {
        **os.environ,
        "PTX_API_PORT": str(api_port),
        "PTX_LOCAL_DIR": str(local_dir),
        "PTX_PG_PORT": str(free_port()),
        "PTX_SIMULATOR_BASE_PORT": "0",
        "PTX_DEMO_BOOKING_INTERVAL": "0",
        "PTX_DEMO_POLL_INTERVAL": str(poll_interval),
        "PYTHONUNBUFFERED": "1",
    }
    for inherited in ("DATABASE_URL", "AWS_ENDPOINT_URL", "DATABASE_SECRET_ARN"):
        env.pop(inherited, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = LocalStack(process, f"http://127.0.0.1:{api_port}", local_dir)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stack.lines.append(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the stack exited:\n" + "\n".join(stack.lines[-40:]))
        try:
            if httpx.get(f"{stack.base_url}/health/ready", timeout=2).status_code == 200:
                return stack
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    stack.stop()
    raise SystemExit("the stack was not ready within 120 s")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def wait_until_settled(api: Any, property_id: int, timeout: float = 300) -> None:
    """Wait for the start-up work to end (every connection's first full push, the queues drained),
    so the figures measure the sync loop and not the initial upload of two years of calendar."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = api.get(
            f"/properties/{property_id}/sync-runs", params={"kind": "full_push", "status": "ok", "page_size": 50}
        ).json()
        status = api.get("/sync/status", params={"property_id": property_id}).json()
        busy = sum((queue.get("visible") or 0) + (queue.get("in_flight") or 0) for queue in status.get("queues", []))
        if len({run["connection_id"] for run in runs.get("items", [])}) >= len(OTAS) and busy == 0:
            return
        time.sleep(1)
    raise SystemExit("the stack did not settle (first full pushes, empty queues) in time")


def measure_loop(
    stack: LocalStack, mode: str, source: str, room: str, first_offset: int, bookings: int, rate: float, timeout: float
) -> None:
    import httpx

    from local.demo_ota import DEMO_OTA_HOTEL_IDS
    from local.demo_seed import DEMO_PASSWORD
    from local.simulators.client import SimulatorClient

    urls = stack.simulator_urls()
    others = [ota for ota in OTAS if ota != source]
    api = httpx.Client(base_url=stack.base_url, timeout=30)
    login = api.post("/auth/login", json={"email": "manager.vn@demo.ptx-cm.local", "password": DEMO_PASSWORD})
    api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    properties = api.get("/properties", params={"page_size": 50}).json()["items"]
    property_id = next(item["id"] for item in properties if item["code"] == LOOP_PROPERTY)
    settle_started = time.monotonic()
    wait_until_settled(api, property_id)
    print(f"{mode:8s} settled (first full pushes done, queues empty) after {time.monotonic() - settle_started:.1f} s")
    first = date.today() + timedelta(days=first_offset)
    grid = api.get(
        f"/properties/{property_id}/calendar",
        params={"date_from": first.isoformat(), "date_to": (first + timedelta(days=365)).isoformat()},
    ).json()
    if "room_types" not in grid:
        raise SystemExit(f"calendar: {grid}")
    cells = next(entry for entry in grid["room_types"] if entry["code"] == room)["nights"]
    baseline = {date.fromisoformat(cell["night"]): cell["available"] for cell in cells if cell["available"] >= 1}
    nights = sorted(baseline)[:bookings]
    if len(nights) < bookings:
        raise SystemExit(f"only {len(nights)} nights of {room} have a free room")

    clients = {ota: SimulatorClient(urls[ota]) for ota in OTAS}
    created_at: dict[date, float] = {}
    reservation_ids: dict[date, str] = {}
    print(f"{mode:8s} start: {load_average()}")
    seen: dict[str, dict[date, float]] = {ota: {} for ota in others}

    def create_all() -> None:
        for night in nights:
            created_at[night] = time.time()
            created = clients[source].create_reservation(
                hotel_id=DEMO_OTA_HOTEL_IDS[source][LOOP_PROPERTY],
                room_id=room,
                rate_plan_id="BAR",
                check_in=night.isoformat(),
                check_out=(night + timedelta(days=1)).isoformat(),
            )
            reservation_ids[night] = str(created.get("reservation_id"))
            time.sleep(1 / rate)

    creator = threading.Thread(target=create_all, daemon=True)
    started = time.monotonic()

    def read(ota: str) -> None:
        """One reader per simulator (every 0.1 s), so one slow answer does not delay the others' moments."""
        while time.monotonic() - started < timeout:
            moment = time.time()
            for cell in clients[ota].ari(DEMO_OTA_HOTEL_IDS[ota][LOOP_PROPERTY], room, "-"):  # room-level cells
                if cell.get("rate_plan_id") or cell.get("availability") is None:
                    continue
                night = date.fromisoformat(cell["date"])
                if night in baseline and night not in seen[ota] and int(cell["availability"]) == baseline[night] - 1:
                    seen[ota][night] = moment
            if not creator.is_alive() and len(seen[ota]) == len(nights):
                return
            time.sleep(0.1)

    readers = [threading.Thread(target=read, args=(ota,), daemon=True) for ota in others]
    creator.start()
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(max(0.0, timeout - (time.monotonic() - started)) + 5)
    creator.join(5)
    latencies = [
        max(seen[ota][night] for ota in others) - created_at[night]
        for night in nights
        if night in created_at and all(night in seen[ota] for ota in others)
    ]
    missing = len(nights) - len(latencies)
    if latencies:
        print(
            f"{mode:8s} reservations on {source:10s} → {', '.join(others)}: n={len(latencies)} "
            f"p50 {_percentile(latencies, 0.5):6.2f} s  p95 {_percentile(latencies, 0.95):6.2f} s  "
            f"max {max(latencies):6.2f} s  missing {missing}"
        )
    else:
        print(f"{mode:8s}: nothing arrived within {timeout:.0f} s")
    print(f"{mode:8s} end:   {load_average()}")
    time.sleep(1)  # the last trace lines reach the pipe
    trace = Trace.parse(list(stack.lines))
    print_breakdown(
        mode,
        [
            trace.hops(reservation_ids[night], created_at[night], max(seen[ota][night] for ota in others), others)
            for night in nights
            if night in reservation_ids and all(night in seen[ota] for ota in others)
        ],
        len(nights),
    )
    for client in clients.values():
        client.close()
    api.close()


def latency_bench(args: argparse.Namespace) -> None:
    """Part (a), on the local stack: the sync loop's latency, webhook-driven and polling-driven."""
    stack = start_local_stack(args.poll_interval)
    try:
        print(
            f"local stack ready; {args.bookings} one-night reservations per mode at {args.rate}/s, "
            f"demo poll interval {args.poll_interval} s, dispatch schedule every 60 s"
        )
        for mode, source, room, offset in LOOP_MODES:
            if args.mode in (mode, "both"):
                measure_loop(stack, mode, source, room, offset, args.bookings, args.rate, args.timeout)
    finally:
        stack.stop()
        if args.stack_log:
            Path(args.stack_log).write_text("\n".join(stack.lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    dispatch = sub.add_parser("dispatch", help="(b) one dispatch cycle over N properties x 4 connections")
    dispatch.add_argument("--properties", type=int, default=1000)
    dispatch.add_argument("--reservations", type=int, default=100, help="new reservations waiting at each OTA")
    dispatch.add_argument("--workers", type=int, default=8, help="concurrent worker invocations")
    dispatch.add_argument("--timeout", type=float, default=900.0)
    dispatch.add_argument("--account-rate", type=int, help="Agoda's and Traveloka's per-account limit (req/s)")
    dispatch.add_argument("--unpaced", action="store_true", help="negative control: no shared per-account budget")
    dispatch.set_defaults(run=dispatch_bench)
    latency = sub.add_parser("latency", help="(a) reservation on a simulator → availability on the other simulators")
    latency.add_argument("--bookings", type=int, default=200, help="one-night reservations per mode")
    latency.add_argument("--rate", type=float, default=2.0, help="reservations per second")
    latency.add_argument("--poll-interval", type=int, default=20, help="the demo connections' poll interval (s)")
    latency.add_argument("--mode", choices=("webhook", "polling", "both"), default="both")
    latency.add_argument("--timeout", type=float, default=600.0, help="per mode")
    latency.add_argument("--stack-log", help="write the stack's output to this file at the end")
    latency.set_defaults(run=latency_bench)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
