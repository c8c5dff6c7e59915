"""Where a direct booking's time goes: SQL statements per phase, CPU per booking, and a cProfile.

Starts a throwaway embedded PostgreSQL (fsync off), migrates, seeds the same hotel as
``bench/booking_throughput.py`` (100 room types x 365 nights), then runs BOOKINGS direct bookings
(``booking_service.create_booking``, one client, one after another) and prints:

* statements per booking, split into: before the advisory lock, under the lock (lock to
  COMMIT, the lock statements included), and after the commit (the outbox relays);
* wall and CPU (process time) per booking;
* the functions with the most own time under cProfile (a second, profiled run).

    .venv/bin/python bench/booking_profile.py [BOOKINGS] [TOP]
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


class Phases:
    """Counts statements before the lock, under it (until COMMIT) and after the commit."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.phase = "before lock"

    def start(self) -> None:
        self.phase = "before lock"

    def statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "pg_advisory_xact_lock" in statement and self.phase == "before lock":
            self.phase = "under lock"
        self.counts[self.phase] += 1
        words = statement.split(None, 3)
        self.kinds[f"{self.phase}: {' '.join(words[:3]) if words[0].upper() == 'INSERT' else words[0]}"] += 1

    def commit(self, conn: Any) -> None:
        if self.phase == "under lock":
            self.phase = "after commit"


def main() -> None:
    bookings = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    from booking_throughput import bench_database

    with bench_database("ptx-bench-profile-", max_connections=20, pool_size=1):
        _run(bookings, top)


def _run(bookings: int, top: int) -> None:
    from booking_throughput import _setup
    from sqlalchemy import event

    from chalicelib.db.engine import get_engine
    from chalicelib.services import booking_service
    from chalicelib.services.booking_service import NewBooking, NewBookingLine

    setup = _setup()
    rng = random.Random(0)

    def book() -> None:
        first = setup.today + timedelta(days=1 + rng.randint(0, 360))  # type: ignore[operator]
        line = NewBookingLine(rng.choice(setup.room_type_ids[1:]), first, first + timedelta(days=rng.randint(1, 3)))
        request = NewBooking(setup.property_id, (line,), "Bench Guest", guest_email="bench@example.com")
        booking_service.create_booking(setup.caller, request)  # type: ignore[arg-type]

    for _ in range(20):  # warm: connection, statement caches
        book()
    phases = Phases()
    engine = get_engine()
    event.listen(engine, "before_cursor_execute", phases.statement)
    event.listen(engine, "commit", phases.commit)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(bookings):
        phases.start()
        book()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    event.remove(engine, "before_cursor_execute", phases.statement)
    event.remove(engine, "commit", phases.commit)
    print(f"{bookings} direct bookings, one client, load average {os.getloadavg()[0]:.1f}")
    print(f"  wall {wall * 1000 / bookings:.2f} ms per booking, CPU (this process) {cpu * 1000 / bookings:.2f} ms")
    for phase in ("before lock", "under lock", "after commit"):
        print(f"  statements {phase:13s} {phases.counts[phase] / bookings:5.2f} per booking")
    for kind, count in sorted(phases.kinds.items()):
        print(f"    {kind:60s} {count / bookings:5.2f}")
    profiler = cProfile.Profile(time.process_time)  # CPU: waits on the socket are not Python time
    profiler.enable()
    for _ in range(bookings):
        book()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    if os.environ.get("PROFILE_OUT"):
        stats.dump_stats(os.environ["PROFILE_OUT"])
    print(out.getvalue())


if __name__ == "__main__":
    main()
