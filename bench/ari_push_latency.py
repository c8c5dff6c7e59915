"""ARI push latency: from a calendar write's commit to each OTA simulator showing the new value.

Starts a throwaway embedded PostgreSQL, a moto server (the app's queues, as `make run` does) and
the four OTA simulators; connects one property to all four (room and rate plan mapped), brings
them in step with a full push, then makes CHANGES bookings one after another (each an Agoda
reservation of one night, ``booking_service.ingest_ota_reservation``, so availability drops by
one). Each commit relays its outbox rows after the commit, four push-worker pollers (as Lambda
runs one poller per FIFO message group) take them from ``ari-push.fifo`` over moto, and the
worker pushes to the simulators over HTTP. The clock starts at the commit (a SQLAlchemy
``after_commit`` event) and stops when the simulator's own record of the night shows the new
availability (polled in process every millisecond). Prints p50/p95/max per simulator and over
all; never passes or fails on a time.

    .venv/bin/python bench/ari_push_latency.py [CHANGES]
"""

from __future__ import annotations

import io
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

OTAS = ("booking_com", "expedia", "agoda", "traveloka")
POLLERS = 4


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    changes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    from local.moto_server import MotoServer
    from local.postgres import EmbeddedPostgres, create_database

    base = Path(tempfile.mkdtemp(prefix="ptx-bench-push-"))
    postgres = EmbeddedPostgres(base / "data", max_connections=100)
    postgres.start()
    moto = MotoServer().start()
    try:
        create_database(postgres.url(), "bench")
        os.environ.update({"DATABASE_URL": postgres.url("bench"), "AWS_REGION": "ap-southeast-1"})
        os.environ.update(moto.environment())
        from chalicelib.db.migrate import upgrade

        upgrade(postgres.url("bench"))
        run(changes)
    finally:
        moto.stop()
        postgres.stop()


def run(changes: int) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app import app
    from chalicelib.domain.ota_codes import OtaCode
    from chalicelib.ota.base import AdapterOptions
    from chalicelib.ota.budget import Unlimited
    from chalicelib.services import ari_push_service, booking_service
    from local.aws_bootstrap import bootstrap
    from local.event_runner import EventRunner
    from local.simulators import DEMO_HOTEL_IDS, SIMULATORS, demo_hotel
    from tests.booking_factories import make_hotel, ota_request
    from tests.ota_factories import TestHotel, make_account, make_connection, map_rate, map_room

    logging.getLogger("ptx-cm").setLevel(logging.ERROR)
    bootstrap()
    simulators = {}
    for code in OTAS:
        simulator = SIMULATORS[code]().start()
        simulator.add_hotel(demo_hotel(DEMO_HOTEL_IDS[code]))
        simulator.requests_per_second = None
        simulators[code] = simulator
    nights = 60
    hotel = make_hotel("VN", rooms=(changes + 10,), nights=nights, with_rate_plans=True)
    room_type_id = hotel.room_type_ids[0]
    target = TestHotel(hotel.property_id, "VN")
    connections = {}
    for code, simulator in simulators.items():
        account_id = make_account(ota=code, credentials=dict(simulator.default_credentials), base_url=simulator.url)
        connection_id = make_connection(target, account_id, DEMO_HOTEL_IDS[code])
        map_room(connection_id, room_type_id, "DLX")
        map_rate(connection_id, room_type_id, hotel.rate_plan_ids[room_type_id], "DLX", "BAR")
        connections[code] = connection_id
    options = AdapterOptions(budget=Unlimited())
    runner = EventRunner(
        app,
        out=io.StringIO(),
        handlers={
            "ari_push_worker": lambda e, c: ari_push_service.handle_ari_push_batch(e, c, options=options),
        },
    )
    stop = threading.Event()

    def poller() -> None:
        while not stop.is_set():
            runner.poll_queue("ari_push_worker", wait_time_seconds=1)

    threads = [threading.Thread(target=poller, daemon=True) for _ in range(POLLERS)]
    for thread in threads:
        thread.start()
    for connection_id in connections.values():
        ari_push_service.enqueue_full_push(connection_id, hotel.property_id)

    def shown(code: str, night_iso: str) -> int | None:
        values = simulators[code].ari.get((DEMO_HOTEL_IDS[code], "DLX", "", night_iso))
        return None if values is None or values.get("availability") is None else int(values["availability"])

    total = changes + 10
    deadline = time.monotonic() + 60
    while any(shown(code, hotel.night(nights - 1).isoformat()) != total for code in OTAS):
        if time.monotonic() > deadline:
            raise SystemExit("the full push did not reach every simulator")
        time.sleep(0.01)

    commits: list[float] = []
    event.listen(Session, "after_commit", lambda session: commits.append(time.perf_counter()))
    latencies: dict[str, list[float]] = {code: [] for code in OTAS}
    sold = [0] * nights
    started = time.perf_counter()
    for index in range(changes):
        offset = index % nights
        sold[offset] += 1
        expected = total - sold[offset]
        night_iso = hotel.night(offset).isoformat()
        commits.clear()
        booking_service.ingest_ota_reservation(
            ota_request(hotel, f"BENCH-{index}", "1", first=offset, nights=1, ota=OtaCode.AGODA)
        )
        committed = commits[0]  # the booking's own transaction (the relay commits after it)
        waiting = set(OTAS)
        limit = time.monotonic() + 30
        while waiting and time.monotonic() < limit:
            now = time.perf_counter()
            for code in list(waiting):
                if shown(code, night_iso) == expected:
                    latencies[code].append((now - committed) * 1000)
                    waiting.discard(code)
            time.sleep(0.001)
        if waiting:
            raise SystemExit(f"change {index}: {sorted(waiting)} never showed {expected}")
    elapsed = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join(5)
    for simulator in simulators.values():
        simulator.stop()

    print(
        f"ARI push latency, commit -> simulator shows the value ({changes} changes, one at a time, {POLLERS} pollers)"
    )
    everything: list[float] = []
    for code in OTAS:
        values = latencies[code]
        everything.extend(values)
        print(
            f"  {code:12} p50 {percentile(values, 0.5):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms"
            f"   max {max(values):7.1f} ms   mean {statistics.mean(values):7.1f} ms"
        )
    last = [max(latencies[code][i] for code in OTAS) for i in range(changes)]
    print(
        f"  {'all (n=' + str(len(everything)) + ')':12} p50 {percentile(everything, 0.5):7.1f} ms"
        f"   p95 {percentile(everything, 0.95):7.1f} ms   max {max(everything):7.1f} ms"
    )
    print(
        f"  last of four  p50 {percentile(last, 0.5):7.1f} ms   p95 {percentile(last, 0.95):7.1f} ms"
        f"   max {max(last):7.1f} ms"
    )
    print(f"  wall time {elapsed:.1f} s for {changes} changes")


if __name__ == "__main__":
    main()
