"""``python -m local.simulators``: run the four OTA simulators until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading

from local.simulators import start_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the OTA simulators (Booking.com, Expedia, Agoda, Traveloka).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=8100, help="ports base+1..base+4 (0: free ports)")
    parser.add_argument(
        "--generate-every", type=float, default=0.0, help="seconds between random reservations (0: off)"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    simulators = start_all(host=args.host, base_port=args.base_port)
    for code, simulator in simulators.items():
        if args.generate_every > 0:
            simulator.start_generator(args.generate_every)
        print(f"{code:12} {simulator.url}   control: {simulator.url}/_control/health", flush=True)
    stop.wait()
    for simulator in simulators.values():
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
