"""Hardblock figures: an amendment preview over 5 room types x 60 nights (target <= 150 ms) and a bulk
release of 100 blocks with the ARI outbox (target <= 2 s); the auto-release of 100 blocks beside it.

Starts a throwaway embedded PostgreSQL (fsync off, as the test harness runs it), migrates, and
builds one property of 5 room types x 120 nights with a rate plan each (so ARI rows are per room
type and rate plan as in production).

  preview: ``hardblock_service.change_block(apply=False)`` of an overlay of every night and room
           type of a definite block of 5 room types x 60 nights (300 cells), plus the API's
           response model and its JSON, as ``POST /hardblocks/{id}/amendments/preview`` answers;
  bulk release: ``hardblock_release.bulk_release`` of every active block of an agency (100 blocks
           of 2 room types x 7 nights, 3 rooms), as ``POST /hardblocks/bulk/release`` calls it,
           one transaction with the calendar and the ARI outbox rows; a fresh agency each run;
  auto-release: ``hardblock_release.release_due_blocks`` (the housekeeping task) of 100 blocks due.

Prints p50 and p95 (and the ARI rows written). Never passes or fails on a time.

    .venv/bin/python bench/hardblocks.py [PREVIEWS] [BULK_RUNS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

ROOM_TYPES = 5
DAYS = 120
PREVIEW_NIGHTS = 60
BULK_BLOCKS = 100
TOTAL_ROOMS = 10_000
ZONE = "Asia/Ho_Chi_Minh"


def main() -> None:
    previews = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    bulk_runs = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    base = Path(tempfile.mkdtemp(prefix="ptx-bench-hardblocks-"))
    from local.postgres import EmbeddedPostgres, create_database

    postgres = EmbeddedPostgres(base / "data", max_connections=20)
    postgres.start()
    try:
        create_database(postgres.url(), "bench")
        os.environ.update({"DATABASE_URL": postgres.url("bench"), "DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "2"})
        from chalicelib.config import reset_settings
        from chalicelib.db.migrate import upgrade

        reset_settings()
        upgrade(postgres.url("bench"))
        setup = _setup()
        print(f"{ROOM_TYPES} room types x {DAYS} nights, a rate plan each")
        _previews(setup, previews).report(f"preview of an overlay, {ROOM_TYPES} room types x {PREVIEW_NIGHTS} nights")
        bulk, auto, rows = _bulk_releases(setup, bulk_runs)
        print(f"  ({BULK_BLOCKS} blocks of 2 room types x 7 nights, 3 rooms; {rows} ARI rows a release)")
        bulk.report(f"bulk release of {BULK_BLOCKS} blocks (one transaction, ARI outbox)", unit="s")
        auto.report(f"auto-release of {BULK_BLOCKS} due blocks (housekeeping, a transaction each)", unit="s")
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other suites share them)")
    finally:
        from chalicelib.db.engine import dispose_engines

        dispose_engines()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


class Measured:
    """Wall and CPU time (ms, this process) and SQL statements of what runs inside ``with``."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.statements: list[int] = []
        self._count = 0

    def _counter(self, *_args: Any) -> None:
        self._count += 1

    def __enter__(self) -> Measured:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self._count = 0
        event.listen(Engine, "before_cursor_execute", self._counter)
        self._began = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *_exc: object) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.wall.append((time.perf_counter() - self._began[0]) * 1000)
        self.cpu.append((time.process_time() - self._began[1]) * 1000)
        event.remove(Engine, "before_cursor_execute", self._counter)
        self.statements.append(self._count)

    def report(self, what: str, unit: str = "ms") -> None:
        _report(what, self.wall, unit=unit)
        _report("   its CPU in this process", self.cpu, unit=unit)
        print(f"     SQL statements: {statistics.median(self.statements):.0f} (an executemany counts once)")


def _report(what: str, samples: list[float], *, unit: str = "ms") -> None:
    scale = 1000 if unit == "s" else 1
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
    print(
        f"  {what}: p50 {statistics.median(samples) / scale:.3f} {unit}, p95 {p95 / scale:.3f} {unit}"
        f" ({len(samples)} runs)"
    )


def _setup() -> dict[str, Any]:
    from sqlalchemy import select

    from chalicelib.db.models import Property, RatePlan, Role, RoomType, User
    from chalicelib.db.repositories import inventory_cells
    from chalicelib.db.unit_of_work import unit_of_work
    from chalicelib.domain.access import Caller
    from chalicelib.domain.inventory import missing_cells
    from chalicelib.domain.nights import NightRange
    from chalicelib.domain.permissions import as_permission
    from chalicelib.domain.timezones import today_in_timezone

    today = today_in_timezone(datetime.now(UTC), ZONE)
    with unit_of_work() as uow:
        session = uow.session
        hotel = Property(code="BENCH", name="Bench", country_code="VN", timezone=ZONE, currency="VND")
        session.add(hotel)
        session.flush()
        room_type_ids = []
        for index in range(ROOM_TYPES):
            room_type = RoomType(property_id=hotel.id, code=f"RT{index}", name=f"Room {index}",
                                 total_rooms=TOTAL_ROOMS, base_rate=1000000)  # fmt: skip
            session.add(room_type)
            session.flush()
            session.add(RatePlan(room_type_id=room_type.id, code="BAR", name="Best available", currency="VND",
                                 base_rate=1000000))  # fmt: skip
            room_type_ids.append(room_type.id)
            window = NightRange(today, today + timedelta(days=DAYS))
            inventory_cells.insert_cells(session, missing_cells(room_type.id, [], window, total=TOTAL_ROOMS, buffer=0))
        role = session.scalar(select(Role).where(Role.name == "Admin"))
        assert role is not None
        user = User(email="bench@example.com", full_name="Bench", password_hash="!bench-cannot-log-in",  # noqa: S106
                    role_id=role.id, country_code="VN")  # fmt: skip
        session.add(user)
        session.flush()
        caller = Caller(
            user_id=user.id, email=user.email, full_name=user.full_name, role_id=role.id, role_name=role.name,
            permissions=as_permission(role.permissions), home_country="VN", active_country="VN",
            may_switch_country=False, session_id="bench",
        )  # fmt: skip
        return {"caller": caller, "property_id": hotel.id, "room_type_ids": room_type_ids, "today": today}


