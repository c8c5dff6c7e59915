"""``make run``: the whole product on one machine, in one process tree.

Starts, in order: the embedded PostgreSQL (data under ``.local/pgdata``, kept across restarts; as
root in a folder the ``postgres`` account cannot enter, under ``/var/tmp/ptx-cm-<hash>/pgdata``;
with the JWT signing keys in ``.local/jwt-signing-keys.json`` that seal its TOTP secrets),
migrations, the idempotent demo seed, moto server (AWS stand-in), the AWS bootstrap (queues with
DLQs, SNS topic, KMS key, secrets), the four OTA simulators with the demo OTA accounts and
connections (``local.demo_ota``), the live-updates WebSocket API emulator on ws://127.0.0.1:8001
(``local.live_server``), the API on http://localhost:8000 and the event runner (schedules + SQS
event source emulation). Ctrl-C (SIGINT) or SIGTERM stops all of it.

Settings (environment): PTX_API_PORT (8000; 0 = a free port, said in the first line, "api: ..."),
PTX_LOCAL_DIR (.local), PTX_PG_DATA (<local dir>/pgdata, or /var/tmp/ptx-cm-<hash>/pgdata when
PostgreSQL's account cannot reach it),
PTX_PG_PORT (54329), PTX_MOTO_PORT (free port), PTX_API_HOST (127.0.0.1),
PTX_SIMULATOR_BASE_PORT (8100: simulators on 8101-8104; 0 = free ports),
PTX_DEMO_BOOKING_INTERVAL (5: seconds between demo reservations across the simulators; 0 = off),
PTX_DEMO_POLL_INTERVAL (20: the poll interval override of the demo connections, seconds),
PTX_LIVE_PORT (8001: the live-updates WebSocket).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCAL_DATABASE = "ptx"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the PTX Channel Manager local stack.")
    parser.add_argument("--api-host", default=os.environ.get("PTX_API_HOST", "127.0.0.1"))
    parser.add_argument("--api-port", type=int, default=_env_int("PTX_API_PORT", 8000))
    parser.add_argument("--local-dir", default=os.environ.get("PTX_LOCAL_DIR", str(PROJECT_DIR / ".local")))
    parser.add_argument("--pg-data", default=os.environ.get("PTX_PG_DATA"))
    parser.add_argument("--pg-port", type=int, default=_env_int("PTX_PG_PORT", 54329))
    parser.add_argument("--moto-port", type=int, default=_env_int("PTX_MOTO_PORT", 0))
    parser.add_argument(
        "--simulator-base-port",
        type=int,
        default=_env_int("PTX_SIMULATOR_BASE_PORT", 8100),
        help="OTA simulators on base+1..base+4 (Booking.com, Expedia, Agoda, Traveloka); 0 = free ports",
    )
    parser.add_argument("--live-port", type=int, default=_env_int("PTX_LIVE_PORT", 8001), help="live updates WebSocket")
    parser.add_argument("--no-seed", action="store_true", help="skip the demo data")
    parser.add_argument(
        "--demo-booking-interval",
        type=float,
        default=float(os.environ.get("PTX_DEMO_BOOKING_INTERVAL") or 5),
        help="seconds between demo reservations across the simulators (0 = no stream)",
    )
    parser.add_argument(
        "--demo-poll-interval",
        type=int,
        default=_env_int("PTX_DEMO_POLL_INTERVAL", 20),
        help="poll interval override of the demo connections, seconds (20..3600)",
    )
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} stack        {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        say(f"received {signal.Signals(signum).name}, stopping")
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    from local.api_server import reserve_address
    from local.postgres import (
        EmbeddedPostgres,
        PostgresNotFound,
        create_database,
        database_exists,
        reachable_data_dir,
    )

    try:  # first: a port in use fails now, and nothing can take it while the rest starts
        api_socket = reserve_address(args.api_host, args.api_port)
    except OSError as exc:
        where = f"{args.api_host}:{args.api_port}"
        print(f"error: the API cannot listen on {where} ({exc}); choose a port with PTX_API_PORT", file=sys.stderr)
        return 2
    args.api_port = api_socket.getsockname()[1]
    say(f"api: http://{args.api_host}:{args.api_port} reserved (serving once the stack is ready)")
    local_dir = Path(args.local_dir).resolve()
    local_dir.mkdir(parents=True, exist_ok=True)
    pg_data = Path(args.pg_data).resolve() if args.pg_data else reachable_data_dir(local_dir / "pgdata")
    started = time.monotonic()
    try:
        postgres = EmbeddedPostgres(pg_data, args.pg_port, durable=True)
    except PostgresNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shutdown: list[tuple[str, object]] = []
    try:
        where = f"data in {pg_data}"
        if not args.pg_data and pg_data != local_dir / "pgdata" and postgres.account is not None:
            where += (
                f" (kept there across restarts: the '{postgres.account.pw_name}' account cannot enter "
                f"{local_dir.parent}; PTX_PG_DATA chooses another place)"
            )
        say(f"postgres: starting {postgres.bin_dir / 'postgres'} on 127.0.0.1:{postgres.port}, {where}")
        postgres.start()
        shutdown.append(("postgres", postgres.stop))
        if not database_exists(postgres.url(), LOCAL_DATABASE):
            create_database(postgres.url(), LOCAL_DATABASE)

        from local.moto_server import MotoServer

        moto = MotoServer(args.moto_port or None).start()
        shutdown.append(("moto server", moto.stop))
        os.environ.update(
            {
                "STAGE": "local",
                "DATABASE_URL": postgres.url(LOCAL_DATABASE),
                "AWS_REGION": os.environ.get("AWS_REGION", "ap-southeast-1"),
                "DB_POOL_SIZE": "5",
                "DB_MAX_OVERFLOW": "10",
                **moto.environment(),
            }
        )
        # Emailed links (password reset, invitations) point at the dashboard this stack serves.
        os.environ.setdefault("APP_BASE_URL", f"http://localhost:{args.api_port}")
        from chalicelib.config import reset_settings

        reset_settings()
        say(f"moto server: {moto.endpoint_url} (SQS, SNS, KMS, Secrets Manager, SES, EventBridge)")

        from chalicelib.db.engine import dispose_engines
        from chalicelib.db.migrate import current_revision, upgrade

        upgrade(postgres.url(LOCAL_DATABASE))
        say(f"migrations: database at revision {current_revision(postgres.url(LOCAL_DATABASE))}")
        if not args.no_seed:
            from local.demo_seed import seed

            say(f"demo seed: {seed()}")
        shutdown.append(("database pool", dispose_engines))

        from local.aws_bootstrap import bootstrap

        # The JWT keyring seals the TOTP secrets kept in PostgreSQL: it lives beside the data.
        resources = bootstrap(signing_keys_file=local_dir / "jwt-signing-keys.json")
        say(
            f"aws bootstrap: {len(resources.queue_urls)} queues, topic, KMS key, {len(resources.secret_arns)} secret(s)"
        )

        from local.demo_ota import start_simulators

        try:
            simulators = start_simulators(base_port=args.simulator_base_port)
        except OSError as exc:
            say(
                f"simulators: cannot listen on ports {args.simulator_base_port}+1..4 ({exc}); "
                "choose others with PTX_SIMULATOR_BASE_PORT"
            )
            return 2
        for simulator in simulators.values():
            shutdown.append((f"{simulator.ota} simulator", simulator.stop))
        say(
            "simulators: "
            + "  ".join(f"{code} {sim.url}" for code, sim in simulators.items())
            + "  (control: <url>/_control)"
        )
        if not args.no_seed:
            from local.demo_ota import seed_ota

            urls = {code: sim.url for code, sim in simulators.items()}
            say(f"demo OTA seed: {seed_ota(urls, poll_interval_seconds=args.demo_poll_interval)}")

        from app import app
        from local.api_server import start_server
        from local.live_server import LiveServer

        live = LiveServer(app, args.api_host, args.live_port).start()
        shutdown.append(("live updates server", live.stop))
        os.environ.update(live.environment())
        reset_settings()
        say(f"live updates: WebSocket API {live.url} (Management API {live.management_url})")

        from local.dashboard_files import DEFAULT_BUILD_DIR, is_built
        from local.demo_seed import DEMO_PASSWORD

        dashboard_dir = DEFAULT_BUILD_DIR if is_built() else None
        server_thread, _ = start_server(app, str(PROJECT_DIR), api_socket, dashboard_dir)
        shutdown.append(("api", server_thread.shutdown))

        from local.event_runner import EventRunner

        runner = EventRunner(app)
        runner.start()
        shutdown.append(("event runner", runner.stop))

        base = f"http://localhost:{args.api_port}"
        if not args.no_seed:
            from local.demo_ota import DemoBookingStream, point_webhooks_at

            api_for_simulators = f"http://127.0.0.1:{args.api_port}"
            say(f"webhooks: {', '.join(point_webhooks_at(simulators, api_for_simulators))} notify {api_for_simulators}")
            stream = DemoBookingStream(simulators, args.demo_booking_interval).start()
            shutdown.append(("demo booking stream", stream.stop))
            say(
                f"demo booking stream: one reservation every {args.demo_booking_interval:g}s across the simulators"
                if args.demo_booking_interval > 0
                else "demo booking stream: off (PTX_DEMO_BOOKING_INTERVAL=0)"
            )
        say(
            f"ready in {time.monotonic() - started:.1f}s: API {base}  docs {base}/api/docs  "
            f"readiness {base}/health/ready  live {live.url}"
        )
        say(f"database: {postgres.url(LOCAL_DATABASE)}   (Ctrl-C stops everything)")
        say(
            f"dashboard: {base}/  sign in as manager.vn@demo.ptx-cm.local / {DEMO_PASSWORD}"
            if dashboard_dir
            else "dashboard: not built (`make run` builds it: `make dashboard-build`)"
        )
        while not stop.wait(0.5):
            if not postgres.running:
                say("postgres exited unexpectedly; log tail:\n" + postgres.log_tail())
                return 1
        return 0
    finally:
        for name, stopper in reversed(shutdown):
            try:
                stopper()  # type: ignore[operator]
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                say(f"stopping {name} failed: {exc}")
        say("stopped")


if __name__ == "__main__":
    sys.exit(main())
