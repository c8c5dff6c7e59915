"""GET /health (liveness) and GET /health/ready (dependencies reachable, with timings)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalice.app import Response
from pydantic import BaseModel

from chalicelib.api.context import current_request_id
from chalicelib.api.routing import ApiBlueprint
from chalicelib.config import get_settings
from chalicelib.services import health_service

blueprint = ApiBlueprint(__name__, tag="health")


class Liveness(BaseModel):
    status: Literal["ok"]
    stage: str


class DependencyCheck(BaseModel):
    name: str
    ok: bool
    duration_ms: float
    detail: str


class HeartbeatInfo(BaseModel):
    last_received_at: datetime | None
    age_seconds: float | None
    received_total: int


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: list[DependencyCheck]
    heartbeat: HeartbeatInfo | None = None
    request_id: str | None = None


@blueprint.endpoint("/health", summary="Liveness: the function answers", response=Liveness, public=True)
def liveness() -> Liveness:
    return Liveness(status="ok", stage=get_settings().stage)


@blueprint.endpoint(
    "/health/ready",
    summary="Readiness: PostgreSQL, SQS and KMS reachable (503 otherwise)",
    response=Readiness,
    error_statuses=(503,),
    public=True,
)
def readiness() -> Response:
    checks = health_service.check_readiness()
    ready = all(check.ok for check in checks)
    heartbeat = None
    if any(check.name == "postgres" and check.ok for check in checks):
        status = health_service.heartbeat_status()
        heartbeat = HeartbeatInfo(
            last_received_at=status.last_received_at,
            age_seconds=status.age_seconds,
            received_total=status.received_total,
        )
    body = Readiness(
        status="ok" if ready else "unavailable",
        checks=[DependencyCheck(**check.__dict__) for check in checks],
        heartbeat=heartbeat,
        request_id=current_request_id(),
    )
    return Response(
        body=body.model_dump(mode="json"),
        status_code=200 if ready else 503,
        headers={"Content-Type": "application/json"},
    )
