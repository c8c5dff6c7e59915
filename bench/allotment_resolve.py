"""Resolving the allotments of one property: 20 room types, 50 contracts, 1,000 events, 365 nights.

Pure domain (``chalicelib.domain.allotments.resolve_calendar``): contracts → event applier →
outstanding allotments → pool budget. Each contract covers 4 room types for the year in two
seasons with two release steps; events are a random mix of every kind over random ranges; a
third of the contracted nights have pick-ups. Prints p50 / p95 / max over N runs and the size
of the result, and the CPU time (the wall time swings with the machine's load). Never passes or fails
on a time.

    .venv/bin/python bench/allotment_resolve.py [N]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.allotment_pool import PoolInput, resolve_calendar
from chalicelib.domain.allotments import (
    AllotmentEvent,
    AllotmentEventKind,
    ContractMode,
    ContractStatus,
    ContractTerms,
    ReleaseStep,
    Season,
)
from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday

ROOM_TYPES = 20
CONTRACTS = 50
EVENTS = 1_000
NIGHTS = 365
ROOM_TYPES_PER_CONTRACT = 4
FIRST_NIGHT = date(2027, 1, 1)
AS_OF = datetime(2027, 1, 1, tzinfo=UTC)


def build(rng: random.Random) -> tuple[list[ContractTerms], list[AllotmentEvent], list[PoolInput], dict]:  # type: ignore[type-arg]
    half = NightRange(FIRST_NIGHT, FIRST_NIGHT + timedelta(days=NIGHTS // 2))
    rest = NightRange(half.check_out, FIRST_NIGHT + timedelta(days=NIGHTS))
    contracts = []
    for contract_id in range(1, CONTRACTS + 1):
        room_types = rng.sample(range(1, ROOM_TYPES + 1), ROOM_TYPES_PER_CONTRACT)
        seasons = tuple(
            Season(room_type, nights, rooms=rng.randint(1, 4), rate=Decimal(rng.randint(50, 200)))
            for room_type in room_types
            for nights in (half, rest)
        )
        steps = (ReleaseStep(30, 2), ReleaseStep(7, 0))
        contracts.append(ContractTerms(contract_id, ContractMode.ALLOTMENT, ContractStatus.ACTIVE, seasons, steps))
    events = []
    for sequence in range(EVENTS):
        contract = rng.choice(contracts)
        start = FIRST_NIGHT + timedelta(days=rng.randrange(NIGHTS - 30))
        events.append(
            AllotmentEvent(
                contract.contract_id,
                rng.choice(list(AllotmentEventKind)),
                AS_OF - timedelta(minutes=rng.randint(1, 10_000)),
                sequence,
                room_type_id=rng.choice(sorted(contract.room_type_ids)),
                nights=NightRange(start, start + timedelta(days=rng.randint(1, 30))),
                weekdays=ALL_WEEKDAYS if rng.random() < 0.7 else frozenset({Weekday.FRI, Weekday.SAT}),
                rooms=rng.randint(1, 3),
                rate=Decimal(rng.randint(50, 200)),
            )
        )
    cells = [
        PoolInput(room_type, FIRST_NIGHT + timedelta(days=offset), total=60, buffer=1, sold=rng.randint(0, 20))
        for room_type in range(1, ROOM_TYPES + 1)
        for offset in range(NIGHTS)
    ]
    picked_up = {
        (contract.contract_id, season.room_type_id, night): 1
        for contract in contracts
        for season in contract.seasons
        for night in season.nights
        if rng.random() < 0.33
    }
    return contracts, events, cells, picked_up


def main(runs: int) -> None:
    contracts, events, cells, picked_up = build(random.Random(14))
    timings, cpu = [], []
    result = None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = resolve_calendar(contracts, events, cells, picked_up=picked_up, as_of=AS_OF, today=FIRST_NIGHT)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    assert result is not None
    ordered = sorted(timings)
    print(
        f"resolve one property ({ROOM_TYPES} room types, {CONTRACTS} contracts, {EVENTS} events, {NIGHTS} nights;"
        f" {len(result.allotments)} contract nights, {len(result.pools)} pool nights), {runs} runs:"
        f" p50 {statistics.median(timings):.0f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms,"
        f" max {ordered[-1]:.0f} ms; CPU p50 {statistics.median(cpu):.0f} ms (target <= 200 ms);"
        f" load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
