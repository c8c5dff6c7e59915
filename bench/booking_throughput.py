"""Bookings per second through the booking service at 16 concurrent clients, and the ceiling (pgbench).

Starts a throwaway embedded PostgreSQL (fsync off, as the test harness runs it), migrates, and
measures two workloads, each for SECONDS seconds:

  (a) hot:    every booking on one room type (1-3 nights among the next 30) — all 16 clients
              queue on the same advisory lock;
  (b) spread: bookings spread over 100 room types x 365 nights (random room type and stay).

Each booking is ``booking_service.create_booking`` exactly as ``POST /bookings`` calls it (one
transaction: lock, read the nights, check, insert group + line + nights + event, update the
counters, ARI rows, audit row, the response snapshot), from 16 client *processes* with one
connection each, as 16 concurrent Lambda containers would run it (threads in one process would
measure the GIL instead). Totals are large, so nothing is refused.

The ceiling is the same SQL transaction driven by ``pgbench`` with 16 clients against the same
database: the one read before the lock, the lock, the cells and the one write, generated from
the repositories' own SQL text: what PostgreSQL itself sustains on this machine, without Python,
the ORM or the driver (pgbench sends the COMMIT on its own; the service sends it behind the
write). Printed beside it: pgbench on that transaction followed by the relay transaction a booking
runs after its commit (the live and ARI outbox claims, from the relays' own SQL text), i.e. all
the SQL a booking sends. Prints the rates, their ratios and the load average.
Never passes or fails on a time.

    .venv/bin/python bench/booking_throughput.py [SECONDS]
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

CLIENTS = 16
SPREAD_ROOM_TYPES = 100
DAYS = 365

# The booking transaction as create_booking sends it, with pgbench variables: the one read before
# the lock (property, status, setting, room types), the lock, the cells, then the one write statement
# — the very SQL text of chalicelib.db.repositories (bookings, inventory_cells, locks, booking_inserts),
# its parameters (the write's JSON ones built by SQL) from the variables. pgbench sends each statement
# and the COMMIT in a round trip of its own (the service sends its COMMIT behind the write).
PGBENCH_VARIABLES = """
\\set rt random(:first_rt, :last_rt)
\\set len random(1, 3)
\\set d0 :base + random(0, :span)
\\set d1 :d0 + :len
\\set n random(1, 1000000000)
BEGIN;
"""
PGBENCH_READ = {
    "property_id": ":property",
    "status_code": "'pending'",
    "setting_key": "'booking_expiry_minutes'",
    "room_type_ids": "ARRAY[:rt]",
    "countries": "ARRAY['VN']",
}
PGBENCH_LOCK = {"namespace": "2", "key": ":rt"}
PGBENCH_CELLS = {
    "room_type_ids": "ARRAY[:rt]",
    "first_night": "DATE '2000-01-01' + :d0",
    "end_night": "DATE '2000-01-01' + :d1 + 1",
}

_STAY = "DATE '2000-01-01' + :d0, 'check_out', DATE '2000-01-01' + :d1"
_CELLS = (
    "FROM inventory_days WHERE room_type_id = :rt"
    " AND night >= DATE '2000-01-01' + :d0 AND night < DATE '2000-01-01' + :d1"
)
PGBENCH_PARAMETERS = {
    "group": "jsonb_build_object('reference', 'PB' || :run || '-' || :client_id || '-' || :n, 'property_id', :property,"
    " 'country_code', 'VN', 'source', 'direct', 'channel', 'direct', 'status_id', :pending, 'currency', 'VND',"
    " 'booked_at', now(), 'total_amount', 1000000 * :len, 'ota_code', NULL, 'ota_reservation_id', NULL,"
    " 'last_ota_revision', NULL, 'guest_name', 'Bench Guest', 'guest_email', 'bench@example.com', 'guest_phone', '',"
    f" 'check_in', {_STAY}, 'hold_expires_at', now() + interval '15 minutes', 'confirmed_at', NULL,"
    " 'cancelled_at', NULL, 'notes', '', 'created_by_user_id', :user_id, 'created_at', now(), 'updated_at', now())",
    "lines": "jsonb_build_array(jsonb_build_object('position', 0, 'room_type_id', :rt, 'rate_plan_id', NULL,"
    f" 'check_in', {_STAY}, 'rooms', 1, 'adults', 2, 'children', 0, 'amount', 1000000 * :len,"
    " 'status_id', :pending, 'line_ref', NULL, 'guest_name', NULL, 'created_at', now(), 'updated_at', now()))",
    "nights": "(SELECT jsonb_agg(jsonb_build_object('position', 0, 'night', d::date, 'room_type_id', :rt, 'rooms', 1,"
    " 'effect', 'hold', 'amount', 1000000)) FROM generate_series(DATE '2000-01-01' + :d0,"
    " DATE '2000-01-01' + :d1 - 1, interval '1 day') AS d)",
    "events": "jsonb_build_array(jsonb_build_object('kind', 'created', 'from_status', NULL, 'to_status', 'pending',"
    " 'before', NULL, 'after', '{\"lines\": []}'::jsonb, 'reason', '', 'source', 'staff', 'actor_user_id', :user_id,"
    " 'actor_label', 'bench@example.com', 'ota_revision', NULL, 'occurred_at', now()))",
    "audit": "jsonb_build_object('actor_user_id', :user_id, 'actor_email', 'bench@example.com',"
    " 'action', 'booking.created', 'entity_type', 'booking', 'country_code', 'VN', 'before', NULL,"
    " 'after', '{}'::jsonb, 'request_id', NULL, 'client_ip', NULL)",
    "topic": "'live'",
    "live": "jsonb_build_object('type', 'booking.created', 'id', 0, 'property_id', :property, 'country_code', 'VN',"
    " 'at', now())",
    "counters": "(SELECT jsonb_agg(jsonb_build_object('room_type_id', room_type_id, 'night', night, 'sold', sold,"
    f" 'held', held + 1, 'blocked', blocked, 'version', version + 1)) {_CELLS})",
    "ari": "(SELECT jsonb_agg(jsonb_build_object('property_id', :property, 'room_type_id', room_type_id,"
    " 'rate_plan_id', NULL, 'night', night, 'version', version + 1, 'payload', '{\"values\": {}}'::jsonb))"
    f" {_CELLS})",
}


# After the commit a booking relays its live row and its ARI rows in one transaction (the statements
# of chalicelib.db.repositories.outbox and .ari_push), claiming both by the ids its write returned
# (pgbench keeps them with \gset).
PGBENCH_LIVE_RELAY = {"now": "now()", "max_attempts": "12", "limit": "100", "live": "'live'", "ids": "ARRAY[:live_id]"}
PGBENCH_ARI_RELAY = {"moment": "now()", "limit": "5000", "active": "'active'", "ids": "':ari_ids'"}


def _substitute(sql: str, parameters: dict[str, str]) -> str:
    for name, value in parameters.items():
        if f":{name}" in sql:
            sql, replaced = re.subn(rf"(?<!:):{name}\b", lambda _match, value=value: value, sql)  # type: ignore[misc]
            assert replaced, name
    return sql.strip()


def pgbench_script(*, with_relay: bool = True) -> str:
    """The variables, the statements before the write (:data:`PGBENCH_READ` …), then the writer's
    statement with each bound parameter replaced by its SQL,
    then (``with_relay``) the relay transaction after the commit (the two claim statements)."""
    from chalicelib.db import locks
    from chalicelib.db.repositories import ari_push, bookings, inventory_cells, outbox
    from chalicelib.db.repositories.booking_inserts import insert_group_statement
    from chalicelib.domain.booking_plans import GroupValues, LineValues

    group = [field.name for field in dataclasses.fields(GroupValues)]
    lines = [field.name for field in dataclasses.fields(LineValues)]
    head = PGBENCH_VARIABLES.lstrip() + "".join(
        f"{_substitute(statement.text, parameters)};\n"
        for statement, parameters in (
            (bookings._BOOKING_TARGETS_IN_COUNTRIES, PGBENCH_READ),
            (locks._LOCK, PGBENCH_LOCK),
            (inventory_cells._LOAD_CELLS, PGBENCH_CELLS),
        )
    )
    write = _substitute(insert_group_statement(group, lines), PGBENCH_PARAMETERS)
    if not with_relay:
        return f"{head}{write};\nCOMMIT;\n"
    live = _substitute(outbox.CLAIM_OF_IDS.text, PGBENCH_LIVE_RELAY)
    ari = _substitute(ari_push.CLAIM_OF_IDS.text, PGBENCH_ARI_RELAY)
    return f"{head}{write}\n\\gset\nCOMMIT;\nBEGIN;\n{live};\n{ari};\nCOMMIT;\n"


@contextmanager
def bench_database(prefix: str, *, max_connections: int, pool_size: int) -> Iterator[object]:
    """A throwaway embedded PostgreSQL (fsync off), migrated, that the app's engine points at; its server."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    from local.postgres import EmbeddedPostgres, create_database

    postgres = EmbeddedPostgres(base / "data", max_connections=max_connections)
    postgres.start()
    try:
        create_database(postgres.url(), "bench")
        os.environ.update(
            {"DATABASE_URL": postgres.url("bench"), "DB_POOL_SIZE": str(pool_size), "DB_MAX_OVERFLOW": "2"}
        )
        from chalicelib.config import reset_settings
        from chalicelib.db.migrate import upgrade

        reset_settings()
        upgrade(postgres.url("bench"))
        yield postgres
    finally:
        from chalicelib.db.engine import dispose_engines

        dispose_engines()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    with bench_database("ptx-bench-booking-", max_connections=100, pool_size=2) as postgres:
        setup = _setup()
        print(
            f"PostgreSQL {_server_version()} (fsync off), {CLIENTS} clients, {seconds:.0f} s per workload, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        latency = _single_client(setup, setup.room_type_ids[1:], DAYS - 4, min(seconds, 5.0))
        print(f"  1 client, one booking after another: {latency:.1f} ms per booking ({1000 / latency:.0f}/s)")
        for name, room_types, span in (
            ("hot: 1 room type", setup.room_type_ids[:1], 30),
            (f"spread: {SPREAD_ROOM_TYPES} room types x {DAYS} nights", setup.room_type_ids[1:], DAYS - 4),
        ):
            app_rate, done, failed = _run_service(setup, room_types, span, seconds)
            with_relay = _run_pgbench(postgres, setup, room_types, span, seconds, with_relay=True)
            booking_only = _run_pgbench(postgres, setup, room_types, span, seconds, with_relay=False)
            print(
                f"  {name:42s} service {app_rate:7.1f} bookings/s ({done} booked, {failed} failed)   "
                f"pgbench {booking_only:7.1f} tx/s   ratio {app_rate / booking_only:5.2f}   "
                f"(with the relay transaction: pgbench {with_relay:7.1f} tx/s, ratio {app_rate / with_relay:5.2f})   "
                f"load average {os.getloadavg()[0]:.1f}"
            )


class Setup:
    def __init__(self, property_id: int, room_type_ids: list[int], caller: object, user_id: int, pending: int,
                 today: object) -> None:  # fmt: skip
        self.property_id = property_id
        self.room_type_ids = room_type_ids
        self.caller = caller
        self.user_id = user_id
        self.pending = pending
        self.today = today


def _setup() -> Setup:
    from sqlalchemy import select

    from chalicelib.db.models import BookingStatus, Property, Role, RoomType, User
    from chalicelib.db.repositories import inventory_cells
    from chalicelib.db.unit_of_work import unit_of_work
    from chalicelib.domain.access import Caller
    from chalicelib.domain.inventory import missing_cells
    from chalicelib.domain.nights import NightRange
    from chalicelib.domain.permissions import as_permission
    from chalicelib.domain.timezones import today_in_timezone

    today = today_in_timezone(datetime.now(UTC), "Asia/Ho_Chi_Minh")
    with unit_of_work() as uow:
        session = uow.session
        hotel = Property(
            code="BENCH", name="Bench Hotel", country_code="VN", timezone="Asia/Ho_Chi_Minh", currency="VND"
        )
        session.add(hotel)
        session.flush()
        room_type_ids = []
        for index in range(1 + SPREAD_ROOM_TYPES):
            total = 1_000_000 if index == 0 else 10_000
            room_type = RoomType(property_id=hotel.id, code=f"RT{index}", name=f"Room {index}", total_rooms=total,
                                 base_rate=1000000)  # fmt: skip
            session.add(room_type)
            session.flush()
            room_type_ids.append(room_type.id)
            window = NightRange(today, today + timedelta(days=DAYS))
            inventory_cells.insert_cells(session, missing_cells(room_type.id, [], window, total=total, buffer=0))
        role = session.scalar(select(Role).where(Role.name == "Reservations Staff"))
        assert role is not None
        user = User(
            email="bench@example.com",
            full_name="Bench",
            password_hash="!bench-cannot-log-in",  # noqa: S106 - not a password: no login matches it
            role_id=role.id,
            country_code="VN",
        )
        session.add(user)
        session.flush()
        pending = session.scalar(select(BookingStatus.id).where(BookingStatus.code == "pending"))
        assert pending is not None
        caller = Caller(
            user_id=user.id, email=user.email, full_name=user.full_name, role_id=role.id, role_name=role.name,
            permissions=as_permission(role.permissions), home_country="VN", active_country="VN",
            may_switch_country=False, session_id="bench",
        )  # fmt: skip
        return Setup(hotel.id, room_type_ids, caller, user.id, pending, today)


def _single_client(setup: Setup, room_types: list[int], span: int, seconds: float) -> float:
    """Milliseconds per booking for one client alone (the latency a single request sees)."""
    from chalicelib.services import booking_service
    from chalicelib.services.booking_service import NewBooking, NewBookingLine

    rng = random.Random(0)
    count = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds or count < 10:
        first = setup.today + timedelta(days=1 + rng.randint(0, span - 1))  # type: ignore[operator]
        line = NewBookingLine(rng.choice(room_types), first, first + timedelta(days=rng.randint(1, 3)))
        booking_service.create_booking(setup.caller, NewBooking(setup.property_id, (line,), "Bench Guest"))  # type: ignore[arg-type]
        count += 1
    return (time.perf_counter() - began) * 1000 / count


def _run_service(setup: Setup, room_types: list[int], span: int, seconds: float) -> tuple[float, int, int]:
    """16 client processes (as 16 Lambda containers would be: one connection each, no shared GIL)."""
    import multiprocessing

    from chalicelib.db.engine import dispose_engines
    from chalicelib.services import booking_service  # noqa: F401 - imported once, before the fork

    dispose_engines()  # no pooled connection may cross the fork
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start = context.Barrier(CLIENTS + 1)
    deadline = context.Value("d", 0.0)
    workers = [
        context.Process(target=_client, args=(index, setup, room_types, span, start, deadline, results))
        for index in range(CLIENTS)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    deadline.value = time.time() + seconds
    outcomes = [results.get(timeout=seconds + 120) for _ in workers]
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    done = sum(ok for ok, _ in outcomes)
    return done / elapsed, done, sum(failed for _, failed in outcomes)


def _client(index: int, setup: Setup, room_types: list[int], span: int, start: object, deadline: object,
            results: object) -> None:  # fmt: skip
    from chalicelib.config import reset_settings
    from chalicelib.db.engine import dispose_engines
    from chalicelib.services import booking_service
    from chalicelib.services.booking_service import NewBooking, NewBookingLine

    os.environ["DB_POOL_SIZE"] = "1"
    reset_settings()
    rng = random.Random(index)

    def request() -> NewBooking:
        first = setup.today + timedelta(days=1 + rng.randint(0, span - 1))  # type: ignore[operator]
        return NewBooking(
            property_id=setup.property_id,
            guest_name="Bench Guest",
            guest_email="bench@example.com",
            lines=(NewBookingLine(rng.choice(room_types), first, first + timedelta(days=rng.randint(1, 3))),),
        )

    booking_service.create_booking(setup.caller, request())  # type: ignore[arg-type]  # warm: connection, caches
    done = failed = 0
    start.wait()  # type: ignore[attr-defined]
    while deadline.value == 0.0:  # type: ignore[attr-defined]
        time.sleep(0.001)
    while time.time() < deadline.value:  # type: ignore[attr-defined]
        try:
            booking_service.create_booking(setup.caller, request())  # type: ignore[arg-type]
            done += 1
        except Exception:
            failed += 1
    dispose_engines()
    results.put((done, failed))  # type: ignore[attr-defined]


def _pgbench() -> Path:
    """pgbench next to the server binaries, else on PATH, else in the usual install folders."""
    from local.postgres import find_pg_bin_dir

    beside = find_pg_bin_dir() / "pgbench"
    if beside.exists():
        return beside
    on_path = shutil.which("pgbench")
    if on_path:
        return Path(on_path)
    for candidate in sorted(Path("/").glob("usr/lib/postgresql/*/bin/pgbench"), reverse=True):
        return candidate
    raise SystemExit("pgbench not found: install the PostgreSQL client tools (e.g. apt-get install postgresql)")


def _run_pgbench(
    postgres: object, setup: Setup, room_types: list[int], span: int, seconds: float, *, with_relay: bool
) -> float:
    pgbench = _pgbench()
    script = Path(tempfile.mkdtemp(prefix="ptx-pgbench-")) / "booking.sql"
    script.write_text(pgbench_script(with_relay=with_relay))
    variables = {
        "first_rt": min(room_types),
        "last_rt": max(room_types),
        "span": span - 1,
        "base": (setup.today + timedelta(days=1) - date(2000, 1, 1)).days,  # type: ignore[operator]
        "property": setup.property_id,
        "pending": setup.pending,
        "user_id": setup.user_id,
        "run": len(room_types) % 10 * 2 + with_relay,  # each pgbench run its own references
    }
    command = [str(pgbench), "-n", "-c", str(CLIENTS), "-j", "2", "-T", str(int(seconds)), "-f", str(script),
               "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres"]  # type: ignore[attr-defined]  # fmt: skip
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    command.append("bench")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    shutil.rmtree(script.parent, ignore_errors=True)
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout)
    if result.returncode != 0 or match is None:
        raise SystemExit(f"pgbench failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return float(match.group(1))


def _server_version() -> str:
    from sqlalchemy import text

    from chalicelib.db.unit_of_work import unit_of_work

    with unit_of_work() as uow:
        return str(uow.session.scalar(text("SHOW server_version")))


if __name__ == "__main__":
    main()