def _block(setup: dict[str, Any], room_type_ids: list[int], first: date, nights: int, rooms: int, **fields: Any) -> int:
    from chalicelib.domain.hardblocks import Amendment, AmendmentKind
    from chalicelib.domain.nights import NightRange
    from chalicelib.services import hardblock_service

    span = NightRange.through(first, first + timedelta(days=nights - 1))
    allocation = Amendment(AmendmentKind.OVERLAY, span, frozenset(room_type_ids), rooms, Decimal(1500000))
    terms = {"property_id": setup["property_id"], "group_name": "Bench group", "guarantee": "definite",
             "cut_off_date": setup["today"], "notes": "", **fields}  # fmt: skip
    return hardblock_service.create_block(setup["caller"], terms, [allocation]).id


def _previews(setup: dict[str, Any], count: int) -> Measured:
    from chalicelib.api.hardblocks import preview_out
    from chalicelib.domain.hardblocks import Amendment, AmendmentKind
    from chalicelib.services import hardblock_service

    first = setup["today"] + timedelta(days=50)  # past the auto-release runs' cut-offs
    block_id = _block(setup, setup["room_type_ids"], first, PREVIEW_NIGHTS, 10, cut_off_date=first)
    overlay = Amendment(AmendmentKind.OVERLAY, rooms=12, rate=Decimal(1400000))
    current, plan = hardblock_service.change_block(setup["caller"], block_id, overlay, apply=False)  # warm up
    measured = Measured()
    for _ in range(count):
        with measured:
            current, plan = hardblock_service.change_block(setup["caller"], block_id, overlay, apply=False)
            preview_out(current, plan).model_dump_json()
    assert len(plan.diff) == ROOM_TYPES * PREVIEW_NIGHTS
    return measured


def _bulk_releases(setup: dict[str, Any], runs: int) -> tuple[Measured, Measured, int]:
    from sqlalchemy import func, select

    from chalicelib.db.models import Agency, AriChangeRecord
    from chalicelib.db.unit_of_work import unit_of_work
    from chalicelib.domain.hardblock_release import BlockSelection
    from chalicelib.domain.hardblocks import Amendment, AmendmentKind
    from chalicelib.services import hardblock_release

    def ari_rows() -> int:
        with unit_of_work() as uow:
            return int(uow.session.scalar(select(func.count()).select_from(AriChangeRecord)) or 0)

    bulk, auto, rows = Measured(), Measured(), 0
    for run in range(runs):
        with unit_of_work() as uow:
            agency = Agency(code=f"BENCH-{run}", name=f"Bench {run}", country_code="VN")
            uow.session.add(agency)
            uow.session.flush()
            agency_id = agency.id
        for index in range(BULK_BLOCKS):
            pair = [setup["room_type_ids"][index % ROOM_TYPES], setup["room_type_ids"][(index + 1) % ROOM_TYPES]]
            first = setup["today"] + timedelta(days=70 + index % 40)
            _block(setup, pair, first, 7, 3, agency_id=agency_id, cut_off_date=first - timedelta(days=1))
        before = ari_rows()
        with bulk:
            outcomes = hardblock_release.bulk_release(
                setup["caller"], BlockSelection(agency_id=agency_id), Amendment(AmendmentKind.RELEASE), apply=True
            )
        assert len(outcomes) == BULK_BLOCKS
        rows = ari_rows() - before
        _auto_release(setup, run, auto)
    return bulk, auto, rows


def _auto_release(setup: dict[str, Any], run: int, measured: Measured) -> None:
    """100 blocks whose cut-off comes on a night of their own, released by the housekeeping task."""
    from zoneinfo import ZoneInfo

    from chalicelib.services import hardblock_release

    cut_off = setup["today"] + timedelta(days=2 + run)
    for index in range(BULK_BLOCKS):
        pair = [setup["room_type_ids"][index % ROOM_TYPES], setup["room_type_ids"][(index + 2) % ROOM_TYPES]]
        _block(setup, pair, setup["today"] + timedelta(days=70 + index % 40), 7, 3, cut_off_date=cut_off)
    instant = datetime.combine(cut_off, datetime.min.time(), tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
    with measured:
        counts = hardblock_release.release_due_blocks(clock=lambda: instant + timedelta(minutes=1))
    assert counts["released"] == BULK_BLOCKS, counts


if __name__ == "__main__":
    main()
