"""Reading a 12-month calendar grid of a property with 10 room types and 2 rate plans each.

Starts a throwaway PostgreSQL and moto server (as the tests do), migrates, creates the property
through the services (10 room types x 731 nights, a base plan and a derived plan per room type),
then reads the grid for 365 nights N times through the service (``calendar_service.read_grid``)
and through the HTTP route (``GET /properties/{id}/calendar``, Chalice test client, JSON body
included) and prints p50/p95 and the rows read. Also times creating one room type with its
calendar. Never passes or fails on a time.

    .venv/bin/python bench/calendar_grid.py [N]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Quiet: the request log lines and metrics would drown the figure.
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

PASSWORD = "Bench-Marking-Lagoon-2026"  # noqa: S105 - a throwaway account in a throwaway database
ROOM_TYPES = 10
NIGHTS = 365


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    base = Path(tempfile.mkdtemp(prefix="ptx-bench-grid-"))
    from local.moto_server import MotoServer
    from local.postgres import EmbeddedPostgres, create_database

    postgres = EmbeddedPostgres(base / "data")
    postgres.start()
    moto = MotoServer().start()
    try:
        create_database(postgres.url(), "bench")
        os.environ.update(
            {
                "DATABASE_URL": postgres.url("bench"),
                "AWS_REGION": "ap-southeast-1",
                "BCRYPT_ROUNDS": "4",
                **moto.environment(),
            }
        )

        from chalice.test import Client
        from sqlalchemy import text

        from app import app
        from chalicelib.config import reset_settings
        from chalicelib.db.engine import dispose_engines
        from chalicelib.db.migrate import upgrade
        from chalicelib.db.models import Role, User
        from chalicelib.db.unit_of_work import unit_of_work
        from chalicelib.domain import passwords
        from chalicelib.domain.access import Caller
        from chalicelib.domain.permissions import Permission
        from chalicelib.services import calendar_service, property_service, rate_plan_service, room_type_service
        from local.aws_bootstrap import bootstrap

        reset_settings()
        upgrade(postgres.url("bench"))
        bootstrap()
        # Everything the calendar needs and nothing that makes 2FA mandatory (no administration bits).
        permissions = (
            Permission.PROPERTIES_READ
            | Permission.PROPERTIES_WRITE
            | Permission.INVENTORY_READ
            | Permission.INVENTORY_WRITE
            | Permission.RATES_WRITE
        )
        with unit_of_work() as uow:
            role = Role(name="Bench", description="", permissions=int(permissions))
            uow.session.add(role)
            uow.session.flush()
            user = User(email="bench@example.com", full_name="Bench", role_id=role.id, country_code="VN",
                        password_hash=passwords.hash_password(PASSWORD, rounds=4))  # fmt: skip
            uow.session.add(user)
            uow.session.flush()
            caller = Caller(user.id, user.email, "Bench", role.id, "Bench", permissions, "VN", None, False, "bench")

        hotel = property_service.create_property(
            caller,
            property_service.NewProperty(
                code="BENCH", name="Bench Hotel", country_code="VN", timezone="Asia/Ho_Chi_Minh", currency="VND"
            ),
        )
        create_ms = []
        for index in range(ROOM_TYPES):
            started = time.perf_counter()
            room_type = room_type_service.create_room_type(
                caller,
                hotel.id,
                room_type_service.NewRoomType(code=f"RT{index}", name=f"Room {index}", total_rooms=20 + index),
            )
            create_ms.append((time.perf_counter() - started) * 1000)
            bar = rate_plan_service.create_rate_plan(caller, room_type.id, rate_plan_service.NewRatePlan("BAR", "BAR"))
            rate_plan_service.create_rate_plan(
                caller,
                room_type.id,
                rate_plan_service.NewRatePlan(
                    "NRF", "Non-refundable", parent_id=bar.id, derivation_kind="percent", derivation_value=Decimal(-10)
                ),
            )

        with unit_of_work() as uow:
            stored = uow.session.execute(
                text("SELECT (SELECT count(*) FROM inventory_days), (SELECT count(*) FROM rate_days)")
            ).one()

        first = calendar_service.read_grid(caller, hotel.id).today
        last = first + timedelta(days=NIGHTS - 1)
        service_ms = []
        for _ in range(rounds + 1):
            started = time.perf_counter()
            grid = calendar_service.read_grid(caller, hotel.id, first, last)
            service_ms.append((time.perf_counter() - started) * 1000)
        service_ms = service_ms[1:]  # the first read warms caches
        if os.environ.get("BENCH_VERBOSE"):
            print("service reads (ms):", sorted(round(ms) for ms in service_ms))
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            calendar_service.read_grid(caller, hotel.id, first, last)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        cells = grid.cell_count
        rates = sum(len(entry.rates) for entry in grid.room_types)

        http_ms = []
        with Client(app) as client:
            login = client.http.post(
                "/auth/login",
                headers={"Content-Type": "application/json"},
                body=json.dumps({"email": "bench@example.com", "password": PASSWORD}),
            )
            token = json.loads(login.body)["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            path = f"/properties/{hotel.id}/calendar?date_from={first}&date_to={last}"
            for _ in range(rounds + 1):
                started = time.perf_counter()
                response = client.http.get(path, headers=headers)
                http_ms.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.body[:300]
            http_ms = http_ms[1:]
            size = len(response.body)
        dispose_engines()
    finally:
        moto.stop()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)

    print(f"stored: {stored[0]} inventory nights, {stored[1]} rate nights ({ROOM_TYPES} room types x 2 plans)")
    print(
        f"create one room type with its 24-month calendar: p50 {percentile(create_ms, 0.5):.0f} ms, "
        f"max {max(create_ms):.0f} ms"
    )
    print(
        f"12-month grid ({NIGHTS} nights), {cells} room-type nights + {rates} rate nights, {rounds} reads:\n"
        f"  service read_grid: p50 {percentile(service_ms, 0.5):.0f} ms, p95 {percentile(service_ms, 0.95):.0f} ms\n"
        f"  GET /properties/{{id}}/calendar: p50 {percentile(http_ms, 0.5):.0f} ms, "
        f"p95 {percentile(http_ms, 0.95):.0f} ms, body {size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
