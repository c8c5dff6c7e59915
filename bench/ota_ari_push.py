"""How long shaping and pushing a year of ARI takes, per OTA, against the local simulators.

A year of nightly values for 20 room types (availability changing every few nights) and 2 rate
plans each (rates changing weekly): first the pure planning (merge, fit, split), then the full
push over HTTP to each simulator (request budgets off; the simulators' own rate limits off).
Prints figures; never passes or fails on a time.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.ari import AriUpdate, plan_push
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import OtaCredentials
from chalicelib.ota.base import AdapterOptions
from chalicelib.ota.budget import Unlimited
from chalicelib.ota.factory import build_adapter
from local.simulators import DEMO_HOTEL_IDS, SIMULATORS, Hotel, RatePlan, Room

ROOMS = [f"R{n:02d}" for n in range(20)]
PLANS = ["BAR", "NRF"]
NIGHTS = 365


def nightly_updates(today: date) -> list[AriUpdate]:
    updates = []
    for index, room in enumerate(ROOMS):
        for night in range(NIGHTS):
            day = today + timedelta(days=night)
            updates.append(AriUpdate(room, day, day, availability=(night // (3 + index % 4)) % 6, version=night))
            for plan in PLANS:
                rate = Decimal(100 + (night // 7) % 5 * 10 + (20 if plan == "BAR" else 0))
                updates.append(AriUpdate(room, day, day, plan, rate=rate, currency="USD", version=night))
    return updates


def main() -> None:
    logging.getLogger("ptx-cm").setLevel(logging.WARNING)  # one line per request would drown the figures
    today = date.today()
    updates = nightly_updates(today)
    print(f"input: {len(updates)} single-night updates ({len(ROOMS)} rooms x {NIGHTS} nights, {len(PLANS)} rate plans)")
    for ota in OtaCode:
        started = time.perf_counter()
        batches, _ = plan_push(updates, ota, today=today)
        elapsed = time.perf_counter() - started
        ranges = sum(len(batch) for batch in batches)
        print(f"plan  {ota.display_name:11} {elapsed * 1000:7.0f} ms  -> {ranges} ranges in {len(batches)} message(s)")
    for code, simulator_class in SIMULATORS.items():
        simulator = simulator_class().start()
        simulator.requests_per_second = None
        hotel_id = DEMO_HOTEL_IDS[code]
        simulator.add_hotel(
            Hotel(hotel_id, "bench", rooms=[Room(r, r, [RatePlan(p, p) for p in PLANS]) for r in ROOMS])
        )
        credentials = dict(simulator.credentials)
        if code == "booking_com":
            credentials = {"username": credentials["username"], "password": credentials["password"]}
        adapter = build_adapter(
            code,
            lambda credentials=credentials: OtaCredentials(credentials),
            base_url=simulator.url,
            options=AdapterOptions(budget=Unlimited()),
        )
        started = time.perf_counter()
        result = adapter.push_ari(hotel_id, updates)
        elapsed = time.perf_counter() - started
        status = "ok" if result.ok else f"{len(result.errors)} error(s)"
        print(f"push  {OtaCode(code).display_name:11} {elapsed:7.2f} s   {result.messages_sent} message(s), {status}")
        adapter.close()
        simulator.stop()


if __name__ == "__main__":
    main()
