"""The home page's summary (``GET /dashboard/summary``) over 100 properties and a year of bookings.

Starts a throwaway PostgreSQL, migrates, and writes in SQL (generate_series, so seeding takes
seconds): 100 properties in three countries with 10 room types each and 365 nights of calendar
(365,000 cells), and three bookings a day per property for a year (~110,000 groups, their lines and
~220,000 booked nights; one in twenty cancelled), the calendar's sold counters matching. Then
times the service (``dashboard_service.summary``, what the route calls) N times for: every
property over the last 30 nights, every property over the year, one country over 30 nights, one
property over 30 nights. Prints p50/p95. Never passes or fails on a time.

    .venv/bin/python bench/dashboard_summary.py [N]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

PROPERTIES = 100
ROOM_TYPES = 10
NIGHTS = 365
BOOKINGS_PER_DAY = 3

SEED = """
SET LOCAL statement_timeout = 0;
INSERT INTO properties (code, name, country_code, timezone, currency)
SELECT 'B' || p, 'Bench hotel ' || p, (ARRAY['VN', 'ID', 'MY'])[1 + mod(p, 3)],
       (ARRAY['Asia/Ho_Chi_Minh', 'Asia/Jakarta', 'Asia/Kuala_Lumpur'])[1 + mod(p, 3)],
       (ARRAY['VND', 'IDR', 'MYR'])[1 + mod(p, 3)]
FROM generate_series(1, :properties) AS p;

INSERT INTO room_types (property_id, code, name, total_rooms, base_rate)
SELECT p.id, 'RT' || r, 'Room type ' || r, 10 + r, 1000000
FROM properties p, generate_series(0, :room_types - 1) AS r;

INSERT INTO inventory_days (room_type_id, night, total)
SELECT rt.id, (:first)::date + n, rt.total_rooms
FROM room_types rt, generate_series(0, :nights - 1) AS n;

WITH made AS (
    SELECT p.id AS property_id, p.country_code, p.currency, d, k,
           (:first)::date + d AS check_in, 1 + mod(d + k, 3) AS nights, mod(d * 7 + k, 20) = 0 AS cancelled,
           (SELECT min(id) FROM room_types WHERE property_id = p.id) + mod(d + k, :room_types) AS room_type_id
    FROM properties p, generate_series(0, :nights - 1) AS d, generate_series(1, :per_day) AS k
), groups AS (
    INSERT INTO booking_groups (reference, property_id, country_code, source, channel, status_id, currency,
                                total_amount, check_in, check_out, booked_at, cancelled_at, guest_name)
    SELECT 'BN' || property_id || '-' || d || '-' || k, property_id, country_code, 'direct',
           (ARRAY['direct', 'booking_com', 'agoda', 'expedia'])[1 + mod(d + k, 4)],
           (SELECT id FROM booking_statuses WHERE code = CASE WHEN cancelled THEN 'cancelled' ELSE 'confirmed' END),
           currency, 1000000 * nights, check_in, check_in + nights,
           check_in - make_interval(days => 3 * k), CASE WHEN cancelled THEN check_in - 1 END, 'Bench Guest'
    FROM made
    RETURNING id, reference, check_in, check_out, status_id, total_amount
), lines AS (
    INSERT INTO booking_lines (group_id, position, room_type_id, check_in, check_out, rooms, amount, status_id)
    SELECT g.id, 0, m.room_type_id, g.check_in, g.check_out, 1, g.total_amount, g.status_id
    FROM groups g JOIN made m ON g.reference = 'BN' || m.property_id || '-' || m.d || '-' || m.k
    RETURNING id, room_type_id, check_in, check_out, amount, status_id
)
INSERT INTO booking_nights (line_id, night, room_type_id, rooms, effect, amount)
SELECT l.id, night::date, l.room_type_id, 1,
       CASE WHEN s.code = 'cancelled' THEN 'none' ELSE 'sell' END, 1000000
