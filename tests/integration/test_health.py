"""GET /health and /health/ready through the Chalice test client, on real PostgreSQL and moto."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app
from chalicelib.aws.clients import reset_clients
from chalicelib.aws.queues import reset_queue_urls
from chalicelib.config import reset_settings


def test_liveness_needs_nothing() -> None:
    with Client(app) as client:
        response = client.http.get("/health")
    assert response.status_code == 200
    assert json.loads(response.body)["status"] == "ok"
    assert response.headers["X-Request-Id"]


def test_ready_when_postgres_sqs_and_kms_answer(database_url: str, aws: object) -> None:
    with Client(app) as client:
        response = client.http.get("/health/ready")
    body = json.loads(response.body)
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {check["name"]: check["ok"] for check in body["checks"]} == {"postgres": True, "sqs": True, "kms": True}
    assert all(check["duration_ms"] >= 0 for check in body["checks"])
    assert body["heartbeat"]["received_total"] == 0


def test_not_ready_names_the_failing_dependency(
    database_url: str, aws: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local.postgres import free_port

    # Given SQS and KMS unreachable (nothing listens on that port)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    reset_settings()
    reset_clients()
    reset_queue_urls()
    with Client(app) as client:
        response = client.http.get("/health/ready")
    body = json.loads(response.body)
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    checks = {check["name"]: check for check in body["checks"]}
    assert checks["postgres"]["ok"] is True
    assert checks["sqs"]["ok"] is False and checks["kms"]["ok"] is False
    assert "EndpointConnectionError" in checks["sqs"]["detail"]


def test_not_ready_when_schema_is_behind(database_url: str, aws: object) -> None:
    from chalicelib.db import migrate
    from chalicelib.db.engine import dispose_engines

    migrate.downgrade(database_url, "base")
    migrate.upgrade(database_url, "0001")
    dispose_engines()
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    engine.dispose()
    with Client(app) as client:
        response = client.http.get("/health/ready")
    checks = {check["name"]: check for check in json.loads(response.body)["checks"]}
    assert response.status_code == 503
    assert "run migrations" in checks["postgres"]["detail"]
