"""The webhook receiver on real PostgreSQL and moto (SQS, KMS): how fast an OTA gets its answer.

Prints (never passes or fails on a time):
1. ``POST /webhooks/booking_com`` (signed JSON): parse, HMAC check, KMS Decrypt of the account's
   credentials, receipt insert, one SQS send, commit — through the app (chalice test client);
2. the same notification again (a duplicate: no SQS send);
3. ``POST /webhooks/agoda`` (BookingHint XML, shared secret).

    .venv/bin/python bench/webhook_receiver.py [notifications]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

BDC_SECRET = "bench-bdc-hmac-key-0123456789"  # noqa: S105 - throwaway
AGODA_SECRET = "bench-agoda-hint-secret-0123"  # noqa: S105 - throwaway


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def figure(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
        f"max {max(values):.1f} ms (n={len(values)})"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    base = Path(tempfile.mkdtemp(prefix="ptx-bench-webhooks-"))
    from local.moto_server import MotoServer
    from local.postgres import EmbeddedPostgres, create_database

    postgres = EmbeddedPostgres(base / "data")
    postgres.start()
    moto = MotoServer().start()
    try:
        create_database(postgres.url(), "bench")
        os.environ.update({"DATABASE_URL": postgres.url("bench"), "AWS_REGION": "ap-southeast-1", **moto.environment()})
        from chalice.test import Client

        from app import app
        from chalicelib.aws import clients
        from chalicelib.aws.queues import queue_url
        from chalicelib.aws.resources import SYNC_JOBS_QUEUE
        from chalicelib.config import reset_settings
        from chalicelib.db.engine import dispose_engines
        from chalicelib.db.migrate import upgrade
        from chalicelib.ota import webhooks
        from local.aws_bootstrap import bootstrap
        from tests.ota_factories import make_account, make_connection, make_property

        reset_settings()
        upgrade(postgres.url("bench"))
        bootstrap()
        bdc = make_account(
            "VN", ota="booking_com", credentials={"username": "u", "password": "p", "webhook_secret": BDC_SECRET}
        )
        agoda = make_account("VN", ota="agoda", credentials={"api_key": "k", "webhook_secret": AGODA_SECRET})
        make_connection(make_property("VN"), bdc, "1234567")
        make_connection(make_property("VN"), agoda, "226110")

        def signed(notification_id: str) -> tuple[bytes, dict[str, str]]:
            body = json.dumps(
                {"id": notification_id, "event": "reservation.created", "hotel_id": "1234567", "reservation_id": "1"}
            ).encode()
            stamp = str(int(time.time()))
            return body, {
                "Content-Type": "application/json",
                webhooks.TIMESTAMP_HEADER: stamp,
                webhooks.SIGNATURE_HEADER: webhooks.signature_for(BDC_SECRET, stamp, body),
            }

        with Client(app) as client:
            fresh, repeated, hints = [], [], []
            for n in range(count):
                body, headers = signed(f"bench-{n}")
                started = time.perf_counter()
                response = client.http.post("/webhooks/booking_com", headers=headers, body=body)
                fresh.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 202, response.body
                started = time.perf_counter()
                response = client.http.post("/webhooks/booking_com", headers=headers, body=body)
                repeated.append((time.perf_counter() - started) * 1000)
                assert json.loads(response.body)["status"] == "duplicate"
                hint = (
                    f'<request timestamp="{int(time.time() * 1000)}"><property id="226110"><bookings>'
                    f'<booking booking_id="{n + 1}" last_action="x" status="ConfirmBooking"/></bookings></property>'
                    "</request>"
                ).encode()
                started = time.perf_counter()
                response = client.http.post(
                    "/webhooks/agoda",
                    headers={"Content-Type": "application/xml", webhooks.SHARED_SECRET_HEADER: AGODA_SECRET},
                    body=hint,
                )
                hints.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 202, response.body
        print(f"POST /webhooks/booking_com, new notification (enqueued):   {figure(fresh)}")
        print(f"POST /webhooks/booking_com, same notification (duplicate): {figure(repeated)}")
        print(f"POST /webhooks/agoda, BookingHint (enqueued):              {figure(hints)}")
        attributes = clients.sqs().get_queue_attributes(
            QueueUrl=queue_url(SYNC_JOBS_QUEUE), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        print(f"sync-jobs holds {attributes['ApproximateNumberOfMessages']} jobs for {3 * count} requests")
        dispose_engines()
    finally:
        moto.stop()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