FROM lines l JOIN booking_statuses s ON s.id = l.status_id,
     generate_series(l.check_in, l.check_out - 1, interval '1 day') AS night;

UPDATE inventory_days d SET sold = s.rooms
FROM (SELECT room_type_id, night, sum(rooms) AS rooms FROM booking_nights WHERE effect = 'sell'
      GROUP BY room_type_id, night) s
WHERE d.room_type_id = s.room_type_id AND d.night = s.night;
ANALYZE;
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    base = Path(tempfile.mkdtemp(prefix="ptx-bench-summary-"))
    from local.postgres import EmbeddedPostgres, create_database

    postgres = EmbeddedPostgres(base / "data")
    postgres.start()
    try:
        create_database(postgres.url(), "bench")
        os.environ["DATABASE_URL"] = postgres.url("bench")

        from sqlalchemy import text

        from chalicelib.config import reset_settings
        from chalicelib.db.engine import dispose_engines
        from chalicelib.db.migrate import upgrade
        from chalicelib.db.unit_of_work import unit_of_work
        from chalicelib.domain.access import Caller
        from chalicelib.domain.dashboard import SummaryFilter, SummaryWindow
        from chalicelib.domain.permissions import Permission
        from chalicelib.services import dashboard_service

        reset_settings()
        upgrade(postgres.url("bench"))
        today = date.today()
        first = today - timedelta(days=NIGHTS - 1)
        started = time.perf_counter()
        with unit_of_work() as uow:
            for statement in SEED.split(";\n"):
                if statement.strip():
                    uow.session.execute(
                        text(statement),
                        {
                            "properties": PROPERTIES,
                            "room_types": ROOM_TYPES,
                            "nights": NIGHTS,
                            "per_day": BOOKINGS_PER_DAY,
                            "first": first,
                        },
                    )
            counts = uow.session.execute(
                text(
                    "SELECT (SELECT count(*) FROM booking_groups), (SELECT count(*) FROM booking_nights),"
                    " (SELECT count(*) FROM inventory_days), (SELECT min(id) FROM properties)"
                )
            ).one()
        groups, nights, cells, first_property = counts
        print(
            f"seeded {PROPERTIES} properties, {cells:,} calendar cells, {groups:,} bookings, "
            f"{nights:,} booked nights in {time.perf_counter() - started:.1f} s"
        )

        def caller(country: str | None) -> Caller:
            return Caller(
                user_id=1,
                email="bench@example.com",
                full_name="Bench",
                role_id=1,
                role_name="Bench",
                permissions=Permission.DASHBOARD_VIEW | Permission.FINANCE_VIEW | Permission.COUNTRY_SWITCH,
                home_country=None,
                active_country=country,
                may_switch_country=True,
                session_id="bench",
            )

        month = SummaryWindow(today - timedelta(days=29), today)
        year = SummaryWindow(first, today)
        cases = [
            ("every property, 30 nights", caller(None), month, SummaryFilter()),
            ("every property, 365 nights", caller(None), year, SummaryFilter()),
            ("one country (VN), 30 nights", caller("VN"), month, SummaryFilter()),
            ("one property, 30 nights", caller(None), month, SummaryFilter(property_id=int(first_property))),
        ]
        for label, who, window, wanted in cases:
            dashboard_service.summary(who, window, wanted)  # warm: connection, plans, caches
            timings = []
            for _ in range(rounds):
                begun = time.perf_counter()
                found = dashboard_service.summary(who, window, wanted)
                timings.append((time.perf_counter() - begun) * 1000)
            print(
                f"{label:<30} p50 {percentile(timings, 0.5):7.1f} ms  p95 {percentile(timings, 0.95):7.1f} ms"
                f"  (occupancy {found.room_nights.occupancy}, {found.activity.made:,} bookings made)"
            )
        dispose_engines()
    finally:
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
