"""PTX Channel Manager: the one Chalice app behind every Lambda function.

API routes live in blueprints under chalicelib/api; this module wires them, and declares the
scheduled and SQS handlers, each a few lines: parse the event, call one service, return.
Importing it does no I/O (``chalice package`` and the test client import it).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from chalice.app import Chalice, CloudWatchEvent, Rate, SQSEvent

from chalicelib.api import (
    alerts,
    audit,
    auth,
    booking_statuses,
    bookings,
    calendar,
    docs,
    health,
    ota_accounts,
    ota_connections,
    properties,
    rate_plans,
    roles,
    settings,
    suppliers,
    sync,
    users,
    webhooks,
)
from chalicelib.api.middleware import add_response_observer, event_middleware, http_middleware
from chalicelib.aws.resources import HEARTBEAT_QUEUE
from chalicelib.services import heartbeat_service, housekeeping_service

app = Chalice(app_name="ptx-channel-manager")

app.register_middleware(http_middleware, "http")
for _event_type in ("scheduled", "sqs", "pure_lambda"):
    app.register_middleware(event_middleware, _event_type)

add_response_observer(audit.record_request_activity)

app.register_blueprint(health.blueprint)
app.register_blueprint(docs.blueprint)
app.register_blueprint(auth.blueprint)
app.register_blueprint(users.blueprint)
app.register_blueprint(roles.blueprint)
app.register_blueprint(audit.blueprint)
app.register_blueprint(properties.blueprint)
app.register_blueprint(calendar.blueprint)
app.register_blueprint(rate_plans.blueprint)
app.register_blueprint(suppliers.blueprint)
app.register_blueprint(settings.blueprint)
app.register_blueprint(ota_accounts.blueprint)
app.register_blueprint(ota_connections.blueprint)
app.register_blueprint(bookings.blueprint)
app.register_blueprint(booking_statuses.blueprint)
app.register_blueprint(alerts.blueprint)
app.register_blueprint(sync.blueprint)
app.register_blueprint(webhooks.blueprint)


# --- the built-in heartbeat: schedule → SQS → worker ------------------------------------------
@app.schedule(Rate(1, unit=Rate.MINUTES), name="heartbeat", description="Emit a heartbeat message")
def heartbeat(event: CloudWatchEvent) -> None:
    heartbeat_service.emit_heartbeat(source="schedule")


@app.on_sqs_message(queue=HEARTBEAT_QUEUE.name, batch_size=10, name="heartbeat_worker")
def heartbeat_worker(event: SQSEvent) -> PartialItemFailureResponse:
    return heartbeat_service.handle_heartbeat_batch(event.to_dict(), event.context)


# --- housekeeping: prompt upkeep every minute, slow upkeep every hour ------------------------------
@app.schedule(
    Rate(1, unit=Rate.MINUTES), name="housekeeping", description="Expire holds, relay the outbox, wake alerts"
)
def housekeeping(event: CloudWatchEvent) -> dict[str, dict[str, Any]]:
    return housekeeping_service.run_tasks(housekeeping_service.MINUTELY_TASKS)


@app.schedule(Rate(1, unit=Rate.HOURS), name="hourly_upkeep", description="Extend calendars, purge spent tokens")
def hourly_upkeep(event: CloudWatchEvent) -> dict[str, dict[str, Any]]:
    return housekeeping_service.run_tasks(housekeeping_service.HOURLY_TASKS)


# --- database migrations, invoked once per deploy from inside the VPC --------------------------
@app.lambda_function(name="migrate")
def migrate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.db import migrate as migrations
    from chalicelib.db.engine import database_url

    url = database_url()
    migrations.upgrade(url, str(event.get("revision", "head")))
    return {"revision": migrations.current_revision(url), "head": migrations.head_revision()}
