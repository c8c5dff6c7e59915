"""OTA simulators: one HTTP server per OTA speaking its wire protocol, with fault injection and a
JSON control API (see ``local/simulators/core.py``). Dev-only: used by tests and ``make run``.

Start one in a test::

    from local.simulators import BookingComSimulator, demo_hotel
    sim = BookingComSimulator().start()      # free port on 127.0.0.1
    sim.add_hotel(demo_hotel("1234567"))
    ... adapter against sim.url ...
    sim.stop()

Start all four (``make run`` will call :func:`start_all`)::

    python -m local.simulators --base-port 8101   # 8101 Booking.com, 8102 Expedia, 8103 Agoda, 8104 Traveloka
"""

from __future__ import annotations

from local.simulators.agoda import AgodaSimulator
from local.simulators.booking_com import BookingComSimulator
from local.simulators.core import Fault, Guest, Hotel, RatePlan, Room, Simulator, Stay
from local.simulators.expedia import ExpediaSimulator
from local.simulators.traveloka import TravelokaSimulator

SIMULATORS: dict[str, type[Simulator]] = {
    "booking_com": BookingComSimulator,
    "expedia": ExpediaSimulator,
    "agoda": AgodaSimulator,
    "traveloka": TravelokaSimulator,
}

# Demo hotel ids per OTA (Expedia wants numbers; the others take any string).
DEMO_HOTEL_IDS: dict[str, str] = {
    "booking_com": "1234567",
    "expedia": "556677",
    "agoda": "10730279",
    "traveloka": "TVK-HCM-01",
}


def demo_hotel(hotel_id: str, name: str = "PTX Saigon Riverside") -> Hotel:
    """A hotel with two room types and two rate plans each (ids the OTAs would assign)."""
    return Hotel(
        hotel_id=hotel_id,
        name=name,
        rooms=[
            Room("DLX", "Deluxe Double", [RatePlan("BAR", "Best Available Rate"), RatePlan("NRF", "Non-refundable")]),
            Room("STE", "Riverside Suite", [RatePlan("BAR", "Best Available Rate"), RatePlan("NRF", "Non-refundable")]),
        ],
    )


def start_all(*, host: str = "127.0.0.1", base_port: int = 0, with_demo_hotels: bool = True) -> dict[str, Simulator]:
    """Start every simulator (ports base_port+1.. or free ones) and return them by OTA code."""
    started: dict[str, Simulator] = {}
    for offset, (code, simulator_class) in enumerate(SIMULATORS.items(), start=1):
        simulator = simulator_class(host=host, port=base_port + offset if base_port else 0).start()
        if with_demo_hotels:
            simulator.add_hotel(demo_hotel(DEMO_HOTEL_IDS[code]))
        started[code] = simulator
    return started


__all__ = [
    "DEMO_HOTEL_IDS",
    "SIMULATORS",
    "AgodaSimulator",
    "BookingComSimulator",
    "ExpediaSimulator",
    "Fault",
    "Guest",
    "Hotel",
    "RatePlan",
    "Room",
    "Simulator",
    "Stay",
    "TravelokaSimulator",
    "demo_hotel",
    "start_all",
]
