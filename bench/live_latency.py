"""Live updates latency: from a booking's commit to its ``booking.created`` message on open sockets.

Starts a throwaway embedded PostgreSQL and a moto server (the app's queues: each booking also
relays its ARI rows), the local WebSocket API emulator (``local/live_server.py``, as `make run`
does), opens SOCKETS sockets of VN staff (tickets redeemed through the app's connect handler) and
one of ID staff, then makes BOOKINGS direct bookings in a VN hotel one after another
(``booking_service.create_booking``). Each commit writes a ``live`` outbox row that the same
invocation relays after the commit: read the connections in scope, ``post_to_connection``
(boto3, SigV4, over HTTP to the emulator) to each, in parallel. The clock starts at the booking's
commit (a SQLAlchemy ``after_commit`` of the session that inserted the group) and stops when a
socket's reader thread receives the message. Prints p50/p95/max for the first and the last of
the VN sockets per booking, and how many messages reached the ID socket (expected: none); never
passes or fails on a time.

    .venv/bin/python bench/live_latency.py [BOOKINGS] [SOCKETS]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    bookings = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    sockets = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    from local.moto_server import MotoServer
    from local.postgres import EmbeddedPostgres, create_database

    base = Path(tempfile.mkdtemp(prefix="ptx-bench-live-"))
    postgres = EmbeddedPostgres(base / "data", max_connections=100)
    postgres.start()
    moto = MotoServer().start()
    try:
        create_database(postgres.url(), "bench")
        os.environ.update({"DATABASE_URL": postgres.url("bench"), "AWS_REGION": "ap-southeast-1"})
        os.environ.update({"DB_POOL_SIZE": "5", "DB_MAX_OVERFLOW": "10"})
        os.environ.update(moto.environment())
        from chalicelib.db.migrate import upgrade

        upgrade(postgres.url("bench"))
        run(bookings, sockets)
    finally:
        moto.stop()
        postgres.stop()


def run(bookings: int, socket_count: int) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from websockets.sync.client import ClientConnection, connect

    from app import app
    from chalicelib.aws import clients
    from chalicelib.config import reset_settings
    from chalicelib.db.models import BookingGroup
    from chalicelib.services import booking_service, live_service
    from local.aws_bootstrap import bootstrap
    from local.live_server import LiveServer
    from tests.booking_factories import make_caller, make_hotel

    bootstrap()
    live = LiveServer(app).start()
    os.environ.update(live.environment())
    reset_settings()
    clients.reset_clients()

    received: dict[int, list[float]] = {}
    foreign: list[dict[str, Any]] = []
    lock = threading.Lock()

    def read(socket: ClientConnection, into_foreign: bool) -> None:
        for raw in socket:
            moment = time.perf_counter()
            message = json.loads(raw)
            with lock:
                if into_foreign:
                    foreign.append(message)
                else:
                    received.setdefault(message["id"], []).append(moment)

    def open_socket(country: str) -> ClientConnection:
        ticket = live_service.issue_ticket(make_caller("Reservations Staff", country))
        return connect(f"{ticket.url}?ticket={ticket.ticket}")

    vn_sockets = [open_socket("VN") for _ in range(socket_count)]
    id_socket = open_socket("ID")
    readers = [threading.Thread(target=read, args=(s, False), daemon=True) for s in vn_sockets]
    readers.append(threading.Thread(target=read, args=(id_socket, True), daemon=True))
    for reader in readers:
        reader.start()

    committed: dict[int, float] = {}

    def flushed(session: Session, _context: object) -> None:
        groups = [row for row in session.new if isinstance(row, BookingGroup)]
        if groups:
            session.info["live_bench_groups"] = groups

    def after_commit(session: Session) -> None:
        groups = session.info.pop("live_bench_groups", None)
        if groups:
            moment = time.perf_counter()
            for group in groups:
                committed[group.id] = moment

    event.listen(Session, "after_flush", flushed)
    event.listen(Session, "after_commit", after_commit)

    hotel = make_hotel("VN", rooms=(bookings + 5,), nights=10)
    caller = make_caller("Reservations Staff", "VN")
    for _ in range(bookings):
        booking_service.create_booking(
            caller,
            booking_service.NewBooking(
                property_id=hotel.property_id,
                guest_name="Live Bench",
                lines=(booking_service.NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(2)),),
            ),
        )
        time.sleep(0.02)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with lock:
            if all(len(received.get(group_id, [])) == socket_count for group_id in committed):
                break
        time.sleep(0.05)
    for socket in [*vn_sockets, id_socket]:
        socket.close()
    live.stop()

    first = [(min(received[g]) - t) * 1000 for g, t in committed.items() if g in received]
    last = [(max(received[g]) - t) * 1000 for g, t in committed.items() if len(received.get(g, [])) == socket_count]
    print(f"{len(committed)} bookings, {socket_count} VN sockets + 1 ID socket, local WebSocket emulator")
    for label, values in (("first VN socket", first), (f"last of {socket_count}", last)):
        print(
            f"  {label:>16}: n={len(values)}  p50 {percentile(values, 0.5):.1f} ms  "
            f"p95 {percentile(values, 0.95):.1f} ms  max {max(values):.1f} ms  mean {statistics.mean(values):.1f} ms"
        )
    print(f"  messages on the ID socket: {len(foreign)}")


if __name__ == "__main__":
    main()
